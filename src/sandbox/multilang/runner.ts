/**
 * Multi-language sandbox runner: compiles and runs one program per job, each step in its own bubblewrap sandbox.
 *
 *   Node (trusted)                        bwrap (compile step)                bwrap (run step, + seccomp)
 *   host dir /tmp/evalkit-ml-XXX ──bind──► /sandbox/src, /sandbox/out rw  ──► /sandbox/src, /sandbox/out read-only
 *   verdict: exit code + marker line                                          stdout/stderr → Node (capped)
 *
 * Isolation per step (docs/sandbox.md principles): new user/pid/net/ipc/uts/cgroup namespaces, uid 65534, all
 * capabilities dropped, --die-with-parent, --new-session, --clearenv with a fixed minimal environment, read-only
 * /usr, empty /etc (plus the JDK's config), private /proc, minimal /dev, private size-capped /tmp; rlimits (address
 * space, CPU seconds, file size, open files, no core dumps) applied with prlimit; the run step also gets a seccomp
 * filter that forbids creating processes (threads allowed); the whole process group is SIGKILLed at the wall
 * clock. Each job has its own host directory (removed afterwards); warm caches are mounted read-only.
 *
 * The verdict is decided here, outside the sandbox: pass iff the run step exits 0 within its time limit AND,
 * when the job carries a `marker`, the last non-empty stdout line equals it (the task's harness prints it only
 * after every test ran, so an early `exit(0)` fails). See docs/code-benchmarks.md for what this can and cannot
 * defend against.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvalkitError } from '../../util/errors.js';
import { BWRAP_IDENTITY_ARGS } from '../isolation.js';
import { Limiter } from '../../util/limiter.js';
import { LANGUAGE_SPECS, type Command, type LanguageId, type StepLimits } from './languages.js';
import { noForkSeccompProgram } from './seccomp.js';

const BWRAP = '/usr/bin/bwrap';
/** Host uids 61000… (one per worker slot) for steps that may create processes; see `step`. */
export const SLOT_UID_BASE = 61000;
const PRLIMIT = '/usr/bin/prlimit';
/** Bytes of stdout/stderr kept per step (the rest is read and discarded). */
const OUTPUT_CAP = 64 * 1024;

export type MultiLangStatus = 'pass' | 'fail' | 'timeout' | 'compile_error' | 'compile_timeout';

export interface MultiLangJob {
  language: LanguageId;
  /** Source files by name (placed in /sandbox/src); must include the language's main file. */
  files: Record<string, string>;
  /** If set, the run passes only when the last non-empty stdout line equals this marker. */
  marker?: string;
  /** Override the language's default run wall clock (ms). */
  runTimeoutMs?: number;
  /** stdin for the run step (default empty). */
  stdin?: string;
}

export interface StepResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  ms: number;
  stdout: string;
  stderr: string;
}

export interface MultiLangOutcome {
  status: MultiLangStatus;
  /** Why it did not pass (compiler error tail, assertion message tail, timeout, missing marker…). */
  reason?: string;
  compile?: StepResult;
  run?: StepResult;
}

export interface MultiLangRunnerOptions {
  /** Parallel jobs (default: number of CPUs). */
  workers?: number;
  /**
   * Directory holding read-only warm caches (`cpp/`, `go/`), or a function that builds them on first use (so
   * Python-only users never pay for it); null = cold compiles.
   */
  warmCacheDir?: string | null | (() => Promise<string | null>);
  /** Size of each step's private /tmp, bytes (default 256 MiB). */
  tmpfsBytes?: number;
  /** Run without bubblewrap/seccomp (explicit opt-in; prints a warning once). rlimits still apply. */
  unsafeNoSandbox?: boolean;
}

let warnedUnsafe = false;

export class MultiLangRunner {
  private readonly limiter: Limiter;
  private readonly root: string;
  private readonly seccompFile: string | null;
  private readonly tmpfsBytes: number;
  private freeSlots: number[];
  closed = false;

