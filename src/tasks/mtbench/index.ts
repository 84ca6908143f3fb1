/**
 * MT-Bench (Zheng et al. 2023, arXiv:2306.05685; lm-sys/FastChat llm_judge): 80 two-turn questions in 8
 * categories, judged by an LLM with the published judge prompts. Variants:
 *   - `mtbench`                          single-answer grading 1–10 per turn; the MT-Bench score is the mean
 *                                        over all (question, turn) ratings, as FastChat show_result.py
 *   - `mtbench:pairwise-gpt-3.5-turbo`   pairwise against the official gpt-3.5-turbo answers, both orders
 *                                        (FastChat's pairwise-baseline mode), win rate with ties counted ½
 * Generation (FastChat gen_model_answer.py): chat, the second question asked after the model's own first
 * answer, max_new_tokens 1024, temperature by category (writing/roleplay 0.7, stem/humanities 0.1, others 0).
 * Math / reasoning / coding are judged against the GPT-4 reference answers. See docs/judges.md.
 */
import type { DatasetResolver } from '../../datasets/registry.js';
import { requireField } from '../../datasets/registry.js';
import { assistantTurns, runConversation } from '../../judge/conversation.js';
import { createJudges, type Judge, type JudgeCall } from '../../judge/judge.js';
import {
  agreementMetrics,
  judgedMean,
  judgeParseRate,
  lengthControlledWinRate,
  positionBias,
  type JudgeTable,
  type PairwiseRecord,
} from '../../judge/judged-metrics.js';
import {
  comparePairwise,
  gradeEach,
  judgedVerdict,
  PAIRWISE_VALUE,
  type PerJudge,
} from '../../judge/modes.js';
import { parseBracketRating } from '../../judge/parsers.js';
import { meanMetric } from '../../metrics/definitions.js';
import { groupVerdicts } from '../../metrics/group-verdicts.js';
import type {
  DatasetUse,
  GenerationParams,
  Item,
  MetricSpec,
  MetricValue,
  TaskVariant,
  VariantSettings,
  VerdictRecord,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { judgeAgreementVariant } from './judge-agreement.js';
import {
  loadJudgeTemplates,
  pairJudgeMessages,
  singleJudgeMessages,
  type JudgeTemplate,
  type MtbenchQuestion,
} from './judge-prompts.js';

export * from './judge-prompts.js';

export const MTBENCH_QUESTIONS_DATASET = 'mtbench-questions';
export const MTBENCH_REFERENCE_DATASET = 'mtbench-reference-answers';
export const MTBENCH_BASELINE_DATASET = 'mtbench-answers-gpt-3.5-turbo';

/** FastChat common.py temperature_config: sampling temperature of the evaluated model per category. */
export const TEMPERATURE_BY_CATEGORY: Record<string, number> = {
  writing: 0.7,
  roleplay: 0.7,
  extraction: 0.0,
  math: 0.0,
  coding: 0.0,
  reasoning: 0.0,
  stem: 0.1,
  humanities: 0.1,
};

export const mtbenchItemId = (questionId: number) => `mtbench/${questionId}`;

/** Answers in FastChat's answer-file format: question_id → the two turns of choice 0. */
export async function loadFastChatAnswers(
  datasets: DatasetResolver,
  id: string,
): Promise<{ answers: Map<number, [string, string]>; use: DatasetUse }> {
  const { records, use, path } = await datasets.jsonl<Record<string, unknown>>(id);
  const answers = new Map<number, [string, string]>();
  records.forEach((r, i) => {
    const qid = requireField<number>(r, 'question_id', 'number', path, i + 1);
    const choices = requireField<Array<{ turns?: unknown }>>(r, 'choices', 'array', path, i + 1);
    const turns = choices[0]?.turns;
    if (!Array.isArray(turns) || turns.length < 2 || turns.some((t) => typeof t !== 'string'))
      throw new EvalkitError(`${path}:${i + 1}: field "choices"[0].turns must hold two strings`);
    answers.set(qid, [turns[0] as string, turns[1] as string]);
  });
  return { answers, use };
}

export async function loadMtbenchQuestions(
  datasets: DatasetResolver,
): Promise<{ questions: MtbenchQuestion[]; uses: DatasetUse[] }> {
  const { records, use, path } = await datasets.jsonl<Record<string, unknown>>(MTBENCH_QUESTIONS_DATASET);
  const refs = await loadFastChatAnswers(datasets, MTBENCH_REFERENCE_DATASET);
  const questions = records.map((r, i): MtbenchQuestion => {
    const question_id = requireField<number>(r, 'question_id', 'number', path, i + 1);
    const category = requireField<string>(r, 'category', 'string', path, i + 1);
    const turns = requireField<string[]>(r, 'turns', 'array', path, i + 1);
    if (turns.length !== 2 || turns.some((t) => typeof t !== 'string'))
      throw new EvalkitError(`${path}:${i + 1}: field "turns" must hold two strings`);
    const q: MtbenchQuestion = { question_id, category, turns: [turns[0], turns[1]] };
    const ref = refs.answers.get(question_id);
    if (ref) q.reference = ref;
    return q;
  });
  return { questions, uses: [use, refs.use] };
}

const GENERATION: GenerationParams = { n: 1, temperature: 0, top_p: 1, max_tokens: 1024, stop: [] };

type Mode = 'single' | 'pairwise';

function settingsFor(mode: Mode): VariantSettings {
  return {
    format: 'chat',
    shots: 0,
    generation: GENERATION,
    primaryMetric: mode === 'single' ? 'score' : 'win_rate',
    temperatureByCategory: TEMPERATURE_BY_CATEGORY,
    generationSource:
      'FastChat gen_model_answer.py: turn 2 asked after the model’s own turn-1 answer; max_new_tokens 1024; ' +
      'temperature by category (the exact per-turn parameters are in each generation’s conversation)',
    judging:
      mode === 'single'
        ? 'FastChat single-answer grading: single-v1 / single-math-v1 (+ -multi-turn for turn 2), GPT-4 reference answers for math/reasoning/coding, rating [[1-10]]'
        : 'FastChat pairwise-baseline: pair-v2 / pair-math-v1 (+ -multi-turn) against gpt-3.5-turbo, both orders, inconsistent orders = tie',
  };
}

interface MtbenchScorerState {
  judges: Judge[];
  templates: Map<string, JudgeTemplate>;
  baseline?: Map<number, [string, string]>;
}

async function scoreSingle(
  s: MtbenchScorerState,
  q: MtbenchQuestion,
  answers: string[],
  signal?: AbortSignal,
) {
  const calls: JudgeCall[] = [];
  const statuses: Array<{ judge: string; status: string; purpose: string }> = [];
  const values: Record<string, PerJudge> = { turn1: {}, turn2: {}, score: {} };
  const templates: string[] = [];
  for (const turn of [1, 2] as const) {
    const { template, messages } = singleJudgeMessages(s.templates, q, answers, turn);
    templates.push(template);
    const res = await gradeEach(
      s.judges,
      messages,
      (raw) => parseBracketRating(raw),
      `mtbench/${q.question_id}:turn${turn}`,
      signal,
    );
    for (const r of res) {
      calls.push(...r.calls);
      statuses.push({ judge: r.judge, status: r.status, purpose: `turn${turn}` });
      if (r.value !== undefined) values[`turn${turn}`][r.judge] = r.value;
    }
  }
  for (const j of s.judges) {
    const xs = [values.turn1[j.label], values.turn2[j.label]].filter((x) => x !== undefined);
    if (xs.length) values.score[j.label] = xs.reduce((a, b) => a + b, 0) / xs.length;
  }
  return judgedVerdict(values, calls, statuses, { details: { judgeTemplates: templates } });
}

async function scorePairwise(
  s: MtbenchScorerState,
  q: MtbenchQuestion,
  answers: string[],
  signal?: AbortSignal,
) {
  const base = s.baseline!.get(q.question_id);
  if (!base) throw new EvalkitError(`baseline answers have no question ${q.question_id}`);
  const calls: JudgeCall[] = [];
  const statuses: Array<{ judge: string; status: string; purpose: string }> = [];
  const values: Record<string, PerJudge> = { turn1: {}, turn2: {}, win_rate: {} };
  const pairwise: Array<PairwiseRecord & { turn: number; lengthDiff: number }> = [];
  for (const turn of [1, 2] as const) {
    const outcomes = await comparePairwise(
      s.judges,
      (order) =>
        (order === 'AB'
          ? pairJudgeMessages(s.templates, q, answers, base, turn)
          : pairJudgeMessages(s.templates, q, base, answers, turn)
        ).messages,
      `mtbench/${q.question_id}:turn${turn}`,
      signal,
    );
    for (const o of outcomes) {
      calls.push(...o.calls);
      statuses.push({ judge: o.judge, status: o.status, purpose: `turn${turn}` });
      const { calls: _c, status: _s, ...rec } = o;
      pairwise.push({ ...rec, turn, lengthDiff: answers[turn - 1].length - base[turn - 1].length });
      if (o.result) values[`turn${turn}`][o.judge] = PAIRWISE_VALUE[o.result];
    }
  }
  for (const j of s.judges) {
    const xs = [values.turn1[j.label], values.turn2[j.label]].filter((x) => x !== undefined);
    if (xs.length) values.win_rate[j.label] = xs.reduce((a, b) => a + b, 0) / xs.length;
  }
  return judgedVerdict(values, calls, statuses, { details: { pairwise } });
}

/** Rows of (question, turn) with per-judge values, for the turn-level MT-Bench mean. */
function turnRows(verdicts: VerdictRecord[], turns: Array<'turn1' | 'turn2'>): JudgeTable {
  const rows: JudgeTable = [];
  for (const v of verdicts) {
    if (!v.scores) continue;
    for (const t of turns) {
      const perJudge: Record<string, number> = {};
      for (const [k, x] of Object.entries(v.scores))
        if (k.startsWith(`${t}@`)) perJudge[k.slice(t.length + 1)] = x;
      if (Object.keys(perJudge).length) rows.push({ itemId: v.itemId, perJudge });
    }
  }
  return rows;
}

/**
 * The declared MT-Bench metrics: the headline (`score`, 1–10, or `win_rate` against the baseline, win 1 / tie ½ /
 * loss 0) and the per-turn means. Per sample the judged value is the mean over the judges whose verdict parsed
 * (`scores.score` / `scores.win_rate`, `scores.turn1`, `scores.turn2`), so every item has one comparable outcome.
 */
export function mtbenchMetrics(mode: Mode): MetricSpec[] {
  const range: [number, number] = mode === 'single' ? [1, 10] : [0, 1];
  const headline = mode === 'single' ? 'score' : 'win_rate';
  return [
    meanMetric(headline, headline, range),
    meanMetric('turn1', 'turn1', range),
    meanMetric('turn2', 'turn2', range),
  ];
}

/**
 * Reported, not declared: the headline with a CI that also carries judge disagreement (two-level bootstrap over
 * (question, turn) rows and judges), judge parse rate and agreement, and for pairwise mode the win/tie/loss shares,
 * the length-controlled win rate and position bias.
 */
export function mtbenchExtraMetrics(
  mode: Mode,
  items: Item<MtbenchQuestion>[],
  verdicts: VerdictRecord[],
  seed?: number,
): Record<string, MetricValue> {
  const g = groupVerdicts(items, verdicts);
  const scored = [...g.byItem.values()].flat();
  const headline = mode === 'single' ? 'score' : 'win_rate';
  const opts = { seed };
  const metrics: Record<string, MetricValue> = {
    [`${headline}_judge_bootstrap`]: judgedMean(turnRows(scored, ['turn1', 'turn2']), opts),
    judge_parse_rate: judgeParseRate(verdicts.filter((v) => items.some((i) => i.id === v.itemId))),
    ...agreementMetrics(
      turnRows(scored, ['turn1', 'turn2']).map((r, i) => ({ ...r, itemId: `${r.itemId}#${i}` })),
    ),
  };
  if (mode === 'pairwise') {
    const recs = scored.flatMap(
      (v) => (v.details?.pairwise ?? []) as Array<PairwiseRecord & { lengthDiff: number }>,
    );
    const decided = recs.filter((r) => r.result);
    const share = (what: string) => ({
      value: decided.length ? decided.filter((r) => r.result === what).length / decided.length : NaN,
      method: `share of ${decided.length} (question, turn, judge) comparisons`,
    });
    metrics.strict_win_rate = share('win');
    metrics.tie_rate = share('tie');
    metrics.loss_rate = share('loss');
    metrics.lc_win_rate = lengthControlledWinRate(
      decided.map((r) => PAIRWISE_VALUE[r.result!]),
      decided.map((r) => r.lengthDiff),
      opts,
    );
    Object.assign(metrics, positionBias(recs, seed));
  }
  return metrics;
}

function makeVariant(name: string, mode: Mode): TaskVariant<MtbenchQuestion> {
  return {
    name,
    family: 'mtbench',
    description:
      mode === 'single'
        ? 'MT-Bench, 80 two-turn questions, judge-graded 1-10 per turn (FastChat single-answer grading)'
        : 'MT-Bench, 80 two-turn questions, pairwise vs the official gpt-3.5-turbo answers, both orders',
    reproduces: 'lm-sys/FastChat llm_judge MT-Bench (judge prompts, reference answers, scoring)',
    settings: settingsFor(mode),
    async loadItems(ctx) {
      const { questions, uses } = await loadMtbenchQuestions(ctx.datasets);
      const { use } = await loadJudgeTemplates(ctx.datasets);
      const datasets = [...uses, use];
      if (mode === 'pairwise')
        datasets.push((await loadFastChatAnswers(ctx.datasets, MTBENCH_BASELINE_DATASET)).use);
      const items = questions.map((q) => ({
        id: mtbenchItemId(q.question_id),
        data: q,
        categories: { category: q.category },
      }));
      return { items, datasets };
    },
    buildPrompt(item) {
      return { kind: 'chat', messages: [{ role: 'user', content: item.data.turns[0] }] };
    },
    createConversationDriver() {
      return {
        async generate(model, item, request, sampleIndices, opts) {
          const temperature = TEMPERATURE_BY_CATEGORY[item.data.category] ?? 0.7;
          const params = { ...request.params, temperature };
          return Promise.all(
            sampleIndices.map((i) =>
              runConversation(
                model,
                request,
                i,
                { followUps: [{ script: item.data.turns[1] }], paramsForTurn: () => params },
                opts,
              ),
            ),
          );
        },
      };
    },
    async createScorer(ctx) {
      const state: MtbenchScorerState = {
        judges: await createJudges(ctx.options.judges, name, ctx.options.cacheDir),
        templates: (await loadJudgeTemplates(ctx.datasets)).templates,
      };
      if (mode === 'pairwise')
        state.baseline = (await loadFastChatAnswers(ctx.datasets, MTBENCH_BASELINE_DATASET)).answers;
      return {
        async score(item, generation, sctx) {
          const answers = assistantTurns(generation);
          if (answers.length < 2)
            return {
              scores: null,
              error: 'conversation has fewer than two answers',
              reason: 'incomplete conversation',
            };
          return mode === 'single'
            ? scoreSingle(state, item.data, answers, sctx.signal)
            : scorePairwise(state, item.data, answers, sctx.signal);
        },
        async close() {
          await Promise.all(state.judges.map((j) => j.close()));
        },
      };
    },
    metrics: mtbenchMetrics(mode),
    breakdownBy: ['category'],
    extraMetrics: (items, verdicts, options) => mtbenchExtraMetrics(mode, items, verdicts, options.seed),
  };
}

export const variants: TaskVariant[] = [
  makeVariant('mtbench', 'single'),
  makeVariant('mtbench:pairwise-gpt-3.5-turbo', 'pairwise'),
  judgeAgreementVariant,
];
