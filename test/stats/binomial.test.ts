import { describe, expect, it } from 'vitest';
import { logFactorial, sampleBinomial, sampleMultinomial } from '../../src/stats/binomial.js';
import { mcnemar } from '../../src/stats/mcnemar.js';
import { pairedBootstrap, pairedPermutation } from '../../src/stats/paired.js';
import { mulberry32 } from '../../src/util/rng.js';

/** Exact Binomial(n, p) pmf by the product recurrence (independent of the sampler's code path). */
function pmf(n: number, p: number): number[] {
  // In logs: (1 − p)ⁿ underflows for large n.
  const logs = [n * Math.log1p(-p)];
  for (let x = 1; x <= n; x++)
    logs.push(logs[x - 1] + Math.log(n - x + 1) - Math.log(x) + Math.log(p) - Math.log1p(-p));
  return logs.map(Math.exp);
}

describe('binomial sampler', () => {
  it('logFactorial: exact table below 64 and Stirling above agree with direct sums', () => {
    let direct = 0;
    for (let k = 1; k <= 2000; k++) {
      direct += Math.log(k);
      if (k === 63 || k === 64 || k === 100 || k === 2000) expect(logFactorial(k)).toBeCloseTo(direct, 9);
    }
  });

  // Chi-square goodness of fit against the exact pmf, for both code paths (small n·p: inversion from 0;
  // large n·p: chop-down from the mode) and p > ½ (reflection). Cells with expected count < 5 are pooled.
  for (const [n, p] of [
    [10, 0.3],
    [40, 0.9],
    [200, 0.25],
    [5000, 0.5],
    [25000, 0.13],
  ] as const) {
    it(`Binomial(${n}, ${p}): draws follow the exact pmf (χ² test) with the right mean and variance`, () => {
      const rnd = mulberry32(n + Math.round(1000 * p));
      const draws = 40000;
      const hist = new Map<number, number>();
      let sum = 0;
      let sum2 = 0;
      for (let i = 0; i < draws; i++) {
        const x = sampleBinomial(n, p, rnd);
        expect(Number.isInteger(x) && x >= 0 && x <= n).toBe(true);
        hist.set(x, (hist.get(x) ?? 0) + 1);
        sum += x;
        sum2 += x * x;
      }
      const mean = sum / draws;
      const variance = sum2 / draws - mean * mean;
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(mean - n * p)).toBeLessThan((4 * sd) / Math.sqrt(draws));
      expect(variance / (sd * sd)).toBeGreaterThan(0.95);
      expect(variance / (sd * sd)).toBeLessThan(1.05);
      const f = pmf(n, p);
      let chi2 = 0;
      let cells = 0;
      let accE = 0;
      let accO = 0;
      for (let x = 0; x <= n; x++) {
        accE += f[x] * draws;
        accO += hist.get(x) ?? 0;
        if (accE >= 5 || x === n) {
          chi2 += (accO - accE) ** 2 / Math.max(accE, 1e-9);
          cells++;
          accE = 0;
          accO = 0;
        }
      }
      // 99.9% quantile of χ²(df) ≈ df + 3.1·√(2·df) + 10 is a generous bound for df ≤ 300.
      const df = cells - 1;
      expect(chi2).toBeLessThan(df + 3.1 * Math.sqrt(2 * df) + 10);
    });
  }

  it('multinomial counts sum to n and have the right expectations', () => {
    const rnd = mulberry32(11);
    const probs = [0.1, 0.05, 0.85];
    const out = new Int32Array(3);
    const tot = [0, 0, 0];
    for (let r = 0; r < 5000; r++) {
      sampleMultinomial(1000, probs, rnd, out);
      expect(out[0] + out[1] + out[2]).toBe(1000);
      for (let j = 0; j < 3; j++) tot[j] += out[j];
    }
    tot.forEach((t, j) => expect(t / 5000 / 1000).toBeCloseTo(probs[j], 2));
  });
});

describe('count-based resampling has the same distribution as index resampling', () => {
  it('0/1 paired bootstrap: counts and indices give the same CI and SE up to Monte Carlo error', () => {
    const rnd = mulberry32(21);
    const d = Array.from({ length: 3000 }, () => (rnd() < 0.12 ? 1 : rnd() < 0.1 ? -1 : 0));
    const c = pairedBootstrap(d, { resamples: 20000, seed: 1, method: 'counts' });
    const i = pairedBootstrap(d, { resamples: 20000, seed: 2, method: 'indices' });
    expect(c.method).toBe('counts');
    expect(i.method).toBe('indices');
    expect(pairedBootstrap(d).method).toBe('counts');
    expect(c.diff).toBe(i.diff);
    // SE of the mean difference ≈ 0.0075 here; MC error of a 2.5% quantile with 20,000 resamples ≈ 0.0002.
    expect(Math.abs(c.stderr - i.stderr) / i.stderr).toBeLessThan(0.03);
    expect(Math.abs(c.ci95[0] - i.ci95[0])).toBeLessThan(0.0008);
    expect(Math.abs(c.ci95[1] - i.ci95[1])).toBeLessThan(0.0008);
  });

  it('n = 5 pass-rate differences (11 distinct values) also use counts, matching indices', () => {
    const rnd = mulberry32(22);
    const d = Array.from({ length: 2000 }, () => (Math.floor(rnd() * 6) - Math.floor(rnd() * 5)) / 5);
    const c = pairedBootstrap(d, { resamples: 20000, seed: 3 });
    const i = pairedBootstrap(d, { resamples: 20000, seed: 4, method: 'indices' });
    expect(c.method).toBe('counts');
    expect(Math.abs(c.stderr - i.stderr) / i.stderr).toBeLessThan(0.03);
    expect(Math.abs(c.ci95[0] - i.ci95[0])).toBeLessThan(3 * 0.0005 + 0.001);
    expect(Math.abs(c.ci95[1] - i.ci95[1])).toBeLessThan(3 * 0.0005 + 0.001);
  });

  it('Monte Carlo sign-flip test on ±1 differences (grouped draws) agrees with the exact McNemar p', () => {
    // 40 discordant pairs (29 vs 11): exact two-sided binomial p = 0.0064; MC SE with 20,000 flips ≈ 0.0006.
    const diffs = [...Array(29).fill(1), ...Array(11).fill(-1), ...Array(200).fill(0)];
    const r = pairedPermutation(diffs, { resamples: 20000, seed: 5 });
    expect(r.exact).toBe(false);
    expect(Math.abs(r.p - mcnemar(11, 29).exactP)).toBeLessThan(0.0025);
  });
});
