/**
 * The executor runs base and plus of one sample in one sandboxed process (each set with a fresh exec of the
 * solution) and compares large expected outputs by an ==-canonical digest computed in the child. Verdicts must be
 * those of EvalPlus's one-process-per-set, full-comparison semantics.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalPlusProblem } from '../../src/sandbox/api.js';
import { executorWithFreshCache } from '../helpers/sandbox.js';
import { REPO_ROOT } from '../helpers/paths.js';

const executor = executorWithFreshCache('one-process', { minTimeLimitMs: 1000 });

/** Large outputs: 100,000 ints (over the digest threshold) for n = 100000, small ones otherwise. */
const big: EvalPlusProblem = {
  taskId: 'Digest/1',
  dataset: 'humaneval',
  entryPoint: 'seq',
  groundTruthProgram: 'def seq(n):\n    return [i * 2 for i in range(n)]\n',
  baseInputs: [[3], [100000]],
  plusInputs: [[5], [100000], [7]],
  atol: 0,
  datasetHash: 'one-process-test',
};

/** The same, but a float-like expected output in the set switches EvalPlus's atol: full comparison needed. */
const bigWithFloats: EvalPlusProblem = {
  ...big,
  taskId: 'Digest/2',
  entryPoint: 'seqf',
  groundTruthProgram:
    'def seqf(n):\n    if n == 1:\n        return [0.5]\n    return [i * 2 for i in range(n)]\n',
  baseInputs: [[1], [100000]],
  plusInputs: [[100000]],
};

const add: EvalPlusProblem = {
  taskId: 'Sets/1',
  dataset: 'humaneval',
  entryPoint: 'add',
  groundTruthProgram: 'def add(a, b):\n    return a + b\n',
  baseInputs: [
    [1, 2],
    [3, 4],
  ],
  plusInputs: [
    [10, 20],
    [-5, 5],
  ],
  atol: 0,
  datasetHash: 'one-process-test',
};

beforeAll(async () => {
  await executor.prepare([big, bigWithFloats, add]);
});
afterAll(async () => {
  await executor.close();
});

describe('large expected outputs compared by digest', () => {
  it('equal under Python == passes (ints as integral floats, bools, list subclasses), anything else fails', async () => {
    const right = 'r = [i * 2 for i in range(n)]\n    if n < 10:\n        return r\n';
    const cases: [string, 'pass' | 'fail'][] = [
      ['def seq(n):\n    return [i * 2 for i in range(n)]\n', 'pass'],
      ['def seq(n):\n    return [float(i * 2) for i in range(n)]\n', 'pass'],
      ['class L(list):\n    pass\ndef seq(n):\n    return L(i * 2 for i in range(n))\n', 'pass'],
      ['def seq(n):\n    return [i * 2 if i else False for i in range(n)]\n', 'pass'],
      [`def seq(n):\n    ${right}    return tuple(r)\n`, 'fail'],
      [`def seq(n):\n    ${right}    r[-1] += 1\n    return r\n`, 'fail'],
      [`def seq(n):\n    ${right}    return [x + 1e-9 for x in r]\n`, 'fail'],
      [`def seq(n):\n    ${right}    return [str(x) for x in r]\n`, 'fail'],
      [`def seq(n):\n    ${right}    return dict(enumerate(r))\n`, 'fail'],
    ];
    for (const [solution, want] of cases) {
      const r = await executor.evaluateEvalPlus(big, solution);
      expect([r.base.status, r.plus.status], solution).toEqual([want, want]);
      if (want === 'fail') expect(r.base.failedInputs, solution).toEqual([1]);
    }
  });

  it('a set with a float-like expected output keeps full outputs (EvalPlus atol: allclose may pass)', async () => {
    const close =
      'def seqf(n):\n    if n == 1:\n        return [0.5]\n    return [i * 2 + 1e-9 for i in range(n)]\n';
    const r = await executor.evaluateEvalPlus(bigWithFloats, close);
    // base: [0.5] is float-like, so atol = 1e-6 for the rest of base: allclose passes the near-equal big list.
    expect(r.base.status).toBe('pass');
    // plus has no float-like expected output: exact comparison (by digest), which fails.
    expect(r.plus.status).toBe('fail');
  });

  it('the canonical text is equal exactly when Python says ==', () => {
    const script = `
import sys
sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'src', 'sandbox', 'python'))})
import server
from collections import namedtuple
P = namedtuple("P", "x y")
vals = [0, 1, -1, True, False, 0.0, -0.0, 1.0, 1.5, 2**70, float(2**70), float("inf"), float("-inf"), None, "", "1",
        "a'b", [], (), [1], (1,), [1, 2.0], (1, 2), P(1, 2), [[1], (1,)], [True, 2], ["x", None], 3+0j, [1.5, 1],
        (2**53 + 1), float(2**53), [0.1 + 0.2], [0.30000000000000004], "\\u00e9", [[]], [()], ((),)]
bad = 0
for a in vals:
    for b in vals:
        try:
            ca, cb = server._canon_text(a), server._canon_text(b)
        except server._NotCanonical:
            continue
        if (ca == cb) != (a == b):
            bad += 1
            print("MISMATCH", repr(a), repr(b), ca, cb)
for v in (float("nan"), {1: 2}, {1}, b"x", [float("nan")], 1+1j):
    try:
        server._canon_text(v)
        print("NOT REFUSED", repr(v))
        bad += 1
    except server._NotCanonical:
        pass
# The text must not depend on how a large list is cut into repr() pieces (_CHUNK items, at most _PIECE_ITEMS inner
# items): the same value in one piece, in single items and in the default pieces gives the same text.
big = [tuple("ab%d" % (i % 7) for _ in range(20)) for i in range(3000)] + [(0.5, 1.25), (1.0, 2.5), (-0.0,), [1, "x"]]
floats = [(i + 0.5, -i - 0.25) for i in range(20000)] + [(float("inf"), 1.5)]
values = [big, floats, tuple(big), [list(t) for t in big[:2000]], [(1.5, 2.0)] * 9000, [[True, 1.5]] * 9000,
          [tuple(range(40000)), (1, 2)] * 2]
default = (server._CHUNK, server._PIECE_ITEMS)
for v in values:
    texts = set()
    for chunk, piece in (default, (1 << 40, 1 << 40), (1, 1), (7, 100)):
        server._CHUNK, server._PIECE_ITEMS = chunk, piece
        texts.add(server._canon_text(v))
    server._CHUNK, server._PIECE_ITEMS = default
    if len(texts) != 1:
        bad += 1
        print("PIECES CHANGE THE TEXT", repr(v)[:80])
if server._canon_text([(1.0, 2.5)] * 5000) != server._canon_text([(1, 2.5)] * 5000):
    bad += 1
    print("MISMATCH integral floats inside tuples")
# flat numbers: all floats integral (the int() fast path), an int too large for a float, mixed integral/fraction
for a, b in (([1.0, 2, True, -0.0] * 5000, [1, 2, 1, 0] * 5000), ([2**2000, 3.0] * 5000, [2**2000, 3] * 5000),
             ([1.0, 2.5, False] * 5000, [1, 2.5, 0] * 5000)):
    if server._canon_text(a) != server._canon_text(b) or server._canon_text(a) != repr(b):
        bad += 1
        print("MISMATCH flat numbers", repr(a[:4]))
if server._canon_text([1.0, 2.0] * 5000) == server._canon_text([1.0, 2.5] * 5000):
    bad += 1
    print("EQUAL TEXTS for unequal lists")
for v in ([(1.5, float("nan"))] * 5000, [1.5, float("nan")] * 5000):
    try:
        server._canon_text(v)
        print("NOT REFUSED: NaN in a large list")
        bad += 1
    except server._NotCanonical:
        pass
print("bad", bad)
`;
    const out = execFileSync('/usr/bin/python3', ['-I', '-S', '-B', '-c', script], { encoding: 'utf8' });
    expect(out.trim().split('\n').pop()).toBe('bad 0');
  });
});

