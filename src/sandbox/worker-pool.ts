/**
 * A pool of sandbox workers. Each worker is one long-lived Python fork server (python/server.py) started inside
 * bubblewrap; it forks a fresh child per job. Jobs wait in a FIFO queue for an idle worker. A worker that dies
 * (killed by a hostile child, crashed, wedged past the watchdog) fails its current job with a clear reason and is
 * replaced on the next dispatch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EvalkitError } from '../util/errors.js';
import { stringifyPythonJson } from '../util/pyjson.js';
import { bubblewrapArgs, MINIMAL_ENV, seccompProgram } from './isolation.js';

export const PYTHON = '/usr/bin/python3';
export const BWRAP = '/usr/bin/bwrap';

/** Locate src/sandbox/python both from src/ (vitest) and dist/ (tsc does not copy .py files). */
export function pythonDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'python'), resolve(here, '..', '..', 'src', 'sandbox', 'python')];
  for (const c of candidates) if (existsSync(join(c, 'server.py'))) return c;
  throw new EvalkitError(`sandbox: cannot find python/server.py (looked in ${candidates.join(', ')})`);
}

export interface WorkerConfig {
  unsafeNoSandbox: boolean;
  /** Size of the private /tmp tmpfs of each job. */
  tmpfsBytes: number;
  /** Size of the private /dev/shm of each job (default 64 MiB). */
  shmBytes?: number;
}

/** The command that starts one worker: bubblewrap around the fork server (or the bare server when unsafe). */
export function sandboxCommand(cfg: WorkerConfig): { cmd: string; args: string[] } {
  const py = pythonDir();
  const server = ['-I', '-S', '-B', '-u'];
  if (cfg.unsafeNoSandbox) return { cmd: PYTHON, args: [...server, join(py, 'server.py')] };
  const args = bubblewrapArgs([PYTHON, ...server, '/evalkit/server.py', '--sandboxed'], {
    // The worker's own /tmp and /dev/shm are only mount points: every job mounts fresh ones over them.
    tmpfsBytes: 1024 * 1024,
    shmBytes: 1024 * 1024,
    roBinds: [{ host: py, sandbox: '/evalkit' }],
  });
  return { cmd: BWRAP, args };
}

/** Configuration sent to each server as its first line (never job data). */
function initMessage(cfg: WorkerConfig): string {
  const prog = seccompProgram();
  return (
    JSON.stringify({
      op: 'init',
      seccomp: prog ? prog.bytes.toString('hex') : null,
      pidSlots: prog ? prog.pidSlots : [],
      tmpBytes: cfg.tmpfsBytes,
      shmBytes: cfg.shmBytes ?? 64 * 1024 * 1024,
    }) + '\n'
  );
}

export interface JobEnd {
  reason:
    'exit' | 'timeout' | 'stopped' | 'too-large' | 'bad-frame' | 'error' | 'worker-died' | 'pipe-closed';
  code?: number;
  signal?: number;
  elapsed?: number;
  /** The server's monotonic clock (seconds) when it started the job (compared with the child's own report). */
  t0?: number;
  detail?: string;
  /** Set by the pool: ms waiting for a worker, ms from dispatch to the end. */
  queuedMs?: number;
  runMs?: number;
}

/**
 * Called for every frame the child sent: its meta object and, for outputs, the tagged-JSON text of the value.
 * Return true to ask the server to stop the child now, or `{ skipSet: k }` to have it skip the rest of the test set
 * at position k (EvalPlus jobs). Both arguments come from untrusted code: treat them as data.
 */
export type FrameHandler = (
  meta: Record<string, unknown>,
  valueText: string | undefined,
) => boolean | void | { skipSet: number };

interface Pending {
  id: number;
  onFrame: FrameHandler;
  resolve: (end: JobEnd) => void;
  watchdog?: NodeJS.Timeout;
}

let nextJobId = 1;
/** Largest frame metadata accepted from a job (see onFrame). */
const MAX_META_BYTES = 8 * 1024;
/**
 * Node's backstop beyond a job's own deadline, which the server enforces (including a bounded wait for a killed
 * process): only a wedged worker gets here.
 */
export const WATCHDOG_GRACE_MS = 15_000;
let warnedUnsafe = false;

class SandboxWorker {
  private proc: ChildProcess;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** bytes of child frame still expected after a {"ev":"f","n":N} header */
  private payloadNeeded = -1;
  private current: Pending | null = null;
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  readonly ready: Promise<void>;
  dead = false;
  private stderrTail = '';
  /** input-set keys this server process holds (see server.py inputs cache) */
  readonly knownInputs = new Set<string>();
  jobsRun = 0;

