/**
 * AIME 2024 and AIME 2025 (30 problems each; integer answers 0–999).
 *   aime24, aime25 — zero-shot CoT chat prompt, answer in \boxed{}, n=16 samples at T=0.6/top_p=0.95;
 *   metrics avg@16 (primary), pass@k and maj@k (cons@k) for k ∈ {1,4,8,16}. Scoring: the extracted answer
 *   must equal the reference integer (numeric equivalence, so "025", "25", "25.0" all match 25).
 */
import { requireField } from '../../datasets/registry.js';
import { sampledMetrics } from '../../metrics/definitions.js';
import { chatMathScorer } from '../../scoring/math/scorers.js';
import type {
  DatasetUse,
  GenerationParams,
  Item,
  Prompt,
  TaskLoadContext,
  TaskVariant,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';

export interface AimeData {
  problem: string;
  gold: string;
}

const INSTRUCTION = 'Please reason step by step, and put your final answer within \\boxed{}.';
export const AIME_DEFAULT_N = 16;

export async function loadAime(
  ctx: TaskLoadContext,
  id: 'aime24' | 'aime25',
): Promise<{ items: Item<AimeData>[]; datasets: DatasetUse[] }> {
  const { records, use, path } = await ctx.datasets.jsonl(id);
  const items = records.map((r, i) => {
    const problem = requireField<string>(r, 'problem', 'string', path, i + 1);
    const raw = r.answer;
    if (typeof raw !== 'string' && typeof raw !== 'number')
      throw new EvalkitError(`${path}:${i + 1}: field "answer" is missing or not a string`);
    const n = Number(raw);
    if (!Number.isInteger(n))
      throw new EvalkitError(`${path}:${i + 1}: field "answer" is not an integer: ${raw}`);
    const part = id === 'aime25' ? (i < 15 ? 'I' : 'II') : undefined;
    const itemId = id === 'aime24' && typeof r.id === 'number' ? `aime24/${r.id}` : `${id}/${i}`;
    return { id: itemId, data: { problem, gold: String(n) }, ...(part ? { categories: { part } } : {}) };
  });
  return { items, datasets: [use] };
}

function variant(id: 'aime24' | 'aime25'): TaskVariant<AimeData> {
  const params: GenerationParams = {
    n: AIME_DEFAULT_N,
    temperature: 0.6,
    top_p: 0.95,
    max_tokens: 32768,
    stop: [],
  };
  return {
    name: id,
    family: 'aime',
    description: `AIME ${id === 'aime24' ? '2024' : '2025'} (30 problems), zero-shot CoT, \\boxed{} integer answer, avg@${AIME_DEFAULT_N} and pass@k`,
    settings: {
      format: 'chat',
      shots: 0,
      generation: params,
      primaryMetric: `avg@${AIME_DEFAULT_N}`,
      promptTemplate: `{problem}\n${INSTRUCTION}`,
      extraction: 'last \\boxed{} → "final answer is" → last number',
      scoring: 'numeric equality with the reference integer',
      dataset: id,
    },
    loadItems: (ctx) => loadAime(ctx, id),
    buildPrompt: (item): Prompt => ({
      kind: 'chat',
      messages: [{ role: 'user', content: `${item.data.problem}\n${INSTRUCTION}` }],
    }),
    createScorer: () => chatMathScorer<AimeData>({ numeric: true }),
    metrics: sampledMetrics(['exact_match'], AIME_DEFAULT_N, { ks: [1, 2, 4, 8, 16] }),
  };
}

export const variants: TaskVariant[] = [variant('aime24'), variant('aime25')];
