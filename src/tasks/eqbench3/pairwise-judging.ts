/**
 * EQ-Bench 3 pairwise judging between evalkit runs (the leaderboard's matches): for every scenario both runs
 * completed, the judge compares the two transcripts in both orders with the published pairwise prompt, and each
 * comparison becomes a `PairwiseJudgment` for leaderboard-rating.ts. The prompt is assembled as the harness does
 * (EQ-bench/eqbench3 @ 3c21bcc core/pairwise_judging.py do_pairwise_judge, core/elo_helpers.py
 * format_conversation_history, utils/constants.py limits; restated): assistant turns re-rendered from their
 * parsed sections, each section cut at 2200 / 1600 / 1600 characters (drafting 2200 / 1600 / 1600; no-role-play
 * turns at 4000, analysis answers at 6000, debriefs at 4000, each cut marked "... [truncated]"), every "*" and "#"
 * removed, `Role:\ncontent\n---` entries joined by newlines; the scenario notes of scenario_notes.txt; the
 * placeholders replaced in the harness' order. The judge's JSON must name a winner code with 1–5 "+" for every
 * criterion of the prompt (strict; unparseable replies are retried by the judge framework, never guessed).
 */
import { join } from 'node:path';
import type { Judge } from '../../judge/judge.js';
import type { ParseResult } from '../../judge/judge.js';
import { parseJsonObject } from '../../judge/parsers.js';
import { iterJsonl, readManifest, RUN_FILES } from '../../store/run-dir.js';
import type { ConversationTurn, GenerationRecord, TaskLoadContext } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { parseScenarioPrompts, parseSections, type Eqb3Scenario } from './index.js';
import type { PairwiseJudgment } from './leaderboard-rating.js';
import { tallyPairwise } from './pairwise.js';

const SECTION_LIMITS: Record<string, number> = {
  thinking_feeling: 2200,
  their_thinking_feeling: 1600,
  response: 1600,
  perspective_taking: 2200,
  draft_brainstorming: 1600,
  draft: 1600,
};
const RAW_RESPONSE_LIMIT = 4000;
const DEBRIEF_LIMIT = 4000;
const ANALYSIS_RESPONSE_LIMIT = 6000;
const CODE_A = 'A0493';
const CODE_B = 'A0488';

const cut = (text: string, limit: number) =>
  text.length > limit ? `${text.slice(0, limit)}... [truncated]` : text;