describe('base and plus in one process', () => {
  it('each set gets a fresh exec of the solution (module globals do not carry over)', async () => {
    // Counts calls in a module global: wrong from the 3rd call on if base's calls were visible to plus.
    const sol =
      'calls = []\ndef add(a, b):\n    calls.append(1)\n    return a + b if len(calls) <= 2 else 0\n';
    const r = await executor.evaluateEvalPlus(add, sol);
    expect([r.base.status, r.plus.status]).toEqual(['pass', 'pass']);
  });

  it('a wrong output fails its set only; the other set still runs', async () => {
    const sol = 'def add(a, b):\n    return 0 if a == 1 else a + b\n';
    const r = await executor.evaluateEvalPlus(add, sol);
    expect(r.base.status).toBe('fail');
    expect(r.base.reason).toMatch(/expected 3, got 0/);
    expect(r.plus.status).toBe('pass');
  });

  it('a wrong base output followed by a hanging input: base fails, plus still decided', async () => {
    // After the wrong output, Node asks the child to skip the rest of base (it is hanging on input #1).
    const sol =
      'def add(a, b):\n    if a == 1:\n        return 0\n    if a == 3:\n        while True:\n            pass\n    return a + b\n';
    const r = await executor.evaluateEvalPlus(add, sol);
    expect(r.base.status).toBe('fail');
    expect(r.base.failedInputs).toEqual([0]);
    expect(r.plus.status).toBe('pass');
  });

  it('base killed at its overall limit: plus runs in a fresh process and is decided on its own', async () => {
    const sol =
      'import signal\ndef add(a, b):\n    if a < 5:\n        signal.setitimer(signal.ITIMER_REAL, 0)\n        while True:\n            pass\n    return a + b\n';
    const r = await executor.evaluateEvalPlus(add, sol);
    expect(r.base.status).toBe('timeout');
    expect(r.plus.status).toBe('timeout'); // (-5, 5) hangs with its timer cancelled too
    const ok =
      'import signal\ndef add(a, b):\n    if a in (1, 3):\n        signal.setitimer(signal.ITIMER_REAL, 0)\n        while True:\n            pass\n    return a + b\n';
    const r2 = await executor.evaluateEvalPlus(add, ok);
    expect(r2.base.status).toBe('timeout');
    expect(r2.plus.status).toBe('pass');
  });
});
