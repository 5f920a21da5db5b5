import { describeDisclosureControl } from './describe.js';
import { buildPerturbationTable } from './perturbation-table.js';
import type { ProtectedTable } from './types.js';

const table: ProtectedTable = {
  cells: [],
  margins: [],
  total: { status: 'released', suppressed: false },
  summary: { complementary: 3, gridSize: 123 },
};

describe('describeDisclosureControl', () => {
  const ptable = buildPerturbationTable({ k: 11, maxPerturbation: 3, variance: 2 });
  const described = describeDisclosureControl(table, { k: 11, ptable });

  it('names k, the methods, the suppression counts and the perturbation parameters', () => {
    expect(described).toMatchObject({
      k: 11,
      methods: ['primary suppression', 'complementary suppression', 'cell-key perturbation'],
      complementarySuppressed: 3,
      perturbation: {
        method: 'cell-key (ABS TableBuilder / ONS)',
        tableId: 'ctr-ckm-v1-k11-D3-V2',
        maxPerturbation: 3,
        variance: 2,
        js: 10,
      },
    });
  });

  it('says that totals and margins are perturbed independently (no additivity)', () => {
    expect(described.additivity).toBe(
      'Totals and margins are perturbed independently of the cells; cells need not add up to margins or totals.',
    );
  });

  it('gives a citable statement naming k, D, V and the table id', () => {
    const statement = String(described.statement);
    for (const part of [
      'k = 11',
      'D = 3',
      'V = 2',
      'ctr-ckm-v1-k11-D3-V2',
      'cell-key',
      'complementary suppression',
    ]) {
      expect(statement).toContain(part);
    }
  });

  it('is JSON-serialisable and carries no count of the data', () => {
    const json = JSON.stringify(described);
    expect(JSON.parse(json)).toEqual(described);
    expect(json).not.toContain('123');
  });
});
