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
import { checkOutput, MBPP_OUTPUT_NOT_NONE_TASKS, type CheckContext } from './evalplus-check.js';
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
const CACHE_FORMAT = 3;
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

/** Expected outputs too large to transfer are stored as this prefix + "<type>:<sha256 of repr>". */
const DIGEST_PREFIX = '#digest:';

function defaultCacheDir(): string {
  const root = process.env.EVALKIT_CACHE_DIR || join(homedir(), '.cache', 'evalkit');
  return join(root, 'ground-truth');
}

function inputsOf(problem: EvalPlusProblem, set: 'base' | 'plus'): { value: unknown[][]; raw?: string } {
  const value = set === 'base' ? problem.baseInputs : problem.plusInputs;
  const raw = set === 'base' ? problem.baseInputsJson : problem.plusInputsJson;
  return { value: Array.isArray(value) ? value : [], raw: raw ?? undefined };
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
    /** test sets that hit a per-input time limit */
    perInputTimeouts: 0,
    /** test sets killed at the overall EvalPlus limit */
    overallTimeouts: 0,
    groundTruthComputed: 0,
    groundTruthFromCache: 0,
    /** Profile (bench/RESULTS.md), summed over test-set jobs, in ms: waiting for a free worker; dispatch to end
     * (fork, isolation, transfer, execution, relay); inside the job as it reports itself (only jobs that
     * finished): loading the solution, running the inputs, encoding and sending outputs; jobs stuck at a
     * per-input limit (the floor). */
    queueMs: 0,
    jobMs: 0,
    childLoadMs: 0,
    childRunMs: 0,
    childEncodeSendMs: 0,
    floorJobMs: 0,
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

  async prepare(problems: EvalPlusProblem[]): Promise<void> {
    await Promise.all(problems.map((p) => this.groundTruth(p)));
  }

  private groundTruth(problem: EvalPlusProblem): Promise<GroundTruth> {
    const key = `${problem.datasetHash}\0${problem.taskId}`;
    let p = this.gtMemo.get(key);
    if (!p) {
      p = this.loadOrComputeGroundTruth(problem);
      this.gtMemo.set(key, p);
      p.catch(() => this.gtMemo.delete(key));
    }
    return p;
  }

  private async loadOrComputeGroundTruth(problem: EvalPlusProblem): Promise<GroundTruth> {
    const dir = join(this.cacheDir, groundTruthCacheKey(), safeName(problem.datasetHash || 'unknown'));
    const file = join(dir, `${safeName(problem.taskId)}.json`);
    const fp = fingerprint(problem);
    const toSet = (s: { outputs: string[]; times: number[] }): GroundTruthSet => {
      // not-None tasks: the ground-truth child already sent `out is not None` (EvalPlus output_not_none)
      const expected = s.outputs;
      return { expected, floats: expected.map(isFloatsText), times: s.times };
    };
    if (existsSync(file)) {
      try {
        const c = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
        if (validCacheFile(c, problem, fp)) {
          this.stats.groundTruthFromCache++;
          return { base: toSet(c.base), plus: toSet(c.plus) };
        }
      } catch {
        /* unreadable cache entry: recompute */
      }
    }
    const [base, plus] = await this.withGroundTruthPool((pool) =>
      Promise.all([this.runGroundTruth(pool, problem, 'base'), this.runGroundTruth(pool, problem, 'plus')]),
    );
    this.stats.groundTruthComputed++;
    const entry = { format: CACHE_FORMAT, taskId: problem.taskId, fingerprint: fp, base, plus };
    const c: CacheFile = { ...entry, checksum: cacheChecksum(entry) };
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify(c));
    await rename(tmp, file);
    return { base: toSet(base), plus: toSet(plus) };
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
        else if (fr.u !== undefined)
          problemText = `output for input #${capJobText(fr.i)} is not data (${capJobText(fr.u)})`;
        else if (fr.i === outputs.length && (value !== undefined || typeof fr.h === 'string')) {
          // too large to ship: the expected output is kept as a digest of its repr
          outputs.push(value ?? DIGEST_PREFIX + String(fr.h));
          times.push(Number(fr.t) || 0);
        } else problemText ??= `malformed ground-truth frame for input #${capJobText(fr.i)}`;
      },
      GT_DEADLINE_S * 1000 + WATCHDOG_GRACE_MS,
      { key: `${problem.datasetHash}:${problem.taskId}:${set}`, value: inputs.value, raw: inputs.raw },
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
    const [base, plus] = await Promise.all([
      this.runTestSet(problem, 'base', gt.base, solution),
      this.runTestSet(problem, 'plus', gt.plus, solution),
    ]);
    return { base, plus };
  }

  private async runTestSet(
    problem: EvalPlusProblem,
    set: 'base' | 'plus',
    gt: GroundTruthSet,
    solution: string,
  ): Promise<TestSetOutcome> {
    const inputs = inputsOf(problem, set);
    const n = inputs.value.length;
    const limits = gt.times.map((t) => Math.max(this.minTimeLimit, this.gtFactor * t));
    const details = this.testDetails;
    // EvalPlus: timeout = min(60, sum(limits)) + 1 (+1 with details), then join(timeout + 1).
    const deadline =
      Math.min(
        EVALPLUS_TIMEOUT_PER_TASK_S,
        limits.reduce((a, b) => a + b, 0),
      ) + (details ? 3 : 2);
    const ctx: CheckContext = {
      dataset: problem.dataset,
      entryPoint: problem.entryPoint,
      atol: problem.atol || 0,
    };
    // Oracles that look at the arguments get the ORIGINAL inputs (Node's copy), never the list as the solution left
    // it: zeroing find_zero's coefficients in place must not make any x a root (EvalPlus reads the mutated list).
    const wantArgs =
      (problem.dataset === 'humaneval' && problem.entryPoint === 'find_zero') ||
      (problem.dataset === 'mbpp' &&
        (problem.entryPoint === 'surface_Area' || problem.entryPoint === 'digit_distance_nums'));
    const originalArgs = (i: number): PyValue[] | null => {
      const a = inputs.value[i];
      return Array.isArray(a) ? a.map(fromJs) : null;
    };

    const perInput: TestStatus[] = [];
    const failed: number[] = [];
    let firstReason: string | undefined;
    let next = 0;
    let done = false;
    let loadError: string | undefined;
    let protocolError: string | undefined;

    const fail = (i: number, status: TestStatus, reason: string): boolean => {
      perInput[i] = status;
      failed.push(i);
      firstReason ??= reason;
      return !details; // fail fast: stop the child
    };
    const inputRepr = (i: number): string => {
      const s = stringifyPythonJson(inputs.value[i]);
      return s.length > 200 ? s.slice(0, 200) + '…' : s;
    };

    const onFrame = (fr: Record<string, unknown>, valueText: string | undefined): boolean => {
      if (fr.done) {
        done = true;
        if (Array.isArray(fr.prof) && fr.prof.length === 3 && fr.prof.every((x) => typeof x === 'number')) {
          const [load, run, enc] = fr.prof as number[];
          this.stats.childLoadMs += load * 1000;
          this.stats.childRunMs += run * 1000;
          this.stats.childEncodeSendMs += enc * 1000;
        }
        return false;
      }
      if (fr.load !== undefined) {
        loadError = capJobText(fr.load);
        return true;
      }
      if (fr.setup !== undefined || fr.bad !== undefined) {
        protocolError =
          fr.bad !== undefined ? capJobText(fr.bad) : `sandbox setup failed: ${capJobText(fr.setup)}`;
        return true;
      }
      if (fr.i !== next || next >= n) {
        protocolError = `unexpected result frame (expected input #${next})`;
        return true;
      }
      const i = next++;
      if (fr.to)
        return fail(
          i,
          'timeout',
          `input #${i} ${inputRepr(i)}: exceeded the time limit of ${fmtSeconds(limits[i])}`,
        );
      if (fr.e !== undefined)
        return fail(i, 'fail', `input #${i} ${inputRepr(i)}: raised ${capJobText(fr.e)}`);
      if (fr.u !== undefined)
        return fail(i, 'fail', `input #${i} ${inputRepr(i)}: unserializable output (${capJobText(fr.u)})`);
      const expText = gt.expected[i];
      if (expText.startsWith(DIGEST_PREFIX)) {
        if (fr.h === expText.slice(DIGEST_PREFIX.length)) {
          perInput[i] = 'pass';
          return false;
        }
        return fail(
          i,
          'fail',
          `input #${i} ${inputRepr(i)}: output differs from the expected one (compared by digest: the output is too large to transfer)`,
        );
      }
      if (valueText === undefined) return fail(i, 'fail', `input #${i}: malformed result frame`);
      // Fast path: identical tagged text means equal values (NaN aside); EvalPlus's atol switch still applies.
      const needsOracle = wantArgs || ctx.entryPoint === 'find_zero';
      if (!needsOracle && valueText === expText && !valueText.includes('"nan"')) {
        if (ctx.atol === 0 && gt.floats[i]) ctx.atol = 1e-6;
        perInput[i] = 'pass';
        return false;
      }
      let out: PyValue;
      let exp: PyValue;
      let args: PyValue[] | null = null;
      try {
        out = decodeTagged(JSON.parse(valueText));
        exp = decodeTagged(JSON.parse(expText));
        if (wantArgs) args = originalArgs(i);
      } catch (e) {
        return fail(i, 'fail', `input #${i}: malformed output (${capJobText((e as Error).message)})`);
      }
      let ok = false;
      try {
        ok = checkOutput(ctx, out, exp, args);
      } catch {
        ok = false;
      }
      if (!ok) {
        return fail(
          i,
          'fail',
          `input #${i} ${inputRepr(i)}: expected ${pyRepr(exp, 150)}, got ${pyRepr(out, 150)}`,
        );
      }
      perInput[i] = 'pass';
      return false;
    };

    const end = await this.pool.submit(
      {
        op: 'evalplus',
        code: solution,
        entry: problem.entryPoint,
        dataset: problem.dataset,
        taskId: problem.taskId,
        limits,
        failFast: !details,
        notNone: problem.dataset === 'mbpp' && MBPP_OUTPUT_NOT_NONE_TASKS.includes(problem.entryPoint),
        digest: gt.expected.flatMap((e, i) => (e.startsWith(DIGEST_PREFIX) ? [i] : [])),
        deadline,
        cpuSeconds: Math.ceil(deadline) + 2,
        memBytes: this.memBytes,
        seccomp: true,
        guard: true,
      },
      (fr, valueText) => {
        if (!details && failed.length) return true;
        const t0 = performance.now();
        try {
          return onFrame(fr, valueText);
        } finally {
          this.stats.compareMs += performance.now() - t0;
        }
      },
      deadline * 1000 + WATCHDOG_GRACE_MS,
      { key: `${problem.datasetHash}:${problem.taskId}:${set}`, value: inputs.value, raw: inputs.raw },
    );
    this.stats.jobs++;
    this.stats.inputsExecuted += next;
    this.stats.queueMs += end.queuedMs ?? 0;
    this.stats.jobMs += end.runMs ?? 0;
    if (perInput.includes('timeout')) {
      this.stats.perInputTimeouts++;
      this.stats.floorJobMs += end.runMs ?? 0;
    }
    if (end.reason === 'timeout') this.stats.overallTimeouts++;

    let status: TestStatus;
    let reason = firstReason;
    if (failed.length && (!details || end.reason !== 'timeout')) {
      status = 'fail';
    } else if (end.reason === 'timeout') {
      status = 'timeout';
      reason = `did not finish within ${fmtSeconds(deadline)} (EvalPlus overall limit) after ${next} of ${n} inputs`;
    } else if (loadError !== undefined) {
      status = 'fail';
      reason = `solution failed to load: ${loadError}`;
    } else if (protocolError !== undefined) {
      status = 'fail';
      reason = protocolError;
    } else if (done && next === n && end.reason === 'exit') {
      status = 'pass';
    } else {
      status = 'fail';
      reason = describeEnd(end, next, n);
    }
    if (status !== 'pass' && failed.length === 0 && next < n) failed.push(next);
    const outcome: TestSetOutcome = { status, failedInputs: failed, executed: next };
    if (reason !== undefined && status !== 'pass') outcome.reason = reason;
    if (details) {
      for (let i = 0; i < n; i++) perInput[i] ??= status === 'timeout' ? 'timeout' : 'fail';
      outcome.details = perInput;
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
