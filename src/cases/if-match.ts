/**
 * The versions an `If-Match` header accepts: a comma-separated list of strong entity tags `"<version>"`.
 * Returns null when the header is absent (428); an empty list when nothing in it can match (412).
 * `*` and weak tags are not accepted: a write must name the version it was based on.
 */
export function parseIfMatch(header: string | undefined): number[] | null {
  if (header === undefined) return null;
  const versions: number[] = [];
  for (const part of header.split(',')) {
    const match = /^"([1-9][0-9]{0,9})"$/.exec(part.trim());
    if (match) {
      const version = Number(match[1]);
      if (Number.isSafeInteger(version) && version <= 2_147_483_647) versions.push(version);
    }
  }
  return versions;
}

/** The entity tag of a case version. */
export const etagOf = (version: number): string => `"${version}"`;
