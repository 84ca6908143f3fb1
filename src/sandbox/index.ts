/**
 * Sandboxed code executor: EvalPlus-style differential testing and self-checking test programs.
 *
 * Layers (see docs/sandbox.md): bubblewrap namespaces (no network, read-only system, private tmpfs) around a warm
 * Python fork server per worker; per job a forked child with rlimits, a seccomp filter against process creation and
 * EvalPlus's guard. Outputs come back as tagged data on a private pipe and are compared here, in Node, against
 * ground-truth outputs that never enter the sandbox (invariant 3).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { EvalkitError } from '../util/errors.js';
import { stringifyPythonJson } from '../util/pyjson.js';
import { evalkitVersion } from '../util/version.js';
import type {
  CodeExecutor,
  CodeExecutorOptions,
  EvalPlusOutcome,
  EvalPlusProblem,
  TestProgramOutcome,
  TestProgramRun,
  TestSetOutcome,
  TestStatus,
} from './api.js';
import {
  checkOutput,
  digestComparable,
  MBPP_OUTPUT_NOT_NONE_TASKS,
  type CheckContext,
} from './evalplus-check.js';
import { decodeTagged, fromJs, pyRepr, type PyValue } from './pyvalue.js';
import {
  BWRAP,
  PYTHON,
  WATCHDOG_GRACE_MS,
  WorkerPool,
  type JobEnd,
  type WorkerConfig,
} from './worker-pool.js';

export type * from './api.js';
export { loadEvalPlusProblems } from './evalplus-dataset.js';

/** EvalPlus caps one test set's whole run at min(60 s, sum of per-input limits) + 1 s (+1 s with details). */
const EVALPLUS_TIMEOUT_PER_TASK_S = 60;
const GT_DEADLINE_S = 600;
/** 4: large outputs as ==-canonical digests ("#digest:c:…"), other digests "#digest:r:<type>:…" (server.py digest). */
const CACHE_FORMAT = 4;
/** Longest text kept from anything a job sent (error messages, reasons): the rest is cut before it is stored. */
export const MAX_JOB_TEXT = 500;

/** Cut a text that came out of a sandboxed job to MAX_JOB_TEXT characters (it may be forged and huge). */
export function capJobText(x: unknown): string {
  const s = typeof x === 'string' ? x : String(x);
  return s.length > MAX_JOB_TEXT
    ? s.slice(0, MAX_JOB_TEXT) + `… [${s.length - MAX_JOB_TEXT} more characters cut]`
    : s;
}

interface GroundTruthSet {
  /** tagged-JSON text of each expected output (parsed only when a fast textual match fails) */
  expected: string[];
  /** EvalPlus's is_floats(expected) per input */
  floats: boolean[];
  /** seconds per input, measured on the ground-truth program */
  times: number[];
}

interface GroundTruth {
  base: GroundTruthSet;
  plus: GroundTruthSet;
}

interface CacheFile {
  format: number;
  taskId: string;
  fingerprint: string;
  base: { outputs: string[]; times: number[] };
  plus: { outputs: string[]; times: number[] };
  /** sha256 over format, task, fingerprint and every output and time: the entry is used only if it matches. */
  checksum: string;
}

function cacheChecksum(c: Omit<CacheFile, 'checksum'>): string {
  const h = createHash('sha256');
  h.update(`${c.format}\0${c.taskId}\0${c.fingerprint}\0`);
  for (const s of [c.base, c.plus]) {
    h.update(`${s.outputs.length}\0`);
    for (const o of s.outputs) h.update(`${o.length}:${o}`);
    h.update(s.times.map((t) => t.toString()).join(',') + '\0');
  }
  return h.digest('hex');
}

function validCacheFile(c: CacheFile, problem: EvalPlusProblem, fp: string): boolean {
  if (c.format !== CACHE_FORMAT || c.fingerprint !== fp || c.taskId !== problem.taskId) return false;
  for (const [set, s] of [
    ['base', c.base],
    ['plus', c.plus],
  ] as const) {
    const n = inputsOf(problem, set).value.length;
    if (!s || !Array.isArray(s.outputs) || !Array.isArray(s.times)) return false;
    if (s.outputs.length !== n || s.times.length !== n) return false;
    if (
      !s.outputs.every((o) => typeof o === 'string') ||
      !s.times.every((t) => typeof t === 'number' && t >= 0)
    )
      return false;
  }
  return c.checksum === cacheChecksum(c);
}

