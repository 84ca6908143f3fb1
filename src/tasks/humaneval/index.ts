/**
 * HumanEval family: OLMES rows (check()-style and HumanEval+) and EvalPlus-semantics variants.
 * Every OLMES fact below carries its source; see docs/fidelity.md#olmes-code for what is verified.
 */
import { parseJsonl, requireField } from '../../datasets/registry.js';
import { passAtKMetrics } from '../../metrics/definitions.js';
import { EVALPLUS } from '../../scoring/code/evalplus-data.js';
import { type EvalPlusFamily, evalPlusVariant, type PlusMode } from '../../scoring/code/evalplus-variant.js';
import { PythonRandom } from '../../scoring/code/python-random.js';
import { createCheckScorer, OLMES_PRELOADED_MODULES } from '../../scoring/code/scorers.js';
import type { GenerationParams, Item, Prompt, TaskLoadContext, TaskVariant } from '../../types.js';

export interface HumanEvalData {
  prompt: string;
  canonicalSolution: string;
  test: string;
  entryPoint: string;
  /** Ids of the few-shot exemplars (3-shot variant), chosen over the full test set at load time. */
  fewshotIds?: string[];
}

/**
 * OLMES HumanEval stop sequences: class default of `CodexHumanEval` (OLMES `codex_humaneval.py` L60–74 at
 * 5a51f50), restated for codex_humaneval:3shot::olmo3 in tasks.py; checked against OLMES's resolved config
 * (../shared/reference/olmes-prompts/summary.json) by test/tasks/olmes-golden-prompts.test.ts.
 */
export const OLMES_HUMANEVAL_STOPS = [
  '\nclass',
  '\nif',
  '\nprint',
  '\n#',
  '\n```',
  '\n```\n\n',
  '<|eot_id|>',
];
/** `CodexHumanEval` class default `context_kwargs.answer_prefix` (he.py L76), appended to the prompt in `_process_doc`. */
export const OLMES_HUMANEVAL_ANSWER_PREFIX = 'Here is the completed function:\n\n```python\n';
/** OLMES `CodePassAtK` default timeout, 3.0 s for the whole program (metric.py L756). */
export const CHECK_TIMEOUT_MS = 3000;
/** `CodexHumanEvalPlus` class default `metric_kwargs.timeout` 20.0 s (he.py L200). */
export const PLUS_CHECK_TIMEOUT_MS = 20_000;
/** OLMES few-shot seed (oe_eval base_task: `fewshot_seed` default 1234, fresh `random.Random` per doc). */
export const OLMES_FEWSHOT_SEED = 1234;

/** HumanEval-format records (task_id, prompt, canonical_solution, test, entry_point): HumanEval or HumanEval+ OriginFmt. */
async function loadHumanEval(ctx: TaskLoadContext, datasetId: string, shots: number) {
  const { text, use, path } = await ctx.datasets.text(datasetId);
  const records = parseJsonl<Record<string, unknown>>(text, path);
  const items: Item<HumanEvalData>[] = records.map((r, i) => ({
    id: requireField<string>(r, 'task_id', 'string', path, i + 1),
    data: {
      prompt: requireField<string>(r, 'prompt', 'string', path, i + 1),
      canonicalSolution: requireField<string>(r, 'canonical_solution', 'string', path, i + 1),
      test: requireField<string>(r, 'test', 'string', path, i + 1),
      entryPoint: requireField<string>(r, 'entry_point', 'string', path, i + 1),
    },
  }));
  if (shots > 0) {
    for (const it of items) it.data.fewshotIds = olmesTestSetShots(items, it.id, shots).map((s) => s.id);
  }
  return { items, datasets: [use] };
}

/**
 * OLMES few-shot selection for tasks without a train split (lm-eval-harness lineage, oe_eval base_task
 * `fewshot_context`): `rnd = random.Random(1234)` fresh for each doc, `rnd.sample(test_docs, k + 1)`, drop
 * the doc itself, keep the first k.
 */
export function olmesTestSetShots<T extends { id: string }>(
  all: readonly T[],
  itemId: string,
  k: number,
): T[] {
  const rnd = new PythonRandom(OLMES_FEWSHOT_SEED);
  return rnd
    .sample(all, k + 1)
    .filter((x) => x.id !== itemId)
    .slice(0, k);
}