  constructor(private readonly opts: MultiLangRunnerOptions = {}) {
    this.limiter = new Limiter(Math.max(1, opts.workers ?? availableParallelism()));
    this.tmpfsBytes = opts.tmpfsBytes ?? 256 * 1024 * 1024;
    this.root = mkdtempSync(join(tmpdir(), 'evalkit-ml-'));
    chmodSync(this.root, 0o711); // per-slot uids (below) must traverse it
    // /etc/hosts with only localhost (programs serve and connect on the sandbox's own loopback)
    writeFileSync(join(this.root, 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost\n');
    this.freeSlots = Array.from({ length: this.limiter.limit }, (_, i) => i);
    const prog = noForkSeccompProgram();
    this.seccompFile = prog ? join(this.root, 'no-fork.bpf') : null;
    if (prog && this.seccompFile) writeFileSync(this.seccompFile, prog);
    if (!opts.unsafeNoSandbox && !existsSync(BWRAP))
      throw new EvalkitError(`multi-language sandbox: ${BWRAP} not found (Debian package bubblewrap)`);
    if (opts.unsafeNoSandbox && !warnedUnsafe) {
      warnedUnsafe = true;
      process.stderr.write(
        'WARNING: --unsafe-no-sandbox: compiled programs run without bubblewrap isolation\n',
      );
    }
  }

  run(job: MultiLangJob): Promise<MultiLangOutcome> {
    if (this.closed) return Promise.reject(new EvalkitError('multi-language runner used after close()'));
    return this.limiter.run(async () => {
      const slot = this.freeSlots.pop()!;
      try {
        return await this.runNow(job, slot);
      } finally {
        this.freeSlots.push(slot);
      }
    });
  }

  private async runNow(job: MultiLangJob, slot: number): Promise<MultiLangOutcome> {
    const spec = LANGUAGE_SPECS[job.language];
    if (!spec) throw new EvalkitError(`multi-language sandbox: unknown language "${job.language}"`);
    if (!(spec.mainFile in job.files))
      throw new EvalkitError(`multi-language job for ${job.language} lacks its main file ${spec.mainFile}`);
    const dir = mkdtempSync(join(this.root, `${job.language}-`));
    try {
      const src = join(dir, 'src');
      const out = join(dir, 'out');
      mkdirSync(src);
      mkdirSync(out);
      for (const [name, text] of Object.entries(job.files)) {
        if (!/^[A-Za-z0-9_.-]+$/.test(name))
          throw new EvalkitError(`multi-language job: bad file name "${name}"`);
        writeFileSync(join(src, name), text);
      }
      let compile: StepResult | undefined;
      if (spec.compile) {
        const warm = await this.warmDir(job.language);
        compile = await this.step(spec.compile(warm !== null), spec.compileLimits, {
          dir,
          writable: true,
          cache: warm,
          seccomp: false,
          extraReadOnly: spec.extraReadOnly,
        });
        if (compile.timedOut)
          return {
            status: 'compile_timeout',
            reason: `compile timed out after ${spec.compileLimits.timeoutMs} ms`,
            compile,
          };
        if (compile.exitCode !== 0)
          return {
            status: 'compile_error',
            reason: `compile failed (${describeExit(compile)}): ${tail(compile.stderr || compile.stdout, 600)}`,
            compile,
          };
      }
      const runTimeoutMs = job.runTimeoutMs ?? spec.runLimits.timeoutMs;
      const run = await this.step(
        spec.run(runTimeoutMs),
        { ...spec.runLimits, timeoutMs: runTimeoutMs },
        {
          dir,
          writable: false,
          cache: null,
          seccomp: true,
          extraReadOnly: spec.extraReadOnly,
          stdin: job.stdin,
          processes: spec.runProcesses,
          slot,
        },
      );
      return { ...judge(run, runTimeoutMs, job.marker), ...(compile ? { compile } : {}), run };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private warmRoot: Promise<string | null> | undefined;

  private async warmDir(lang: LanguageId): Promise<string | null> {
    const w = this.opts.warmCacheDir;
    this.warmRoot ??= typeof w === 'function' ? w() : Promise.resolve(w ?? null);
    const d = await this.warmRoot;
    if (!d) return null;
    const p = join(d, lang);
    return existsSync(p) ? p : null;
  }

  /** One sandboxed step: bwrap under prlimit, own process group, wall-clock SIGKILL, capped output capture. */
  step(
    cmd: Command,
    limits: StepLimits,
    mount: {
      dir: string;
      writable: boolean;
      cache: string | null;
      seccomp: boolean;
      extraReadOnly: string[];
      stdin?: string;
      /** Allow this many processes (RLIMIT_NPROC under a per-slot uid) instead of the no-fork seccomp filter. */
      processes?: number;
      slot?: number;
    },
  ): Promise<StepResult> {
    // RLIMIT_NPROC counts processes per host uid and is ignored for root: a step that may create processes runs
    // as a uid of its own (SLOT_UID_BASE + worker slot, used by nothing else), so the limit holds and samples in
    // other slots are not counted. Without root (cannot switch uid) such steps keep the no-fork filter.
    const asSlotUid =
      mount.processes !== undefined &&
      mount.slot !== undefined &&
      process.getuid?.() === 0 &&
      !this.opts.unsafeNoSandbox;
    const uid = asSlotUid ? SLOT_UID_BASE + mount.slot! : undefined;
    if (uid !== undefined) {
      chownSync(mount.dir, uid, uid);
      for (const sub of ['src', 'out'])
        if (existsSync(join(mount.dir, sub))) chownSync(join(mount.dir, sub), uid, uid);
    }
    const cpuSeconds = Math.ceil(limits.timeoutMs / 1000) + 2;
    const rl = [
      `--as=${limits.addressSpaceMb * 1024 * 1024}`,
      `--cpu=${cpuSeconds}`,
      `--fsize=${128 * 1024 * 1024}`,
      '--nofile=512',
      '--core=0',
      ...(uid !== undefined ? [`--nproc=${mount.processes}`] : []),
    ];
    let argv: string[];
    let seccompFd: number | null = null;
    if (this.opts.unsafeNoSandbox) {
      argv = [PRLIMIT, ...rl, '--', ...cmd.argv.map((a) => a.replaceAll('/sandbox/', `${mount.dir}/`))];
    } else {
      const b = bwrapArgs(mount, this.tmpfsBytes, cmd.env);
      b.splice(b.indexOf('--chdir'), 0, '--ro-bind', join(this.root, 'hosts'), '/etc/hosts');
      if (mount.seccomp && this.seccompFile && uid === undefined) {
        seccompFd = openSync(this.seccompFile, 'r');
        b.push('--seccomp', '3');
      }
      argv = [PRLIMIT, ...rl, '--', BWRAP, ...b, ...cmd.argv];
    }
    const started = Date.now();
    return new Promise<StepResult>((resolve) => {
      const child = spawn(argv[0], argv.slice(1), {
        stdio: ['pipe', 'pipe', 'pipe', ...(seccompFd !== null ? [seccompFd] : [])],
        detached: true,
        ...(uid !== undefined ? { uid, gid: uid } : {}),
        env: this.opts.unsafeNoSandbox ? cmd.env : {},
        cwd: this.opts.unsafeNoSandbox ? join(mount.dir, 'src') : '/',
      });
      if (seccompFd !== null) closeSync(seccompFd);
      const stdout = new Capture();
      const stderr = new Capture();
      child.stdout!.on('data', (c: Buffer) => stdout.add(c));
      child.stderr!.on('data', (c: Buffer) => stderr.add(c));
      child.stdin!.on('error', () => {});
      child.stdin!.end(mount.stdin ?? '');
      let timedOut = false;
      const killGroup = () => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, limits.timeoutMs);
      let spawnError: string | null = null;
      child.on('error', (e) => {
        spawnError = e.message;
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        killGroup(); // anything left in the group (nothing should survive bwrap --die-with-parent)
        resolve({
          exitCode: code,
          signal: signal ?? null,
          timedOut,
          ms: Date.now() - started,
          stdout: stdout.text(),
          stderr: spawnError ? `cannot start ${argv[0]}: ${spawnError}` : stderr.text(),
        });
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.limiter.idle();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The bubblewrap arguments shared by every step; the job directory is writable only in the compile step. */
export function bwrapArgs(
  mount: { dir: string; writable: boolean; cache: string | null; extraReadOnly: string[] },
  tmpfsBytes: number,
  env: Record<string, string>,
): string[] {
  const a = ['--unshare-all', '--unshare-user', ...BWRAP_IDENTITY_ARGS];
  for (const [k, v] of Object.entries(env)) a.push('--setenv', k, v);
  a.push('--ro-bind', '/usr', '/usr');
  for (const d of ['lib', 'lib64', 'lib32', 'bin', 'sbin'])
    if (existsSync(`/${d}`)) a.push('--symlink', `usr/${d}`, `/${d}`);
  a.push(
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(tmpfsBytes),
    '--tmpfs',
    '/tmp',
    '--dir',
    '/etc',
  );
  for (const p of mount.extraReadOnly) if (existsSync(p)) a.push('--ro-bind', p, p);
  a.push(mount.writable ? '--bind' : '--ro-bind', mount.dir, '/sandbox');
  if (mount.cache) a.push('--ro-bind', mount.cache, '/cache/' + mount.cache.split('/').pop());
  a.push('--chdir', '/sandbox/src');
  return a;
}

/** Pass/fail from the run step, decided outside the sandbox. */
export function judge(
  run: StepResult,
  timeoutMs: number,
  marker?: string,
): Omit<MultiLangOutcome, 'compile' | 'run'> {
  if (run.timedOut)
    return { status: 'timeout', reason: `timed out after ${timeoutMs} ms (process group killed)` };
  if (run.exitCode !== 0)
    return {
      status: 'fail',
      reason: `${describeExit(run)}: ${tail(run.stderr || run.stdout, 600) || '(no output)'}`,
    };
  if (marker !== undefined) {
    const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
    if (lines[lines.length - 1]?.trim() !== marker)
      return {
        status: 'fail',
        reason:
          'exited 0 but the test harness did not finish (completion marker missing: early exit or output tampering)',
      };
  }
  return { status: 'pass' };
}

export function describeExit(r: StepResult): string {
  if (r.signal) return `killed by ${r.signal}`;
  if (r.exitCode !== null && r.exitCode > 128) return `exit code ${r.exitCode} (signal ${r.exitCode - 128})`;
  return `exit code ${r.exitCode}`;
}

function tail(s: string, n: number): string {
  const t = s.trim();
  return t.length > n ? '…' + t.slice(-n) : t;
}

/** A fresh random marker per job: the harness prints it after the last test. */
export function newMarker(): string {
  return `EVALKIT-DONE-${randomBytes(16).toString('hex')}`;
}

/** Keeps the first OUTPUT_CAP/2 and last OUTPUT_CAP/2 bytes of a stream. */
class Capture {
  private head: Buffer[] = [];
  private headLen = 0;
  private tailBuf = Buffer.alloc(0);
  private dropped = 0;
  add(c: Buffer) {
    const half = OUTPUT_CAP / 2;
    if (this.headLen < half) {
      const take = c.subarray(0, half - this.headLen);
      this.head.push(take);
      this.headLen += take.length;
      c = c.subarray(take.length);
    }
    if (!c.length) return;
    const joined = Buffer.concat([this.tailBuf, c]);
    this.dropped += Math.max(0, joined.length - half);
    this.tailBuf = joined.subarray(Math.max(0, joined.length - half));
  }
  text(): string {
    const h = Buffer.concat(this.head).toString('utf8');
    const t = this.tailBuf.toString('utf8');
    return this.dropped ? `${h}\n…[${this.dropped} bytes dropped]…\n${t}` : h + t;
  }
}
