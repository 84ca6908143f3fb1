import { describe, expect, it } from 'vitest';
import { factsFromItemData, splitProgram, voteHistogram } from '../../src/report/item-facts.js';
import type { SampleRow } from '../../src/store/db/results-db.js';

describe('splitProgram', () => {
  const prompt =
    'from typing import List\n\n\ndef f(xs: List[int]) -> int:\n    """Sum.\n\n    >>> f([1])\n    1\n    """\n';
  it('folds the signature and docstring copied from the prompt, even when a sanitizer dropped blank lines', () => {
    const program =
      'from typing import List\ndef f(xs: List[int]) -> int:\n    """Sum.\n\n    >>> f([1])\n    1\n    """\n    return sum(xs)\n';
    const { given, written } = splitProgram(program, prompt);
    expect(given).toContain('def f(');
    expect(written).toBe('    return sum(xs)\n');
  });
  it('keeps a whole program the model wrote itself (chat answers)', () => {
    const program = 'def f(xs):\n    return sum(xs)\n';
    expect(splitProgram(program, 'Write f.\n```python\n')).toEqual({ given: '', written: program });
  });
});

describe('factsFromItemData', () => {
  it('reads question and gold by the loaders’ field names', () => {
    expect(factsFromItemData({ question: 'Q?', answer: 'long #### 5', gold: '5' })).toEqual({
      question: 'Q?',
      gold: '5',
      goldKind: 'answer',
    });
    expect(factsFromItemData({ prompt: 'def f():\n', canonicalSolution: '    return 1\n' })).toMatchObject({
      gold: '    return 1\n',
      goldKind: 'reference solution',
    });
    expect(factsFromItemData({ question: 'Which?', options: ['a', 'b'], gold: 'B' }).question).toBe(
      'Which?\n\nA) a\nB) b',
    );
    expect(
      factsFromItemData({ prompt: 'Write.', instruction_id_list: ['length:max', 'case:lower'] }),
    ).toMatchObject({
      gold: 'length:max\ncase:lower',
      goldKind: 'instructions',
    });
  });
});

describe('voteHistogram', () => {
  const s = (i: number, extracted: string, pass: boolean, voteKey?: string): SampleRow => ({
    runId: 'r',
    task: 't',
    itemId: 'i',
    sampleIndex: i,
    text: null,
    finishReason: null,
    genError: null,
    scores: { exact_match: pass ? 1 : 0 },
    status: pass ? 'pass' : 'fail',
    reason: null,
    extracted,
    details: voteKey ? { voteKey } : null,
    error: null,
  });
  it('groups by the scorer’s vote key, shows the first spelling, most frequent first', () => {
    const h = voteHistogram([
      s(0, '1/2', true, '0.5'),
      s(1, '0.5', true, '0.5'),
      s(2, '3', false),
      s(3, '\\frac12', true, '0.5'),
    ]);
    expect(h).toEqual([
      { answer: '1/2', count: 3, passing: 3 },
      { answer: '3', count: 1, passing: 0 },
    ]);
  });
});
