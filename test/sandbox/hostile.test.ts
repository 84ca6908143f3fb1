/**
 * Hostile samples: each must end as a failed (or timed-out) verdict with a clear reason, must not reach the
 * network or files outside its private temp dir, and the executor must keep working afterwards.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalPlusProblem } from '../../src/sandbox/api.js';
import { createCodeExecutor } from '../../src/sandbox/index.js';
import { executorWithFreshCache } from '../helpers/sandbox.js';
import { REPO_ROOT } from '../helpers/paths.js';

const executor = executorWithFreshCache('hostile', { minTimeLimitMs: 1000 });

const problem: EvalPlusProblem = {
  taskId: 'Hostile/1',
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
    [7, 8],
  ],
  atol: 0,
  datasetHash: 'hostile-test',
};

const GOOD = 'def add(a, b):\n    return a + b\n';

let server: Server;
let port = 0;
let connections = 0;
const marker = `evalkit-hostile-${process.pid}-${Date.now()}`;
const outsidePaths = [join('/tmp', marker), join(homedir(), marker), join(REPO_ROOT, marker)];

beforeAll(async () => {
  server = createServer((sock) => {
    connections++;
    sock.destroy();
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  port = (server.address() as { port: number }).port;
  await executor.prepare([problem]);
});

afterAll(async () => {
  await executor.close();
  server.close();
  for (const p of outsidePaths) rmSync(p, { force: true });
});

async function expectStillWorks(): Promise<void> {
  const r = await executor.evaluateEvalPlus(problem, GOOD);
  expect(r.base.status).toBe('pass');
  expect(r.plus.status).toBe('pass');
}

async function expectFailed(solution: string, reason: RegExp): Promise<void> {
  const r = await executor.evaluateEvalPlus(problem, solution);
  for (const set of [r.base, r.plus]) {
    expect(set.status).not.toBe('pass');
    expect(set.reason ?? '').toMatch(reason);
  }
  await expectStillWorks();
}

describe('hostile samples', () => {
  it('infinite loop inside the function: per-input time limit, fail', async () => {
    await expectFailed('def add(a, b):\n    while True:\n        pass\n', /time limit/);
  });

  it('infinite loop that cancels its timer: overall limit, timeout', async () => {
    const r = await executor.evaluateEvalPlus(
      problem,
      'import signal\ndef add(a, b):\n    signal.setitimer(signal.ITIMER_REAL, 0)\n    while True:\n        pass\n',
    );
    expect(r.base.status).toBe('timeout');
    expect(r.base.reason).toMatch(/did not finish/);
    await expectStillWorks();
  });

  it('fork bomb: process creation is refused', async () => {
    await expectFailed(
      'import posix\ndef add(a, b):\n    n = 0\n    while True:\n        posix.fork()\n        n += 1\n',
      /BlockingIOError|Resource temporarily unavailable|raised/,
    );
  });

  it('fork bomb via multiprocessing/subprocess machinery is refused', async () => {
    await expectFailed(
      'import _posixsubprocess, os\ndef add(a, b):\n    return os.posix_spawn("/usr/bin/true", ["true"], {})\n',
      /raised/,
    );
  });

  it('10 GB allocation: MemoryError under the address-space limit', async () => {
    await expectFailed(
      'def add(a, b):\n    x = bytearray(10 * 1024 ** 3)\n    return a + b\n',
      /MemoryError/,
    );
  });

  it('os._exit(0) before the tests run: missing outputs, fail', async () => {
    await expectFailed(
      'import os\nos._exit(0)\ndef add(a, b):\n    return a + b\n',
      /exited early with code 0/,
    );
  });

  it('sys.exit(0) inside the function: fail', async () => {
    await expectFailed('import sys\ndef add(a, b):\n    sys.exit(0)\n', /SystemExit/);
  });

  it('writes outside the temp dir do not reach the host', async () => {
    const targets = outsidePaths.map((p) => JSON.stringify(p)).join(', ');
    const sol =
      'import posix\n' +
      'def add(a, b):\n' +
      `    for p in [${targets}]:\n` +
      '        try:\n' +
      '            fd = posix.open(p, posix.O_WRONLY | posix.O_CREAT, 0o644)\n' +
      '            posix.write(fd, b"pwned")\n' +
      '        except OSError:\n' +
      '            pass\n' +
      '    return a - b\n';
    const r = await executor.evaluateEvalPlus(problem, sol);
    expect(r.base.status).toBe('fail');
    for (const p of outsidePaths) expect(existsSync(p)).toBe(false);
    await expectStillWorks();
  });

  it('cannot read the repository or home directory', async () => {
    const sol =
      'import posix\n' +
      'def add(a, b):\n' +
      `    posix.open(${JSON.stringify(join(REPO_ROOT, 'package.json'))}, posix.O_RDONLY)\n` +
      '    return a + b\n';
    await expectFailed(sol, /FileNotFoundError|PermissionError/);
  });

  it('socket connect to 127.0.0.1 fails and nothing connects', async () => {
    const before = connections;
    const sol =
      'import socket\n' +
      'def add(a, b):\n' +
      `    s = socket.create_connection(("127.0.0.1", ${port}), timeout=2)\n` +
      '    s.sendall(b"hello")\n' +
      '    return a + b\n';
    await expectFailed(sol, /OSError|ConnectionRefused|Network is unreachable|raised/);
    expect(connections).toBe(before);
  });

  it('an object whose __eq__ always returns True is not data: fail', async () => {
    await expectFailed(
      'class Any:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\n' +
        'def add(a, b):\n    return Any()\n',
      /unserializable/,
    );
  });

  it('an int subclass overriding __eq__ is not data: fail', async () => {
    await expectFailed(
      'class Liar(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n' +
        'def add(a, b):\n    return Liar(0)\n',
      /unserializable/,
    );
  });

  it('patched builtins cannot change the comparison (it happens outside)', async () => {
    await expectFailed(
      'import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.type = lambda x: int\n' +
        'def add(a, b):\n    return "not a number"\n',
      /expected/,
    );
  });

  it('fake protocol messages on stdout and forged frames on the result pipe do not pass', async () => {
    const sol =
      'import os, sys, json\n' +
      'sys.__stdout__.write(json.dumps({"id": 1, "ev": "end", "reason": "exit", "code": 0}) + "\\n")\n' +
      'def add(a, b):\n' +
      '    for fd in range(3, 64):\n' +
      '        try:\n' +
      '            data = json.dumps({"done": 1}).encode()\n' +
      '            os.write(fd, len(data).to_bytes(4, "big") + data)\n' +
      '        except OSError:\n' +
      '            pass\n' +
      '    os._exit(0)\n';
    await expectFailed(sol, /exited early|unexpected result frame/);
  });

  it('huge output is capped', async () => {
    // a generous time floor: shipping 300 MiB must hit the size cap, not the clock
    const roomy = createCodeExecutor({
      workers: 1,
      cacheDir: mkdtempSync(join(tmpdir(), 'evalkit-gt-hostile-')),
      minTimeLimitMs: 20_000,
    });
    try {
      const r = await roomy.evaluateEvalPlus(
        problem,
        'def add(a, b):\n    return "x" * (300 * 1024 * 1024)\n',
      );
      expect(r.base.status).toBe('fail');
      expect(r.base.reason).toMatch(/too large/);
    } finally {
      await roomy.close();
    }
  });

  it('cyclic output is not data', async () => {
    await expectFailed('def add(a, b):\n    x = []\n    x.append(x)\n    return x\n', /nested too deeply/);
  });

  it('killing the fork server is refused (it is pid 1 of the worker; signals reach only the job itself)', async () => {
    const restarts = executor.workerRestarts;
    await expectFailed(
      'import posix\ndef add(a, b):\n    posix.kill(posix.getppid(), 9)\n    posix.kill(1, 9)\n    return a + b\n',
      /PermissionError/,
    );
    expect(executor.workerRestarts).toBe(restarts);
  });

  it('runTestProgram: os._exit(0) before the asserts is a failure', async () => {
    const r = await executor.runTestProgram({
      program: 'import os\nos._exit(0)\ndef f(x):\n    return x\n',
      testCode: 'assert f(1) == 2\n',
      timeoutMs: 3000,
    });
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/did not complete/);
    const ok = await executor.runTestProgram({
      program: 'def f(x):\n    return x\n',
      testCode: 'assert f(1) == 1\n',
      timeoutMs: 3000,
    });
    expect(ok.status).toBe('pass');
  });

  it('runTestProgram: infinite loop times out, failing assert fails', async () => {
    const t = await executor.runTestProgram({
      program: 'def f(x):\n    while True: pass\n',
      testCode: 'f(1)\n',
      timeoutMs: 500,
    });
    expect(t.status).toBe('timeout');
    const f = await executor.runTestProgram({
      program: 'def f(x):\n    return x\n',
      testCode: 'assert f(1) == 2, "wrong"\n',
      timeoutMs: 3000,
    });
    expect(f).toEqual({ status: 'fail', reason: 'AssertionError: wrong' });
  });

  it('the host files the sandbox could have touched are untouched', () => {
    expect(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).toContain('"name": "evalkit"');
  });
});