const unmark = (text: string) => text.replace(/[*#]/g, '');

/** One model's side of a scenario: its conversation (user and assistant turns, no debrief) and its debrief. */
export interface Eqb3Transcript {
  turns: Array<Pick<ConversationTurn, 'role' | 'content'>>;
  debrief?: string;
}

export interface PairwiseResources {
  templates: { standard: string; analysis: string };
  notes: Map<string, string>;
}

/** scenario_notes.txt: `# <id>` headers, the notes below each (core/elo_helpers.py load_scenario_notes). */
export function parseScenarioNotes(text: string): Map<string, string> {
  const notes = new Map<string, string>();
  let id: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (id !== undefined && lines.length) notes.set(id, lines.join('\n').trim());
    lines = [];
  };
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith('# ')) {
      flush();
      id = line.replace(/^[#\s]+|[#\s]+$/g, '');
    } else if (id !== undefined) lines.push(line.replace(/\n$/, ''));
  }
  flush();
  return notes;
}

/** The criteria a pairwise prompt asks for (its `"<criterion>": "winner & disparity rating"` lines). */
export const pairwiseCriteria = (template: string) =>
  [...template.matchAll(/"(\w+)": "winner & disparity rating"/g)].map((m) => m[1]);

/** format_conversation_history: the transcript block of one respondent. */
export function formatHistory(s: Eqb3Scenario, t: Eqb3Transcript): string {
  return t.turns
    .map((m) => {
      let content = m.content;
      if (m.role === 'assistant') {
        if (s.kind === 'roleplay' || s.kind === 'drafting') {
          const sections = parseSections(s.kind, content)!;
          const f = Object.entries(sections).flatMap(([k, v]) => [
            s.kind === 'roleplay'
              ? {
                  thinking_feeling: "# I'm thinking & feeling",
                  their_thinking_feeling: "# They're thinking & feeling",
                  response: '# My response',
                }[k]!
              : {
                  perspective_taking: '# Perspective-taking',
                  draft_brainstorming: '# Draft brainstorming',
                  draft: '# Draft',
                }[k]!,
            v ? cut(v, SECTION_LIMITS[k]) : v,
          ]);
          content = [...f, '--'].join('\n\n');
        } else content = cut(content, s.kind === 'analysis' ? ANALYSIS_RESPONSE_LIMIT : RAW_RESPONSE_LIMIT);
      }
      const role = m.role.charAt(0).toUpperCase() + m.role.slice(1);
      return `${role}:\n${unmark(content)}\n---`;
    })
    .join('\n');
}

/** The judge prompt comparing respondent A (code A0493) with B (A0488) on one scenario. */
export function pairwisePrompt(
  s: Eqb3Scenario,
  a: Eqb3Transcript,
  b: Eqb3Transcript,
  r: PairwiseResources,
): string {
  const debrief = (t: Eqb3Transcript) =>
    t.debrief ? cut(unmark(t.debrief), DEBRIEF_LIMIT) : '[No Debrief Provided]';
  const firstAnswer = (t: Eqb3Transcript) =>
    cut(unmark(t.turns.find((m) => m.role === 'assistant')?.content ?? ''), ANALYSIS_RESPONSE_LIMIT);
  const analysis = s.kind === 'analysis';
  const steps: Array<[string, string]> = [
    ['{scenario_description}', s.prompts[0]],
    ['{scenario_notes}', r.notes.get(s.id) ?? '[No scenario notes available]'],
    ['{conversation_history_A}', formatHistory(s, a)],
    ['{conversation_history_B}', formatHistory(s, b)],
    ...(analysis
      ? ([
          ['{transcript_being_analysed}', s.prompts[0].trim()],
          ['{response_A}', firstAnswer(a)],
          ['{response_B}', firstAnswer(b)],
        ] as Array<[string, string]>)
      : ([
          ['{debrief_A}', debrief(a)],
          ['{debrief_B}', debrief(b)],
        ] as Array<[string, string]>)),
  ];
  let prompt = analysis ? r.templates.analysis : r.templates.standard;
  for (const [k, v] of steps) prompt = prompt.split(k).join(v);
  return prompt;
}

/** Strict pairwise verdict: every criterion names A0493 or A0488 followed by 1–5 "+". */
export function parsePairwiseJudgement(raw: string, criteria: string[]): ParseResult<Record<string, string>> {
  const parsed = parseJsonObject(raw);
  if (!parsed.ok) return parsed;
  const out: Record<string, string> = {};
  for (const c of criteria) {
    const v = parsed.value[c];
    if (typeof v !== 'string' || !/^\s*(A0493|A0488)\+{1,5}\s*$/.test(v))
      return {
        ok: false,
        reason: `"${c}" must be "A0493" or "A0488" followed by 1-5 "+" (got ${JSON.stringify(v)})`,
      };
    out[c] = v.trim();
  }
  return { ok: true, value: out };
}

export async function loadPairwiseResources(
  ctx: Pick<TaskLoadContext, 'datasets'>,
): Promise<PairwiseResources> {
  const [standard, analysis, notes] = await Promise.all([
    ctx.datasets.text('eqbench3-pairwise-prompt'),
    ctx.datasets.text('eqbench3-pairwise-prompt-analysis'),
    ctx.datasets.text('eqbench3-scenario-notes'),
  ]);
  return {
    templates: { standard: standard.text, analysis: analysis.text },
    notes: parseScenarioNotes(notes.text),
  };
}

export interface Eqb3Run {
  model: string;
  dir: string;
  /** Scenario id → transcript of the run's first sample (scenarios with a complete conversation only). */
  transcripts: Map<string, Eqb3Transcript>;
}

/** The completed EQ-Bench 3 conversations of a run directory (latest generation per scenario, sample 0). */
export async function readEqb3Run(dir: string, scenarios: Eqb3Scenario[]): Promise<Eqb3Run> {
  const manifest = await readManifest(dir);
  if (!manifest.tasks.some((t) => t.name === 'eqbench3'))
    throw new EvalkitError(`${dir}: the run has no eqbench3 task`);
  const byId = new Map(scenarios.map((s) => [`eqbench3/${s.id}`, s]));
  const transcripts = new Map<string, Eqb3Transcript>();
  for await (const g of iterJsonl<GenerationRecord>(join(dir, RUN_FILES.generations))) {
    const s = byId.get(g.itemId);
    if (g.task !== 'eqbench3' || g.sampleIndex !== 0 || !s || g.error || !g.conversation) continue;
    const turns = g.conversation.filter((t) => t.role !== 'system');
    const answers = turns.filter((t) => t.role === 'assistant').length;
    const hasDebrief = s.kind !== 'analysis';
    if (answers < s.prompts.length + (hasDebrief ? 1 : 0)) continue;
    transcripts.set(s.id, {
      turns: (hasDebrief ? turns.slice(0, -2) : turns).map((t) => ({ role: t.role, content: t.content })),
      ...(hasDebrief ? { debrief: turns[turns.length - 1].content.trim() } : {}),
    });
  }
  return { model: manifest.model.name ?? manifest.model.id, dir, transcripts };
}

export async function loadScenarios(ctx: Pick<TaskLoadContext, 'datasets'>): Promise<Eqb3Scenario[]> {
  const { text, path } = await ctx.datasets.text('eqbench3-scenario-prompts');
  return parseScenarioPrompts(text, path);
}

/**
 * Judge every pair of runs on every scenario both completed, in both orders (forward: the first run is A0493).
 * Returns the judgments in the harness' record form; a comparison whose judge never gave a parseable verdict is
 * recorded with `error` (skipped by the rating, as the harness skips its errors).
 */
export async function judgeRunPairs(
  runs: Eqb3Run[],
  scenarios: Eqb3Scenario[],
  judge: Judge,
  r: PairwiseResources,
): Promise<PairwiseJudgment[]> {
  const names = new Set<string>();
  for (const run of runs) {
    if (names.has(run.model))
      throw new EvalkitError(`${run.dir}: model "${run.model}" appears twice; give one run per model`);
    names.add(run.model);
  }
  const jobs: Array<Promise<PairwiseJudgment>> = [];
  for (let i = 0; i < runs.length; i++)
    for (let j = i + 1; j < runs.length; j++)
      for (const s of scenarios) {
        const [test, other] = [runs[i], runs[j]];
        const ta = test.transcripts.get(s.id);
        const tb = other.transcripts.get(s.id);
        if (!ta || !tb) continue;
        const criteria = pairwiseCriteria(
          s.kind === 'analysis' ? r.templates.analysis : r.templates.standard,
        );
        for (const forward of [true, false]) {
          const prompt = forward ? pairwisePrompt(s, ta, tb, r) : pairwisePrompt(s, tb, ta, r);
          const purpose = `eqbench3/${s.id}:pairwise:${test.model}|${other.model}:${forward ? 'forward' : 'reversed'}`;
          jobs.push(
            judge
              .ask(
                [{ role: 'user', content: prompt }],
                (raw) => parsePairwiseJudgement(raw, criteria),
                purpose,
              )
              .then((a) => {
                const pair = { test_model: test.model, neighbor_model: other.model, iteration_index: '1' };
                const order = forward
                  ? `${CODE_A}:test / ${CODE_B}:other`
                  : `${CODE_A}:other / ${CODE_B}:test`;
                if (!a.value)
                  return {
                    scenario_id: s.id,
                    pair,
                    order,
                    error: `judge ${a.status}`,
                    raw_judge_response: a.calls.at(-1)?.raw ?? '',
                  };
                const t = tallyPairwise(a.value);
                const [plusTest, plusOther] = forward ? [t.plusA, t.plusB] : [t.plusB, t.plusA];
                return {
                  scenario_id: s.id,
                  pair,
                  order,
                  judge_response: a.value,
                  outcome_for_test_model: plusTest > plusOther ? 1 : plusTest < plusOther ? 0 : 0.5,
                  plus_for_test: plusTest,
                  plus_for_other: plusOther,
                };
              }),
          );
        }
      }
  return Promise.all(jobs);
}
