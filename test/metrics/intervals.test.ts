import { describe, expect, it } from 'vitest';
import {
  clopperPearsonInterval,
  clusteredProportionInterval,
  tQuantile975,
  wilsonInterval,
} from '../../src/metrics/intervals.js';

describe('proportion intervals', () => {
  it('Wilson: published values, and 0/n, n/n stay informative (never [0,0] or [1,1])', () => {
    const [lo, hi] = wilsonInterval(5, 10);
    expect(lo).toBeCloseTo(0.2366, 4);
    expect(hi).toBeCloseTo(0.7634, 4);
    // 0/n: upper = z²/(n+z²); n/n: lower = n/(n+z²)
    expect(wilsonInterval(0, 5)).toEqual([0, expect.closeTo(3.8415 / 8.8415, 4)]);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(10, 10)[0]).toBeCloseTo(10 / 13.8415, 4);
    expect(wilsonInterval(10, 10)[1]).toBe(1);
    expect(wilsonInterval(5, 5)[0]).toBeCloseTo(0.5655, 4);
  });

  it('Clopper–Pearson: exact endpoints at 0/n and n/n', () => {
    expect(clopperPearsonInterval(0, 10)[0]).toBe(0);
    expect(clopperPearsonInterval(0, 10)[1]).toBeCloseTo(1 - 0.025 ** (1 / 10), 8);
    expect(clopperPearsonInterval(5, 5)[0]).toBeCloseTo(0.025 ** (1 / 5), 8);
    const [lo, hi] = clopperPearsonInterval(3, 10);
    expect(lo).toBeCloseTo(0.06674, 4);
    expect(hi).toBeCloseTo(0.65245, 4);
  });

  it('Student t quantiles', () => {
    expect(tQuantile975(1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile975(4)).toBeCloseTo(2.7764, 3);
    expect(tQuantile975(29)).toBeCloseTo(2.0452, 3);
  });

  it('one 0/1 sample per item is exactly Wilson', () => {
    const values = [1, 0, 1, 1, 0, 0, 0, 1, 1, 1];
    const r = clusteredProportionInterval(
      values,
      values.map(() => 1),
    );
    expect(r.value).toBe(0.6);
    expect(r.ci95).toEqual(wilsonInterval(6, 10));
  });

  it('clustered: 20 samples per problem, all failing on 5 problems → the 5-problem worst case, not [0,0]', () => {
    const r = clusteredProportionInterval([0, 0, 0, 0, 0], [20, 20, 20, 20, 20]);
    expect(r.value).toBe(0);
    expect(r.ci95[0]).toBe(0);
    expect(r.ci95[1]).toBeCloseTo(wilsonInterval(0, 5)[1], 12);
    const all = clusteredProportionInterval([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], Array(10).fill(20));
    expect(all.ci95).toEqual([expect.closeTo(10 / 13.8415, 4), 1]);
  });

  it('clustered: between-item variance sets the effective n (homogeneous items ≈ all samples, all-or-nothing ≈ items)', () => {
    // 40 problems, each passes 10 of 20 samples: no between-item variance → all 800 trials.
    const homogeneous = clusteredProportionInterval(Array(40).fill(0.5), Array(40).fill(20));
    expect(homogeneous.nEffective).toBe(800);
    // Some spread: n_eff = p(1−p)/Var̂ shrunk by (z/t₃₉)².
    const values = Array.from({ length: 40 }, (_, i) => (i % 2 ? 0.2 : 0.8));
    const spread = clusteredProportionInterval(values, Array(40).fill(20));
    const varP = ((40 / 39) * 40 * 0.09) / 1600;
    expect(spread.nEffective).toBeCloseTo((0.25 / varP) * (1.959964 / tQuantile975(39)) ** 2, 4);
    // 40 problems, half pass all 20, half none: the samples add nothing → 40 trials.
    const split = clusteredProportionInterval(
      Array.from({ length: 40 }, (_, i) => i % 2),
      Array(40).fill(20),
    );
    expect(split.nEffective).toBe(40);
    expect(split.ci95[1] - split.ci95[0]).toBeGreaterThan(homogeneous.ci95[1] - homogeneous.ci95[0]);
    expect(split.ci95).toEqual(wilsonInterval(20, 40));
  });
});
