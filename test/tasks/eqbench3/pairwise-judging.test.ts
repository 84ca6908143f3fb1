/**
 * EQ-Bench 3 pairwise judging between evalkit runs: the judge prompt assembled as the harness does (sections cut at
 * their limits, "*" and "#" removed, scenario notes, debriefs), the strict pairwise verdict, and the whole path
 * through the CLI: two eqbench3 runs (stub models, one warm, one cold) judged against each other in both orders by
 * a stub judge, then rated; a second invocation is answered from the judge cache.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/runner/run.js';
import { parseScenarioPrompts } from '../../../src/tasks/eqbench3/index.js';
import {
  formatHistory,
  pairwiseCriteria,
  pairwisePrompt,
  parsePairwiseJudgement,
  parseScenarioNotes,
} from '../../../src/tasks/eqbench3/pairwise-judging.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';
import { cli, readJsonFile } from '../../helpers/cli.js';

const DIR = join(process.env.EVALKIT_DATA_DIR!, 'eqbench3', 'data');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
const scenarios = parseScenarioPrompts(read('scenario_prompts.txt'), 'x');
const notes = parseScenarioNotes(read('scenario_notes.txt'));
const resources = {
  templates: {
    standard: read('pairwise_prompt_eqbench3.txt'),
    analysis: read('pairwise_prompt_eqbench3_analysis.txt'),
  },
  notes,
};
const roleplay = scenarios.find((s) => s.id === '1')!;
const analysis = scenarios.find((s) => s.kind === 'analysis')!;

const reply = (tone: string) =>
  `# I'm thinking & feeling\n${tone} **inner** thoughts.\n# They're thinking & feeling\nThey feel ${tone}.\n` +
  `# My response\n${tone}: I hear you.`;

describe('EQ-Bench 3 pairwise prompt', () => {
  it('reads the 19 scenario notes and the 8 criteria of each pairwise prompt', () => {
    expect(notes.size).toBe(19);
    expect(notes.get('1')).toMatch(/^The stakes in the scenario/);
    expect(pairwiseCriteria(resources.templates.standard)).toHaveLength(8);
    expect(pairwiseCriteria(resources.templates.analysis)).toContain('reading_between_lines');
  });

  it('re-renders sections with their limits, drops "*" and "#", fills every placeholder', () => {
    const long = 'x'.repeat(2500);
    const a = {
      turns: [
        { role: 'user' as const, content: '# the *scene*' },
        { role: 'assistant' as const, content: `# I'm thinking & feeling\n${long}\n# My response\n**Hi**` },
      ],
      debrief: '# I did *well*',
    };
    const h = formatHistory(roleplay, a);
    expect(h).toBe(
      `User:\n the scene\n---\nAssistant:\n I'm thinking & feeling\n\n${'x'.repeat(2200)}... [truncated]\n\n` +
        ` They're thinking & feeling\n\n\n\n My response\n\nHi\n\n--\n---`,
    );
    const p = pairwisePrompt(roleplay, a, { turns: a.turns }, resources);
    expect(p).not.toMatch(/\{(conversation_history|debrief|scenario_notes)_?\w*\}/);
    expect(p).toContain(`[RESPONDENT A0493]\n${h}\n`);
    expect(p).toContain('Assistant:\n I did well\n[/RESPONDENT A0493]');
    expect(p).toContain('Assistant:\n[No Debrief Provided]\n[/RESPONDENT A0488]');
    expect(p).toContain(notes.get('1')!);
    const q = pairwisePrompt(
      analysis,
      { turns: [{ role: 'assistant', content: `*${'y'.repeat(6100)}` }] },
      { turns: [{ role: 'assistant', content: 'short' }] },
      resources,
    );
    expect(q).toContain(
      `[RESPONDENT A0493 ANALYSIS]\n${'y'.repeat(6000)}... [truncated]\n[/RESPONDENT A0493 ANALYSIS]`,
    );
    expect(q).toContain(`[TRANSCRIPT BEING ANALYSED BY RESPONDENTS]\n${analysis.prompts[0].trim()}\n`);
  });

  it('a verdict must name a code with 1-5 pluses for every criterion', () => {
    const crit = ['a', 'b'];
    expect(parsePairwiseJudgement('{"a": "A0493+++", "b": " A0488+ "}', crit)).toEqual({
      ok: true,
      value: { a: 'A0493+++', b: 'A0488+' },
    });
    expect(parsePairwiseJudgement('{"a": "A0493", "b": "A0488+"}', crit).ok).toBe(false);
    expect(parsePairwiseJudgement('{"a": "A0493++++++", "b": "A0488+"}', crit).ok).toBe(false);
    expect(parsePairwiseJudgement('{"a": "A0493+"}', crit).ok).toBe(false);
  });
});

let warm: StubServer;
let cold: StubServer;
let judge: StubServer;
beforeAll(async () => {
  warm = await startStubServer({ modelName: 'warm', respond: () => reply('WARM') });
  cold = await startStubServer({ modelName: 'cold', respond: () => reply('COLD') });
  // One server judges both the rubric (all criteria 10) and the pairwise matches (the warm respondent wins).
  judge = await startStubServer({
    modelName: 'judge',
    respond: ({ messages }) => {
      const prompt = messages!.at(-1)!.content as string;
      const a = /\[RESPONDENT A0493\]([\s\S]*?)\[\/RESPONDENT A0493\]/.exec(prompt);
      if (!a) {
        const keys = [...prompt.matchAll(/"(\w+)": 0-20/g)].map((m) => m[1]);
        return JSON.stringify(
          Object.fromEntries([['chain_of_thought_reasoning', 'ok'], ...keys.map((k) => [k, 10])]),
        );
      }
      const winner = a[1].includes('WARM') ? 'A0493+++' : 'A0488+++';
      const crit = pairwiseCriteria(resources.templates.standard);
      return JSON.stringify(
        Object.fromEntries([['chain_of_thought_reasoning', 'x'], ...crit.map((c) => [c, winner])]),
      );
    },
  });
});
afterAll(async () => {
  await Promise.all([warm?.close(), cold?.close(), judge?.close()]);
});

describe('evalkit eqbench3-rating --runs', () => {
  it('judges two runs against each other in both orders and rates them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'eqb3-pairwise-'));
    const judges = [{ model: `openai:${judge.url}`, modelName: 'judge' }];
    for (const m of [warm, cold])
      await runEvaluation({
        runDir: join(root, m === warm ? 'warm' : 'cold'),
        model: { model: `openai:${m.url}`, modelName: m === warm ? 'warm' : 'cold' },
        tasks: ['eqbench3'],
        options: { seed: 1, limit: 2, judges },
        progress: { update() {}, done() {} },
      });
    const before = judge.stats.generationRequests;
    const out = join(root, 'judgments.json');
    const args = ['eqbench3-rating', '--runs', join(root, 'warm'), join(root, 'cold')];
    const r = await cli([...args, '--judge', `openai:${judge.url}`, '--judgments-out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(judge.stats.generationRequests - before).toBe(4); // 2 scenarios × 2 orders
    const judgments = readJsonFile(out);
    expect(judgments).toHaveLength(4);
    for (const j of judgments) {
      expect(j.pair).toEqual({ test_model: 'warm', neighbor_model: 'cold', iteration_index: '1' });
      expect([j.plus_for_test, j.plus_for_other, j.outcome_for_test_model]).toEqual([24, 0, 1]);
    }
    expect(judgments.map((j: any) => j.order)).toContain('A0493:other / A0488:test');
    const rating = JSON.parse(r.stdout);
    expect(rating.rows.map((x: any) => x.model)).toEqual(['warm', 'cold']);
    expect(rating.rows[0].elo).toBeGreaterThan(rating.rows[1].elo);

    const again = await cli([...args, '--judge', `openai:${judge.url}`, '--json']);
    expect(again.status).toBe(0);
    expect(judge.stats.generationRequests - before).toBe(4);
    expect(JSON.parse(again.stdout).rows).toEqual(rating.rows);

    const noJudge = await cli(args);
    expect(noJudge.status).not.toBe(0);
    expect(noJudge.stderr).toMatch(/--runs needs exactly one --judge/);
  }, 180_000);
});
