import { describe, expect, it } from 'vitest';
import { lastBoxedContent } from '../../../src/scoring/math/boxed.js';
import { mathEquivalent, voteKey } from '../../../src/scoring/math/equivalence.js';
import { extractFinalAnswer } from '../../../src/scoring/math/extract.js';
import { gsm8kGold, olmesGsm8kExactMatch, olmesGsm8kExtract } from '../../../src/scoring/math/gsm8k.js';
import { normalizeAnswer } from '../../../src/scoring/math/normalize.js';

const eq = (a: string, b: string) => mathEquivalent(a, b).equal;

describe('normalisation rules (real answer shapes)', () => {
  it.each([
    ['\\$5', '5'],
    ['$\\$1,000$', '1000'],
    ['10\\%', '10'],
    ['3\\text{ cm}', '3'],
    ['90^\\circ', '90'],
    ['90^{\\circ}', '90'],
    ['\\left( 3, \\frac{\\pi}{2} \\right)', '( 3, \\frac{\\pi}{2} )'],
    ['\\dfrac{\\sqrt{3}}{2}', '\\frac{\\sqrt{3}}{2}'],
    ['x = 5', '5'],
    ['x \\in [0, 1)', '[0, 1)'],
    ['\\text{Evelyn}', 'Evelyn'],
    ['18 dollars', '18'],
    ['42.', '42'],
    ['\\boxed{7}', '7'],
    ['1{,}000', '1000'],
  ])('normalizeAnswer(%s) = %s', (raw, want) => {
    expect(normalizeAnswer(raw)).toBe(want);
  });
});

describe('equivalence traps', () => {
  it('18.00 vs 18: chat right', () => expect(eq('18.00', '18')).toBe(true));
  it('fractions: \\frac{1}{2}, 0.5, 1/2, \\frac12', () => {
    for (const x of ['0.5', '1/2', '\\frac12', '\\dfrac{1}{2}', '\\tfrac{1}{2}'])
      expect(eq(x, '\\frac{1}{2}')).toBe(true);
    expect(eq('0.51', '\\frac{1}{2}')).toBe(false);
  });
  it('\\dfrac{\\sqrt{3}}{2}', () => {
    expect(eq('\\dfrac{\\sqrt{3}}{2}', '\\frac{\\sqrt3}{2}')).toBe(true);
    expect(eq('\\frac{1}{2}\\sqrt{3}', '\\frac{\\sqrt{3}}{2}')).toBe(true);
    expect(eq('\\frac{\\sqrt{2}}{2}', '\\frac{\\sqrt{3}}{2}')).toBe(false);
  });
  it('intervals keep bracket kinds', () => {
    expect(eq('(1, 2]', '(1,2]')).toBe(true);
    expect(eq('(1,2)', '(1,2]')).toBe(false);
    expect(eq('x \\in [0, 1)', '[0,1)')).toBe(true);
    expect(eq('[0,1]', '[0,1)')).toBe(false);
    expect(eq('(-\\infty, 3) \\cup (3, \\infty)', '(-\\infty,3)\\cup(3,\\infty)')).toBe(true);
  });
  it('percent, currency, units', () => {
    expect(eq('10\\%', '10')).toBe(true);
    expect(eq('\\$5', '5')).toBe(true);
    expect(eq('3\\text{ cm}', '3')).toBe(true);
    expect(eq('\\$5.00', '5')).toBe(true);
    expect(eq('\\$6', '5')).toBe(false);
  });
  it('matrices / vectors', () => {
    expect(eq('\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}', '\\begin{pmatrix}1\\\\-2\\end{pmatrix}')).toBe(
      true,
    );
    expect(
      eq(
        '\\begin{pmatrix} \\frac{1}{2} & 0 \\\\ 0 & 1 \\end{pmatrix}',
        '\\begin{pmatrix} 0.5 & 0 \\\\ 0 & 1 \\end{pmatrix}',
      ),
    ).toBe(true);
    expect(eq('\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}', '\\begin{pmatrix}1\\\\2\\end{pmatrix}')).toBe(
      false,
    );
  });
  it('\\pm, sets, lists, tuples', () => {
    expect(eq('3 \\pm \\sqrt{2}', '3+\\sqrt{2}, 3-\\sqrt{2}')).toBe(true);
    expect(eq('\\{1, 2\\}', '\\{2, 1\\}')).toBe(true);
    expect(eq('-2, 1', '1, -2')).toBe(true);
    expect(eq('(1, 2)', '(2, 1)')).toBe(false);
    expect(eq('1', '1, 2')).toBe(false);
  });
  it('symbolic expressions', () => {
    expect(eq('x^2+2x+1', '(x+1)^2')).toBe(true);
    expect(eq('2\\sqrt{2}', '\\sqrt{8}')).toBe(true);
    expect(eq('\\frac{\\pi}{4}', '0.25\\pi')).toBe(true);
    expect(eq('x^2', 'x^3')).toBe(false);
    expect(eq('\\binom{5}{2}', '10')).toBe(true);
    expect(eq('\\dbinom{6}{3}', '20')).toBe(true);
    expect(eq('\\binom{5}{2}', '11')).toBe(false);
    // Notation only compute-engine reads (the reader has no \log_b, \lfloor).
    expect(eq('\\log_2 8', '3')).toBe(true);
    expect(eq('\\lfloor 2.5 \\rfloor', '2')).toBe(true);
    expect(eq('\\lfloor 2.5 \\rfloor', '3')).toBe(false);
  });
  it('letters and text answers', () => {
    expect(eq('(C)', '\\text{(C)}')).toBe(true);
    expect(eq('\\text{Evelyn}', 'Evelyn')).toBe(true);
    expect(eq('B', '\\text{(C)}')).toBe(false);
  });
  it('never throws on garbage', () => {
    expect(eq('\\frac{1}{', '1')).toBe(false);
    expect(eq('', '1')).toBe(false);
    expect(eq('}}}{{{', '\\sqrt{')).toBe(false);
  });
  it('vote keys merge notations of the same number', () => {
    expect(voteKey('0.5')).toBe(voteKey('\\frac{1}{2}'));
    expect(voteKey('18.00')).toBe(voteKey('18'));
    expect(voteKey('1,000')).toBe(voteKey('\\$1000'));
  });
});

