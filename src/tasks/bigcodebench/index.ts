/**
 * BigCodeBench (Zhuo et al. 2024, arXiv:2406.15877): 1,140 library-heavy Python tasks; "Hard" = 148 of them.
 * Data: the first HF release v0.1.0_hf (../shared/datasets/bigcodebench/PROVENANCE.md); 10 tasks (6 Hard) were
 * changed upstream up to v0.1.4 and are flagged (V014_CHANGED).
 *
 * Facts from the official repo (bigcode-project/bigcodebench: provider/utility.py, generate.py, evaluate.py,
 * eval/__init__.py; described, not copied):
 *  - complete split, base model: the prompt is `complete_prompt` verbatim, stops = EOS + extra direct-completion
 *    stops; the solution is complete_prompt + completion;
 *  - chat: instruction prefix "Please provide a self-contained Python script that solves the following problem in
 *    a markdown code block:" then (complete) a fence with complete_prompt.strip(), or (instruct)
 *    instruct_prompt.strip(); the answer is sanitized to the code reaching `task_func`;
 *  - "calibrated" (the default): the executed solution is prefixed by code_prompt + "\n    pass\n";
 *  - execution: solution + "\n" + test run as module __test__, its TestCases under unittest; pass iff no failures
 *    and no errors; per-task timeout 240 s (BIGCODEBENCH_TIMEOUT_PER_TASK).
 *
 * Before scoring a task, the ground-truth gate (ground-truth-gate.ts) runs its canonical solution in the same
 * sandbox and Python environment; tasks whose canonical solution fails are "not admitted" (with the reason) and
 * are left out of the metrics, which report how many tasks were admitted.
 */
import { requireField } from '../../datasets/registry.js';
import { acquireSharedRunner, releaseSharedRunner } from '../../sandbox/multilang/index.js';
import type { MultiLangRunner } from '../../sandbox/multilang/runner.js';
import { passAtKMetrics } from '../../metrics/definitions.js';
import { extractCodeBlocks, Sanitizer } from '../../scoring/code/sanitize.js';
import type {
  GenerationParams,
  Item,
  MetricValue,
  Prompt,
  Scorer,
  TaskLoadContext,
  TaskVariant,
  VerdictRecord,
} from '../../types.js';
import { GroundTruthGate, runBcbProgram } from './ground-truth-gate.js';

export interface BcbData {
  completePrompt: string;
  instructPrompt: string;
  canonicalSolution: string;
  codePrompt: string;
  test: string;
  libs: string;
  /** Changed upstream between v0.1.0_hf (this data) and v0.1.4. */
  changedByV014: boolean;
}

/** The 148 BigCodeBench-Hard task numbers (../shared/datasets/bigcodebench/hard_task_ids.txt; the test checks). */
export const HARD_TASK_NUMBERS: readonly number[] = [
  13, 15, 17, 19, 34, 37, 82, 89, 92, 93, 99, 100, 101, 108, 120, 123, 124, 129, 139, 147, 161, 162, 177, 184,
  187, 199, 208, 211, 214, 227, 239, 241, 267, 273, 274, 287, 302, 308, 310, 313, 324, 326, 341, 346, 360,
  367, 368, 374, 399, 401, 409, 417, 418, 424, 443, 445, 454, 458, 461, 477, 486, 492, 501, 502, 503, 509,
  511, 513, 526, 528, 530, 532, 553, 560, 567, 574, 579, 582, 583, 587, 590, 592, 593, 594, 618, 636, 637,
  654, 655, 657, 678, 720, 723, 752, 760, 763, 765, 771, 777, 785, 800, 826, 845, 854, 857, 865, 870, 879,
  897, 906, 914, 915, 916, 917, 928, 942, 945, 952, 955, 963, 964, 969, 971, 985, 988, 990, 998, 999, 1003,
  1004, 1006, 1008, 1012, 1013, 1015, 1019, 1020, 1022, 1039, 1040, 1042, 1053, 1057, 1077, 1085, 1124, 1129,
  1137,
];
/** Tasks changed between v0.1.0_hf and v0.1.4 by the official fix scripts (PROVENANCE.md). */
export const V014_CHANGED: readonly number[] = [16, 37, 178, 211, 215, 241, 267, 760, 1005, 1006];

