/**
 * Scorers for code tasks. Two execution modes, both through the sandboxed CodeExecutor (src/sandbox/api.ts):
 *  - check-style (OLMES codex_humaneval / mbpp rows): program + test code (HumanEval `check(entry_point)`,
 *    MBPP asserts) must run to completion → scores { pass }.
 *  - EvalPlus-style (HumanEval+/MBPP+): base and plus inputs, outputs compared outside the sandbox against
 *    ground truth → scores { base, plus } where plus = base AND plus (as EvalPlus counts it).
 * Model output never throws: bad code becomes a failing verdict with a reason.
 */
import type {
  CodeExecutor,
  CodeExecutorOptions,
  EvalPlusOutcome,
  EvalPlusProblem,
  TestSetOutcome,
} from '../../sandbox/api.js';
import type {
  GenerationRecord,
  Item,
  RunOptions,
  Scorer,
  TaskLoadContext,
  VerdictRecord,
} from '../../types.js';
import { Sanitizer } from './sanitize.js';

type Verdict = Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'>;

/** Options for the executor, from RunOptions (--unsafe-no-sandbox, --test-details, --sandbox-workers, cache dir). */
export function executorOptions(options: RunOptions): CodeExecutorOptions {
  return {
    unsafeNoSandbox: options.unsafeNoSandbox,
    testDetails: options.testDetails,
    workers: options.sandboxWorkers,
    cacheDir: options.cacheDir ? `${options.cacheDir}/ground-truth` : undefined,
  };
}

/** Load src/sandbox/index.ts lazily (it is owned by another engineer; the contract is api.ts). */
export async function createExecutor(options: RunOptions): Promise<CodeExecutor> {
  const mod = '../../sandbox/index.js';
  const { createCodeExecutor } = (await import(mod)) as {
    createCodeExecutor: (o: CodeExecutorOptions) => CodeExecutor;
  };
  return createCodeExecutor(executorOptions(options));
}

/** How a variant turns one generation into the program to execute. */
export type ProgramBuilder<D> = (item: Item<D>, g: GenerationRecord, sanitizer: Sanitizer) => Promise<string>;

/**
 * Modules already imported in the process OLMES forks its code executors from (oe_eval imports numpy), so a test
 * script or a completion may `import numpy` after OLMES's reliability_guard has disabled os.putenv; loading them
 * inside the guard would fail (numpy sets environment variables on import).
 */
export const OLMES_PRELOADED_MODULES = ['numpy'];

export function createCheckScorer<D>(opts: {
  ctx: TaskLoadContext;
  buildProgram: ProgramBuilder<D>;
  testCode: (item: Item<D>) => string;
  timeoutMs: number;
  /** Modules loaded before the guard (see TestProgramRun.preload). */
  preload?: string[];
}): Scorer<D> {
  let executor: Promise<CodeExecutor> | undefined;
  const sanitizer = new Sanitizer();
  return {
    async score(item, g): Promise<Verdict> {
      const program = await opts.buildProgram(item, g, sanitizer);
      executor ??= createExecutor(opts.ctx.options);
      const out = await (
        await executor
      ).runTestProgram({
        program,
        testCode: opts.testCode(item),
        timeoutMs: opts.timeoutMs,
        ...(opts.preload ? { preload: opts.preload } : {}),
      });
      const pass = out.status === 'pass' ? 1 : 0;
      if (!pass && !program.trim())
        return { scores: { pass }, extracted: program, reason: NO_CODE, details: { status: out.status } };
      return {
        scores: { pass },
        extracted: program,
        ...(pass
          ? {}
          : {
              reason:
                out.reason ??
                (out.status === 'timeout' ? `timeout after ${opts.timeoutMs} ms` : 'tests failed'),
            }),
        details: { status: out.status },
      };
    },
    async close() {
      await sanitizer.close();
      if (executor) await (await executor).close();
    },
  };
}

export function createEvalPlusScorer<D>(opts: {
  ctx: TaskLoadContext;
  buildProgram: ProgramBuilder<D>;
  problem: (item: Item<D>) => EvalPlusProblem;
}): Scorer<D> {
  let executor: Promise<CodeExecutor> | undefined;
  const prepared = new Map<string, Promise<void>>();
  const sanitizer = new Sanitizer();
  return {
    async score(item, g): Promise<Verdict> {
      const program = await opts.buildProgram(item, g, sanitizer);
      executor ??= createExecutor(opts.ctx.options);
      const ex = await executor;
      const problem = opts.problem(item);
      let prep = prepared.get(item.id);
      if (!prep) {
        prep = ex.prepare([problem]);
        prepared.set(item.id, prep);
        prep.catch(() => prepared.delete(item.id));
      }
      await prep;
      const out = await ex.evaluateEvalPlus(problem, program);
      return explainMissingCode(evalPlusVerdict(out, program), program, problem.entryPoint);
    },
    async close() {
      await sanitizer.close();
      if (executor) await (await executor).close();
    },
  };
}

const NO_CODE = 'no code found in the answer';

/**
 * A failing sample whose program is empty, or does not define the function under test, fails with Python's
 * `KeyError: '<entry point>'` from the harness; say what happened instead. Scores are untouched.
 */
export function explainMissingCode(v: Verdict, program: string, entryPoint: string): Verdict {
  if (!v.reason) return v;
  if (!program.trim()) return { ...v, reason: NO_CODE };
  if (v.reason.includes(`KeyError: '${entryPoint}'`))
    return { ...v, reason: `the answer does not define ${entryPoint}() (${v.reason})` };
  return v;
}

/** EvalPlus counts a "plus" pass only when base AND plus pass. */
export function evalPlusVerdict(out: EvalPlusOutcome, program: string): Verdict {
  const base = out.base.status === 'pass' ? 1 : 0;
  const plus = base && out.plus.status === 'pass' ? 1 : 0;
  const reason = !base ? describe('base', out.base) : !plus ? describe('plus', out.plus) : undefined;
  return {
    scores: { base, plus },
    extracted: program,
    ...(reason ? { reason } : {}),
    details: {
      base_status: out.base.status,
      plus_status: out.plus.status,
      base_fail_tests: out.base.failedInputs,
      plus_fail_tests: out.plus.failedInputs,
      ...(out.base.details ? { base_details: out.base.details } : {}),
      ...(out.plus.details ? { plus_details: out.plus.details } : {}),
    },
  };
}

function describe(set: string, o: TestSetOutcome): string {
  const first = o.failedInputs[0];
  return `${set} tests ${o.status}${first !== undefined ? ` (first failing input #${first})` : ''}${o.reason ? `: ${o.reason}` : ''}`;
}
