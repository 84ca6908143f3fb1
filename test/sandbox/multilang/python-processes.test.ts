/**
 * The Python (`py`) run step may create processes (BigCodeBench tests exercise `subprocess`), so instead of the
 * no-fork seccomp filter it runs under a uid of its own with RLIMIT_NPROC: a fork bomb is capped, the job ends,
 * and the next job in the same slot starts clean.
 */
import { afterAll, expect, it } from 'vitest';
import { MultiLangRunner } from '../../../src/sandbox/multilang/index.js';
import { LANGUAGE_SPECS } from '../../../src/sandbox/multilang/languages.js';

const runner = new MultiLangRunner({ workers: 1 });
afterAll(() => runner.close());

const harness = (body: string) => ({ 'harness.py': body });

it('a Python fork bomb is capped by RLIMIT_NPROC under the slot uid; subprocesses within the cap work', async () => {
  const cap = LANGUAGE_SPECS.py.runProcesses!;
  const bomb = await runner.run({
    language: 'py',
    runTimeoutMs: 30_000,
    files: harness(
      'import os, sys, time\nforked = 0\nfor i in range(200):\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n    if pid == 0:\n        time.sleep(20)\n        os._exit(0)\n    forked += 1\nprint("forked", forked)\nsys.stdout.flush()\nos._exit(0)\n',
    ),
  });
  expect(bomb.status, bomb.reason).toBe('pass');
  const forked = Number(/forked (\d+)/.exec(bomb.run!.stdout)![1]);
  expect(forked).toBeGreaterThan(0);
  expect(forked).toBeLessThan(cap);
  const sub = await runner.run({
    language: 'py',
    files: harness(
      'import subprocess\nprint(subprocess.run(["/bin/echo", "hi"], capture_output=True, text=True).stdout.strip())\n',
    ),
  });
  expect(sub.run?.stdout.trim(), sub.reason).toBe('hi');
}, 120_000);

it('the Python step sees no network and no host files', async () => {
  const r = await runner.run({
    language: 'py',
    files: harness(
      'import os, socket\nprint(os.path.exists("/work"), os.path.exists("/root"), os.listdir("/etc"))\ntry:\n    socket.create_connection(("1.1.1.1", 80), timeout=2)\n    print("net ok")\nexcept OSError as e:\n    print("net blocked")\n',
    ),
  });
  expect(r.run?.stdout).toContain('False False');
  expect(r.run?.stdout).toContain('net blocked');
}, 60_000);