/** codex_humaneval:3shot::olmo3 doc_to_text / doc_to_target (he.py L122–144, prompt_variant "olmo3"). */
const olmo3Text = (d: HumanEvalData) => '```python\n' + d.prompt;
const olmo3Target = (d: HumanEvalData) => d.canonicalSolution + '```';

function olmo3Prompt(item: Item<HumanEvalData>, items: Item<HumanEvalData>[]): Prompt {
  // `items` is every item of the task (the runner passes the full list even under --limit).
  const byId = new Map(items.map((it) => [it.id, it.data]));
  const ids = item.data.fewshotIds ?? olmesTestSetShots(items, item.id, 3).map((s) => s.id);
  const shots = ids.map((id) => {
    const d = byId.get(id);
    if (!d) throw new Error(`few-shot exemplar ${id} not loaded`);
    return olmo3Text(d) + olmo3Target(d);
  });
  return { kind: 'completion', text: shots.join('\n\n') + '\n\n' + olmo3Text(item.data) };
}

/**
 * Executed program for OLMES check-style rows (he.py `_process_code_results`): the dataset prompt (without the
 * answer prefix) + the continuation; a replayed full solution is used as it is.
 */
function checkProgram(
  item: Item<HumanEvalData>,
  g: { text: string | null; textIsSolution?: boolean },
): string {
  return g.textIsSolution ? (g.text ?? '') : item.data.prompt + (g.text ?? '');
}
const checkTest = (item: Item<HumanEvalData>) => `${item.data.test}\ncheck(${item.data.entryPoint})`;

function olmesCheckVariant(opts: {
  name: string;
  shots: number;
  generation: GenerationParams;
  primary: string;
  description: string;
  /** Registry id of the HumanEval-format data: `humaneval`, or HumanEval+ OriginFmt for the HumanEval+ row. */
  datasetId?: string;
  /** Appended to the prompt (OLMES class default answer_prefix); the 3-shot olmo3 row sets it to "". */
  answerPrefix?: string;
  timeoutMs?: number;
}): TaskVariant<HumanEvalData> {
  const name = opts.name;
  const datasetId = opts.datasetId ?? 'humaneval';
  const answerPrefix = opts.answerPrefix ?? '';
  const timeoutMs = opts.timeoutMs ?? CHECK_TIMEOUT_MS;
  return {
    name,
    family: 'humaneval',
    description: opts.description,
    reproduces: `OLMES ${name}`,
    settings: {
      format: 'completion',
      shots: opts.shots,
      fewShotSource: opts.shots
        ? 'test-set shots: random.Random(1234).sample(test, k+1) minus the item, first k (fresh RNG per item)'
        : undefined,
      generation: opts.generation,
      primaryMetric: opts.primary,
      promptShape: opts.shots
        ? '"```python\\n"+prompt+canonical_solution+"```" per shot, joined by "\\n\\n", then "\\n\\n```python\\n"+prompt'
        : `prompt + ${JSON.stringify(answerPrefix)}`,
      executed: `prompt + completion + "\\n" + test + "\\ncheck(entry_point)" (${datasetId} tests), compiled first, run with __name__ != "__main__", exit/quit disabled; pass iff it runs cleanly within ${timeoutMs / 1000} s`,
      timeoutMs,
      datasets: [datasetId],
      maxLength: 4096,
    },
    loadItems: (ctx) => loadHumanEval(ctx, datasetId, opts.shots),
    buildPrompt: (item, items) =>
      opts.shots ? olmo3Prompt(item, items) : { kind: 'completion', text: item.data.prompt + answerPrefix },
    createScorer: (ctx) =>
      createCheckScorer<HumanEvalData>({
        ctx,
        buildProgram: async (item, g) => checkProgram(item, g),
        testCode: checkTest,
        timeoutMs,
        preload: OLMES_PRELOADED_MODULES,
      }),
    metrics: passAtKMetrics(['pass'], opts.generation.n),
  };
}

