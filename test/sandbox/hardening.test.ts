/**
 * Issue #10: hostile samples written by the team, one per class of the threat model (docs/sandbox.md#threat-model).
 *
 * Pattern: an attack sample returns the right answer only if its attack worked, and a sentinel (-424242) once it
 * has finished probing without success. So each test checks both that the attack failed (verdict not "pass") and
 * that the probe really ran to the end ("got -424242"): a probe that crashed or timed out proves nothing.
 * The executor has one worker so that consecutive jobs share it (the cross-job classes need that).
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalPlusProblem } from '../../src/sandbox/api.js';
import { createCodeExecutor } from '../../src/sandbox/index.js';

const SECRET = `sk-evalkit-hardening-${process.pid}-${Date.now()}`;
// Secret-looking variables in evalkit's own environment before any worker starts.
process.env.OPENAI_API_KEY = SECRET;
process.env.HF_TOKEN = `hf_${SECRET}`;

const cacheDir = mkdtempSync(join(tmpdir(), 'evalkit-gt-hardening-'));
const executor = createCodeExecutor({ workers: 1, cacheDir, minTimeLimitMs: 20_000 });

const add = (taskId: string, groundTruthProgram = 'def add(a, b):\n    return a + b\n'): EvalPlusProblem => ({
  taskId,
  dataset: 'humaneval',
  entryPoint: 'add',
  groundTruthProgram,
  baseInputs: [[1, 2]],
  plusInputs: [[10, 20]],
  atol: 0,
  datasetHash: 'hardening-test',
});
const problem = add('Hardening/1');
const GOOD = 'def add(a, b):\n    return a + b\n';
const SENTINEL = 'got -424242';

/** A sample that passes iff `attack()` (defined in `prelude`) returns True. */
function attackSample(prelude: string): string {
  return `${prelude}\n\n_RESULT = attack()\n\ndef add(a, b):\n    return a + b if _RESULT else -424242\n`;
}

async function expectAttackFails(prelude: string): Promise<void> {
  const r = await executor.evaluateEvalPlus(problem, attackSample(prelude));
  expect(r.base.status, r.base.reason).toBe('fail');
  expect(r.base.reason).toContain(SENTINEL);
  expect(r.plus.status, r.plus.reason).toBe('fail');
}

beforeAll(async () => {
  await executor.prepare([problem]);
}, 120_000);
afterAll(() => executor.close());

const LIBC = 'import ctypes, posix\nlibc = ctypes.CDLL(None, use_errno=True)\n';

