import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PythonRandom } from '../../../src/scoring/code/python-random.js';

/** Ground truth comes from the real CPython on this machine, not from hard-coded numbers. */
function py(code: string): unknown {
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', `import json, random\n${code}`], { encoding: 'utf8' }),
  );
}

describe('PythonRandom matches CPython random.Random', () => {
  it('random() stream for several seeds', () => {
    for (const seed of [0, 1, 1234, 42, 2 ** 40 + 7]) {
      const expected = py(
        `r = random.Random(${seed}); print(json.dumps([r.random() for _ in range(700)]))`,
      ) as number[];
      const r = new PythonRandom(seed);
      expect(Array.from({ length: 700 }, () => r.random())).toEqual(expected);
    }
  });

  it('sample() on small (pool) and large (set) populations, as OLMES uses it', () => {
    const cases: Array<[number, number, number]> = [
      [1234, 164, 4], // HumanEval test set, num_shots + 1
      [1234, 10, 4],
      [1234, 500, 4],
      [7, 30, 12],
      [99, 2000, 50],
    ];
    for (const [seed, n, k] of cases) {
      const expected = py(`print(json.dumps(random.Random(${seed}).sample(range(${n}), ${k})))`);
      expect(new PythonRandom(seed).sample([...Array(n).keys()], k)).toEqual(expected);
    }
  });

  it('shuffle()', () => {
    for (const [seed, n] of [
      [1234, 10],
      [1234, 500],
      [5, 1],
    ] as const) {
      const expected = py(`x = list(range(${n})); random.Random(${seed}).shuffle(x); print(json.dumps(x))`);
      expect(new PythonRandom(seed).shuffle([...Array(n).keys()])).toEqual(expected);
    }
  });
});
