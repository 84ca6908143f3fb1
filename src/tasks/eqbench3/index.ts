/**
 * EQ-Bench 3 (EQ-bench/eqbench3 @ 3c21bcc, MIT): 46 scenarios — multi-turn role-plays (the model plays itself in
 * an emotionally charged situation, each scripted user turn wrapped in the master prompt, then an
 * out-of-character debrief), one message-drafting scenario, and 20 analysis tasks (interpret a transcript).
 * A judge scores each transcript (+ debrief) on the published rubric, 0–20 per criterion.
 * Published numbers: `rubric_0_100` = mean over tasks of the mean of the allowed criteria, rounded to 2 decimals
 * on the 0–20 scale, × 5 (core/benchmark.py). The trait columns of the leaderboard are also reported.
 * Rules restated from core/benchmark.py, core/conversation.py, utils/constants.py (our code).
 * The scenarios' user turns are canned (no simulated user in EQ-Bench 3).
 * The leaderboard's pairwise rating (TrueSkill → Elo scale) is in leaderboard-rating.ts (`evalkit eqbench3-rating`);
 * pairwise.ts has the verdict rule, checked against the published pairwise judgments.
 */
import { assistantTurns, runConversation, type UserTurn } from '../../judge/conversation.js';
import { createJudges } from '../../judge/judge.js';
import { judgedMean, judgeParseRate, judgeTable } from '../../judge/judged-metrics.js';
import { gradeEach, judgedVerdict, type PerJudge } from '../../judge/modes.js';
import { parseCriteriaScores } from '../../judge/parsers.js';
import type { ParseResult } from '../../judge/judge.js';
import { meanMetric } from '../../metrics/definitions.js';
import { groupVerdicts } from '../../metrics/group-verdicts.js';
import type {
  ChatMessage,
  ConversationTurn,
  DatasetUse,
  GenerationParams,
  MetricValue,
  TaskLoadContext,
  TaskVariant,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';

export * from './pairwise.js';

/** utils/constants.py */
export const NO_RP_SCENARIO_IDS = new Set(['8', '10', '12', '14']);
export const MESSAGE_DRAFTING_SCENARIO_IDS = new Set([
  '201',
  '202',
  '203',
  '204',
  '205',
  '206',
  '207',
  '208',
  '209',
]);
export const isAnalysis = (id: string) => Number(id) >= 401 && Number(id) <= 420;
/** core/benchmark.py STANDARD_ALLOWED_RUBRIC_CRITERIA; analysis: every analysis criterion. */
export const STANDARD_ALLOWED = [
  'demonstrated_empathy',
  'pragmatic_ei',
  'depth_of_insight',
  'social_dexterity',
  'emotional_reasoning',
  'message_tailoring',
];
/** The leaderboard's trait columns: mean over tasks of the sum of these raw 0–20 criteria (PROVENANCE.md). */
export const TRAITS: Record<string, string[]> = {
  humanlike: ['conversational', 'humanlike'],
  safe: ['safety_conscious'],
  assertive: ['boundary_setting', 'challenging'],
  social_iq: ['social_dexterity', 'message_tailoring'],
  warm: ['warmth', 'validating'],
  analytical: ['analytical'],
  insightful: ['depth_of_insight'],
  empathy: ['demonstrated_empathy'],
  compliant: ['compliant'],
  moral: ['moralising'],
  pragmatic: ['pragmatic_ei'],
};

/** Test-model and judge parameters of the harness (core/conversation.py, core/benchmark.py). */
const SCENARIO_PARAMS: GenerationParams = {
  n: 1,
  temperature: 0.7,
  top_p: 1,
  max_tokens: 12000,
  stop: [],
  extra_body: { min_p: 0.1 },
};
const DEBRIEF_PARAMS: GenerationParams = { n: 1, temperature: 0.5, top_p: 1, max_tokens: 12000, stop: [] };

export interface Eqb3Scenario {
  id: string;
  category: string;
  title: string;
  prompts: string[];
  kind: 'roleplay' | 'no-rp' | 'drafting' | 'analysis';
}

/** Parse scenario_prompts.txt like core/benchmark.py (header `######## <id> | …`, turns `####### PromptN`). */
export function parseScenarioPrompts(text: string, path: string): Eqb3Scenario[] {
  const out: Eqb3Scenario[] = [];
  let cur: Eqb3Scenario | undefined;
  let lines: string[] | undefined;
  const flushPrompt = () => {
    if (cur && lines) {
      const t = lines.join('\n').trim();
      if (t) cur.prompts.push(t);
    }
    lines = undefined;
  };
  const rows = text.split(/\r?\n/);
  if (rows.length && rows[rows.length - 1] === '') rows.pop();
  for (const raw of rows) {
    const line = raw.trim();
    const sm = /^########\s*(\S+)/.exec(line);
    const pm = /^#######\s*Prompt(\d+)/.exec(line);
    if (sm) {
      flushPrompt();
      if (cur?.prompts.length) out.push(cur);
      const parts = line
        .replace(/^########\s*/, '')
        .split('|')
        .map((x) => x.trim());
      const id = sm[1];
      const kind = isAnalysis(id)
        ? 'analysis'
        : MESSAGE_DRAFTING_SCENARIO_IDS.has(id)
          ? 'drafting'
          : NO_RP_SCENARIO_IDS.has(id)
            ? 'no-rp'
            : 'roleplay';
      cur = { id, category: parts[1] ?? '', title: parts[2] ?? '', prompts: [], kind };
    } else if (pm) {
      if (!cur) throw new EvalkitError(`${path}: "${line}" before any scenario header`);
      flushPrompt();
      lines = [];
    } else if (cur && lines) lines.push(raw);
  }
  flushPrompt();
  if (cur?.prompts.length) out.push(cur);
  return out;
}

interface Eqb3Resources {
  masters: Record<'roleplay' | 'drafting' | 'analysis', string>;
  debrief: string;
  rubric: { standard: string; analysis: string };
  criteria: { standard: string[]; analysis: string[] };
  uses: DatasetUse[];
}

async function loadResources(ctx: TaskLoadContext): Promise<Eqb3Resources> {
  const t = (id: string) => ctx.datasets.text(id);
  const [m, md, ma, deb, rs, ra, cs, ca] = await Promise.all([
    t('eqbench3-master-prompt'),
    t('eqbench3-master-prompt-drafting'),
    t('eqbench3-master-prompt-analysis'),
    t('eqbench3-debrief-prompt'),
    t('eqbench3-rubric-prompt'),
    t('eqbench3-rubric-prompt-analysis'),
    t('eqbench3-rubric-criteria'),
    t('eqbench3-rubric-criteria-analysis'),
  ]);
  const lines = (s: string) =>
    s
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  return {
    masters: { roleplay: m.text, drafting: md.text, analysis: ma.text },
    debrief: deb.text,
    rubric: { standard: rs.text, analysis: ra.text },
    criteria: { standard: lines(cs.text), analysis: lines(ca.text) },
    uses: [m, md, ma, deb, rs, ra, cs, ca].map((x) => x.use),
  };
}

/** Python str.format with one named field (the templates contain no other braces). */
const fill = (template: string, vars: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (m0, k: string) => (k in vars ? vars[k] : m0));

/** The user message of turn k: wrapped in the scenario type's master prompt (no wrapping for no-rp). */
export function turnMessage(s: Eqb3Scenario, k: number, masters: Eqb3Resources['masters']): string {
  if (s.kind === 'no-rp') return s.prompts[k];
  return fill(masters[s.kind], { scenario_prompt: s.prompts[k] });
}

/** core/conversation.py _parse_response: the structured sections of a role-play / drafting reply. */
export function parseSections(
  kind: Eqb3Scenario['kind'],
  response: string,
): Record<string, string> | undefined {
  const patterns: Record<string, RegExp> =
    kind === 'drafting'
      ? {
          perspective_taking: /#\s*Perspective[- ]taking\s*\n([\s\S]*?)(?=#|$)/i,
          draft_brainstorming: /#\s*Draft brainstorming\s*\n([\s\S]*?)(?=#|$)/i,
          draft: /#\s*Draft\s*\n([\s\S]*?)(?=--|$)/i,
        }
      : kind === 'roleplay'
        ? {
            thinking_feeling: /#\s*I[’']m thinking & feeling\s*\n([\s\S]*?)(?=#|$)/i,
            their_thinking_feeling: /#\s*They[’']re thinking & feeling\s*\n([\s\S]*?)(?=#|$)/i,
            response: /#\s*My response\s*\n([\s\S]*?)(?=--|$)/i,
          }
        : {};
  if (!Object.keys(patterns).length) return undefined;
  const out: Record<string, string> = {};
  for (const [k, re] of Object.entries(patterns)) out[k] = re.exec(response)?.[1].trim() ?? '';
  return out;
}

/** core/conversation.py _format_parsed_response (no truncation: the harness runs with truncate_for_rubric=False). */
export function formatSections(sections: Record<string, string>): string {
  const f =
    'thinking_feeling' in sections
      ? [
          "# I'm thinking & feeling",
          sections.thinking_feeling,
          "\n# They're thinking & feeling",
          sections.their_thinking_feeling,
          '\n# My response',
          sections.response,
        ]
      : [
          '# Perspective-taking',
          sections.perspective_taking,
          '\n# Draft brainstorming',
          sections.draft_brainstorming,
          '\n# Draft',
          sections.draft,
        ];
  return [...f, '\n--'].join('\n');
}

/** The JSON skeleton the harness puts in {output_format}: json.dumps(indent=2) with ": 0" → ": 0-20". */
export function outputFormat(criteria: string[]): string {
  const lines = [
    '{',
    '  "chain_of_thought_reasoning": "detailed chain of thought reasoning about the coming scoring decisions",',
  ];
  criteria.forEach((c, i) => lines.push(`  "${c}": 0-20${i < criteria.length - 1 ? ',' : ''}`));
  lines.push('}');
  return lines.join('\n');
}

/** The rubric judge's prompt (core/conversation.py prepare_rubric_prompt_text), sent as one user message. */
export function rubricPrompt(
  s: Eqb3Scenario,
  turns: Array<Pick<ConversationTurn, 'role' | 'content'>>,
  debrief: string | undefined,
  r: Eqb3Resources,
): string {
  const parts = turns.map((t) => {
    const label = t.role === 'user' ? 'User' : 'Assistant';
    let content = t.content;
    if (label === 'Assistant' && (s.kind === 'roleplay' || s.kind === 'drafting'))
      content = formatSections(parseSections(s.kind, t.content)!);
    return `${label}:\n${content}\n`;
  });
  const transcript = parts.join('---\n');
  return s.kind === 'analysis'
    ? fill(r.rubric.analysis, { transcript, output_format: outputFormat(r.criteria.analysis) })
    : fill(r.rubric.standard, {
        transcript,
        debrief: debrief ?? '',
        output_format: outputFormat(r.criteria.standard),
      });
}

/** Rubric verdict: the JSON object with every criterion a number in 0..20 (strict; the harness also reads "15/20"). */
export const parseRubricScores = (raw: string, criteria: string[]): ParseResult<Record<string, number>> =>
  parseCriteriaScores(raw, criteria, 0, 20, { numbersOnly: true });

let resourcesForAggregate: Eqb3Resources | undefined;

export const eqbench3Variant: TaskVariant<Eqb3Scenario> = {
  name: 'eqbench3',
  family: 'eqbench3',
  description:
    'EQ-Bench 3: 46 emotional-intelligence scenarios (role-play with debrief, message drafting, analysis), rubric-judged 0-20',
  reproduces: 'EQ-bench/eqbench3@3c21bcc rubric score (rubric_0_100) and trait columns',
  settings: {
    format: 'chat',
    shots: 0,
    generation: SCENARIO_PARAMS,
    primaryMetric: 'rubric_0_100',
    debrief:
      'after the last turn of role-play/drafting scenarios: debrief_prompt.txt, temperature 0.5, 12000 tokens',
    judging:
      'rubric_scoring_prompt(_analysis).txt as one user message, judge temperature 0 recommended (harness: 0, 8000 tokens)',
    aggregation: 'per task mean of the allowed criteria; mean over tasks; round(·, 2) × 5',
  },
  async loadItems(ctx) {
    const { text, use, path } = await ctx.datasets.text('eqbench3-scenario-prompts');
    const res = await loadResources(ctx);
    resourcesForAggregate = res;
    const items = parseScenarioPrompts(text, path).map((s) => ({
      id: `eqbench3/${s.id}`,
      data: s,
      categories: { kind: s.kind },
    }));
    return { items, datasets: [use, ...res.uses] };
  },
  buildPrompt(item) {
    if (!resourcesForAggregate) throw new EvalkitError('eqbench3: buildPrompt before loadItems');
    return {
      kind: 'chat',
      messages: [{ role: 'user', content: turnMessage(item.data, 0, resourcesForAggregate.masters) }],
    };
  },
  async createConversationDriver(ctx) {
    const res = await loadResources(ctx);
    return {
      async generate(model, item, request, sampleIndices, opts) {
        const s = item.data;
        const followUps: UserTurn[] = s.prompts
          .slice(1)
          .map((_, i) => ({ script: turnMessage(s, i + 1, res.masters) }));
        const withDebrief = s.kind !== 'analysis';
        if (withDebrief) followUps.push({ script: res.debrief });
        const last = followUps.length; // index of the debrief answer
        return Promise.all(
          sampleIndices.map((i) =>
            runConversation(
              model,
              request,
              i,
              {
                followUps,
                paramsForTurn: (k) => (withDebrief && k === last ? DEBRIEF_PARAMS : request.params),
              },
              opts,
            ),
          ),
        );
      },
    };
  },
  async createScorer(ctx) {
    const judges = await createJudges(ctx.options.judges, 'eqbench3', ctx.options.cacheDir);
    const res = await loadResources(ctx);
    return {
      async score(item, g, sctx) {
        const s = item.data;
        const turns = (g.conversation ?? []).filter((t) => t.role !== 'system');
        if (assistantTurns(g).length < s.prompts.length)
          return { scores: null, error: 'incomplete conversation', reason: 'incomplete conversation' };
        const hasDebrief = s.kind !== 'analysis';
        const scenarioTurns = hasDebrief ? turns.slice(0, -2) : turns;
        const debrief = hasDebrief ? turns[turns.length - 1].content.trim() : undefined;
        const criteria = s.kind === 'analysis' ? res.criteria.analysis : res.criteria.standard;
        const messages: ChatMessage[] = [
          { role: 'user', content: rubricPrompt(s, scenarioTurns, debrief, res) },
        ];
        const r = await gradeEach(
          judges,
          messages,
          (raw) => parseRubricScores(raw, criteria),
          `eqbench3/${s.id}:rubric`,
          sctx.signal,
        );
        const allowed = s.kind === 'analysis' ? res.criteria.analysis : STANDARD_ALLOWED;
        // `rubric` (0–20) feeds the published rounding; `rubric_0_100` (×5) is the per-sample key compare pairs on.
        const values: Record<string, PerJudge> = { rubric: {}, rubric_0_100: {} };
        for (const a of r) {
          if (!a.value) continue;
          values.rubric[a.judge] = allowed.reduce((t, c) => t + a.value![c], 0) / allowed.length;
          values.rubric_0_100[a.judge] = 5 * values.rubric[a.judge];
          for (const c of criteria) (values[c] ??= {})[a.judge] = a.value[c];
        }
        return judgedVerdict(
          values,
          r.flatMap((a) => a.calls),
          r.map((a) => ({ judge: a.judge, status: a.status })),
        );
      },
      async close() {
        await Promise.all(judges.map((j) => j.close()));
      },
    };
  },
  // Per scenario the judges' mean rubric score (0–20, comparable per item); the official 0–100 headline (rounded,
  // ×5) and the trait sums are reported, not declared.
  metrics: [meanMetric('rubric', 'rubric', [0, 20])],
  extraMetrics(items, verdicts, options) {
    const g = groupVerdicts(items, verdicts);
    const scored = [...g.byItem.values()].flat();
    const rubric = judgedMean(judgeTable(scored, 'rubric'), { seed: options.seed });
    const scale = (v: MetricValue, f: number, round2 = false): MetricValue => ({
      ...v,
      value: (round2 ? Math.round(v.value * 100) / 100 : v.value) * f,
      ...(v.ci95 ? { ci95: [v.ci95[0] * f, v.ci95[1] * f] as [number, number] } : {}),
      ...(v.stderr !== undefined ? { stderr: v.stderr * f } : {}),
    });
    const metrics: Record<string, MetricValue> = {
      rubric_0_100: {
        ...scale(rubric, 5, true),
        method: `round(mean of the allowed criteria, 2) × 5; ${rubric.method}`,
      },
      judge_parse_rate: judgeParseRate(verdicts),
    };
    for (const [trait, cs] of Object.entries(TRAITS)) {
      const table = scored
        .map((v) => {
          const per: Record<string, number> = {};
          for (const [k, x] of Object.entries(v.scores!)) {
            const [c, j] = k.split('@');
            if (j && cs.includes(c)) per[j] = (per[j] ?? 0) + x;
          }
          return { itemId: v.itemId, perJudge: per };
        })
        .filter((r) => Object.keys(r.perJudge).length);
      metrics[trait] = judgedMean(table, { seed: options.seed });
    }
    return metrics;
  },
};

export const variants: TaskVariant[] = [eqbench3Variant];
