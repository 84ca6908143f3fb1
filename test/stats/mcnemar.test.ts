import { describe, expect, it } from 'vitest';
import { mcnemar } from '../../src/stats/mcnemar.js';
import { binomCdf, normalCdf, normalQuantile } from '../../src/stats/distributions.js';

describe('McNemar test against published values', () => {
  it('Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91, Table 1 example (b=1, c=7)', () => {
    // The paper reports: exact conditional p = 0.070, mid-p = 0.039, asymptotic McNemar p = 0.034.
    const r = mcnemar(1, 7);
    expect(r.exactP).toBeCloseTo(0.0703, 4); // 2 * 9/256
    expect(r.midP).toBeCloseTo(0.0391, 4); // 0.0703 - 8/256
    expect(r.asymptoticP).toBeCloseTo(0.0339, 3); // chi2 = 36/8 = 4.5
    expect(r.chi2).toBeCloseTo(4.5, 10);
  });

  it('Agresti, Categorical Data Analysis (3rd ed.), presidential approval ratings (b=150, c=86)', () => {
    // Agresti: z0 = (86 − 150)/√(86+150) = −4.17, z0² = 17.36, p < 0.001.
    const r = mcnemar(150, 86);
    expect(r.chi2).toBeCloseTo(17.36, 2);
    expect(Math.sqrt(r.chi2)).toBeCloseTo(4.17, 2);
    expect(r.asymptoticP).toBeLessThan(0.001);
    expect(r.exactP).toBeLessThan(0.001);
    expect(r.midP).toBeLessThan(r.exactP);
  });

  it('small cases computed by hand', () => {
    // b=0, c=5: P(X<=0) = 1/32 → exact = 2/32, mid-p = 2/32 − 1/32.
    expect(mcnemar(0, 5).exactP).toBeCloseTo(0.0625, 12);
    expect(mcnemar(0, 5).midP).toBeCloseTo(0.03125, 12);
    // symmetric: no evidence
    expect(mcnemar(4, 4).exactP).toBe(1);
    expect(mcnemar(4, 4).midP).toBe(1);
    expect(mcnemar(0, 0).midP).toBe(1);
    // order of b and c does not matter for a two-sided test
    expect(mcnemar(3, 11).midP).toBeCloseTo(mcnemar(11, 3).midP, 12);
    expect(() => mcnemar(-1, 2)).toThrow(/non-negative/);
  });

  it('distribution kernels', () => {
    expect(binomCdf(1, 8, 0.5)).toBeCloseTo(9 / 256, 14);
    expect(binomCdf(500, 1000, 0.5)).toBeCloseTo(0.5 + 0.5 * 0.025225, 5); // P(X=500) = 0.025225...
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
  });
});
