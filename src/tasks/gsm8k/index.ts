/**
 * GSM8K (openai/grade-school-math test split, 1319 problems).
 *   gsm8k::olmes       — OLMES gsm8k::olmes: 8 fixed CoT shots (OLMES FEWSHOT_SOURCES["STD:GSM8k"]),
 *                        "Question: …\nAnswer:" completion prompt, greedy, 512 tokens, OLMES stops and scoring.
 *   gsm8k:chat         — zero-shot CoT chat prompt, answer in \boxed{}, robust numeric equivalence, greedy.
 *   gsm8k:chat:n32     — same prompt, 32 samples at T=0.6/top_p=0.95: pass@k and maj@k (cons@k), k∈{1,4,8,16,32}.
 */
import { requireField } from '../../datasets/registry.js';
import { sampledMetrics } from '../../metrics/definitions.js';
import { gsm8kGold } from '../../scoring/math/gsm8k.js';
import { chatMathScorer, olmesGsm8kScorer } from '../../scoring/math/scorers.js';
import type { GenerationParams, Item, Prompt, TaskLoadContext, TaskVariant } from '../../types.js';
import { OLMES_GSM8K_SHOTS } from './shots.js';

export interface Gsm8kData {
  question: string;
  /** Worked solution from the dataset. */
  answer: string;
  /** Final answer (after ####, commas removed). */
  gold: string;
}

export const CHAT_MATH_INSTRUCTION =
  'Please reason step by step, and put your final answer within \\boxed{}.';

export async function loadGsm8k(
  ctx: TaskLoadContext,
  id = 'gsm8k-test',
): Promise<{ items: Item<Gsm8kData>[]; datasets: import('../../types.js').DatasetUse[] }> {
  const { records, use, path } = await ctx.datasets.jsonl(id);
  const items = records.map((r, i) => {
    const question = requireField<string>(r, 'question', 'string', path, i + 1);
    const answer = requireField<string>(r, 'answer', 'string', path, i + 1);
    if (!answer.includes('####'))
      throw new Error(`${path}:${i + 1}: field "answer" has no "####" final answer`);
    return { id: `gsm8k/${i}`, data: { question, answer, gold: gsm8kGold(answer) } };
  });
  return { items, datasets: [use] };
}

/** Byte-exact OLMES prompt: shots "Question: q\nAnswer: cot" joined by blank lines, then the test question. */
export function olmesGsm8kPrompt(question: string): string {
  const shots = OLMES_GSM8K_SHOTS.map((s) => `Question: ${s.question}\nAnswer: ${s.answer}`);
  return [...shots, `Question: ${question}\nAnswer:`].join('\n\n');
}

const OLMES_PARAMS: GenerationParams = {
  shaping: 'olmes',
  n: 1,
  temperature: 0,
  top_p: 1,
  max_tokens: 512,
  stop: ['Question:', '</s>', '<|im_end|>', '\n\n'],
};

const olmes: TaskVariant<Gsm8kData> = {
  name: 'gsm8k::olmes',
  family: 'gsm8k',
  description:
    'GSM8K 8-shot CoT exactly as OLMES gsm8k::olmes (base-model completion prompt, greedy, exact match)',
  reproduces: 'OLMES gsm8k::olmes',
  settings: {
    format: 'completion',
    shots: 8,
    fewShotSource: 'fixed: OLMES FEWSHOT_SOURCES["STD:GSM8k"] (8 CoT exemplars)',
    generation: OLMES_PARAMS,
    primaryMetric: 'exact_match',
    extraction: 'last number ([-+]?\\d*\\.\\d+|\\d+ after removing digit commas)',
    scoring:
      'exact match after regexes_to_ignore [",", "\\$", "(?s).*#### ", "\\.$"], ignore case ("18.00" ≠ "18")',
    dataset: 'gsm8k-test',
  },
  loadItems: (ctx) => loadGsm8k(ctx),
  buildPrompt: (item): Prompt => ({ kind: 'completion', text: olmesGsm8kPrompt(item.data.question) }),
  createScorer: () => olmesGsm8kScorer<Gsm8kData>(),
  metrics: sampledMetrics(['exact_match'], 1),
};

function chatVariant(name: string, params: GenerationParams): TaskVariant<Gsm8kData> {
  const sampled = params.n > 1;
  return {
    name,
    family: 'gsm8k',
    description: `GSM8K zero-shot CoT for chat models, final answer in \\boxed{}${sampled ? `, ${params.n} samples (pass@k, maj@k)` : ''}`,
    settings: {
      format: 'chat',
      shots: 0,
      generation: params,
      primaryMetric: sampled ? 'pass@1' : 'exact_match',
      promptTemplate: `{question}\n${CHAT_MATH_INSTRUCTION}`,
      extraction: 'last \\boxed{} → "final answer is"/"answer:"/"####" → last number',
      scoring:
        'numeric/math equivalence (src/scoring/math/equivalence.ts): "18.00" ≡ "18", "$1,000" ≡ "1000"',
      dataset: 'gsm8k-test',
    },
    loadItems: (ctx) => loadGsm8k(ctx),
    buildPrompt: (item): Prompt => ({
      kind: 'chat',
      messages: [{ role: 'user', content: `${item.data.question}\n${CHAT_MATH_INSTRUCTION}` }],
    }),
    createScorer: () => chatMathScorer<Gsm8kData>({ numeric: true }),
    metrics: sampledMetrics(['exact_match'], params.n),
  };
}

export const variants: TaskVariant[] = [
  olmes,
  chatVariant('gsm8k:chat', { n: 1, temperature: 0, top_p: 1, max_tokens: 4096, stop: [] }),
  chatVariant('gsm8k:chat:n32', { n: 32, temperature: 0.6, top_p: 0.95, max_tokens: 4096, stop: [] }),
];
