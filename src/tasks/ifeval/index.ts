/**
 * IFEval (Zhou et al. 2023, arXiv:2311.07911): 541 prompts with 834 verifiable instructions of 25
 * types. Variants:
 *   - `ifeval`       chat: the prompt as one user message (instruct models).
 *   - `ifeval:base`  completion: the prompt text verbatim as a plain completion prompt (base models).
 * Both greedy (temperature 0), n=1, no stop strings. `ifeval` follows OLMES `ifeval::tulu`
 * (oe_eval/configs/tasks.py, as quoted in allenai/olmo-eval PR #297: chat format, max_gen_toks 2048,
 * do_sample false, primary prompt_level_loose_acc); `ifeval:base` follows lm-evaluation-harness
 * `lm_eval/tasks/ifeval/ifeval.yaml` (until: [], do_sample: false, temperature 0, max_gen_toks 1280).
 * Scoring reproduces google-research instruction_following_eval; see docs/tasks/ifeval.md and
 * docs/fidelity.md#ifeval.
 */
import type { DatasetResolver } from '../../datasets/registry.js';
import { requireField } from '../../datasets/registry.js';
import type {
  DatasetUse,
  GenerationParams,
  Item,
  Prompt,
  TaskVariant,
  VariantSettings,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { buildChecker } from './checkers.js';
import {
  IFEVAL_METRICS,
  ifevalInstructionBreakdowns,
  METRIC_NAMES,
  scoreIfevalResponse,
  type IfevalRecord,
} from './evaluate.js';

export { aggregateIfeval, scoreIfevalResponse, looseVariants, IFEVAL_METRICS } from './evaluate.js';
export type { IfevalRecord, IfevalScore, InstructionResult } from './evaluate.js';
export { buildChecker, INSTRUCTION_IDS, countSentences, countWords } from './checkers.js';

export const IFEVAL_INPUT_DATASET = 'ifeval-input';
export const IFEVAL_GPT4_DATASET = 'ifeval-gpt4-responses';

/** Item id of an IFEval record. */
export const ifevalItemId = (key: number): string => `ifeval/${key}`;

/**
 * Load and validate input_data.jsonl. Every record's instructions are built once so malformed
 * kwargs fail here, naming file, line and field, instead of during scoring.
 */
export async function loadIfevalRecords(
  datasets: DatasetResolver,
): Promise<{ records: IfevalRecord[]; use: DatasetUse }> {
  const { records, use, path } = await datasets.jsonl<Record<string, unknown>>(IFEVAL_INPUT_DATASET);
  const seen = new Set<number>();
  const out = records.map((rec, i) => {
    const line = i + 1;
    const key = requireField<number>(rec, 'key', 'number', path, line);
    const prompt = requireField<string>(rec, 'prompt', 'string', path, line);
    const ids = requireField<unknown[]>(rec, 'instruction_id_list', 'array', path, line);
    const kwargs = requireField<unknown[]>(rec, 'kwargs', 'array', path, line);
    if (ids.some((x) => typeof x !== 'string'))
      throw new EvalkitError(`${path}:${line}: field "instruction_id_list" must hold strings`);
    if (
      kwargs.length !== ids.length ||
      kwargs.some((k) => k === null || typeof k !== 'object' || Array.isArray(k))
    ) {
      throw new EvalkitError(
        `${path}:${line}: field "kwargs" must hold one object per instruction (${ids.length})`,
      );
    }
    if (seen.has(key)) throw new EvalkitError(`${path}:${line}: field "key" ${key} is duplicated`);
    seen.add(key);
    const record: IfevalRecord = {
      key,
      prompt,
      instruction_id_list: ids as string[],
      kwargs: kwargs as Record<string, unknown>[],
    };
    record.instruction_id_list.forEach((id, j) => {
      try {
        buildChecker(id, record.kwargs[j]);
      } catch (e) {
        throw new EvalkitError(`${path}:${line}: field "kwargs"[${j}] (${id}): ${(e as Error).message}`);
      }
    });
    return record;
  });
  return { records: out, use };
}

const GENERATION: Record<'chat' | 'completion', GenerationParams> = {
  chat: { n: 1, temperature: 0, top_p: 1, max_tokens: 2048, stop: [] },
  completion: { n: 1, temperature: 0, top_p: 1, max_tokens: 1280, stop: [] },
};
const GENERATION_SOURCE = {
  chat: 'OLMES ifeval::tulu (oe_eval/configs/tasks.py): chat, greedy, max_gen_toks 2048, no stop',
  completion: 'lm-evaluation-harness lm_eval/tasks/ifeval/ifeval.yaml: greedy, max_gen_toks 1280, no stop',
};

function makeVariant(name: string, format: 'chat' | 'completion'): TaskVariant<IfevalRecord> {
  const settings: VariantSettings = {
    format,
    shots: 0,
    generation: { ...GENERATION[format], stop: [] },
    primaryMetric: METRIC_NAMES.promptLoose,
    generationSource: GENERATION_SOURCE[format],
    prompt:
      format === 'chat'
        ? 'the IFEval prompt verbatim as a single user message, no system message'
        : 'the IFEval prompt verbatim as the whole completion prompt (no template, no trailing newline)',
    scoring:
      'google-research instruction_following_eval: strict + loose (8 response variants); prompt- and instruction-level accuracy',
    instructionLevelCI: 'percentile bootstrap over prompts (clustered), ratio estimator',
  };
  return {
    name,
    family: 'ifeval',
    description:
      format === 'chat'
        ? 'IFEval, 541 prompts / 834 verifiable instructions, chat format (instruct models)'
        : 'IFEval, 541 prompts / 834 verifiable instructions, plain completion (base models)',
    reproduces:
      format === 'chat'
        ? 'OLMES ifeval::tulu (generation); google-research instruction_following_eval (scoring)'
        : 'lm-evaluation-harness ifeval (generation); google-research instruction_following_eval (scoring)',
    settings,
    async loadItems(ctx) {
      const { records, use } = await loadIfevalRecords(ctx.datasets);
      const items: Item<IfevalRecord>[] = records.map((r) => ({
        id: ifevalItemId(r.key),
        data: r,
        categories: { instructions: String(r.instruction_id_list.length) },
      }));
      return { items, datasets: [use] };
    },
    buildPrompt(item): Prompt {
      return format === 'chat'
        ? { kind: 'chat', messages: [{ role: 'user', content: item.data.prompt }] }
        : { kind: 'completion', text: item.data.prompt };
    },
    createScorer() {
      return {
        async score(item, generation) {
          if (generation.text === null || generation.error) {
            return {
              scores: null,
              error: generation.error ?? 'generation has no text',
              reason: 'generation errored',
            };
          }
          const s = scoreIfevalResponse(item.data, generation.text);
          return { scores: { ...s.scores }, details: s.details, ...(s.reason ? { reason: s.reason } : {}) };
        },
      };
    },
    metrics: IFEVAL_METRICS,
    extraBreakdowns: (items, verdicts) => ifevalInstructionBreakdowns(items, verdicts),
  };
}

export const variants: TaskVariant[] = [
  makeVariant('ifeval', 'chat'),
  makeVariant('ifeval:base', 'completion'),
];
