/**
 * EQ-Bench v2 against the official result file of gpt-3.5-turbo-0613 (../shared/reference/eqbench-v2/):
 * evalkit's parser gives exactly the official `respondent_answers` for all 171 raw outputs, and the whole
 * pipeline (a local OpenAI-protocol server replaying the raw outputs for their exact prompts) gives the
 * published benchmark score within the tolerance of the reference's PROVENANCE.md (±0.025).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/runner/run.js';
import { getTask } from '../../../src/tasks/registry.js';
import {
  parseEqbenchAnswer,
  parseEqbenchQuestions,
  questionScoreV2,
  removeRevisionInstructions,
  scaledDifference,
} from '../../../src/tasks/eqbench/index.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';
import { SHARED_REFERENCE } from '../../helpers/paths.js';

const official = JSON.parse(
  readFileSync(join(SHARED_REFERENCE, 'eqbench-v2', 'gpt-3.5-turbo-0613_eqbench_v2_results.json'), 'utf8'),
);
const raw = official.raw_results['1'] as {
  raw_inference: Record<string, string>;
  respondent_answers: Record<string, { first_pass: Record<string, string>; revised: Record<string, string> }>;
};
const questionsPath = join(process.env.EVALKIT_DATA_DIR!, 'eqbench', 'eq_bench_v2_questions_171.json');
const questions = parseEqbenchQuestions(JSON.parse(readFileSync(questionsPath, 'utf8')), questionsPath);
// PROVENANCE.md: "use a tolerance of ±0.025 on the benchmark score"
const TOLERANCE = 0.025;

let server: StubServer;
beforeAll(async () => {
  const byPrompt = new Map(questions.map((q) => [q.prompt, raw.raw_inference[q.key]]));
  server = await startStubServer({
    modelName: 'gpt-3.5-turbo-0613',
    respond: ({ messages }) => byPrompt.get(messages![0].content) ?? 'UNKNOWN PROMPT',
  });
});
afterAll(() => server?.close());

describe('EQ-Bench v2 reproduces the official gpt-3.5-turbo-0613 result', () => {
  it('parses every raw output into exactly the official respondent_answers', () => {
    expect(Object.keys(raw.raw_inference)).toHaveLength(171);
    for (const q of questions) {
      const { firstPass, revised } = parseEqbenchAnswer(raw.raw_inference[q.key], true);
      expect(Object.fromEntries(firstPass), q.key).toEqual(raw.respondent_answers[q.key].first_pass);
      expect(Object.fromEntries(revised), q.key).toEqual(raw.respondent_answers[q.key].revised);
    }
  });

  it('the v2 difference scaling matches the published table of values', () => {
    expect([1, 2, 3, 4, 5].map((d) => Number(scaledDifference(d).toFixed(4)))).toEqual([
      0.1729, 0.5406, 1.5046, 3.25, 4.9954,
    ]);
    expect(scaledDifference(0)).toBe(0);
    expect(scaledDifference(7)).toBe(7);
  });

  it('gives the published benchmark score end to end (within ±0.025), with a CI and the parse rate', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'eqbench-ref-'));
    // The stub server counts one token per byte: lift max_tokens so the official texts fit.
    const eqbench = await getTask('eqbench');
    const task = {
      ...eqbench,
      settings: { ...eqbench.settings, generation: { ...eqbench.settings.generation, max_tokens: 100_000 } },
    };
    const result = await runEvaluation({
      runDir,
      model: { model: `openai:${server.url}`, modelName: 'gpt-3.5-turbo-0613' },
      tasks: [task],
      options: { seed: 1234 },
      progress: { update() {}, done() {} },
    });
    const m = result.metrics.eqbench;
    expect(m.counts).toMatchObject({ items: 171, scored: 171, errored: 0 });
    expect(Math.abs(m.metrics.official_score.value - official.benchmark_score)).toBeLessThanOrEqual(
      TOLERANCE,
    );
    expect(m.metrics.official_score.value).toBe(69.36); // published 69.35; the PROVENANCE recomputation gives 69.3564
    expect(m.metrics.score.value).toBeCloseTo(69.3564, 3); // declared (comparable per question): first pass
    expect(m.metrics.first_pass.value).toBeCloseTo(69.3564, 3);
    expect(m.metrics.revised.value).toBeCloseTo(66.8715, 3);
    expect(m.metrics.parse_rate.value * 171).toBe(official.n_questions_parseable);
    expect(m.metrics.official_score.ci95![0]).toBeLessThan(69.36);
    expect(m.metrics.official_score.ci95![1]).toBeGreaterThan(69.36);
  });

  it('unparseable answers are reported, never guessed', () => {
    const q = questions[0];
    expect(
      questionScoreV2(q.reference, parseEqbenchAnswer('Remorseful: 1\nAnnoyed: 2', false).firstPass).score,
    ).toBeNull();
    const wrongNames = 'Sad: 1\nIndifferent: 2\nAffectionate: 0\nAnnoyed: 7';
    expect(questionScoreV2(q.reference, parseEqbenchAnswer(wrongNames, false).firstPass).reason).toMatch(
      /do not match/,
    );
    const perfect = q.reference.emotions.map((e) => `${e.name}: ${e.score}`).join('\n');
    expect(questionScoreV2(q.reference, parseEqbenchAnswer(perfect, false).firstPass).score).toBe(10);
  });

  it('removes the revision instructions like the harness', () => {
    const p = removeRevisionInstructions(questions[0].prompt);
    expect(p).not.toMatch(/Critique|Revised|First pass/);
    expect(
      p.endsWith(
        '[End of answer]\n\nRemember: zero is a valid score, meaning they are likely not feeling that emotion. You must score at least one emotion > 0.\n\nYour answer:\n',
      ),
    ).toBe(true);
    expect(p).toContain(
      'Remorseful: <score>\nIndifferent: <score>\nAffectionate: <score>\nAnnoyed: <score>\n\n\n[End of answer]',
    );
  });
});
