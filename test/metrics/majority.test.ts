import { describe, expect, it } from 'vitest';
import { avgAtN, majAtK, majorityCorrect } from '../../src/metrics/majority.js';

describe('majority voting', () => {
  const s = (score: number, key: string | null) => ({ score, key });
  it('majority answer decides; samples without an answer do not vote; ties go to the first key', () => {
    expect(majorityCorrect([s(0, 'a'), s(1, 'b'), s(1, 'b'), s(0, null), s(0, null)])).toBe(1);
    expect(majorityCorrect([s(1, 'b'), s(0, 'a')])).toBe(1);
    expect(majorityCorrect([s(0, 'a'), s(1, 'b')])).toBe(0);
    expect(majorityCorrect([s(0, null)])).toBe(0);
  });
  it('maj@k over subsets is seeded and between the extremes; maj@n is the full vote', () => {
    const xs = [s(1, 'r'), s(1, 'r'), s(0, 'w'), s(0, 'w'), s(0, 'w'), s(1, 'r'), s(1, 'r'), s(1, 'r')];
    expect(majAtK(xs, 8)).toBe(1);
    const m4 = majAtK(xs, 4, 7);
    expect(m4).toBe(majAtK(xs, 4, 7));
    expect(m4).toBeGreaterThan(0.5);
    expect(m4).toBeLessThan(1);
    expect(majAtK(xs, 1, 3)).toBeCloseTo(5 / 8, 1);
    expect(() => majAtK(xs, 9)).toThrow(RangeError);
    expect(avgAtN(xs)).toBe(5 / 8);
  });
});