export const BCB_EOS = ['<|endoftext|>', '<|endofmask|>', '</s>', '\nif __name__', '\ndef main(', '\nprint('];
export const BCB_DIRECT_COMPLETION_STOPS = ['\ndef ', '\nclass ', '\nimport ', '\nfrom ', '\nassert '];
export const BCB_INSTRUCTION_PREFIX =
  'Please provide a self-contained Python script that solves the following problem in a markdown code block:';
/** Official per-task limit (BIGCODEBENCH_TIMEOUT_PER_TASK default) + the 1 s the evaluator adds. */
export const BCB_TIMEOUT_MS = 241_000;

export async function loadBigCodeBench(ctx: TaskLoadContext, hardOnly: boolean) {
  const { records, use, path } = await ctx.datasets.jsonl('bigcodebench-v0.1.0_hf');
  const hard = new Set(HARD_TASK_NUMBERS);
  const items: Item<BcbData>[] = [];
  records.forEach((r, i) => {
    const id = requireField<string>(r, 'task_id', 'string', path, i + 1);
    const num = Number(id.split('/')[1]);
    if (hardOnly && !hard.has(num)) return;
    items.push({
      id,
      data: {
        completePrompt: requireField<string>(r, 'complete_prompt', 'string', path, i + 1),
        instructPrompt: requireField<string>(r, 'instruct_prompt', 'string', path, i + 1),
        canonicalSolution: requireField<string>(r, 'canonical_solution', 'string', path, i + 1),
        codePrompt: requireField<string>(r, 'code_prompt', 'string', path, i + 1),
        test: requireField<string>(r, 'test', 'string', path, i + 1),
        libs: requireField<string>(r, 'libs', 'string', path, i + 1),
        changedByV014: V014_CHANGED.includes(num),
      },
    });
  });
  return { items, use };
}

type Split = 'complete' | 'instruct';
type Verdict = Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'>;

export function bcbPrompt(d: BcbData, split: Split, format: 'completion' | 'chat'): Prompt {
  if (format === 'completion') return { kind: 'completion', text: d.completePrompt };
  const body =
    split === 'complete'
      ? `${BCB_INSTRUCTION_PREFIX}\n\`\`\`\n${d.completePrompt.trim()}\n\`\`\`\n`
      : `${BCB_INSTRUCTION_PREFIX}\n${d.instructPrompt.trim()}\n`;
  return { kind: 'chat', messages: [{ role: 'user', content: body }] };
}

/** Calibrated solution: code_prompt + "\n    pass\n" + solution (the official default). */
export const calibrated = (d: BcbData, solution: string) => d.codePrompt + '\n    pass\n' + solution;

export function createBcbScorer(ctx: TaskLoadContext, format: 'completion' | 'chat'): Scorer<BcbData> {
  let runner: Promise<MultiLangRunner> | undefined;
  const sanitizer = new Sanitizer();
  let gate: GroundTruthGate | undefined;
  return {
    async score(item, g): Promise<Verdict> {
      runner ??= acquireSharedRunner(ctx.options);
      const r = await runner;
      gate ??= new GroundTruthGate(r, ctx);
      const admission = await gate.check(item);
      if (!admission.admitted)
        return {
          scores: { pass: 0 },
          reason: `task not admitted by the ground-truth gate: ${admission.reason}`,
          details: { admitted: false, excluded: true, gate_reason: admission.reason },
        };
      const text = g.text ?? '';
      let solution: string;
      if (g.textIsSolution) solution = text;
      else if (format === 'completion') solution = item.data.completePrompt + text;
      else {
        const blocks = extractCodeBlocks(text);
        const raw = blocks.length ? blocks.join('\n') : text;
        solution = await sanitizer.sanitize(raw, 'task_func').catch(() => raw);
      }
      const program = calibrated(item.data, solution);
      const out = await runBcbProgram(r, program, item.data.test, BCB_TIMEOUT_MS);
      return {
        scores: { pass: out.pass ? 1 : 0 },
        extracted: program,
        ...(out.pass ? {} : { reason: out.reason }),
        details: {
          admitted: true,
          status: out.status,
          ...(out.failed.length ? { failed_tests: out.failed } : {}),
        },
      };
    },
    async close() {
      await sanitizer.close();
      if (runner) {
        runner = undefined;
        await releaseSharedRunner();
      }
    },
  };
}

