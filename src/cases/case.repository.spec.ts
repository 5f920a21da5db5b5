import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RAW_CASES_SQL } from './case.repository.js';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const files = sourceFiles(join(ROOT, 'src')).map((path) => ({
  path: relative(ROOT, path).split('\\').join('/'),
  text: readFileSync(path, 'utf8'),
}));

/** SQL that reads or writes the cases table, in any style: raw text, QueryBuilder or Repository. */
const SQL_ON_CASES = /\b(FROM|JOIN|UPDATE|INTO)\s+cases\b/i;
const ORM_ON_CASES = /(getRepository|createQueryBuilder|update|insert|delete)\(\s*CaseEntity\b/;

describe('one scoped entry to the cases table', () => {
  const allowed = new Set<string>(['src/cases/case.repository.ts', ...Object.keys(RAW_CASES_SQL)]);

  it('no file outside the repository and the inventory runs SQL on cases', () => {
    const offenders = files
      .filter(({ text }) => SQL_ON_CASES.test(text) || ORM_ON_CASES.test(text))
      .map(({ path }) => path)
      .filter((path) => !allowed.has(path));
    expect(offenders).toEqual([]);
  });

  it('every inventory entry names a file that exists and gives a reason', () => {
    for (const [path, reason] of Object.entries(RAW_CASES_SQL)) {
      expect(files.map((f) => f.path)).toContain(path);
      expect(reason.length).toBeGreaterThan(20);
    }
  });

  it('only the repository uses the CaseEntity with TypeORM query APIs', () => {
    const users = files.filter(({ text }) => ORM_ON_CASES.test(text)).map(({ path }) => path);
    expect(users).toEqual(['src/cases/case.repository.ts']);
  });
});
