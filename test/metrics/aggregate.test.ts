import { describe, expect, it } from 'vitest';
import { aggregateTask } from '../../src/metrics/aggregate.js';
import { passAtKMetrics } from '../../src/metrics/definitions.js';
import type { VerdictRecord } from '../../src/types.js';

const code = (keys: string[], n: number, primary: string) => ({
  name: 't',
  metrics: passAtKMetrics(keys, n),
  settings: { primaryMetric: primary },
});

const v = (itemId: string, sampleIndex: number, scores: VerdictRecord['scores']): VerdictRecord => ({
  requestId: `t|${itemId}`,
  task: 't',
  itemId,
  sampleIndex,
  scores,
});

describe('aggregateTask with declared pass@k metrics', () => {
  it('unbiased pass@k per base with CIs, errored excluded and counted, missing items listed', () => {
    const items = ['A', 'B', 'C'].map((id) => ({ id, data: {} }));
    const verdicts: VerdictRecord[] = [];
    // A: 10 samples, 3 base passes, 1 plus pass; B: 10 samples, all pass + 1 errored; C: none.
    for (let i = 0; i < 10; i++) verdicts.push(v('A', i, { base: i < 3 ? 1 : 0, plus: i < 1 ? 1 : 0 }));
    for (let i = 0; i < 10; i++) verdicts.push(v('B', i, { base: 1, plus: 1 }));
    verdicts.push(v('B', 10, null));
    const m = aggregateTask(code(['base', 'plus'], 10, 'plus_pass@1'), items, verdicts, {});
    expect(Object.keys(m.metrics)).toEqual([
      'base_pass@1',
      'base_pass@5',
      'base_pass@10',
      'plus_pass@1',
      'plus_pass@5',
      'plus_pass@10',
    ]);
    expect(m.metrics['base_pass@1'].value).toBeCloseTo((0.3 + 1) / 2, 12);
    expect(m.metrics['plus_pass@1'].value).toBeCloseTo((0.1 + 1) / 2, 12);
    // pass@5 for c=3 of n=10: 1 - C(7,5)/C(10,5) = 1 - 21/252
    expect(m.metrics['base_pass@5'].value).toBeCloseTo((1 - 21 / 252 + 1) / 2, 12);
    expect(m.metrics['base_pass@10'].value).toBe(1);
    expect(m.metrics['plus_pass@1'].ci95![0]).toBeLessThanOrEqual(m.metrics['plus_pass@1'].value);
    expect(m.counts).toEqual({ items: 3, samples: 21, scored: 20, errored: 1, missingItems: 1 });
    expect(m.missingItems).toEqual(['C']);
    expect(m.breakdowns).toBeUndefined(); // no per-problem dump: compare recomputes outcomes from verdicts
    expect(m.declared!.map((d) => d.name)).toEqual(Object.keys(m.metrics));
    // order of verdicts does not matter
    const again = aggregateTask(
      code(['base', 'plus'], 10, 'plus_pass@1'),
      items,
      [...verdicts].reverse(),
      {},
    );
    expect(again.metrics).toEqual(m.metrics);
  });

  it("'pass' base is reported as pass@k", () => {
    const m = aggregateTask(
      code(['pass'], 1, 'pass@1'),
      [{ id: 'A', data: {} }],
      [v('A', 0, { pass: 1 })],
      {},
    );
    expect(Object.keys(m.metrics)).toEqual(['pass@1']);
    expect(m.metrics['pass@1'].value).toBe(1);
  });
});

describe('uneven sample counts are handled per item', () => {
  it('pass@k uses each item its own n; items with n < k are left out and reported; names never change', () => {
    const items = ['A', 'B', 'C'].map((id) => ({ id, data: {} }));
    // A replayed file with 3/2/2 samples: A passes 1 of 3, B 2 of 2, C 0 of 2; plus one errored sample of C.
    const verdicts: VerdictRecord[] = [
      v('A', 0, { pass: 1 }),
      v('A', 1, { pass: 0 }),
      v('A', 2, { pass: 0 }),
      v('B', 0, { pass: 1 }),
      v('B', 1, { pass: 1 }),
      v('C', 0, { pass: 0 }),
      v('C', 1, { pass: 0 }),
      v('C', 2, null),
    ];
    const m = aggregateTask(
      { name: 't', metrics: passAtKMetrics(['pass'], 3, [1, 2, 3]), settings: { primaryMetric: 'pass@1' } },
      items,
      verdicts,
      {},
    );
    // pass@1 = mean(1/3, 1, 0) over all three items, each with its own n (not the first min(n) samples).
    expect(m.metrics['pass@1'].value).toBeCloseTo((1 / 3 + 1 + 0) / 3, 12);
    expect(m.metrics['pass@1'].samplesPerItem).toEqual([2, 3]);
    expect(m.metrics['pass@1'].method).toMatch(/2–3 samples per item/);
    // pass@2: A = 1 - C(2,2)/C(3,2) = 2/3, B = 1, C = 0.
    expect(m.metrics['pass@2'].value).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
    // pass@3: only A has 3 samples; B and C are left out and the method says so.
    expect(m.metrics['pass@3'].value).toBe(1);
    expect(m.metrics['pass@3'].items).toBe(1);
    expect(m.metrics['pass@3'].method).toMatch(/2 with fewer than 3 samples left out/);
    expect(m.counts.errored).toBe(1);
  });
});