/**
 * pass@k over admitted tasks only; counts of admitted / not admitted tasks are metrics of their own, and
 * breakdowns.v014_changed separates the 10 tasks changed upstream after this data release.
 */
/**
 * Reported next to the declared pass@k: how many tasks the ground-truth gate admitted (a rejected task's
 * verdicts carry `details.excluded`, so no metric counts it).
 */
export function bcbExtraMetrics(
  items: Item<BcbData>[],
  verdicts: VerdictRecord[],
): Record<string, MetricValue> {
  const rejected = new Set(verdicts.filter((v) => v.details?.admitted === false).map((v) => v.itemId));
  return {
    admitted_tasks: {
      value: items.filter((i) => !rejected.has(i.id)).length,
      method: 'tasks whose canonical solution passes in this environment',
    },
    not_admitted_tasks: {
      value: rejected.size,
      method: 'ground-truth gate rejections (reasons in verdicts.jsonl)',
    },
  };
}

function bcbVariant(hard: boolean, split: Split, format: 'completion' | 'chat'): TaskVariant<BcbData> {
  const name = `bigcodebench${hard ? '-hard' : ''}:${split}${format === 'chat' && split === 'complete' ? ':chat' : ''}`;
  const generation: GenerationParams =
    format === 'completion'
      ? {
          n: 1,
          temperature: 0,
          top_p: 1,
          max_tokens: 1280,
          stop: [...BCB_EOS, ...BCB_DIRECT_COMPLETION_STOPS],
        }
      : { n: 1, temperature: 0, top_p: 1, max_tokens: 1280, stop: [] };
  return {
    name,
    family: 'bigcodebench',
    description: `BigCodeBench${hard ? '-Hard (148)' : ' (1140)'} ${split} split, ${format === 'completion' ? 'base-model completion of complete_prompt' : 'chat instruction, sanitized code block'}; greedy; ground-truth gate`,
    reproduces: `bigcodebench ${split}${hard ? ' hard' : ' full'} (v0.1.0_hf data, calibrated)`,
    settings: {
      format,
      shots: 0,
      generation,
      primaryMetric: 'pass@1',
      promptShape:
        format === 'completion'
          ? 'complete_prompt verbatim'
          : `"${BCB_INSTRUCTION_PREFIX}" + ${split === 'complete' ? 'fenced complete_prompt' : 'instruct_prompt'}`,
      executed:
        'code_prompt + "\\n    pass\\n" + solution + "\\n" + test; TestCases under unittest; pass iff no failures/errors',
      timeoutMs: BCB_TIMEOUT_MS,
      gate: 'canonical solution must pass in the same sandbox, else the task is not admitted',
      dataVersion: 'v0.1.0_hf (10 tasks differ from v0.1.4)',
      datasets: ['bigcodebench-v0.1.0_hf'],
    },
    async loadItems(ctx) {
      const { items, use } = await loadBigCodeBench(ctx, hard);
      return { items, datasets: [use] };
    },
    buildPrompt: (item) => bcbPrompt(item.data, split, format),
    createScorer: (ctx) => createBcbScorer(ctx, format),
    metrics: passAtKMetrics(['pass'], 1),
    extraMetrics: (items, verdicts) => bcbExtraMetrics(items, verdicts),
    extraBreakdowns: (items, verdicts) => {
      const rejected = new Set(verdicts.filter((v) => v.details?.admitted === false).map((v) => v.itemId));
      const changed = items.filter((i) => !rejected.has(i.id) && i.data.changedByV014).length;
      return { v014_changed: { admitted: { tasks: { value: changed } } } };
    },
  };
}

export const variants: TaskVariant[] = [false, true].flatMap((hard) => [
  bcbVariant(hard, 'complete', 'completion'),
  bcbVariant(hard, 'complete', 'chat'),
  bcbVariant(hard, 'instruct', 'chat'),
]);
