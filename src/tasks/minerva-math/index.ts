/**
 * MATH-500 (openai/prm800k test split of Lightman et al.; 500 problems, subject + level).
 *   minerva_math_500::olmes      — OLMES: 4 fixed Minerva shots, "Problem:\n…\n\nSolution:" completion prompt,
 *                                  greedy, 1024 tokens, stops ["Problem:", "\n\n"]; exact_match = Minerva strict
 *                                  (primary), exact_match_flex = OLMES flex.
 *   minerva_math_500:chat        — zero-shot CoT chat, \boxed{} answer, robust equivalence, greedy.
 *   minerva_math_500:chat:n32    — 32 samples at T=0.6/top_p=0.95: pass@k, maj@k (cons@k) for k∈{1,4,8,16,32}.
 * Breakdowns by subject and level.
 */
import { requireField } from '../../datasets/registry.js';
import { sampledMetrics } from '../../metrics/definitions.js';
import { minervaGoldFromSolution } from '../../scoring/math/minerva.js';
import { chatMathScorer, olmesMinervaScorer } from '../../scoring/math/scorers.js';
import type {
  DatasetUse,
  GenerationParams,
  Item,
  Prompt,
  TaskLoadContext,
  TaskVariant,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { MINERVA_FIXED_SHOTS } from './shots.js';

export interface MathData {
  problem: string;
  solution: string;
  /** The dataset's `answer` field (used by the chat variants). */
  answer: string;
  /** Reference answer used for scoring by this variant. */
  gold: string;
  /** Minerva-normalised last box of the solution (OLMES doc["answer"]). */
  minervaGold: string;
  uniqueId: string;
}

export async function loadMath500(
  ctx: TaskLoadContext,
  goldFrom: 'answer' | 'minerva',
): Promise<{ items: Item<MathData>[]; datasets: DatasetUse[] }> {
  const { records, use, path } = await ctx.datasets.jsonl('math500');
  const items = records.map((r, i) => {
    const problem = requireField<string>(r, 'problem', 'string', path, i + 1);
    const solution = requireField<string>(r, 'solution', 'string', path, i + 1);
    const answer = requireField<string>(r, 'answer', 'string', path, i + 1);
    const subject = requireField<string>(r, 'subject', 'string', path, i + 1);
    const level = requireField<number>(r, 'level', 'number', path, i + 1);
    const uniqueId = requireField<string>(r, 'unique_id', 'string', path, i + 1);
    const minervaGold = minervaGoldFromSolution(solution);
    if (minervaGold === null)
      throw new EvalkitError(`${path}:${i + 1}: field "solution" has no \\boxed{} answer`);
    return {
      id: uniqueId,
      data: {
        problem,
        solution,
        answer,
        gold: goldFrom === 'minerva' ? minervaGold : answer,
        minervaGold,
        uniqueId,
      },
      categories: { subject, level: String(level) },
    };
  });
  return { items, datasets: [use] };
}

/** Byte-exact OLMES prompt: shots "Problem:\n{p}\n\nSolution: {s}" joined by "\n\n", then the test problem. */
export function olmesMinervaPrompt(problem: string): string {
  const shots = MINERVA_FIXED_SHOTS.map((s) => `Problem:\n${s.problem}\n\nSolution: ${s.solution}`);
  return [...shots, `Problem:\n${problem}\n\nSolution:`].join('\n\n');
}

const OLMES_PARAMS: GenerationParams = {
  shaping: 'olmes',
  n: 1,
  temperature: 0,
  top_p: 1,
  max_tokens: 1024,
  stop: ['Problem:', '\n\n'],
};
const BREAKDOWN = ['subject', 'level'];

const olmes: TaskVariant<MathData> = {
  name: 'minerva_math_500::olmes',
  family: 'minerva-math',
  description:
    'MATH-500 4-shot Minerva exactly as OLMES minerva_math_500::olmes (strict Minerva + flex exact match)',
  reproduces: 'OLMES minerva_math_500::olmes',
  settings: {
    format: 'completion',
    shots: 4,
    fewShotSource: 'fixed: OLMES FEWSHOT_SOURCES["Minerva:MATH:fixed"]',
    generation: OLMES_PARAMS,
    primaryMetric: 'exact_match',
    extraction:
      'strict: "Final Answer: The final answer is X. I hope it is correct." + Minerva normalize_final_answer; flex: + last \\boxed{}, last $…$, whole text',
    scoring:
      'exact_match: Minerva is_equiv (sympy semantics, reproduced in TS); exact_match_flex: strict or any candidate equal by Minerva or hendrycks is_equiv',
    gold: 'Minerva-normalised last \\boxed{} of the solution',
    dataset: 'math500',
  },
  loadItems: (ctx) => loadMath500(ctx, 'minerva'),
  buildPrompt: (item): Prompt => ({ kind: 'completion', text: olmesMinervaPrompt(item.data.problem) }),
  createScorer: () => olmesMinervaScorer<MathData>(),
  metrics: sampledMetrics(['exact_match', 'exact_match_flex'], 1),
  breakdownBy: BREAKDOWN,
};

export const CHAT_MATH_INSTRUCTION =
  'Please reason step by step, and put your final answer within \\boxed{}.';

function chatVariant(name: string, params: GenerationParams): TaskVariant<MathData> {
  const sampled = params.n > 1;
  return {
    name,
    family: 'minerva-math',
    description: `MATH-500 zero-shot CoT for chat models, \\boxed{} answer${sampled ? `, ${params.n} samples (pass@k, maj@k)` : ''}`,
    settings: {
      format: 'chat',
      shots: 0,
      generation: params,
      primaryMetric: sampled ? 'pass@1' : 'exact_match',
      promptTemplate: `{problem}\n${CHAT_MATH_INSTRUCTION}`,
      extraction: 'last \\boxed{} → "final answer is" → none',
      scoring: 'math equivalence (src/scoring/math/equivalence.ts), reference = dataset `answer` field',
      dataset: 'math500',
    },
    loadItems: (ctx) => loadMath500(ctx, 'answer'),
    buildPrompt: (item): Prompt => ({
      kind: 'chat',
      messages: [{ role: 'user', content: `${item.data.problem}\n${CHAT_MATH_INSTRUCTION}` }],
    }),
    createScorer: () => chatMathScorer<MathData>({ numeric: false }),
    metrics: sampledMetrics(['exact_match'], params.n),
    breakdownBy: BREAKDOWN,
  };
}

export const variants: TaskVariant[] = [
  olmes,
  chatVariant('minerva_math_500:chat', { n: 1, temperature: 0, top_p: 1, max_tokens: 8192, stop: [] }),
  chatVariant('minerva_math_500:chat:n32', {
    n: 32,
    temperature: 0.6,
    top_p: 0.95,
    max_tokens: 8192,
    stop: [],
  }),
];
