import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.js';

/**
 * A landed migration is never edited: databases that ran it would silently differ from new ones. Each
 * landed file is pinned here by its SHA-256; a change to the schema is a NEW migration (hand-written: the
 * entities do not declare the constraints, indexes, triggers and grants the migrations hold, so a
 * generated migration would drop them). Add the pin of a new migration when it lands.
 */
const PINNED: Record<string, string> = {
  '1795870000000-Platform.ts': '6a324eefdc522c8a53ce4eae9a7e84436830f63a80bf80eb0d7af0be7728fa68',
  '1795880000000-Cases.ts': 'fa0e7a55f02767dd021c6a8249ab3483b3295c210f92a625c2a22795652fc28d',
  '1796000000000-AggregateBudget.ts': 'cf3d0fea3d77d9e3bc68d69acd851f982545f524f2bea4326d87aa20b1a94801',
  '1796100000000-AuditChainV2.ts': 'a651b99367dd5eac2fd5c227f4aa2f001d9eb1098d3752eabd22a4e366c33d6f',
  '1796200000000-Robustness.ts': '4e3b5405870b0791233cab736081f43499d335c31fab2ef86d928d4441592137',
  '1796300000000-KeyEpochs.ts': '38e6018a91780f60f4a4b4208c015b056ba3a0fa1684188d92af1cd4685cf221',
  '1796300000001-TwoPersonRule.ts': '05a0c699a6e11056e87ace0ada2dc57dfdc499692adafc31897797dcf6d315bb',
  '1796500000000-Workflows.ts': '43fc8b10e3cc63a7aec37dfd52e4b9bb2c4c1c40a978908a5bc84c8bcbaa37b7',
  '1796600000000-ReleaseDocuments.ts': '76622396d580c226c67db0260f9888ceaaa580be077b3e92426ea7e54ff76fc5',
  '1797010000000-AuditStripes.ts': 'e3b744a71678bcdba05949ca4315b4f3cc99a9f894c30781aef9a1f9c7b2aa80',
  '1797030000000-AuditAppendForSession.ts':
    '86f8b350f4c5759281f95f65ffbf3000a8e66eff96ff29e7d9ea54998794e844',
  '1797040000000-AuditSettledHorizon.ts': '18bfa9a7facc078b08357b5476daf4db7add3159649e17bd06c383b053456aa9',
  '1797050000000-KeyStoreOwner.ts': '98d3fe16b5ea5c48db2c530ad8d2c1657cc2a803e997086ef806e8deeeb933b0',
};

const DIR = join(import.meta.dirname, '..', '..', 'migrations');

async function sha256(path: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', readFileSync(path));
  return Buffer.from(digest).toString('hex');
}

describe('landed migrations', () => {
  it.each(Object.keys(PINNED))('%s is unchanged since it landed', async (file) => {
    expect(await sha256(join(DIR, file))).toBe(PINNED[file]);
  });

  it('every migration file is pinned (pin a new one when it lands)', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
    expect(files.filter((f) => !(f in PINNED))).toEqual([]);
  });

  it('every migration file is registered, in timestamp order', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
    const timestamps = files.map((f) => Number(f.split('-')[0])).sort((a, b) => a - b);
    const registered = MIGRATIONS.map((m) => Number(/(\d{13})$/.exec(m.name)?.[1]));
    expect(registered).toEqual(timestamps);
  });
});
