import { afterAll, describe, expect, it } from 'vitest';
import { extractCodeBlocks, Sanitizer } from '../../../src/scoring/code/sanitize.js';

const s = new Sanitizer();
afterAll(() => s.close());

describe('EvalPlus-style sanitize (CPython ast helper)', () => {
  it('extracts the code from a chat answer with prose and fences, keeping imports and dependencies only', async () => {
    const answer = [
      'Sure! Here is the solution:',
      '```python',
      'import math',
      'from typing import List',
      '',
      'LIMIT = 10',
      'UNUSED = 3',
      '',
      'def helper(x):',
      '    return x * LIMIT',
      '',
      'def unrelated():',
      '    return 0',
      '',
      'def solve(xs: List[int]) -> int:',
      '    return sum(helper(x) for x in xs)',
      '',
      'print(solve([1, 2]))',
      'assert solve([1]) == 10',
      "if __name__ == '__main__':",
      '    solve([3])',
      '```',
      'This works because...',
    ].join('\n');
    const out = await s.sanitize(answer, 'solve');
    expect(out).toBe(
      [
        'import math',
        'from typing import List',
        'LIMIT = 10',
        'def helper(x):',
        '    return x * LIMIT',
        'def solve(xs: List[int]) -> int:',
        '    return sum(helper(x) for x in xs)',
        '',
      ].join('\n'),
    );
  });

  it('keeps decorators and classes reached from the entry point; drops a truncated tail', async () => {
    const code =
      'import functools\n\nclass Box:\n    v = 1\n\n@functools.lru_cache(None)\ndef f(n):\n    return Box.v + n\n\ndef g(:\n';
    expect(await s.sanitize(code, 'f')).toBe(
      'import functools\nclass Box:\n    v = 1\n@functools.lru_cache(None)\ndef f(n):\n    return Box.v + n\n',
    );
  });

  it('without a known entry point keeps all definitions; garbage gives empty code', async () => {
    expect(await s.sanitize('def a():\n    return 1\nx = a()\n', 'missing')).toBe(
      'def a():\n    return 1\nx = a()\n',
    );
    expect(await s.sanitize('I cannot solve this.', 'f')).toBe('');
  });

  it('extractCodeBlocks finds fenced blocks, including an unterminated last one', () => {
    expect(extractCodeBlocks('a\n```python\nx = 1\n```\nb\n```\ny = 2\n')).toEqual(['x = 1\n', 'y = 2\n']);
  });
});

describe('sanitizer bounds (issue #10)', () => {
  it('a 3,000-line completion that never parses finishes (deterministic work budget)', async () => {
    // Every line opens a bracket that is never closed: no chunk parses, so an unbounded search would try ~4.5 M
    // chunks of up to 3,000 lines each (EvalPlus's own search has the same cost and never finishes either).
    const junk = Array.from({ length: 3000 }, (_, i) => `x${i} = (${i},`);
    expect(await s.sanitize(junk.join('\n'), 'f')).toBe('');
  }, 600_000);

  it('a long valid program is still kept whole', async () => {
    const fns = Array.from(
      { length: 1000 },
      (_, i) => `def f${i}(a):\n    return f${i + 1}(a) if a else ${i}`,
    );
    const text = [...fns, 'def f1000(a):\n    return 0', 'print(f0(1))'].join('\n');
    const out = await s.sanitize(text, 'f0');
    expect(out.split('\n').filter((l) => l.startsWith('def '))).toHaveLength(1001);
  }, 600_000);

  it('an oversized completion is cut to MAX_SANITIZE_CHARS before parsing', async () => {
    const { MAX_SANITIZE_CHARS } = await import('../../../src/scoring/code/sanitize.js');
    const text = 'def f(a):\n    return a\n' + '#'.repeat(MAX_SANITIZE_CHARS) + '\ndef g():\n    return 2\n';
    const out = await s.sanitize(text, 'g');
    expect(out).not.toContain('def g');
  }, 600_000);
});
