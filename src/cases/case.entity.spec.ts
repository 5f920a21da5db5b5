import { getMetadataArgsStorage } from 'typeorm';
import {
  CASE_ATTRIBUTE_NAMES,
  CASE_ATTRIBUTES,
  DERIVED_ATTRIBUTE_NAMES,
  DERIVED_ATTRIBUTES,
  attributeSpec,
} from '../ctdc/index.js';
import { CaseEntity } from './case.entity.js';

const columns = new Map(
  getMetadataArgsStorage()
    .columns.filter((column) => column.target === CaseEntity)
    .map((column) => [column.propertyName, column.options]),
);

describe('CaseEntity holds the CTDC attribute table', () => {
  it.each([...CASE_ATTRIBUTE_NAMES])('%s: a column of the same property and SQL name', (name) => {
    const options = columns.get(name);
    expect(options).toBeDefined();
    expect(options?.name ?? name).toBe(CASE_ATTRIBUTES[name].column);
  });

  it.each([...CASE_ATTRIBUTE_NAMES])('%s: the column type fits the kind', (name) => {
    const options = columns.get(name);
    const spec = attributeSpec(name);
    const expected = { code: 'varchar', country: 'varchar', multi: 'text', boolean: 'boolean', date: 'date' };
    expect(options?.type).toBe(expected[spec.kind]);
    expect(options?.array === true).toBe(spec.kind === 'multi');
    // Erasure nulls every attribute, so every attribute column is nullable in the table.
    expect(options?.nullable).toBe(true);
  });

  it.each([...DERIVED_ATTRIBUTE_NAMES])(
    '%s (derived): a column of the same property and SQL name',
    (name) => {
      const options = columns.get(name);
      expect(options?.name ?? name).toBe(DERIVED_ATTRIBUTES[name].column);
    },
  );
});