let pythonVersionMemo: string | undefined;
/** The sandbox interpreter's version (outputs and timings of the ground truth depend on it). */
function pythonVersion(): string {
  if (pythonVersionMemo === undefined) {
    try {
      pythonVersionMemo = execFileSync(
        PYTHON,
        ['-I', '-S', '-c', 'import sys; print(sys.version.split()[0])'],
        {
          env: {},
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      )
        .toString()
        .trim();
    } catch {
      pythonVersionMemo = 'unknown';
    }
  }
  return pythonVersionMemo;
}

/**
 * The cache's key beyond the dataset: evalkit version (harness semantics), Python version (outputs and timings), and
 * the machine the per-input times were measured on (CPU model and count: the time limits are derived from them).
 */
export function groundTruthCacheKey(): string {
  const cpu = `${cpus()[0]?.model ?? 'cpu'} x${cpus().length}`;
  const machine = createHash('sha256').update(cpu).digest('hex').slice(0, 12);
  return `evalkit-${evalkitVersion()}_py-${pythonVersion()}_machine-${machine}`;
}

const FLOAT_TEXT = String.raw`\{"f":(?:-?[0-9.eE+-]+|"nan"|"inf"|"-inf")\}`;
const FLOATS_RE = new RegExp(
  `^(?:${FLOAT_TEXT}|\\[(?:${FLOAT_TEXT},)*${FLOAT_TEXT}\\]|\\{"t":\\[(?:${FLOAT_TEXT},)*${FLOAT_TEXT}\\]\\})$`,
);

/** is_floats on the tagged text: a float, or a non-empty list/tuple of floats. */
function isFloatsText(text: string): boolean {
  return text.length < 50_000_000 && FLOATS_RE.test(text);
}

/**
 * Expected outputs compared by digest are stored as this prefix + server.py's digest(): "c:<sha256>" of the
 * ==-canonical text (large outputs of sets where `==` decides), or "r:<type>:<sha256 of repr>" (outputs too large to
 * encode at all).
 */
const DIGEST_PREFIX = '#digest:';
const CANONICAL_DIGEST_PREFIX = '#digest:c:';

function defaultCacheDir(): string {
  const root = process.env.EVALKIT_CACHE_DIR || join(homedir(), '.cache', 'evalkit');
  return join(root, 'ground-truth');
}

function inputsOf(problem: EvalPlusProblem, set: 'base' | 'plus'): { value: unknown[][]; raw?: string } {
  const value = set === 'base' ? problem.baseInputs : problem.plusInputs;
  const raw = set === 'base' ? problem.baseInputsJson : problem.plusInputsJson;
  return { value: Array.isArray(value) ? value : [], raw: raw ?? undefined };
}

const SET_POSITION = { base: 0, plus: 1 } as const;

/** Ground-truth batches per worker (see prepare): small enough to balance slow tasks, few process starts. */
const GT_BATCHES_PER_WORKER = 4;

interface RawGroundTruthSet {
  outputs: string[];
  times: number[];
}

const groundTruthMemoKey = (p: EvalPlusProblem): string => `${p.datasetHash}\0${p.taskId}`;

/** not-None tasks: the ground-truth child already sent `out is not None` (EvalPlus output_not_none). */
function groundTruthSet(s: RawGroundTruthSet): GroundTruthSet {
  return { expected: s.outputs, floats: s.outputs.map(isFloatsText), times: s.times };
}

const inputSetsMemo = new WeakMap<EvalPlusProblem, { key: string; value: unknown; raw: string }>();

/** Both input sets of a problem as one zygote cache entry: `[base, plus]` (raw JSON text kept: 3.0 stays a float). */
function inputSets(problem: EvalPlusProblem): { key: string; value: unknown; raw: string } {
  let r = inputSetsMemo.get(problem);
  if (!r) {
    const text = (set: 'base' | 'plus'): string => {
      const { value, raw } = inputsOf(problem, set);
      return raw ?? stringifyPythonJson(value);
    };
    r = {
      key: `${problem.datasetHash}:${problem.taskId}`,
      value: null,
      raw: `[${text('base')},${text('plus')}]`,
    };
    inputSetsMemo.set(problem, r);
  }
  return r;
}

/** One test set of one sample being evaluated (state shared by the frames of its process and its verdict). */
interface SetRun {
  set: 'base' | 'plus';
  inputs: unknown[][];
  n: number;
  gt: GroundTruthSet;
  limits: number[];
  /** EvalPlus's overall limit for the set, in seconds. */
  deadline: number;
  ctx: CheckContext;
  perInput: TestStatus[];
  failed: number[];
  /** index of the next expected output frame */
  next: number;
  firstReason?: string;
  loadError?: string;
  protocolError?: string;
  done: boolean;
  timedOut: boolean;
  /** decided (done, or its process ended while it ran); unfinished sets run again in a fresh process */
  finished: boolean;
  /** how the process ended, for the set that was running then */
  end?: JobEnd;
}

function fingerprint(problem: EvalPlusProblem): string {
  const h = createHash('sha256');
  h.update(problem.entryPoint + '\0' + problem.groundTruthProgram + '\0');
  for (const set of ['base', 'plus'] as const) {
    const { value, raw } = inputsOf(problem, set);
    h.update((raw ?? stringifyPythonJson(value)) + '\0');
  }
  return h.digest('hex');
}

function safeName(taskId: string): string {
  return taskId.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function fmtSeconds(s: number): string {
  return s >= 10 ? `${s.toFixed(0)} s` : `${s.toFixed(2)} s`;
}

class Executor implements CodeExecutor {
  /** Workers that run samples. */
  private readonly pool: WorkerPool;
  /** Workers that run ground truth only (never a sample); started when ground truth must be computed. */
  private gtPool: WorkerPool | null = null;
  private gtRunning = 0;
  private readonly workerConfig: WorkerConfig;
  private readonly workers: number;
  private readonly cacheDir: string;
  private readonly minTimeLimit: number;
  private readonly gtFactor: number;
  private readonly memBytes: number;
  private readonly testDetails: boolean;
  private readonly gtMemo = new Map<string, Promise<GroundTruth>>();
  /** Counters for benchmarks and diagnostics. */
  readonly stats = {
    jobs: 0,
    inputsExecuted: 0,
    /** ms spent in Node comparing outputs (fast textual matches included) */
    compareMs: 0,
    /** inputs that hit their per-input time limit */
    perInputTimeouts: 0,
    /** test sets killed at the overall EvalPlus limit */
    overallTimeouts: 0,
    groundTruthComputed: 0,
    groundTruthFromCache: 0,
    /** Profile (bench/RESULTS.md), summed over jobs (one per sample, both test sets), in ms: waiting for a free
     * worker; dispatch to end (fork, isolation, transfer, execution, relay); from the server's start of the job to
     * the child's report that its setup is done (fork, namespaces, mounts, rlimits, seccomp, reading the job);
     * inside the job as it reports itself (sets that finished): loading the solution, running the inputs (the
     * floor included), encoding and sending outputs; time limits of inputs that hit them (waiting at the floor). */
    queueMs: 0,
    jobMs: 0,
    processStartMs: 0,
    childLoadMs: 0,
    childRunMs: 0,
    childEncodeSendMs: 0,
    floorMs: 0,
    /** characters of frames received from sandboxed jobs (outputs and metadata) */
    bytesFromSandbox: 0,
  };

  constructor(opts: CodeExecutorOptions) {
    const unsafe = opts.unsafeNoSandbox === true;
    if (!existsSync(PYTHON)) throw new EvalkitError(`sandbox: ${PYTHON} not found (install python3)`);
    if (!unsafe && !existsSync(BWRAP)) {
      throw new EvalkitError(
        `sandbox: ${BWRAP} not found. Install bubblewrap (apt-get install bubblewrap) or pass unsafeNoSandbox: true.`,
      );
    }
    const workers = Math.max(1, Math.floor(opts.workers ?? availableParallelism()));
    this.workers = workers;
    this.workerConfig = { unsafeNoSandbox: unsafe, tmpfsBytes: 256 * 1024 * 1024 };
    this.pool = new WorkerPool(workers, this.workerConfig);
    this.cacheDir = opts.cacheDir ?? defaultCacheDir();
    this.minTimeLimit = (opts.minTimeLimitMs ?? 4000) / 1000;
    this.gtFactor = opts.gtTimeFactor ?? 4;
    this.memBytes = (opts.memoryLimitMb ?? 4096) * 1024 * 1024;
    this.testDetails = opts.testDetails === true;
  }

  /** Warm up all workers (optional; jobs start workers lazily). */
  start(): Promise<void> {
    return this.pool.start();
  }

  get workerRestarts(): number {
    return this.pool.restarts;
  }

  // ------------------------------------------------------------------ ground truth

  /**
   * Ground truth of every problem, from the cache or computed. What the cache lacks is computed in batches of many
   * tasks per process, one task after the other (EvalPlus computes a whole dataset's ground truth in one process):
   * one process start per batch instead of one per task and set. A task its batch could not finish (its canonical
   * solution raised, the batch was killed) is computed again on its own, which reports the error.
   */
  async prepare(problems: EvalPlusProblem[]): Promise<void> {
    const missing = new Map<string, EvalPlusProblem>();
    for (const p of problems) {
      const key = groundTruthMemoKey(p);
      if (this.gtMemo.has(key) || missing.has(key)) continue;
      const cached = await this.readGroundTruthCache(p);
      if (cached) this.gtMemo.set(key, Promise.resolve(cached));
      else missing.set(key, p);
    }
    if (missing.size > 1) await this.computeGroundTruthBatches([...missing.values()]);
    await Promise.all(problems.map((p) => this.groundTruth(p)));
  }

  private groundTruth(problem: EvalPlusProblem): Promise<GroundTruth> {
    const key = groundTruthMemoKey(problem);
    let p = this.gtMemo.get(key);
    if (!p) {
      p = this.loadOrComputeGroundTruth(problem);
      this.gtMemo.set(key, p);
      p.catch(() => this.gtMemo.delete(key));
    }
    return p;
  }

  private groundTruthFile(problem: EvalPlusProblem): { dir: string; file: string } {
    const dir = join(this.cacheDir, groundTruthCacheKey(), safeName(problem.datasetHash || 'unknown'));
    return { dir, file: join(dir, `${safeName(problem.taskId)}.json`) };
  }

  private async readGroundTruthCache(problem: EvalPlusProblem): Promise<GroundTruth | null> {
    const { file } = this.groundTruthFile(problem);
    if (!existsSync(file)) return null;
    try {
      const c = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
      if (!validCacheFile(c, problem, fingerprint(problem))) return null;
      this.stats.groundTruthFromCache++;
      return { base: groundTruthSet(c.base), plus: groundTruthSet(c.plus) };
    } catch {
      return null; // unreadable cache entry: recompute
    }
  }

  private async loadOrComputeGroundTruth(problem: EvalPlusProblem): Promise<GroundTruth> {
    const cached = await this.readGroundTruthCache(problem);
    if (cached) return cached;
    const digestLarge = digestComparable({ ...problem, atol: problem.atol || 0 });
    const [base, plus] = await this.withGroundTruthPool((pool) =>
      Promise.all(
        (['base', 'plus'] as const).map(async (set) =>
          this.fullWhereFloats(
            pool,
            problem,
            set,
            await this.runGroundTruth(pool, problem, set, digestLarge),
          ),
        ),
      ),
    );
    return this.storeGroundTruth(problem, base, plus);
  }

  /**
   * A float-like expected output switches EvalPlus's atol to 1e-6 for the rest of the set, and with atol a non-equal
   * output can pass (allclose): a set with both digests and floats is computed again keeping every output in full.
   */
  private async fullWhereFloats(
    pool: WorkerPool,
    problem: EvalPlusProblem,
    set: 'base' | 'plus',
    r: RawGroundTruthSet,
  ): Promise<RawGroundTruthSet> {
    if (r.outputs.some((o) => o.startsWith(CANONICAL_DIGEST_PREFIX)) && r.outputs.some(isFloatsText))
      return this.runGroundTruth(pool, problem, set, false);
    return r;
  }

  private async storeGroundTruth(
    problem: EvalPlusProblem,
    base: RawGroundTruthSet,
    plus: RawGroundTruthSet,
  ): Promise<GroundTruth> {
    this.stats.groundTruthComputed++;
    const { dir, file } = this.groundTruthFile(problem);
    const entry = {
      format: CACHE_FORMAT,
      taskId: problem.taskId,
      fingerprint: fingerprint(problem),
      base,
      plus,
    };
    const c: CacheFile = { ...entry, checksum: cacheChecksum(entry) };
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify(c));
    await rename(tmp, file);
    return { base: groundTruthSet(base), plus: groundTruthSet(plus) };
  }

  /** Batches of tasks of one dataset, several per worker so that a slow task does not leave a core idle. */
  private async computeGroundTruthBatches(problems: EvalPlusProblem[]): Promise<void> {
    const byDataset = new Map<string, EvalPlusProblem[]>();
    for (const p of problems) {
      const list = byDataset.get(p.dataset);
      if (list) list.push(p);
      else byDataset.set(p.dataset, [p]);
    }
    const size = Math.max(1, Math.ceil(problems.length / (this.workers * GT_BATCHES_PER_WORKER)));
    const batches: EvalPlusProblem[][] = [];
    for (const list of byDataset.values())
      for (let i = 0; i < list.length; i += size) batches.push(list.slice(i, i + size));
    await this.withGroundTruthPool((pool) =>
      Promise.all(batches.map((b) => this.runGroundTruthBatch(pool, b))),
    );
  }

  private async runGroundTruthBatch(pool: WorkerPool, problems: EvalPlusProblem[]): Promise<void> {
    const results = problems.map(() =>
      [0, 1].map(() => ({ outputs: [] as string[], times: [] as number[] })),
    );
    const complete = problems.map(() => [false, false]);
    const broken = problems.map(() => false);
    const digestLarge = problems.map((p) => digestComparable({ ...p, atol: p.atol || 0 }));
    const key = `gt-batch:${problems[0].datasetHash}:${createHash('sha256')
      .update(problems.map((p) => p.taskId).join('\0'))
      .digest('hex')
      .slice(0, 16)}`;
    const raw = `[${problems.map((p) => `[${stringifyPythonJson(p.taskId)},${inputSets(p).raw}]`).join(',')}]`;
    await pool.submit(
      {
        op: 'gt-batch',
        dataset: problems[0].dataset,
        taskId: problems[0].taskId,
        tasks: problems.map((p, k) => ({
          code: p.groundTruthProgram,
          entry: p.entryPoint,
          digestLarge: digestLarge[k],
          notNone: p.dataset === 'mbpp' && MBPP_OUTPUT_NOT_NONE_TASKS.includes(p.entryPoint),
        })),
        deadline: GT_DEADLINE_S,
        cpuSeconds: GT_DEADLINE_S + 5,
        memBytes: this.memBytes,
        seccomp: true,
        guard: false,
      },
      (fr, value) => {
        const k = fr.k;
        const s = fr.s;
        if (typeof k !== 'number' || !problems[k] || (s !== 0 && s !== 1)) return false;
        const r = results[k][s];
        if (fr.done) complete[k][s] = true;
        else if (
          fr.i === r.outputs.length &&
          fr.u === undefined &&
          (value !== undefined || typeof fr.h === 'string')
        ) {
          r.outputs.push(value ?? DIGEST_PREFIX + String(fr.h));
          r.times.push(Number(fr.t) || 0);
        } else broken[k] = true; // an error, a non-data output or a malformed frame: this task goes on its own
        return false;
      },
      GT_DEADLINE_S * 1000 + WATCHDOG_GRACE_MS,
      { key, value: null, raw, batch: true },
    );
    await Promise.all(
      problems.map(async (p, k) => {
        const ok = (s: 0 | 1): boolean =>
          complete[k][s] &&
          results[k][s].outputs.length === inputsOf(p, s === 0 ? 'base' : 'plus').value.length;
        const memoKey = groundTruthMemoKey(p);
        if (broken[k] || !ok(0) || !ok(1) || this.gtMemo.has(memoKey)) return;
        const done = (async () => {
          const base = await this.fullWhereFloats(pool, p, 'base', results[k][0]);
          const plus = await this.fullWhereFloats(pool, p, 'plus', results[k][1]);
          return this.storeGroundTruth(p, base, plus);
        })();
        this.gtMemo.set(memoKey, done);
        done.catch(() => this.gtMemo.delete(memoKey));
        await done.catch(() => undefined);
      }),
    );
  }

  /** Ground truth runs in its own pool, started on demand and stopped when no ground truth is being computed. */
  private async withGroundTruthPool<T>(fn: (pool: WorkerPool) => Promise<T>): Promise<T> {
    this.gtPool ??= new WorkerPool(this.workers, this.workerConfig);
    const pool = this.gtPool;
    this.gtRunning++;
    try {
      return await fn(pool);
    } finally {
      if (--this.gtRunning === 0 && this.gtPool === pool) {
        this.gtPool = null;
        await pool.close();
      }
    }
  }

  private async runGroundTruth(
    pool: WorkerPool,
    problem: EvalPlusProblem,
    set: 'base' | 'plus',
    digestLarge: boolean,
  ): Promise<{ outputs: string[]; times: number[] }> {
    const inputs = inputsOf(problem, set);
    const outputs: string[] = [];
    const times: number[] = [];
    let problemText: string | undefined;
    let done = false;
    const end = await pool.submit(
      {
        op: 'gt',
        code: problem.groundTruthProgram,
        entry: problem.entryPoint,
        dataset: problem.dataset,
        taskId: problem.taskId,
        set: SET_POSITION[set],
        digestLarge,
        deadline: GT_DEADLINE_S,
        cpuSeconds: GT_DEADLINE_S + 5,
        memBytes: this.memBytes,
        seccomp: true,
        guard: false,
        notNone: problem.dataset === 'mbpp' && MBPP_OUTPUT_NOT_NONE_TASKS.includes(problem.entryPoint),
      },
      (fr, value) => {
        if (fr.done) done = true;
        else if (fr.setup) problemText = `sandbox setup failed: ${capJobText(fr.setup)}`;
        else if (fr.err !== undefined) problemText = capJobText(fr.err);
        else if (fr.u !== undefined)
          problemText = `output for input #${capJobText(fr.i)} is not data (${capJobText(fr.u)})`;
        else if (fr.i === outputs.length && (value !== undefined || typeof fr.h === 'string')) {
          // too large to ship: the expected output is kept as a digest of its repr
          outputs.push(value ?? DIGEST_PREFIX + String(fr.h));
          times.push(Number(fr.t) || 0);
        } else problemText ??= `malformed ground-truth frame for input #${capJobText(fr.i)}`;
      },
      GT_DEADLINE_S * 1000 + WATCHDOG_GRACE_MS,
      inputSets(problem),
    );
    if (!done || problemText || outputs.length !== inputs.value.length) {
      const why = problemText ?? describeEnd(end, outputs.length, inputs.value.length);
      throw new EvalkitError(`ground truth for ${problem.taskId} (${set} inputs) failed: ${why}`);
    }
    return { outputs, times };
  }

  // ------------------------------------------------------------------ evaluation

  async evaluateEvalPlus(problem: EvalPlusProblem, solution: string): Promise<EvalPlusOutcome> {
    const gt = await this.groundTruth(problem);
    const runs = [this.newSetRun(problem, 'base', gt.base), this.newSetRun(problem, 'plus', gt.plus)];
    // Both sets in one process; a set that process could not reach (it was killed in an earlier set: overall
    // limit, crash) runs in a fresh one, as every set does under EvalPlus.
    let pending = runs;
    while (pending.length) {
      await this.runSets(problem, pending, solution);
      pending = pending.filter((r) => !r.finished);
    }
    return { base: this.outcomeOf(runs[0]), plus: this.outcomeOf(runs[1]) };
  }

  private newSetRun(problem: EvalPlusProblem, set: 'base' | 'plus', gt: GroundTruthSet): SetRun {
    const inputs = inputsOf(problem, set);
    const limits = gt.times.map((t) => Math.max(this.minTimeLimit, this.gtFactor * t));
    // EvalPlus: timeout = min(60, sum(limits)) + 1 (+1 with details), then join(timeout + 1).
    const deadline =
      Math.min(
        EVALPLUS_TIMEOUT_PER_TASK_S,
        limits.reduce((a, b) => a + b, 0),
      ) + (this.testDetails ? 3 : 2);
    return {
      set,
      inputs: inputs.value,
      n: inputs.value.length,
      gt,
      limits,
      deadline,
      ctx: { dataset: problem.dataset, entryPoint: problem.entryPoint, atol: problem.atol || 0 },
      perInput: [],
      failed: [],
      next: 0,
      done: false,
      timedOut: false,
      finished: false,
    };
  }

  /**
   * One sandboxed process runs these test sets one after the other (each with a fresh exec of the solution). Node
   * enforces each set's EvalPlus overall limit with its own timer (from the job's start, then from the previous
   * set's end) and stops the process when one is exceeded; the server's deadline (their sum) is the backstop.
   */
  private async runSets(problem: EvalPlusProblem, runs: SetRun[], solution: string): Promise<void> {
    const details = this.testDetails;
    // Oracles that look at the arguments get the ORIGINAL inputs (Node's copy), never the list as the solution left
    // it: zeroing find_zero's coefficients in place must not make any x a root (EvalPlus reads the mutated list).
    const wantArgs =
      (problem.dataset === 'humaneval' && problem.entryPoint === 'find_zero') ||
      (problem.dataset === 'mbpp' &&
        (problem.entryPoint === 'surface_Area' || problem.entryPoint === 'digit_distance_nums'));
    let cur = 0;
    let timer: NodeJS.Timeout | undefined;
    let control: ((what: boolean | { skipSet: number }) => void) | undefined;
    let childStart: number | undefined;
    const startTimer = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const r = runs[cur];
      if (!r || !control) return;
      const stop = control;
      timer = setTimeout(() => {
        r.timedOut = true;
        stop(true);
      }, r.deadline * 1000);
    };
    // After a set failed (fail-fast), the rest of it is skipped; the last set's failure stops the process.
    const afterFailure = (): boolean | { skipSet: number } =>
      details ? false : cur === runs.length - 1 ? true : { skipSet: cur };

    const onFrame = (
      fr: Record<string, unknown>,
      valueText: string | undefined,
    ): boolean | { skipSet: number } => {
      this.stats.bytesFromSandbox += (valueText?.length ?? 0) + 16;
      if (fr.m !== undefined && childStart === undefined && typeof fr.m === 'number') {
        childStart = fr.m;
        return false;
      }
      const r = runs[cur];
      if (!r) return true; // frames after the last set: not from the harness
      if (fr.setup !== undefined || fr.bad !== undefined) {
        r.protocolError =
          fr.bad !== undefined ? capJobText(fr.bad) : `sandbox setup failed: ${capJobText(fr.setup)}`;
        return true;
      }
      if (fr.s !== cur) {
        r.protocolError = `unexpected result frame (expected test set #${cur})`;
        return true;
      }
      if (fr.done || fr.load !== undefined) {
        if (fr.load !== undefined) r.loadError = capJobText(fr.load);
        else r.done = true;
        if (Array.isArray(fr.prof) && fr.prof.length === 3 && fr.prof.every((x) => typeof x === 'number')) {
          const [load, run, enc] = fr.prof as number[];
          this.stats.childLoadMs += load * 1000;
          this.stats.childRunMs += run * 1000;
          this.stats.childEncodeSendMs += enc * 1000;
        }
        r.finished = true;
        cur++;
        startTimer();
        return false;
      }
      if (!details && r.failed.length) return false; // the rest of a failed set is being skipped
      const t0 = performance.now();
      try {
        return this.onOutputFrame(r, fr, valueText, wantArgs) ? afterFailure() : false;
      } finally {
        this.stats.compareMs += performance.now() - t0;
      }
    };

    const totalDeadline = runs.reduce((a, r) => a + r.deadline, 0) + 1;
    const end = await this.pool.submit(
      {
        op: 'evalplus',
        code: solution,
        entry: problem.entryPoint,
        dataset: problem.dataset,
        taskId: problem.taskId,
        sets: runs.map((r) => ({
          set: SET_POSITION[r.set],
          limits: r.limits,
          digest: r.gt.expected.flatMap((e, i) => (e.startsWith(DIGEST_PREFIX) ? [i] : [])),
        })),
        failFast: !details,
        notNone: problem.dataset === 'mbpp' && MBPP_OUTPUT_NOT_NONE_TASKS.includes(problem.entryPoint),
        deadline: totalDeadline,
        cpuSeconds: Math.ceil(totalDeadline) + 2,
        memBytes: this.memBytes,
        seccomp: true,
        guard: true,
      },
      onFrame,
      totalDeadline * 1000 + WATCHDOG_GRACE_MS,
      inputSets(problem),
      (c) => {
        control = c;
        startTimer();
      },
    );
    if (timer) clearTimeout(timer);
    this.stats.jobs++;
    this.stats.queueMs += end.queuedMs ?? 0;
    this.stats.jobMs += end.runMs ?? 0;
    if (childStart !== undefined && typeof end.t0 === 'number')
      this.stats.processStartMs += Math.max(0, (childStart - end.t0) * 1000);
    // The set in progress when the process ended is decided by that end; later sets never started (rerun).
    const r = runs[cur];
    if (r) {
      r.finished = true;
      if (end.reason === 'timeout') r.timedOut = true;
      r.end = end;
    }
  }

  /** One output frame of a set: the verdict for that input. Returns true when the input failed. */
  private onOutputFrame(
    r: SetRun,
    fr: Record<string, unknown>,
    valueText: string | undefined,
    wantArgs: boolean,
  ): boolean {
    const { ctx, gt, limits } = r;
    if (fr.i !== r.next || r.next >= r.n) {
      r.protocolError = `unexpected result frame (expected input #${r.next})`;
      return true;
    }
    const i = r.next++;
    const inputRepr = (): string => {
      const s = stringifyPythonJson(r.inputs[i]);
      return s.length > 200 ? s.slice(0, 200) + '…' : s;
    };
    const fail = (status: TestStatus, reason: () => string): boolean => {
      r.perInput[i] = status;
      r.failed.push(i);
      r.firstReason ??= reason();
      return true;
    };
    if (fr.to) {
      this.stats.perInputTimeouts++;
      this.stats.floorMs += limits[i] * 1000;
      return fail(
        'timeout',
        () => `input #${i} ${inputRepr()}: exceeded the time limit of ${fmtSeconds(limits[i])}`,
      );
    }
    if (fr.e !== undefined)
      return fail('fail', () => `input #${i} ${inputRepr()}: raised ${capJobText(fr.e)}`);
    if (fr.u !== undefined)
      return fail('fail', () => `input #${i} ${inputRepr()}: unserializable output (${capJobText(fr.u)})`);
    const expText = gt.expected[i];
    if (expText.startsWith(DIGEST_PREFIX)) {
      if (fr.h === expText.slice(DIGEST_PREFIX.length)) {
        r.perInput[i] = 'pass';
        return false;
      }
      return fail(
        'fail',
        () =>
          `input #${i} ${inputRepr()}: output differs from the expected one (compared by digest: the output is large)`,
      );
    }
    if (valueText === undefined) return fail('fail', () => `input #${i}: malformed result frame`);
    // Fast path: identical tagged text means equal values (NaN aside); EvalPlus's atol switch still applies.
    const needsOracle = wantArgs || ctx.entryPoint === 'find_zero';
    if (!needsOracle && valueText === expText && !valueText.includes('"nan"')) {
      if (ctx.atol === 0 && gt.floats[i]) ctx.atol = 1e-6;
      r.perInput[i] = 'pass';
      return false;
    }
    let out: PyValue;
    let exp: PyValue;
    let args: PyValue[] | null = null;
    try {
      out = decodeTagged(JSON.parse(valueText));
      exp = decodeTagged(JSON.parse(expText));
      if (wantArgs) {
        const a = r.inputs[i];
        args = Array.isArray(a) ? a.map(fromJs) : null;
      }
    } catch (e) {
      return fail('fail', () => `input #${i}: malformed output (${capJobText((e as Error).message)})`);
    }
    let ok = false;
    try {
      ok = checkOutput(ctx, out, exp, args);
    } catch {
      ok = false;
    }
    if (!ok)
      return fail(
        'fail',
        () => `input #${i} ${inputRepr()}: expected ${pyRepr(exp, 150)}, got ${pyRepr(out, 150)}`,
      );
    r.perInput[i] = 'pass';
    return false;
  }

  /** The EvalPlus status of a finished set (the same rules as one process per set). */
  private outcomeOf(r: SetRun): TestSetOutcome {
    const details = this.testDetails;
    const { n, failed } = r;
    const endReason = r.end?.reason;
    this.stats.inputsExecuted += r.next;
    if (r.timedOut) this.stats.overallTimeouts++;
    let status: TestStatus;
    let reason = r.firstReason;
    if (failed.length && (!details || !r.timedOut)) {
      status = 'fail';
    } else if (r.timedOut) {
      status = 'timeout';
      reason = `did not finish within ${fmtSeconds(r.deadline)} (EvalPlus overall limit) after ${r.next} of ${n} inputs`;
    } else if (r.loadError !== undefined) {
      status = 'fail';
      reason = `solution failed to load: ${r.loadError}`;
    } else if (r.protocolError !== undefined) {
      status = 'fail';
      reason = r.protocolError;
    } else if (r.done && r.next === n && (r.end === undefined || endReason === 'exit')) {
      status = 'pass';
    } else {
      status = 'fail';
      reason = r.end ? describeEnd(r.end, r.next, n) : `finished after ${r.next} of ${n} inputs`;
    }
    if (status !== 'pass' && failed.length === 0 && r.next < n) failed.push(r.next);
    const outcome: TestSetOutcome = { status, failedInputs: failed, executed: r.next };
    if (reason !== undefined && status !== 'pass') outcome.reason = reason;
    if (details) {
      for (let i = 0; i < n; i++) r.perInput[i] ??= status === 'timeout' ? 'timeout' : 'fail';
      outcome.details = r.perInput;
    }
    return outcome;
  }

  // ------------------------------------------------------------------ test programs

  async runTestProgram(run: TestProgramRun): Promise<TestProgramOutcome> {
    const timeout = Math.max(0.001, run.timeoutMs / 1000);
    const deadline = timeout + 2;
    let verdict: TestProgramOutcome | null = null;
    let frames = 0;
    const end = await this.pool.submit(
      {
        op: 'program',
        code: run.program,
        test: run.testCode,
        timeout,
        deadline,
        ...(run.preload?.length ? { preload: run.preload } : {}),
        cpuSeconds: Math.ceil(deadline) + 2,
        memBytes: this.memBytes,
        seccomp: true,
        guard: true,
      },
      (fr) => {
        frames++;
        if (frames > 1) {
          // The harness writes exactly one frame; anything else was written by the program itself.
          verdict = { status: 'fail', reason: 'unexpected extra result frames (forged by the program?)' };
          return true;
        }
        if (fr.done) verdict = { status: 'pass' };
        else if (fr.to)
          verdict = { status: 'timeout', reason: `tests did not complete within ${fmtSeconds(timeout)}` };
        else if (fr.e !== undefined) verdict = { status: 'fail', reason: capJobText(fr.e) };
        else if (fr.setup !== undefined)
          verdict = { status: 'fail', reason: `sandbox setup failed: ${capJobText(fr.setup)}` };
        else verdict = { status: 'fail', reason: 'malformed result frame' };
        return false;
      },
      deadline * 1000 + WATCHDOG_GRACE_MS,
    );
    const v = verdict as TestProgramOutcome | null;
    if (end.reason === 'timeout')
      return { status: 'timeout', reason: `killed after ${fmtSeconds(deadline)}` };
    if (v && v.status === 'pass') {
      // Completion counts only if the child then exited normally.
      if (end.reason === 'exit' && end.code === 0) return v;
      return { status: 'fail', reason: describeEnd(end, 0, 0) };
    }
    if (v) return v;
    return { status: 'fail', reason: `tests did not complete: ${describeEnd(end, 0, 0)}` };
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.gtPool?.close()]);
    this.gtPool = null;
  }
}