describe('sandbox hardening (issue #10)', () => {
  it('process 1 and every other process of the worker can be neither traced nor signalled', async () => {
    await expectAttackFails(
      LIBC +
        'def attack():\n' +
        '    me = posix.getpid()\n' +
        '    for pid in range(1, 200):\n' +
        '        if pid == me:\n' +
        '            continue\n' +
        '        if libc.ptrace(16, pid, 0, 0) == 0:  # PTRACE_ATTACH\n' +
        '            return True\n' +
        '        if libc.kill(pid, 0) == 0:\n' +
        '            return True\n' +
        '    return False\n',
    );
  });

  it('no host variable (API keys, tokens) is visible to a job, in its own or any other process environment', async () => {
    const r = await executor.evaluateEvalPlus(
      problem,
      attackSample(
        'import posix\n' +
          'def attack():\n' +
          '    seen = [repr(posix.environ)]\n' +
          '    for d in ["1", "2", "3", "self"] + [str(p) for p in range(4, 100)]:\n' +
          '        try:\n' +
          '            fd = posix.open("/proc/%s/environ" % d, posix.O_RDONLY)\n' +
          '            seen.append(posix.read(fd, 1 << 20).decode("latin-1"))\n' +
          '            posix.close(fd)\n' +
          '        except OSError:\n' +
          '            pass\n' +
          '    text = "\\n".join(seen)\n' +
          '    if "sk-evalkit" in text:\n' +
          '        raise RuntimeError(text)  # the way a sample leaks it: through the failure reason\n' +
          '    return False\n',
      ),
    );
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(r.base.reason).toContain(SENTINEL);
  });

  it("a job's memory holds neither earlier samples' code nor the ground truth", async () => {
    // Both markers exist only in an earlier sample's code and in a ground-truth program; the probe knows them as
    // two halves and looks for the halves next to each other, so its own memory never contains a marker.
    const sampleMarker = ['QZX-EARLIER-SAMPLE-', 'CODE-7f3a9c'];
    const gtMarker = ['QZX-GROUND-TRUTH-', 'PROGRAM-c41e77'];
    await executor.evaluateEvalPlus(problem, `MARK = "${sampleMarker.join('')}"\n${GOOD}`);
    await executor.prepare([add('Hardening/gt-marker', `MARK = "${gtMarker.join('')}"\n${GOOD}`)]);
    await expectAttackFails(
      'import posix\n' +
        `HALVES = [(b"${sampleMarker[0]}", b"${sampleMarker[1]}"), (b"${gtMarker[0]}", b"${gtMarker[1]}")]\n` +
        'def read_all(path):\n' +
        '    fd = posix.open(path, posix.O_RDONLY)\n' +
        '    out = b""\n' +
        '    while True:\n' +
        '        b = posix.read(fd, 65536)\n' +
        '        if not b:\n' +
        '            break\n' +
        '        out += b\n' +
        '    posix.close(fd)\n' +
        '    return out\n' +
        'def attack():\n' +
        '    maps = read_all("/proc/self/maps").decode()\n' +
        '    mem = posix.open("/proc/self/mem", posix.O_RDONLY)\n' +
        '    for line in maps.splitlines():\n' +
        '        parts = line.split()\n' +
        '        if "r" not in parts[1] or (len(parts) > 5 and parts[5] in ("[vvar]", "[vsyscall]")):\n' +
        '            continue\n' +
        '        lo, hi = (int(x, 16) for x in parts[0].split("-"))\n' +
        '        for start in range(lo, hi, 1 << 24):\n' +
        '            try:\n' +
        '                data = posix.pread(mem, min(1 << 24, hi - start), start)\n' +
        '            except OSError:\n' +
        '                continue\n' +
        '            for a, b in HALVES:\n' +
        '                i = data.find(a)\n' +
        '                while i >= 0:\n' +
        '                    if data[i + len(a):i + len(a) + len(b)] == b:\n' +
        '                        return True\n' +
        '                    i = data.find(a, i + 1)\n' +
        '    return False\n',
    );
  }, 120_000);

  it('nothing a job leaves behind (/tmp, /dev/shm, /dev, SysV IPC, keyrings) is visible to the next job', async () => {
    const leave =
      LIBC +
      'for p in ["/tmp/evalkit-flag", "/dev/shm/evalkit-flag", "/dev/evalkit-flag"]:\n' +
      '    try:\n' +
      '        fd = posix.open(p, posix.O_WRONLY | posix.O_CREAT, 0o666)\n' +
      '        posix.write(fd, b"right")\n' +
      '        posix.close(fd)\n' +
      '    except OSError:\n' +
      '        pass\n' +
      'libc.shmget(0x5EC0DE, 4096, 0o1666)  # IPC_CREAT | 0666\n' +
      'libc.syscall(248, b"user", b"evalkit-flag", b"right", 5, -4)  # add_key to the user keyring\n' +
      'def add(a, b):\n' +
      '    return a - b\n';
    await executor.evaluateEvalPlus(problem, leave);
    await expectAttackFails(
      LIBC +
        'def attack():\n' +
        '    for p in ["/tmp/evalkit-flag", "/dev/shm/evalkit-flag", "/dev/evalkit-flag"]:\n' +
        '        try:\n' +
        '            posix.stat(p)\n' +
        '            return True\n' +
        '        except OSError:\n' +
        '            pass\n' +
        '    if libc.shmget(0x5EC0DE, 0, 0) >= 0:\n' +
        '        return True\n' +
        '    if libc.syscall(249, b"user", b"evalkit-flag", None, 0) >= 0:  # request_key\n' +
        '        return True\n' +
        '    return False\n',
    );
  });

  it('/tmp, /dev/shm are fresh per job and /dev is read-only', async () => {
    await expectAttackFails(
      'import posix\n' +
        'def attack():\n' +
        '    if posix.listdir("/tmp") or posix.listdir("/dev/shm"):\n' +
        '        return True\n' +
        '    try:\n' +
        '        posix.close(posix.open("/dev/evalkit-probe", posix.O_WRONLY | posix.O_CREAT, 0o600))\n' +
        '        return True\n' +
        '    except OSError:\n' +
        '        return False\n',
    );
  });

  it('seccomp: io_uring, nested user namespaces, ptrace, mounts, bpf and keyrings are refused', async () => {
    await expectAttackFails(
      LIBC +
        'def attack():\n' +
        '    params = ctypes.create_string_buffer(120)\n' +
        '    if libc.syscall(425, 8, params) >= 0:  # io_uring_setup\n' +
        '        return True\n' +
        '    if libc.unshare(0x10000000) == 0:  # CLONE_NEWUSER\n' +
        '        return True\n' +
        '    if libc.ptrace(0, 0, 0, 0) == 0:  # PTRACE_TRACEME\n' +
        '        return True\n' +
        '    if libc.syscall(321, 0, None, 0) >= 0 or ctypes.get_errno() != 1:  # bpf: EPERM from the filter\n' +
        '        return True\n' +
        '    if libc.syscall(250, 0, -4, 0) >= 0:  # keyctl(KEYCTL_GET_KEYRING_ID, @u)\n' +
        '        return True\n' +
        '    return False\n',
    );
  });

  it('a job that closes its result pipe and sleeps is reaped at once, not by a watchdog', async () => {
    const restarts = executor.workerRestarts;
    const r = await executor.evaluateEvalPlus(
      problem,
      'import posix, signal, time\n' +
        'def add(a, b):\n' +
        '    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])\n' +
        '    for fd in range(3, 256):\n' +
        '        try:\n' +
        '            posix.close(fd)\n' +
        '        except OSError:\n' +
        '            pass\n' +
        '    time.sleep(3600)\n',
    );
    expect(r.base.status).toBe('fail');
    expect(r.base.reason).toMatch(/closed its result pipe/);
    expect(executor.workerRestarts).toBe(restarts);
  }, 120_000);

  it('a job cannot stop the server (SIGSTOP to pid 1 and to its parent)', async () => {
    const restarts = executor.workerRestarts;
    await expectAttackFails(
      LIBC +
        'def attack():\n' +
        '    libc.kill(1, 19)\n' +
        '    libc.kill(posix.getppid(), 19)\n' +
        '    return False\n',
    );
    expect(executor.workerRestarts).toBe(restarts);
    const r = await executor.evaluateEvalPlus(problem, GOOD);
    expect(r.base.status).toBe('pass');
  }, 120_000);

  it('oracles evaluate on the original inputs: zeroing find_zero coefficients in place does not pass', async () => {
    const findZero: EvalPlusProblem = {
      taskId: 'HumanEval/32',
      dataset: 'humaneval',
      entryPoint: 'find_zero',
      groundTruthProgram:
        'import math\n' +
        'def poly(xs, x):\n' +
        '    return sum(c * math.pow(x, i) for i, c in enumerate(xs))\n' +
        'def find_zero(xs):\n' +
        '    lo, hi = -1e3, 1e3\n' +
        '    for _ in range(200):\n' +
        '        mid = (lo + hi) / 2\n' +
        '        if (poly(xs, lo) > 0) == (poly(xs, mid) > 0):\n' +
        '            lo = mid\n' +
        '        else:\n' +
        '            hi = mid\n' +
        '    return lo\n',
      baseInputs: [[[1, 2]], [[-6, 11, -6, 1]]],
      plusInputs: [[[-3, 1]]],
      atol: 1e-6,
      datasetHash: 'hardening-test',
    };
    await executor.prepare([findZero]);
    const honest = await executor.evaluateEvalPlus(findZero, findZero.groundTruthProgram);
    expect(honest.base.status).toBe('pass');
    const r = await executor.evaluateEvalPlus(
      findZero,
      'def find_zero(xs):\n    xs[:] = [0] * len(xs)\n    return 0.0\n',
    );
    expect(r.base.status).toBe('fail');
    expect(r.plus.status).toBe('fail');
  }, 120_000);

  it('a forged error frame of 10 MB ends as a short reason (EvalPlus mode and test-program mode)', async () => {
    const forge =
      'import posix, json\n' +
      'def forge(frame):\n' +
      '    data = json.dumps(frame).encode()\n' +
      '    for fd in range(3, 64):\n' +
      '        try:\n' +
      '            posix.write(fd, len(data).to_bytes(4, "big") + data)\n' +
      '        except OSError:\n' +
      '            pass\n' +
      '    posix._exit(1)\n';
    for (const frame of [
      '{"i": 0, "e": "X" * 10_000_000}',
      '{"load": "X" * 10_000_000}',
      '{"i": 0, "e": "X" * 4000}',
    ]) {
      const r = await executor.evaluateEvalPlus(problem, `${forge}def add(a, b):\n    forge(${frame})\n`);
      expect(r.base.status).toBe('fail');
      expect((r.base.reason ?? '').length).toBeLessThan(1500);
    }
    const t = await executor.runTestProgram({
      program: `${forge}forge({"e": "X" * 10_000_000})\n`,
      testCode: 'assert False\n',
      timeoutMs: 20_000,
    });
    expect(t.status).toBe('fail');
    expect((t.reason ?? '').length).toBeLessThan(1500);
  }, 120_000);

  it('the ground-truth cache is keyed by evalkit and Python version and validated by content', async () => {
    const files = readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('Hardening_1.json'),
    );
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/evalkit-[0-9.]+[^/]*_py-3\.[0-9]+\.[0-9]+_machine-[0-9a-f]+\/hardening-test\//);
    // Poison the cached outputs (as a compromised worker would have): a later run must not trust them.
    const file = join(cacheDir, files[0]);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { base: { outputs: string[] } };
    entry.base.outputs = entry.base.outputs.map(() => '-1');
    writeFileSync(file, JSON.stringify(entry));
    const fresh = createCodeExecutor({ workers: 1, cacheDir, minTimeLimitMs: 20_000 });
    try {
      await fresh.prepare([problem]);
      const r = await fresh.evaluateEvalPlus(problem, GOOD);
      expect(r.base.status).toBe('pass');
      expect((fresh as unknown as { stats: { groundTruthComputed: number } }).stats.groundTruthComputed).toBe(
        1,
      );
    } finally {
      await fresh.close();
    }
  }, 120_000);

  it('ground truth runs in a fresh worker that never ran a sample', async () => {
    // Each job gets the next pid of its worker's pid namespace (1 = server, 2 = zygote): a ground-truth program
    // that returns its own pid shows how many jobs its worker ran before. Samples have just run on this executor.
    await executor.evaluateEvalPlus(problem, GOOD);
    const pidProblem = add('Hardening/pid', 'import posix\ndef add(a, b):\n    return posix.getpid()\n');
    pidProblem.plusInputs = [];
    await executor.prepare([pidProblem]);
    const file = readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).find((f) =>
      f.endsWith('Hardening_pid.json'),
    );
    const entry = JSON.parse(readFileSync(join(cacheDir, file!), 'utf8')) as { base: { outputs: string[] } };
    expect(entry.base.outputs).toEqual(['3']);
  }, 120_000);
});
