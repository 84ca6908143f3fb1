import { describe, expect, it } from 'vitest';
import { avgAtN, majAtK, type VoteSample } from '../../src/metrics/majority.js';

const s = (score: number, key: string | null): VoteSample => ({ score, key });

/** Reference by brute force: every k-subset, majority with ties split evenly, nobody voting scores 0. */
function majByEnumeration(xs: VoteSample[], k: number): number {
  let total = 0;
  let count = 0;
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === k) {
      const votes = new Map<string, { n: number; score: number }>();
      for (const i of chosen) {
        const key = xs[i].key;
        if (key === null) continue;
        const v = votes.get(key) ?? { n: 0, score: xs[i].score };
        v.n++;
        votes.set(key, v);
      }
      const top = Math.max(0, ...[...votes.values()].map((v) => v.n));
      const tied = [...votes.values()].filter((v) => v.n === top && top > 0);
      total += tied.length ? tied.reduce((a, v) => a + v.score, 0) / tied.length : 0;
      count++;
      return;
    }
    for (let i = start; i < xs.length; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return total / count;
}

describe('exact maj@k', () => {
  it('matches hand-computed values', () => {
    // r r w w w (r correct): maj@1 = 2/5; maj@2 = (1 subset rr + 6 ties·½)/10 = 0.4; maj@3 = 3/10; maj@5 = 0.
    const xs = [s(1, 'r'), s(1, 'r'), s(0, 'w'), s(0, 'w'), s(0, 'w')];
    expect(majAtK(xs, 1)).toBeCloseTo(0.4, 12);
    expect(majAtK(xs, 2)).toBeCloseTo(0.4, 12);
    expect(majAtK(xs, 3)).toBeCloseTo(0.3, 12);
    expect(majAtK(xs, 5)).toBe(0);
    // a sample with no answer does not vote: {r,·} → 1, {r,w} → ½, {·,w} → 0.
    expect(majAtK([s(1, 'r'), s(0, null), s(0, 'w')], 2)).toBeCloseTo(0.5, 12);
    expect(majAtK([s(0, null), s(0, null)], 2)).toBe(0);
    expect(() => majAtK(xs, 6)).toThrow(RangeError);
  });

  it('maj@1 equals the mean score and maj@k does not depend on sample order', () => {
    const xs = [s(1, 'a'), s(0, 'b'), s(0, null), s(1, 'a'), s(0, 'c'), s(0, 'b'), s(1, 'a')];
    expect(majAtK(xs, 1)).toBeCloseTo(avgAtN(xs), 12);
    for (const k of [2, 3, 4, 7]) expect(majAtK([...xs].reverse(), k)).toBeCloseTo(majAtK(xs, k), 12);
  });

  it('agrees with enumeration of all subsets on random items (up to 12 samples, up to 5 answers)', () => {
    let seed = 99;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(rnd() * 12);
      const answers = 1 + Math.floor(rnd() * 5);
      const xs = Array.from({ length: n }, () => {
        const a = Math.floor(rnd() * (answers + 1));
        return a === answers ? s(0, null) : s(a === 0 ? 1 : 0, `ans${a}`);
      });
      for (let k = 1; k <= n; k++) expect(majAtK(xs, k)).toBeCloseTo(majByEnumeration(xs, k), 10);
    }
  });

  it('is fast enough for n = 64 with many distinct answers (no subset enumeration)', () => {
    const xs = Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? s(1, 'gold') : s(0, `w${i}`)));
    const v = majAtK(xs, 32);
    expect(v).toBeGreaterThan(0.99); // ~11 gold votes against single wrong votes
    expect(v).toBeLessThanOrEqual(1);
  });
});
