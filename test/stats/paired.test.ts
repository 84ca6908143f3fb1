import { describe, expect, it } from 'vitest';
import { pairedBootstrap, pairedPermutation } from '../../src/stats/paired.js';
import { holm, benjaminiHochberg } from '../../src/stats/multiple.js';
import { minimumDetectableEffect } from '../../src/stats/power.js';
import { compareItemOutcomes, type ItemOutcome } from '../../src/stats/compare-items.js';
import { mcnemar } from '../../src/stats/mcnemar.js';
import { mulberry32 } from '../../src/util/rng.js';
import { aggregateOutcomes } from '../../src/metrics/definitions.js';

describe('paired bootstrap', () => {
  it('Efron & Tibshirani (1993), An Introduction to the Bootstrap, Table 2.1 mouse data (treatment group)', () => {
    // Treatment survival times; mean 86.86, SE 25.24 (sample sd/√n). The bootstrap SE converges to the plug-in
    // SE √((n−1)/n)·25.24 = 23.36 (their Table 6.1 reports bootstrap SEs around 23 for B ≥ 100).
    const x = [94, 197, 16, 38, 99, 141, 23];
    const r = pairedBootstrap(x, { resamples: 20000, seed: 1 });
    expect(r.diff).toBeCloseTo(86.857, 2);
    expect(r.stderr).toBeGreaterThan(23.36 * 0.97);
    expect(r.stderr).toBeLessThan(23.36 * 1.03);
    expect(r.ci95[0]).toBeLessThan(r.diff);
    expect(r.ci95[1]).toBeGreaterThan(r.diff);
  });

  it('constant differences give a point interval; seeds make it reproducible', () => {
    expect(pairedBootstrap([0.5, 0.5, 0.5]).ci95).toEqual([0.5, 0.5]);
    const d = Array.from({ length: 50 }, (_, i) => (i % 3) - 1);
    expect(pairedBootstrap(d, { seed: 9 })).toEqual(pairedBootstrap(d, { seed: 9 }));
  });

  it('CI of a mean difference agrees with the normal interval for large n', () => {
    const rnd = mulberry32(3);
    const d = Array.from({ length: 2000 }, () => (rnd() < 0.3 ? 1 : rnd() < 0.2 ? -1 : 0));
    const r = pairedBootstrap(d, { resamples: 4000 });
    const m = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / (d.length - 1));
    const half = (1.96 * sd) / Math.sqrt(d.length);
    expect(r.ci95[0]).toBeCloseTo(m - half, 2);
    expect(r.ci95[1]).toBeCloseTo(m + half, 2);
  });
});

describe('paired permutation', () => {
  it('exact enumeration by hand: diffs [1, 2, 3] → only the all-same-sign patterns reach |6|: p = 2/8', () => {
    const r = pairedPermutation([1, 2, 3, 0, 0]);
    expect(r.exact).toBe(true);
    expect(r.p).toBeCloseTo(0.25, 12);
  });
  it('on ±1 differences it equals the exact McNemar test', () => {
    const diffs = [-1, ...Array(7).fill(1), ...Array(30).fill(0)];
    expect(pairedPermutation(diffs).p).toBeCloseTo(mcnemar(1, 7).exactP, 12);
  });
  it('Monte Carlo when many differences are non-zero', () => {
    const rnd = mulberry32(5);
    const d = Array.from({ length: 300 }, () => rnd() - 0.5);
    const r = pairedPermutation(d, { resamples: 2000 });
    expect(r.exact).toBe(false);
    expect(r.p).toBeGreaterThan(0.01);
  });
});

describe('multiple comparisons', () => {
  it('Holm and BH agree with R p.adjust on a textbook vector', () => {
    // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02 ; "BH" = 0.02 0.04 0.04 0.02
    const p = [0.01, 0.04, 0.03, 0.005];
    holm(p).forEach((v, i) => expect(v).toBeCloseTo([0.03, 0.06, 0.06, 0.02][i], 12));
    benjaminiHochberg(p).forEach((v, i) => expect(v).toBeCloseTo([0.02, 0.04, 0.04, 0.02][i], 12));
    expect(holm([0.5, NaN])[1]).toBeNaN();
  });
});

describe('minimum detectable effect', () => {
  it('matches the closed form (z.975 + z.80)·sd/√n', () => {
    const r = minimumDetectableEffect({ n: 400, sdDiff: 0.5, meanA: 0.5, meanB: 0.5 });
    expect(r.mde).toBeCloseTo(((1.959964 + 0.841621) * 0.5) / 20, 5);
    expect(minimumDetectableEffect({ n: 100, sdDiff: 0, meanA: 0.5, meanB: 0.5 }).basis).toMatch(
      /independent/,
    );
  });
});

/** Simulated checkpoint pairs with a known true difference: items p_i ~ U(0.1, 0.8), B passes with p_i + δ. */
function simulate(
  seed: number,
  items: number,
  n: number,
  delta: number,
): { a: Map<string, ItemOutcome>; b: Map<string, ItemOutcome> } {
  const rnd = mulberry32(seed);
  const a = new Map<string, ItemOutcome>();
  const b = new Map<string, ItemOutcome>();
  for (let i = 0; i < items; i++) {
    const p = 0.1 + 0.7 * rnd();
    let ca = 0;
    let cb = 0;
    for (let s = 0; s < n; s++) {
      if (rnd() < p) ca++;
      if (rnd() < p + delta) cb++;
    }
    a.set(`i${i}`, { n, value: ca / n });
    b.set(`i${i}`, { n, value: cb / n });
  }
  return { a, b };
}