function describeEnd(end: JobEnd, got: number, n: number): string {
  const progress = n ? ` after ${got} of ${n} inputs` : '';
  switch (end.reason) {
    case 'worker-died':
      return `sandbox worker died${progress} (${capJobText(end.detail ?? 'killed')}); the worker was restarted`;
    case 'too-large':
      return `output too large${progress}: ${capJobText(end.detail ?? '')}`;
    case 'bad-frame':
      return `malformed result from the sandboxed process${progress}: ${capJobText(end.detail ?? '')}`;
    case 'stopped':
      return `stopped${progress}`;
    case 'pipe-closed':
      return `the process closed its result pipe before finishing${progress} (killed at once)`;
    case 'error':
      return `sandbox error: ${capJobText(end.detail ?? '')}`;
    case 'timeout':
      return `timed out${progress}`;
    default:
      if (end.signal !== undefined) {
        const hint =
          end.signal === 9 ? ' (memory or CPU limit?)' : end.signal === 11 ? ' (segmentation fault)' : '';
        return `process killed by signal ${end.signal}${hint}${progress}`;
      }
      return `process exited early with code ${end.code ?? '?'}${progress}`;
  }
}

/** Create the sandboxed executor. Workers start lazily; call close() to stop them. */
export function createCodeExecutor(
  options: CodeExecutorOptions = {},
): CodeExecutor & { start(): Promise<void>; readonly workerRestarts: number } {
  return new Executor(options);
}
