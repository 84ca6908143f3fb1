/**
 * Judge calibration against the 160 official GPT-4 verdicts: a judge replaying GPT-4 agrees perfectly and gives
 * Llama-2-7b-chat the published 6.27; a lenient judge (+2, capped at 10) that fails to give a rating on some
 * prompts is measured as such (agreement, mean difference, parse rate).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/runner/run.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';
import { llama2Judgments } from './fastchat-reference.js';

const official = new Map(llama2Judgments().map((j) => [j.user_prompt, j]));
let server: StubServer | undefined;
afterEach(() => server?.close());

async function calibrate(respond: (score: number, questionId: number) => string) {
  server = await startStubServer({
    modelName: 'judge',
    respond: ({ messages }) => {
      const j = official.get(messages![1].content)!;
      return respond(j.score, j.question_id);
    },
  });
  const r = await runEvaluation({
    runDir: mkdtempSync(join(tmpdir(), 'judge-cal-')),
    model: { model: `openai:${server.url}`, modelName: 'judge' },
    tasks: ['mtbench:judge-agreement-gpt4'],
    options: { seed: 1234 },
    progress: { update() {}, done() {} },
  });
  return r.metrics['mtbench:judge-agreement-gpt4'];
}

describe('mtbench:judge-agreement-gpt4', () => {
  it('a judge that gives GPT-4’s ratings agrees perfectly and reproduces 6.27', async () => {
    const m = await calibrate((s) => `Rating: [[${s}]]`);
    expect(m.counts.items).toBe(160);
    expect(m.metrics.agreement_within_1.value).toBe(1);
    expect(m.metrics.exact_agreement.value).toBe(1);
    expect(m.metrics.spearman.value).toBeCloseTo(1, 12);
    expect(m.metrics.mtbench_score.value).toBeCloseTo(1003 / 160, 12);
  });

  it('a lenient, sometimes unparseable judge is measured as such', async () => {
    const lenient = (s: number) => Math.min(10, s + 2);
    const m = await calibrate((s, q) => (q % 8 === 0 ? 'A solid answer overall.' : `[[${lenient(s)}]]`));
    const parsed = [...official.values()].filter((j) => j.question_id % 8 !== 0);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(m.metrics.parse_rate.value).toBe(parsed.length / 160);
    expect(parsed.length).toBe(140);
    expect(m.metrics.mean_abs_diff.value).toBeCloseTo(
      mean(parsed.map((j) => lenient(j.score) - j.score)),
      12,
    );
    expect(m.metrics.exact_agreement.value).toBeCloseTo(
      mean(parsed.map((j) => (lenient(j.score) === j.score ? 1 : 0))),
      12,
    );
    expect(m.metrics.mtbench_score.value).toBeCloseTo(mean(parsed.map((j) => lenient(j.score))), 12);
    expect(m.metrics.agreement_within_1.value).toBeCloseTo(
      parsed.filter((j) => lenient(j.score) - j.score <= 1).length / 160, // unparseable count as disagreement
      12,
    );
    expect(m.metrics.mean_abs_diff.value).toBeGreaterThan(1);
  });
});
