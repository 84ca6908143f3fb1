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

async function calibrate(respond: (score: number, i: number) => string) {
  let i = 0;
  server = await startStubServer({
    modelName: 'judge',
    respond: ({ messages }) => respond(official.get(messages![1].content)!.score, i++),
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
    const m = await calibrate((s, i) =>
      i % 16 === 0 ? 'A solid answer overall.' : `[[${Math.min(10, s + 2)}]]`,
    );
    expect(m.metrics.parse_rate.value).toBe(150 / 160);
    expect(m.metrics.exact_agreement.value).toBeLessThan(0.4); // only where GPT-4 gave 9–10 (capped)
    expect(m.metrics.mean_abs_diff.value).toBeGreaterThan(1);
    expect(m.metrics.mtbench_score.value).toBeGreaterThan(7.5);
    expect(m.metrics.spearman.value).toBeGreaterThan(0.9); // monotone shift: ranks mostly kept
  });
});