  constructor(cfg: WorkerConfig) {
    const { cmd, args } = sandboxCommand(cfg);
    this.ready = new Promise((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.ready.catch(() => {});
    // A minimal environment: bubblewrap and everything under it never hold the host's variables (API keys...).
    this.proc = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: false,
      env: { ...MINIMAL_ENV },
    });
    this.proc.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
    });
    this.proc.stdin!.on('error', () => {});
    this.proc.on('error', (e) => this.die(`cannot start sandbox (${cmd}): ${e.message}`));
    this.proc.on('exit', (code, sig) => this.die(`sandbox worker exited (code ${code}, signal ${sig})`));
    this.proc.stdin!.write(initMessage(cfg));
  }

  private die(why: string): void {
    if (this.dead) return;
    this.dead = true;
    const tail = this.stderrTail.trim();
    const msg = tail ? `${why}; stderr: ${tail.slice(-500)}` : why;
    this.readyReject(new EvalkitError(msg));
    const cur = this.current;
    this.current = null;
    if (cur) {
      if (cur.watchdog) clearTimeout(cur.watchdog);
      cur.resolve({ reason: 'worker-died', detail: msg });
    }
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.payloadNeeded >= 0 && this.buffered < this.payloadNeeded) return; // avoid quadratic re-concatenation
    let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    let pos = 0;
    for (;;) {
      if (this.payloadNeeded >= 0) {
        if (buf.length - pos < this.payloadNeeded) break;
        const payload = buf.subarray(pos, pos + this.payloadNeeded);
        pos += this.payloadNeeded;
        this.payloadNeeded = -1;
        this.onFrame(payload);
        continue;
      }
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      const line = buf.toString('utf8', pos, nl);
      pos = nl + 1;
      if (line) this.onLine(line);
      if (this.dead) return;
    }
    buf = buf.subarray(pos);
    this.chunks = buf.length ? [buf] : [];
    this.buffered = buf.length;
  }

  private onFrame(payload: Buffer): void {
    const cur = this.current;
    if (!cur || this.frameJob !== cur.id) return; // late frames of a stopped job
    let stop: ReturnType<FrameHandler>;
    try {
      const nl = payload.indexOf(10);
      const metaEnd = nl < 0 ? payload.length : nl;
      // Frame metadata from the harness is a few bytes (error texts are cut at 500 characters in the child): a
      // larger one was forged by the code under test and is not even decoded.
      if (metaEnd > MAX_META_BYTES) throw new Error('oversized frame metadata');
      const meta = JSON.parse(payload.toString('utf8', 0, metaEnd)) as unknown;
      if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new Error('bad frame');
      const value = nl < 0 ? undefined : payload.toString('utf8', nl + 1);
      stop = cur.onFrame(meta as Record<string, unknown>, value);
    } catch {
      stop = cur.onFrame({ bad: 'malformed frame from the sandboxed process' }, undefined) !== false;
    }
    this.control(cur.id, stop);
  }

  /** Act on a frame handler's (or a timer's) request: stop the job, or skip the rest of one test set. */
  control(id: number, what: ReturnType<FrameHandler>): void {
    if (!this.current || this.current.id !== id) return;
    if (what === true) this.send({ op: 'stop', id });
    else if (what && typeof what === 'object') this.send({ op: 'skip', id, set: what.skipSet });
  }

  private frameJob = -1;

  private onLine(line: string): void {
    let msg: { id?: number; ev?: string; n?: number } & Record<string, unknown>;
    try {
      msg = JSON.parse(line);
    } catch {
      this.kill(`sandbox server sent a malformed line`);
      return;
    }
    if (msg.ev === 'ready') {
      this.readyResolve();
      return;
    }
    if (msg.ev === 'f') {
      this.payloadNeeded = Number(msg.n) || 0;
      this.frameJob = Number(msg.id);
      return;
    }
    const cur = this.current;
    if (!cur || msg.id !== cur.id) return;
    if (msg.ev === 'end') {
      if (cur.watchdog) clearTimeout(cur.watchdog);
      this.current = null;
      cur.resolve(msg as unknown as JobEnd);
    }
  }

  private send(obj: Record<string, unknown>): void {
    if (this.dead) return;
    this.proc.stdin!.write(stringifyPythonJson(obj) + '\n');
  }

  /** Bytes of input JSON the zygote holds (bounded by MAX_CACHED_INPUT_BYTES). */
  inputBytes = 0;

  /** Hand an input set to the server's zygote: raw (Python-)JSON text, so that 3.0 stays a float. */
  sendInputs(key: string, meta: Record<string, unknown>, inputs: { value: unknown; raw?: string }): void {
    if (this.dead) return;
    const body = Buffer.from(inputs.raw ?? stringifyPythonJson(inputs.value), 'utf8');
    this.inputBytes += body.length;
    this.proc.stdin!.write(stringifyPythonJson({ op: 'inputs', key, ...meta, n: body.length }) + '\n');
    this.proc.stdin!.write(body);
  }

  resetInputs(): void {
    this.inputBytes = 0;
    if (!this.dead) this.proc.stdin!.write('{"op":"reset"}\n');
  }

  /** Set from dispatch until the job ends (covers the wait for `ready`). */
  reserved = false;

  get busy(): boolean {
    return this.reserved || this.current !== null;
  }

  run(
    job: Record<string, unknown>,
    onFrame: FrameHandler,
    watchdogMs: number,
    onStart?: (control: (what: ReturnType<FrameHandler>) => void) => void,
  ): Promise<JobEnd> {
    const id = nextJobId++;
    this.jobsRun++;
    return new Promise<JobEnd>((resolve) => {
      const pending: Pending = { id, onFrame, resolve };
      this.current = pending;
      pending.watchdog = setTimeout(() => {
        this.kill(`sandbox worker unresponsive for ${Math.round(watchdogMs / 1000)} s`);
      }, watchdogMs);
      this.send({ ...job, id });
      onStart?.((what) => this.control(id, what));
    });
  }

  kill(why: string): void {
    this.die(why);
    try {
      this.proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * A job's inputs, cached in the worker's zygote under `key`. `batch`: the raw text is a ground-truth batch,
 * `[[taskId, [base, plus]], ...]`, instead of one task's `[base, plus]`.
 */
export interface JobInputs {
  key: string;
  value: unknown;
  raw?: string;
  batch?: boolean;
}

/** Called when a job is handed to its worker, with a function that stops it or skips one of its test sets. */
export type JobStartHandler = (control: (what: ReturnType<FrameHandler>) => void) => void;

interface QueuedJob {
  onStart?: JobStartHandler;
  job: Record<string, unknown>;
  /** inputs to attach if the chosen worker lacks them */
  inputs?: JobInputs;
  onFrame: FrameHandler;
  watchdogMs: number;
  resolve: (end: JobEnd) => void;
  submitted: number;
}

/** Input sets a worker's zygote keeps parsed (public test inputs; forked into every job). */
const MAX_CACHED_INPUT_SETS = 200;
/** …and at most this much input JSON (parsed it is a few times larger; every job is forked from it). */
const MAX_CACHED_INPUT_BYTES = 64 * 1024 * 1024;

export class WorkerPool {
  private workers: (SandboxWorker | null)[];
  private queue: QueuedJob[] = [];
  private closed = false;
  restarts = 0;

  constructor(
    readonly size: number,
    private readonly cfg: WorkerConfig,
  ) {
    this.workers = new Array(size).fill(null);
    if (cfg.unsafeNoSandbox && !warnedUnsafe) {
      warnedUnsafe = true;
      process.stderr.write(
        'evalkit: WARNING: running model code WITHOUT the bubblewrap sandbox (unsafeNoSandbox). ' +
          'Only resource limits and the EvalPlus guard apply; the code can read and write your files and use the network.\n',
      );
    }
  }

  /** Start all workers and wait until each server is warm. */
  async start(): Promise<void> {
    for (let i = 0; i < this.size; i++) this.workers[i] ??= new SandboxWorker(this.cfg);
    await Promise.all(this.workers.map((w) => w!.ready));
  }

  submit(
    job: Record<string, unknown>,
    onFrame: FrameHandler,
    watchdogMs: number,
    inputs?: JobInputs,
    onStart?: JobStartHandler,
  ): Promise<JobEnd> {
    if (this.closed) return Promise.reject(new EvalkitError('sandbox executor is closed'));
    return new Promise((resolve) => {
      this.queue.push({ job, inputs, onFrame, watchdogMs, resolve, submitted: performance.now(), onStart });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (let i = 0; i < this.size && this.queue.length; i++) {
      let w = this.workers[i];
      if (w && w.dead) {
        w = null;
        this.restarts++;
      }
      if (!w) {
        w = new SandboxWorker(this.cfg);
        this.workers[i] = w;
      }
      if (w.busy) continue;
      const q = this.queue.shift()!;
      w.reserved = true;
      void this.runOn(w, q);
    }
  }

  private async runOn(w: SandboxWorker, q: QueuedJob): Promise<void> {
    let end: JobEnd;
    const started = performance.now();
    try {
      await w.ready;
      const job = { ...q.job };
      if (q.inputs) {
        job.key = q.inputs.key;
        if (!w.knownInputs.has(q.inputs.key)) {
          if (w.knownInputs.size >= MAX_CACHED_INPUT_SETS || w.inputBytes >= MAX_CACHED_INPUT_BYTES) {
            w.resetInputs();
            w.knownInputs.clear();
          }
          const meta = { dataset: job.dataset, taskId: job.taskId, ...(q.inputs.batch ? { batch: 1 } : {}) };
          w.sendInputs(q.inputs.key, meta, q.inputs);
          w.knownInputs.add(q.inputs.key);
        }
      }
      end = await w.run(job, q.onFrame, q.watchdogMs, q.onStart);
    } catch (e) {
      end = { reason: 'worker-died', detail: (e as Error).message };
    }
    w.reserved = false;
    end.queuedMs = started - q.submitted;
    end.runMs = performance.now() - started;
    q.resolve(end);
    if (!this.closed) setImmediate(() => this.dispatch());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.resolve({ reason: 'worker-died', detail: 'executor closed' });
    for (const w of this.workers) w?.kill('executor closed');
    this.workers.fill(null);
  }
}
