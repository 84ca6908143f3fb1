/**
 * Contract between code tasks (src/tasks/humaneval, src/tasks/mbpp) and the sandboxed executor (src/sandbox).
 * Implementation: src/sandbox/index.ts exports `createCodeExecutor(options): CodeExecutor`.
 *
 * Invariant 3 (DESIGN.md): expected outputs never enter the sandboxed process; outputs cross back as data and
 * are compared outside it. Early exit(0), patched builtins, __eq__ tricks, killed parents all score as failures.
 */

/** One EvalPlus-style problem: inputs are executed in the sandbox, expected outputs come from the ground truth. */
export interface EvalPlusProblem {
  /** e.g. "HumanEval/0", "Mbpp/2". */
  taskId: string;
  /** 'humaneval' | 'mbpp' — selects EvalPlus's per-dataset special cases (oracles, set-equality tasks). */
  dataset: 'humaneval' | 'mbpp';
  entryPoint: string;
  /** Full ground-truth program (prompt + canonical_solution for HumanEval+, canonical_solution for MBPP+). */
  groundTruthProgram: string;
  /** Argument lists, exactly as in the dataset (may contain NaN/Infinity; see util/pyjson). */
  baseInputs: unknown[][];
  plusInputs: unknown[][];
  /**
   * Optional: the inputs' original (Python-)JSON text from the dataset file. JS numbers lose the difference between
   * `3.0` and `3`; when these are given they are sent to Python instead of re-serialising baseInputs/plusInputs.
   * `loadEvalPlusProblems` (src/sandbox/evalplus-dataset.ts) fills them.
   */
  baseInputsJson?: string;
  plusInputsJson?: string;
  /** Float tolerance from the dataset (0 = exact/EvalPlus default). */
  atol: number;
  /** Identity of the dataset file (sha256 or EvalPlus md5 hash) — key for the ground-truth cache. */
  datasetHash: string;
}

export type TestStatus = 'pass' | 'fail' | 'timeout';

export interface TestSetOutcome {
  status: TestStatus;
  /** Indices (into base/plus inputs) of failing inputs; in fail-fast mode at most the first. */
  failedInputs: number[];
  /** Human-readable reason for the first failure: input, expected vs got, exception, timeout, crash. */
  reason?: string;
  /** Inputs actually executed (for throughput accounting). */
  executed: number;
  /** Per-input status when testDetails is on. */
  details?: TestStatus[];
}

export interface EvalPlusOutcome {
  base: TestSetOutcome;
  /** Plus inputs only (EvalPlus reports plus_status separately; "plus pass" = base pass AND plus pass). */
  plus: TestSetOutcome;
}

/** A self-checking test program (OLMES/HumanEval-style `check(candidate)` or MBPP asserts). */
export interface TestProgramRun {
  /** Program under test (model code). */
  program: string;
  /** Test code appended after the program (asserts / check(entry_point)). */
  testCode: string;
  timeoutMs: number;
  /** Modules imported before the guard is applied (OLMES's executor process has numpy loaded). */
  preload?: string[];
}

export interface TestProgramOutcome {
  status: TestStatus;
  reason?: string;
}

export interface CodeExecutorOptions {
  /** Parallel sandbox workers (default: number of CPUs). */
  workers?: number;
  /** Run without bubblewrap isolation (explicit opt-in; a warning is printed). */
  unsafeNoSandbox?: boolean;
  /** Run every input instead of stopping at the first failure; record per-input statuses. */
  testDetails?: boolean;
  /** Where ground-truth outputs/timings are cached (default: <cacheDir>/ground-truth). */
  cacheDir?: string;
  /** EvalPlus time-limit rule: per input max(minTimeLimitMs, gtTimeFactor x ground-truth time). Defaults 4000 / 4. */
  minTimeLimitMs?: number;
  gtTimeFactor?: number;
  /** Memory limit per sandboxed process in MiB (default 4096?). */
  memoryLimitMb?: number;
}

export interface CodeExecutor {
  /** Compute (or load from cache) ground-truth outputs and timings for these problems. */
  prepare(problems: EvalPlusProblem[]): Promise<void>;
  /** Evaluate one solution program against base and plus inputs with EvalPlus semantics. */
  evaluateEvalPlus(problem: EvalPlusProblem, solution: string): Promise<EvalPlusOutcome>;
  /** Run a self-checking test program (pass iff the tests complete without error inside the time limit). */
  runTestProgram(run: TestProgramRun): Promise<TestProgramOutcome>;
  close(): Promise<void>;
}
