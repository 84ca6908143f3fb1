import { describe, expect, it } from 'vitest';
import { aggregateCode } from '../../../src/scoring/code/aggregate.js';
import type { VerdictRecord } from '../../../src/types.js';

const v = (itemId: string, sampleIndex: number, scores: VerdictRecord['scores']): VerdictRecord => ({
  requestId: `t|${itemId}`,
  task: 't',
  itemId,
  sampleIndex,
  scores,
});

describe('aggregateCode', () => {
  it('unbiased pass@k per base with CIs, errored excluded and counted, missing items listed', () => {
    const items = ['A', 'B', 'C'].map((id) => ({ id, data: {} }));
    const verdicts: VerdictRecord[] = [];
    // A: 10 samples, 3 base passes, 1 plus pass; B: 10 samples, all pass + 1 errored; C: none.
    for (let i = 0; i < 10; i++) verdicts.push(v('A', i, { base: i < 3 ? 1 : 0, plus: i < 1 ? 1 : 0 }));
    for (let i = 0; i < 10; i++) verdicts.push(v('B', i, { base: 1, plus: 1 }));
    verdicts.push(v('B', 10, null));
    const m = aggregateCode({ task: 't', bases: ['base', 'plus'], primary: 'plus_pass@1' }, items, verdicts, {
      seed: 7,
    });
    expect(Object.keys(m.metrics).sort()).toEqual([
      'base_pass@1',
      'base_pass@10',
      'base_pass@5',
      'plus_pass@1',
      'plus_pass@10',
      'plus_pass@5',
    ]);
    expect(m.metrics['base_pass@1'].value).toBeCloseTo((0.3 + 1) / 2, 12);
    expect(m.metrics['plus_pass@1'].value).toBeCloseTo((0.1 + 1) / 2, 12);
    // pass@5 for c=3 of n=10: 1 - C(7,5)/C(10,5) = 1 - 21/252
    expect(m.metrics['base_pass@5'].value).toBeCloseTo((1 - 21 / 252 + 1) / 2, 12);
    expect(m.metrics['base_pass@10'].value).toBe(1);
    expect(m.metrics['plus_pass@1'].ci95![0]).toBeLessThanOrEqual(m.metrics['plus_pass@1'].value);
    expect(m.counts).toEqual({ items: 3, samples: 21, scored: 20, errored: 1, missingItems: 1 });
    expect(m.missingItems).toEqual(['C']);
    expect(m.breakdowns!.problem.A).toEqual({ n: { value: 10 }, base_c: { value: 3 }, plus_c: { value: 1 } });
    // same seed → same CI
    const again = aggregateCode(
      { task: 't', bases: ['base', 'plus'], primary: 'plus_pass@1' },
      items,
      [...verdicts].reverse(),
      { seed: 7 },
    );
    expect(again.metrics).toEqual(m.metrics);
  });

  it("'pass' base is reported as pass@k", () => {
    const m = aggregateCode(
      { task: 't', bases: ['pass'], primary: 'pass@1' },
      [{ id: 'A', data: {} }],
      [v('A', 0, { pass: 1 })],
      {},
    );
    expect(Object.keys(m.metrics)).toEqual(['pass@1']);
    expect(m.metrics['pass@1'].value).toBe(1);
  });
});
