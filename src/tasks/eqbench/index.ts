/**
 * EQ-Bench v2 (Paech 2023, arXiv:2312.06281; EQ-bench/EQ-Bench): 171 dialogues; the model rates the intensity
 * of 4 emotions of a character 0–10; scored against reference intensities with the v2 rule (scoring.ts).
 * No judge. Variants:
 *   - `eqbench`            with revision (first pass, critique, revised scores): the configuration of the
 *                          published results (January 2024: REVISE on, 500 completion tokens)
 *   - `eqbench:no-revise`  the harness default since 2024-02-26: revision instructions removed, 60 tokens
 * Both: the prompt as one user message, no system message (the harness' OpenAI path), temperature 0.01.
 * Deviation: the harness re-asks an unparseable question up to 3 times at temperature +0.15; evalkit asks
 * once and reports the parse rate (docs/fidelity.md#eq-bench-v2).
 */
import { aggregateOutcomes, meanMetric } from '../../metrics/definitions.js';
import { groupVerdicts } from '../../metrics/group-verdicts.js';
import type {
  GenerationParams,
  Item,
  MetricSpec,
  MetricValue,
  TaskVariant,
  VerdictRecord,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import {
  chooseFinalPass,
  parseEqbenchAnswer,
  passSummary,
  questionScoreV2,
  removeRevisionInstructions,
  type EqbenchReference,
} from './scoring.js';

export * from './scoring.js';

export const EQBENCH_V2_DATASET = 'eqbench-v2';

export interface EqbenchQuestion {
  key: string;
  prompt: string;
  reference: EqbenchReference;
}

export const eqbenchItemId = (key: string) => `eqbench/${key}`;

/** Parse the question file (an object keyed "1".."171"); reference scores are ints or numeric strings. */
export function parseEqbenchQuestions(value: unknown, path: string): EqbenchQuestion[] {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new EvalkitError(`${path}: expected an object keyed by question id`);
  return Object.entries(value as Record<string, any>).map(([key, q]) => {
    if (typeof q?.prompt !== 'string')
      throw new EvalkitError(`${path}: question "${key}": field "prompt" must be a string`);
    const ref = q.reference_answer_fullscale;
    if (!ref || typeof ref !== 'object')
      throw new EvalkitError(`${path}: question "${key}": field "reference_answer_fullscale" missing`);
    const emotions = [1, 2, 3, 4].map((i) => {
      const name = ref[`emotion${i}`];
      const score = Number(ref[`emotion${i}_score`]);
      if (typeof name !== 'string' || !Number.isFinite(score))
        throw new EvalkitError(
          `${path}: question "${key}": field "reference_answer_fullscale.emotion${i}" is invalid`,
        );
      return { name, score };
    });
    return { key, prompt: q.prompt, reference: { emotions } };
  });
}

/** Per-sample scores: `first_pass` / `revised` = 10 × question score when that pass parsed (0–100 scale). */
export function scoreEqbenchResponse(q: EqbenchQuestion, text: string, revise: boolean) {
  const { firstPass, revised } = parseEqbenchAnswer(text, revise);
  const fp = questionScoreV2(q.reference, firstPass);
  const rv = revise ? questionScoreV2(q.reference, revised) : { score: null, reason: 'revision off' };
  const scores: Record<string, number> = { parsed_first_pass: fp.score === null ? 0 : 1 };
  if (revise) scores.parsed_revised = rv.score === null ? 0 : 1;
  if (fp.score !== null) scores.first_pass = 10 * fp.score;
  if (rv.score !== null) scores.revised = 10 * rv.score;
  // The per-item key `score` (what compare pairs on) is the first pass; the run-level `score` may take the revised pass.
  if (fp.score !== null) scores.score = 10 * fp.score;
  const reasons = [
    fp.reason && `first pass: ${fp.reason}`,
    revise && rv.reason && `revised: ${rv.reason}`,
  ].filter(Boolean);
  return {
    scores,
    ...(reasons.length ? { reason: reasons.join('; ') } : {}),
    details: {
      first_pass: Object.fromEntries(firstPass),
      ...(revise ? { revised: Object.fromEntries(revised) } : {}),
    },
  };
}

/**
 * Declared EQ-Bench metrics (0–100): `score` = the per-question first-pass score (what `compare` pairs), and
 * `first_pass` / `revised` per pass. Questions whose pass did not parse have no value and are left out.
 */
export function eqbenchMetrics(revise: boolean): MetricSpec[] {
  return [
    meanMetric('score', 'score', [0, 100]),
    meanMetric('first_pass', 'first_pass', [0, 100]),
    ...(revise ? [meanMetric('revised', 'revised', [0, 100])] : []),
  ];
}

/**
 * Reported, not declared: the official benchmark score of one iteration (the pass the official code chooses,
 * rounded to 2 decimals as published) and the chosen pass's parse rate.
 */
export function eqbenchExtraMetrics(
  items: Item<EqbenchQuestion>[],
  verdicts: VerdictRecord[],
  revise: boolean,
): Record<string, MetricValue> {
  const g = groupVerdicts(items, verdicts);
  const first = g.withSamples.map((it) => g.byItem.get(it.id)![0].scores!.first_pass);
  const rev = g.withSamples.map((it) => g.byItem.get(it.id)![0].scores!.revised);
  const fp = passSummary(first);
  const rv = passSummary(rev);
  const chosen = revise ? chooseFinalPass(fp, rv) : 'first_pass';
  const values = (chosen === 'revised' ? rev : first).filter((x): x is number => typeof x === 'number');
  const ci = aggregateOutcomes(
    meanMetric(chosen, chosen, [0, 100]),
    values.map((value) => ({ n: 1, value })),
  );
  const total = g.withSamples.length;
  return {
    official_score: {
      ...ci,
      value: Math.round(ci.value * 100) / 100,
      method: `EQ-Bench v2 benchmark score (${chosen.replace('_', ' ')} chosen, rounded to 2 decimals; unrounded ${ci.value}); ${ci.method}`,
    },
    parse_rate: {
      value: total ? (chosen === 'revised' ? rv : fp).parseable / total : NaN,
      method: `${(chosen === 'revised' ? rv : fp).parseable} of ${total} answers parseable in the chosen pass (the official run fails below 0.8333)`,
    },
  };
}

function makeVariant(name: string, revise: boolean): TaskVariant<EqbenchQuestion> {
  const generation: GenerationParams = {
    n: 1,
    temperature: 0.01,
    top_p: 1,
    max_tokens: revise ? 500 : 60,
    stop: [],
  };
  return {
    name,
    family: 'eqbench',
    description: `EQ-Bench v2, 171 emotion-intensity questions${revise ? ' with critique and revised answer' : ', no revision'}`,
    reproduces: 'EQ-bench/EQ-Bench v2 (lib/scoring.py calculate_score_fullscale, calculate_eq_bench_score)',
    settings: {
      format: 'chat',
      shots: 0,
      generation,
      primaryMetric: 'score',
      revise,
      prompt: revise
        ? 'the question prompt verbatim as one user message'
        : 'the question prompt with the revision instructions removed (remove_revision_instructions), one user message',
      scoring:
        'v2 fullscale question score; revised pass chosen when >= first pass with >= 95% as many parseable',
      retries: 'none (the official harness re-asks unparseable answers up to 3 times at +0.15 temperature)',
    },
    async loadItems(ctx) {
      const { value, use, path } = await ctx.datasets.json(EQBENCH_V2_DATASET);
      const items = parseEqbenchQuestions(value, path).map((q) => ({ id: eqbenchItemId(q.key), data: q }));
      return { items, datasets: [use] };
    },
    buildPrompt(item) {
      const prompt = revise ? item.data.prompt : removeRevisionInstructions(item.data.prompt);
      return { kind: 'chat', messages: [{ role: 'user', content: prompt }] };
    },
    createScorer() {
      return {
        async score(item, generation) {
          // The harness strips the reply (run_openai_query: content.strip()).
          return scoreEqbenchResponse(item.data, (generation.text ?? '').trim(), revise);
        },
      };
    },
    metrics: eqbenchMetrics(revise),
    extraMetrics: (items, verdicts) => eqbenchExtraMetrics(items, verdicts, revise),
  };
}

export const variants: TaskVariant[] = [
  makeVariant('eqbench', true),
  makeVariant('eqbench:no-revise', false),
];
