/**
 * EQ-Bench 3 through the runner: a local server plays the model (a reply in the required sections), another the
 * judge (scores that depend on the scenario). Checks: every user turn is wrapped in its scenario type's master
 * prompt, the debrief is asked last at temperature 0.5, the judge sees the transcript re-rendered from the
 * parsed sections plus the debrief, and rubric_0_100 follows the harness' rule.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/runner/run.js';
import { parseScenarioPrompts, STANDARD_ALLOWED } from '../../../src/tasks/eqbench3/index.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';
import type { GenerationRecord } from '../../../src/types.js';

const DIR = join(process.env.EVALKIT_DATA_DIR!, 'eqbench3', 'data');
const scenarios = parseScenarioPrompts(readFileSync(join(DIR, 'scenario_prompts.txt'), 'utf8'), 'x');
const std = readFileSync(join(DIR, 'rubric_scoring_criteria.txt'), 'utf8').split('\n').filter(Boolean);
const anl = readFileSync(join(DIR, 'rubric_scoring_criteria_analysis.txt'), 'utf8')
  .split('\n')
  .filter(Boolean);
const debriefPrompt = readFileSync(join(DIR, 'debrief_prompt.txt'), 'utf8');

/** The judge's score for criterion index i of scenario id. */
const judgeScore = (id: string, i: number) => (Number(id) * 7 + i * 3) % 21;

let model: StubServer;
let judge: StubServer;
const judgePrompts: string[] = [];
beforeAll(async () => {
  model = await startStubServer({
    modelName: 'm',
    respond: ({ messages }) =>
      messages![messages!.length - 1].content === debriefPrompt
        ? 'My debrief: I could have listened more.'
        : "# I'm thinking & feeling\nI feel torn.\n# They're thinking & feeling\nThey feel unheard.\n# My response\nI ask how they are.\n--\nIgnored tail.",
  });
  judge = await startStubServer({
    modelName: 'j',
    respond: ({ messages }) => {
      const p = messages![0].content;
      judgePrompts.push(p);
      // Analysis transcripts quote role-play scenarios: look only among scenarios of the prompt's kind.
      const analysis = p.startsWith('[RESPONDENT ANALYSIS TRANSCRIPT]');
      const s = scenarios.find((x) => (x.kind === 'analysis') === analysis && p.includes(x.prompts[0]))!;
      const crit = s.kind === 'analysis' ? anl : std;
      return `Reasoning first.\n${JSON.stringify({ chain_of_thought_reasoning: 'ok', ...Object.fromEntries(crit.map((c, i) => [c, judgeScore(s.id, i)])) })}`;
    },
  });
});
afterAll(async () => {
  await model?.close();
  await judge?.close();
});

describe('eqbench3 run', () => {
  it('generates, judges and aggregates like the harness', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'eqb3-'));
    const r = await runEvaluation({
      runDir,
      model: { model: `openai:${model.url}`, modelName: 'm' },
      tasks: ['eqbench3'],
      options: { seed: 1234, judges: [{ model: `openai:${judge.url}`, modelName: 'j' }] },
      progress: { update() {}, done() {} },
    });
    const m = r.metrics.eqbench3;
    expect(m.counts).toMatchObject({ items: 45, scored: 45, errored: 0 });
    const perTask = scenarios.map((s) => {
      const crit = s.kind === 'analysis' ? anl : std;
      const allowed = s.kind === 'analysis' ? anl : STANDARD_ALLOWED;
      return allowed.reduce((t, c) => t + judgeScore(s.id, crit.indexOf(c)), 0) / allowed.length;
    });
    const mean = perTask.reduce((a, b) => a + b, 0) / perTask.length;
    expect(m.metrics.rubric_0_100.value).toBeCloseTo((Math.round(mean * 100) / 100) * 5, 12);
    expect(m.metrics.judge_parse_rate.value).toBe(1);

    const gens = readFileSync(join(runDir, 'generations.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as GenerationRecord);
    const g1 = gens.find((g) => g.itemId === 'eqbench3/1')!;
    const users = g1.conversation!.filter((t) => t.role === 'user').map((t) => t.content);
    expect(users).toHaveLength(scenarios[0].prompts.length + 1);
    expect(
      users[1].startsWith(`${scenarios[0].prompts[1]}\n\n--\n\nRespond in exactly this output format:`),
    ).toBe(true);
    expect(users[users.length - 1]).toBe(debriefPrompt);
    const last = g1.conversation![g1.conversation!.length - 1];
    expect(last.request!.params.temperature).toBe(0.5);
    expect(g1.conversation![1].request!.params).toMatchObject({
      temperature: 0.7,
      extra_body: { min_p: 0.1 },
    });

    const p1 = judgePrompts.find((p) => !p.startsWith('[RESPONDENT') && p.includes(scenarios[0].prompts[0]))!;
    expect(p1).toContain(
      "Assistant:\n# I'm thinking & feeling\nI feel torn.\n\n# They're thinking & feeling\nThey feel unheard.\n\n# My response\nI ask how they are.\n\n--\n",
    );
    expect(p1).not.toContain('Ignored tail.');
    expect(p1).toContain('Assistant:\nMy debrief: I could have listened more.\n\n[TRANSCRIPT END]');
    const analysis = gens.find((g) => g.itemId === 'eqbench3/401')!;
    expect(analysis.conversation!.filter((t) => t.role === 'assistant')).toHaveLength(1); // no debrief
  });
});
