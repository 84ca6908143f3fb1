/**
 * Loading EvalPlus datasets (HumanEval+, MBPP+) into items and EvalPlusProblems, shared by both families.
 * EvalPlus identifies a dataset by the md5 of its uncompressed jsonl ("hash" in eval_results.json).
 */
import { createHash } from 'node:crypto';
import { parseJsonl, requireField } from '../../datasets/registry.js';
import type { EvalPlusProblem } from '../../sandbox/api.js';
import { loadEvalPlusProblems } from '../../sandbox/evalplus-dataset.js';
import type { DatasetUse, Item, TaskLoadContext } from '../../types.js';

export interface EvalPlusItemData {
  prompt: string;
  entryPoint: string;
  canonicalSolution: string;
  baseInputs: unknown[][];
  plusInputs: unknown[][];
  atol: number;
  /** HumanEval: `test` (check function); MBPP+: `assertion` (base asserts). */
  test?: string;
  datasetHash: string;
  dataset: 'humaneval' | 'mbpp';
  /** The executor's problem, loaded by src/sandbox's loader (keeps the inputs' original JSON text). */
  problem?: EvalPlusProblem;
}

export async function loadEvalPlus(
  ctx: TaskLoadContext,
  datasetId: string,
  dataset: 'humaneval' | 'mbpp',
): Promise<{ items: Item<EvalPlusItemData>[]; datasets: DatasetUse[] }> {
  const { text, use, path } = await ctx.datasets.text(datasetId);
  const datasetHash = createHash('md5').update(text).digest('hex');
  const records = parseJsonl<Record<string, unknown>>(text, path);
  const problems = new Map((await loadEvalPlusProblems(datasetId, ctx.datasets)).map((p) => [p.taskId, p]));
  // MBPP+ v0.2.0 has tasks whose plus_input is {} (no plus inputs): treat a non-list as empty, like src/sandbox.
  const asList = (r: Record<string, unknown>, f: string, line: number): unknown[][] =>
    Array.isArray(r[f]) ? (r[f] as unknown[][]) : (requireField<object>(r, f, 'object', path, line), []);
  const items = records.map((r, i) => {
    const line = i + 1;
    const atolRaw = r.atol;
    return {
      id: requireField<string>(r, 'task_id', 'string', path, line),
      data: {
        prompt: requireField<string>(r, 'prompt', 'string', path, line),
        entryPoint: requireField<string>(r, 'entry_point', 'string', path, line),
        canonicalSolution: requireField<string>(r, 'canonical_solution', 'string', path, line),
        baseInputs: asList(r, 'base_input', line),
        plusInputs: asList(r, 'plus_input', line),
        atol: typeof atolRaw === 'number' ? atolRaw : Number(atolRaw ?? 0) || 0,
        test: typeof r.test === 'string' ? r.test : typeof r.assertion === 'string' ? r.assertion : undefined,
        datasetHash,
        dataset,
        problem: problems.get(r.task_id as string),
      },
    };
  });
  return { items, datasets: [use] };
}

/** The EvalPlusProblem for the executor: HumanEval+ ground truth = prompt + canonical_solution; MBPP+ = canonical_solution. */
export function toEvalPlusProblem(id: string, d: EvalPlusItemData): EvalPlusProblem {
  if (d.problem) return d.problem;
  return {
    taskId: id,
    dataset: d.dataset,
    entryPoint: d.entryPoint,
    groundTruthProgram: d.dataset === 'humaneval' ? d.prompt + d.canonicalSolution : d.canonicalSolution,
    baseInputs: d.baseInputs,
    plusInputs: d.plusInputs,
    atol: d.atol,
    datasetHash: d.datasetHash,
  };
}

/**
 * EvalPlus prompts and stop strings (facts from evalplus `evalplus/provider/utility.py` and
 * `evalplus/provider/base.py`).
 */
export const EVALPLUS = {
  instructionPrefix:
    'Please provide a self-contained Python script that solves the following problem in a markdown code block:',
  responsePrefix:
    'Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:',
  baseEos: ['<|endoftext|>', '<|endofmask|>', '</s>', '\nif __name__', '\ndef main(', '\nprint('],
  extraEosDirect: {
    humaneval: ['\ndef ', '\nclass ', '\nimport ', '\nfrom ', '\nassert '],
    mbpp: ['\n"""', '\nassert'],
  },
  chatEos: ['\n```\n'],
  maxNewTokens: 768,
} as const;

/** EvalPlus `make_raw_chat_prompt`: user instruction + assistant prefill ending in an open python block. */
export function evalPlusChatMessages(taskPrompt: string) {
  return [
    { role: 'user' as const, content: `${EVALPLUS.instructionPrefix}\n\`\`\`\n${taskPrompt.trim()}\n\`\`\`` },
    { role: 'assistant' as const, content: `${EVALPLUS.responsePrefix}\n\`\`\`python\n` },
  ];
}
