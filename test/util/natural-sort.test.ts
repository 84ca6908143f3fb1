import { describe, expect, it } from 'vitest';
import { naturalCompare, naturalSort } from '../../src/util/natural-sort.js';

describe('naturalSort', () => {
  it('orders digit runs as numbers', () => {
    expect(naturalSort(['HumanEval/13', 'HumanEval/2', 'HumanEval/1', 'HumanEval/100'])).toEqual([
      'HumanEval/1',
      'HumanEval/2',
      'HumanEval/13',
      'HumanEval/100',
    ]);
    expect(naturalSort(['pass@16', 'pass@2', 'maj@4', 'pass@1'])).toEqual([
      'maj@4',
      'pass@1',
      'pass@2',
      'pass@16',
    ]);
    expect(
      naturalSort(['test/algebra/2036.json', 'test/algebra/1349.json', 'test/geometry/248.json']),
    ).toEqual(['test/algebra/1349.json', 'test/algebra/2036.json', 'test/geometry/248.json']);
  });
  it('is a total order (equal numbers with different spellings still compare)', () => {
    expect(naturalCompare('a7', 'a07')).not.toBe(0);
    expect(Math.sign(naturalCompare('a7', 'a07'))).toBe(-Math.sign(naturalCompare('a07', 'a7')));
    expect(naturalCompare('x', 'x')).toBe(0);
    expect(naturalCompare('x1', 'x1y')).toBeLessThan(0);
  });
});
