import { protectTable } from './protect-table.js';
import { syntheticTable } from '../../bench/synthetic-table.js';

// Timing is measured in bench/suppression.bench.ts, never asserted here.
describe('protectTable — a large answer', () => {
  it('protects a 3-dimensional answer with one multi-valued dimension (20,000+ non-empty cells) and lists nothing below k', () => {
    const { input, truth } = syntheticTable({ sizes: [120, 14, 20], multi: 1, records: 60_000, seed: 3 });
    expect(input.cells.length).toBeGreaterThan(20_000);
    const out = protectTable(input, { k: 11 });
    out.cells.forEach((c, i) => expect(c.status === 'unlisted').toBe(input.cells[i].count < 11));
    expect(out.summary.complementary).toBeGreaterThan(0);
    expect(truth.records).toBe(60_000);
  });
});