describe('coverage of the paired CI over many seeds (true difference known)', () => {
  for (const [n, label] of [
    [1, '0/1 outcomes (McNemar)'],
    [5, 'n = 5 samples per item (permutation)'],
  ] as const) {
    it(`${label}: 95% CI covers δ = 0.05 at about the nominal rate over 500 seeds`, () => {
      const delta = 0.05;
      let covered = 0;
      let rejectedNull = 0;
      const seeds = 500;
      for (let s = 1; s <= seeds; s++) {
        const { a, b } = simulate(s, 200, n, delta);
        const c = compareItemOutcomes('t', 'pass@1', a, b, { seed: s, resamples: 1000, permutations: 500 });
        if (c.ci95[0] <= delta && delta <= c.ci95[1]) covered++;
        // Type I error under H0 with the same design:
        const h0 = simulate(10_000 + s, 200, n, 0);
        const c0 = compareItemOutcomes('t', 'pass@1', h0.a, h0.b, {
          seed: s,
          resamples: 200,
          permutations: 500,
        });
        if (c0.test.p < 0.05) rejectedNull++;
        expect(c.binary).toBe(n === 1);
      }
      const coverage = covered / seeds;
      expect(coverage).toBeGreaterThanOrEqual(0.92);
      expect(coverage).toBeLessThanOrEqual(0.98);
      expect(rejectedNull / seeds).toBeLessThanOrEqual(0.08);
      expect(rejectedNull / seeds).toBeGreaterThanOrEqual(0.01);
    });
  }
});

describe('compareItemOutcomes', () => {
  it('lists flips, pairs only common items and computes McNemar on discordant pairs', () => {
    const a = new Map<string, ItemOutcome>([
      ['x', { n: 1, value: 1 }],
      ['y', { n: 1, value: 0 }],
      ['z', { n: 1, value: 1 }],
      ['only-a', { n: 1, value: 1 }],
    ]);
    const b = new Map<string, ItemOutcome>([
      ['x', { n: 1, value: 0 }],
      ['y', { n: 1, value: 1 }],
      ['z', { n: 1, value: 1 }],
      ['only-b', { n: 1, value: 0 }],
    ]);
    const c = compareItemOutcomes('t', 'pass@1', a, b);
    expect(c.paired).toBe(3);
    expect(c.flips.passToFail.map((f) => f.itemId)).toEqual(['x']);
    expect(c.flips.failToPass.map((f) => f.itemId)).toEqual(['y']);
    expect(c.test.name).toMatch(/McNemar/);
    expect(c.test.p).toBe(1);
  });
});

describe('compareItemOutcomes with weighted outcomes (ratio metrics such as IFEval instruction-level)', () => {
  // Hand-computed: light items (1 instruction) improve a lot, heavy items (4 instructions) regress a little.
  // Unweighted mean difference: (6·(+1) + 6·(−0.25)) / 12 = +0.375. Weighted by instructions:
  // (6·1·(+1) + 6·4·(−0.25)) / (6·1 + 6·4) = (6 − 6) / 30 = 0, and per checkpoint
  // A = (6·0 + 6·4·1) / 30 = 0.8, B = (6·1 + 6·4·0.75) / 30 = 0.8.
  const a = new Map<string, ItemOutcome>();
  const b = new Map<string, ItemOutcome>();
  for (let i = 0; i < 6; i++) {
    a.set(`light${i}`, { n: 1, value: 0, weight: 1 });
    b.set(`light${i}`, { n: 1, value: 1, weight: 1 });
    a.set(`heavy${i}`, { n: 1, value: 1, weight: 4 });
    b.set(`heavy${i}`, { n: 1, value: 0.75, weight: 4 });
  }

  it('pairs the declared weights: means, difference, CI and test use Σ w·v / Σ w', () => {
    const c = compareItemOutcomes('ifeval', 'inst_level_strict_acc', a, b);
    expect(c.meanA).toBeCloseTo(0.8, 12);
    expect(c.meanB).toBeCloseTo(0.8, 12);
    expect(c.diff).toBeCloseTo(0, 12);
    expect(c.binary).toBe(false);
    expect(c.ci95[0]).toBeLessThan(0);
    expect(c.ci95[1]).toBeGreaterThan(0);
    // sign flips of w·d = ±1 on 12 items, observed Σ = 0: every pattern is at least as extreme → p = 1
    expect(c.test.p).toBe(1);
    expect(c.verdict).toBe('no detectable change');
    // the same items without weights would show a clear improvement
    const strip = (m: Map<string, ItemOutcome>) =>
      new Map([...m].map(([k, o]) => [k, { n: o.n, value: o.value }]));
    const u = compareItemOutcomes('ifeval', 'inst_level_strict_acc', strip(a), strip(b));
    expect(u.diff).toBeCloseTo(0.375, 12);
    expect(u.test.p).toBeLessThan(c.test.p);
  });

  it('the weighted means equal the metric value metrics.json reports for the same outcomes', () => {
    const spec = {
      name: 'inst_level_strict_acc',
      kind: 'ratio',
      scoreKey: 'strict',
      weightDetail: 'instructions',
    } as const;
    const c = compareItemOutcomes('ifeval', spec.name, a, b);
    expect(aggregateOutcomes(spec, [...a.values()]).value).toBeCloseTo(c.meanA, 12);
    expect(aggregateOutcomes(spec, [...b.values()]).value).toBeCloseTo(c.meanB, 12);
  });
});