describe('extraction', () => {
  it('nested boxes', () => {
    expect(lastBoxedContent('so \\boxed{\\frac{\\sqrt{3}}{2}} done')).toBe('\\frac{\\sqrt{3}}{2}');
    expect(lastBoxedContent('\\boxed{1} then \\boxed{2}')).toBe('2');
    expect(lastBoxedContent('\\boxed{\\frac{1}{2}')).toBe(null);
  });
  it('chat final answer order', () => {
    expect(extractFinalAnswer('blah 5 ... The final answer is $17$.', { numeric: true }).answer).toBe('17');
    expect(extractFinalAnswer('<think>\\boxed{3}</think> so \\boxed{4}').answer).toBe('4');
    expect(extractFinalAnswer('Answer: 12\n').answer).toBe('12');
    expect(extractFinalAnswer('we get 3 then 1,250 apples', { numeric: true })).toEqual({
      answer: '1,250',
      method: 'last-number',
    });
    expect(extractFinalAnswer('no idea').answer).toBe(null);
    expect(extractFinalAnswer('The final answer is $\\$18.90$.').answer).toBe('\\$18.90');
  });
});

describe('GSM8K OLMES parity', () => {
  it('18.00 vs 18 is wrong (as OLMES)', () => {
    expect(olmesGsm8kExactMatch('so she makes $18.00 every day.', '18').score).toBe(0);
    expect(olmesGsm8kExactMatch('so she makes $18 every day. So the answer is 18.', '18').score).toBe(1);
  });
  it('last number, commas between digits removed', () => {
    expect(olmesGsm8kExtract('It costs 1,250 dollars, not 3.')).toBe('3');
    expect(olmesGsm8kExtract('So the answer is 1,250.')).toBe('1250');
    expect(olmesGsm8kExtract('no digits')).toBe('no digits');
  });
  it('integers lose their sign (OLMES regex quirk, reproduced)', () => {
    expect(olmesGsm8kExtract('The answer is -5.')).toBe('5');
    expect(olmesGsm8kExtract('The answer is -0.5.')).toBe('-0.5');
  });
  it('gold from "####" line', () => expect(gsm8kGold('... so 1,000\n#### 1,000')).toBe('1000'));
});
