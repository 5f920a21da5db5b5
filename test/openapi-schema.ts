/**
 * A strict check of a JSON value against a schema of the service's OpenAPI 3.0 document: the subset the
 * document uses ($ref, allOf, oneOf, nullable, enum, type, properties, required, additionalProperties,
 * items, minimum, maximum). An object key the schema does not declare is an error unless the schema allows
 * extra properties explicitly, so that a value passes only when the document describes all of it.
 */
export interface OpenApiDocument {
  components: { schemas: Record<string, Schema> };
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
}

export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
  enum?: unknown[];
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minimum?: number;
  maximum?: number;
}

export function resolve(document: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  while (current.$ref) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const next = document.components.schemas[name];
    if (!next) throw new Error(`unresolved ${current.$ref}`);
    current = next;
  }
  return current;
}

export function schemaErrors(document: OpenApiDocument, schema: Schema, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  check(document, schema, value, at, errors);
  return errors;
}

function check(document: OpenApiDocument, given: Schema, value: unknown, at: string, errors: string[]): void {
  const schema = resolve(document, given);
  if (value === null) {
    const nullable = schema.nullable || (schema.allOf ?? []).some((s) => resolve(document, s).nullable);
    if (!nullable) errors.push(`${at}: null where the document does not allow it`);
    return;
  }
  for (const part of schema.allOf ?? []) check(document, part, value, at, errors);
  if (schema.oneOf) {
    const matching = schema.oneOf.filter((s) => schemaErrors(document, s, value, at).length === 0);
    if (matching.length !== 1) errors.push(`${at}: matches ${matching.length} of oneOf`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value))
    errors.push(`${at}: ${JSON.stringify(value)} not in its enum`);
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        errors.push(`${at}: not an object`);
        return;
      }
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in record)) errors.push(`${at}.${key}: missing`);
      for (const [key, item] of Object.entries(record)) {
        const property = schema.properties?.[key];
        if (property) check(document, property, item, `${at}.${key}`, errors);
        else if (typeof schema.additionalProperties === 'object')
          check(document, schema.additionalProperties, item, `${at}.${key}`, errors);
        else if (schema.additionalProperties !== true) errors.push(`${at}.${key}: not in the document`);
      }
      return;
    }
    case 'array':
      if (!Array.isArray(value)) errors.push(`${at}: not an array`);
      else if (schema.items)
        value.forEach((item, i) => check(document, schema.items!, item, `${at}[${i}]`, errors));
      return;
    case 'string':
      if (typeof value !== 'string') errors.push(`${at}: not a string`);
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value)))
        errors.push(`${at}: not ${type === 'integer' ? 'an integer' : 'a number'}`);
      else if (
        (schema.minimum !== undefined && value < schema.minimum) ||
        (schema.maximum !== undefined && value > schema.maximum)
      )
        errors.push(`${at}: ${value} out of range`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${at}: not a boolean`);
      return;
    default:
      if (!schema.allOf) errors.push(`${at}: the document gives no type`);
  }
}

/**
 * Free-form objects reachable from a schema (an object with neither properties nor typed
 * additionalProperties): what a generated client can only type as `any`.
 */
export function freeFormPaths(
  document: OpenApiDocument,
  given: Schema,
  at = '$',
  seen = new Set<Schema>(),
): string[] {
  const schema = resolve(document, given);
  if (seen.has(schema)) return [];
  seen.add(schema);
  const out: string[] = [];
  for (const part of [...(schema.allOf ?? []), ...(schema.oneOf ?? [])])
    out.push(...freeFormPaths(document, part, at, seen));
  if (schema.type === 'object' && !schema.properties && typeof schema.additionalProperties !== 'object')
    out.push(at);
  if (schema.additionalProperties === true) out.push(`${at} (additionalProperties: true)`);
  for (const [key, property] of Object.entries(schema.properties ?? {}))
    out.push(...freeFormPaths(document, property, `${at}.${key}`, seen));
  if (typeof schema.additionalProperties === 'object')
    out.push(...freeFormPaths(document, schema.additionalProperties, `${at}.*`, seen));
  if (schema.items) out.push(...freeFormPaths(document, schema.items, `${at}[]`, seen));
  return out;
}