const sampling = (
  n: number,
  temperature: number,
  max_tokens: number,
  stop = OLMES_HUMANEVAL_STOPS,
): GenerationParams => ({
  // Every caller is an OLMES-alias row: shape requests as OLMES's vLLM path does.
  shaping: 'olmes',
  n,
  temperature,
  top_p: 0.95,
  max_tokens,
  stop: [...stop],
});

const HUMANEVAL_PLUS: EvalPlusFamily = {
  family: 'humaneval',
  datasetId: 'humanevalplus-v0.1.10',
  datasetLabel: 'HumanEval+ v0.1.10',
  completionPromptShape: 'raw HumanEval+ prompt',
};

const humanEvalPlusVariant = (
  name: string,
  mode: PlusMode,
  generation: GenerationParams,
  description: string,
) => evalPlusVariant(HUMANEVAL_PLUS, name, mode, generation, description);

export const variants: TaskVariant[] = [
  olmesCheckVariant({
    name: 'codex_humaneval:3shot::olmo3',
    shots: 3,
    // OLMES tasks.py L6322: prompt_variant olmo3, answer_prefix "", num_shots 3, max_gen_toks 1024, T 0.8,
    // top_p 0.95, repeats 20, these stops, pass_at_ks [1, 10].
    generation: sampling(20, 0.8, 1024),
    primary: 'pass@1',
    description: 'HumanEval, 3 test-set shots in ```python blocks, OLMo 3 base-model setting',
  }),
  olmesCheckVariant({
    name: 'codex_humaneval::starcoder_pass@1',
    shots: 0,
    // tasks.py L6428: do_sample, top_p 0.95, temperature 0.2, repeats 20, pass_at_ks [1]; class answer_prefix.
    answerPrefix: OLMES_HUMANEVAL_ANSWER_PREFIX,
    generation: sampling(20, 0.2, 512),
    primary: 'pass@1',
    description: 'HumanEval 0-shot, StarCoder pass@1 protocol (n=20, T=0.2)',
  }),
  olmesCheckVariant({
    name: 'codex_humaneval::starcoder_pass@10',
    shots: 0,
    // tasks.py L6446: top_p 0.95, temperature 0.8, repeats 20, pass_at_ks [10], primary pass_at_10.
    answerPrefix: OLMES_HUMANEVAL_ANSWER_PREFIX,
    generation: sampling(20, 0.8, 512),
    primary: 'pass@10',
    description: 'HumanEval 0-shot, StarCoder pass@10 protocol (n=20, T=0.8)',
  }),
  // tasks.py L6700 codex_humanevalplus:temp0.8 (class CodexHumanEvalPlus): HF evalplus/humanevalplus (= the
  // OriginFmt release: the plus inputs as a check(candidate) test), class answer_prefix, top_p 0.95, T 0.8,
  // repeats 1, pass_at_ks [1], one 20 s alarm for the whole program.
  olmesCheckVariant({
    name: 'codex_humanevalplus:temp0.8',
    shots: 0,
    datasetId: 'humanevalplus-originfmt-v0.1.10',
    answerPrefix: OLMES_HUMANEVAL_ANSWER_PREFIX,
    timeoutMs: PLUS_CHECK_TIMEOUT_MS,
    generation: sampling(1, 0.8, 512),
    primary: 'pass@1',
    description: 'HumanEval+ (OLMES): 0-shot, T=0.8, n=1, base+plus tests as one check() program (20 s)',
  }),
  humanEvalPlusVariant(
    'humanevalplus',
    'evalplus-completion',
    {
      n: 1,
      temperature: 0,
      top_p: 1,
      max_tokens: EVALPLUS.maxNewTokens,
      stop: [...EVALPLUS.baseEos, ...EVALPLUS.extraEosDirect.humaneval],
    },
    'HumanEval+ with EvalPlus semantics: base-model greedy completion, sanitized, base+plus tests',
  ),
  humanEvalPlusVariant(
    'humanevalplus:chat',
    'evalplus-chat',
    { n: 1, temperature: 0, top_p: 1, max_tokens: EVALPLUS.maxNewTokens, stop: [...EVALPLUS.chatEos] },
    'HumanEval+ with EvalPlus semantics: instruct prompt, code-block extraction + sanitize, base+plus tests',
  ),
];
