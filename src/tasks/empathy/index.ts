/**
 * Empathic software-help scenarios (data/empathy-scenarios/, docs/empathy.md): a developer in a realistic
 * situation — a beginner stuck on an error, an engineer after an incident, someone blamed in review, a burned-out
 * maintainer, a vague report, a hostile user, a user wrong about the cause, … — judged on four separate
 * dimensions (technical correctness, acknowledgement, respect, actionable next steps) plus coverage of the
 * scenario's required facts. Variants:
 *   - `empathy`            scripted follow-up user turns (deterministic conversations)
 *   - `empathy:simulated`  the follow-up turns are written by a simulated user (`--simulated-user`) playing the
 *                          persona, told what each turn should get across
 * The model gets no system message (its own default behaviour is what is measured). Needs `--judge`.
 */
import { createProvider } from '../../models/index.js';
import {
  assistantTurns,
  runConversation,
  type SimulatedUser,
  type UserTurn,
} from '../../judge/conversation.js';
import { createJudges, type Judge } from '../../judge/judge.js';
import { agreementMetrics, judgedMean, judgeParseRate, judgeTable } from '../../judge/judged-metrics.js';
import { gradeEach, judgedVerdict, type PerJudge } from '../../judge/modes.js';
import { meanMetric } from '../../metrics/definitions.js';
import { groupVerdicts } from '../../metrics/group-verdicts.js';
import type {
  ConversationTurn,
  GenerationParams,
  Item,
  MetricSpec,
  MetricValue,
  ModelProvider,
  TaskVariant,
  VerdictRecord,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { politenessCalibrationVariant } from './politeness-calibration.js';
import { DIMENSIONS, parseRubricVerdict, rubricMessages } from './rubric.js';
import { loadScenarios, type Scenario } from './scenarios.js';

export * from './rubric.js';
export * from './scenarios.js';

const GENERATION: GenerationParams = { n: 1, temperature: 0, top_p: 1, max_tokens: 1536, stop: [] };
const SIMULATOR_PARAMS: GenerationParams = { n: 1, temperature: 0.7, top_p: 1, max_tokens: 400, stop: [] };

export const SCORE_KEYS = ['overall', ...DIMENSIONS, 'facts_coverage'] as const;

/** The simulated user's system prompt for one scenario (the turn's intent is appended to its last message). */
export function simulatorSystemPrompt(s: Scenario): string {
  return (
    `You are role-playing a developer who is asking an AI assistant for help. Stay in character: ${s.persona}. ` +
    `Situation: ${s.title}. Write only your next message to the assistant, in the first person and in your own ` +
    `voice (1–4 sentences), reacting to the assistant’s last reply. Do not break character and do not mention role-play.`
  );
}

async function scoreScenario(judges: Judge[], s: Scenario, turns: ConversationTurn[], signal?: AbortSignal) {
  const messages = rubricMessages(s, turns);
  const res = await gradeEach(
    judges,
    messages,
    (raw) => parseRubricVerdict(raw, s.facts.length),
    `empathy/${s.id}`,
    signal,
  );
  const values: Record<string, PerJudge> = Object.fromEntries(SCORE_KEYS.map((k) => [k, {}]));
  for (const r of res) {
    if (!r.value) continue;
    const dims = DIMENSIONS.map((d) => r.value!.scores[d]);
    for (const d of DIMENSIONS) values[d][r.judge] = r.value.scores[d];
    values.overall[r.judge] = dims.reduce((a, b) => a + b, 0) / dims.length;
    values.facts_coverage[r.judge] = r.value.facts.filter(Boolean).length / r.value.facts.length;
  }
  return judgedVerdict(
    values,
    res.flatMap((r) => r.calls),
    res.map((r) => ({ judge: r.judge, status: r.status })),
    {
      details: {
        facts: Object.fromEntries(res.filter((r) => r.value).map((r) => [r.judge, r.value!.facts])),
      },
    },
  );
}

/**
 * Declared metrics: per scenario the judges' mean (per-sample key, mean over the judges whose verdict parsed) of
 * `overall` and each rubric dimension (1–10), and `facts_coverage` (0–1).
 */
export const EMPATHY_METRICS: MetricSpec[] = SCORE_KEYS.map((k) =>
  k === 'facts_coverage' ? meanMetric(k) : meanMetric(k, k, [1, 10]),
);

/**
 * Reported, not declared: `overall` with a CI that also carries judge disagreement (two-level bootstrap), the
 * judge parse rate and the agreement of every judge pair per dimension.
 */
export function empathyExtraMetrics(
  items: Item<Scenario>[],
  verdicts: VerdictRecord[],
  seed?: number,
): Record<string, MetricValue> {
  const g = groupVerdicts(items, verdicts);
  const scored = [...g.byItem.values()].flat();
  const metrics: Record<string, MetricValue> = {
    overall_judge_bootstrap: judgedMean(judgeTable(scored, 'overall'), { seed }),
    judge_parse_rate: judgeParseRate(verdicts.filter((v) => g.byItem.has(v.itemId) || v.scores === null)),
  };
  for (const k of ['overall', ...DIMENSIONS])
    Object.assign(metrics, agreementMetrics(judgeTable(scored, k), `judge_agreement_${k}`));
  return metrics;
}

function makeVariant(name: string, simulated: boolean): TaskVariant<Scenario> {
  return {
    name,
    family: 'empathy',
    description: `Empathic software-help scenarios (${simulated ? 'simulated user' : 'scripted follow-ups'}), judge-graded on 4 dimensions`,
    settings: {
      format: 'chat',
      shots: 0,
      generation: GENERATION,
      primaryMetric: 'overall',
      prompt: 'the opening message as the first user turn, no system message',
      userTurns: simulated
        ? `simulated user (--simulated-user), temperature ${SIMULATOR_PARAMS.temperature}, told each turn’s intent`
        : 'scripted followUps of the scenario',
      judging:
        'rubric (src/tasks/empathy/rubric.ts): technical_correctness, acknowledgement, respect, actionable_next_steps 1-10 + facts covered',
    },
    async loadItems() {
      const { scenarios, use } = loadScenarios();
      const items = scenarios.map((s) => ({
        id: `empathy/${s.id}`,
        data: s,
        categories: { situation: s.situation },
      }));
      return { items, datasets: [use] };
    },
    buildPrompt(item) {
      return { kind: 'chat', messages: [{ role: 'user', content: item.data.opening }] };
    },
    async createConversationDriver(ctx) {
      let simulator: ModelProvider | undefined;
      if (simulated) {
        const spec = ctx.options.simulatedUser;
        if (!spec)
          throw new EvalkitError(`task ${name} needs a simulated user: pass --simulated-user <spec>`);
        simulator = await createProvider({
          model: spec.model,
          modelName: spec.modelName,
          cache: true,
          cacheDir: ctx.options.cacheDir,
        });
      }
      return {
        async generate(model, item, request, sampleIndices, opts) {
          const s = item.data;
          const intents = s.followUps ?? [];
          const followUps: UserTurn[] = intents.map((t) => (simulated ? { simulate: true } : { script: t }));
          const sim: SimulatedUser | undefined = simulator && {
            provider: simulator,
            system: simulatorSystemPrompt(s),
            params: SIMULATOR_PARAMS,
            injection: (k) => `[Your next message should get this across: "${intents[k - 1]}"]`,
          };
          return Promise.all(
            sampleIndices.map((i) =>
              runConversation(model, request, i, { followUps, simulatedUser: sim }, opts),
            ),
          );
        },
        async close() {
          await simulator?.close?.();
        },
      };
    },
    async createScorer(ctx) {
      const judges = await createJudges(ctx.options.judges, name, ctx.options.cacheDir);
      return {
        async score(item, generation, sctx) {
          const turns = generation.conversation ?? [
            { role: 'user', content: item.data.opening, source: 'script' },
            { role: 'assistant', content: generation.text ?? '', source: 'model' },
          ];
          if (!assistantTurns(generation).length)
            return { scores: null, error: 'no assistant reply', reason: 'no assistant reply' };
          return scoreScenario(judges, item.data, turns, sctx.signal);
        },
        async close() {
          await Promise.all(judges.map((j) => j.close()));
        },
      };
    },
    metrics: EMPATHY_METRICS,
    breakdownBy: ['situation'],
    extraMetrics: (items, verdicts, options) => empathyExtraMetrics(items, verdicts, options.seed),
  };
}

export const variants: TaskVariant[] = [
  makeVariant('empathy', false),
  makeVariant('empathy:simulated', true),
  politenessCalibrationVariant,
];
