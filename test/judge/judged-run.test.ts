/**
 * A judged task through the runner: MT-Bench pairwise against the official gpt-3.5-turbo answers with a
 * judge that always prefers the first position (every comparison becomes a tie; the bias is measured), the
 * judge's identity guarding resume, and a resumed run asking the judge nothing new.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../src/runner/run.js';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';

let model: StubServer;
let judge: StubServer;
beforeAll(async () => {
  model = await startStubServer({
    modelName: 'cand',
    respond: ({ messages }) => `My answer to turn ${(messages!.length + 1) / 2}.`,
  });
  judge = await startStubServer({ modelName: 'judge', respond: () => 'Assistant A is better. [[A]]' });
});
afterAll(async () => {
  await model?.close();
  await judge?.close();
});

const quiet = { update() {}, done() {} };

describe('judged run', () => {
  it('pairwise with a first-position judge: all ties, bias measured, judge identity guards resume', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'judged-run-'));
    const judges = [{ model: `openai:${judge.url}`, modelName: 'judge' }];
    const spec = {
      runDir,
      model: { model: `openai:${model.url}`, modelName: 'cand' },
      tasks: ['mtbench:pairwise-gpt-3.5-turbo'],
      options: { seed: 1234, limit: 6, judges },
      progress: quiet,
    };
    const r = await runEvaluation(spec);
    const m = r.metrics['mtbench:pairwise-gpt-3.5-turbo'];
    expect(m.counts).toMatchObject({ items: 6, scored: 6, errored: 0 });
    expect(m.metrics.win_rate.value).toBe(0.5);
    expect(m.metrics.tie_rate.value).toBe(1);
    expect(m.metrics.pairwise_consistency.value).toBe(0);
    expect(m.metrics.first_position_rate.value).toBe(1);
    expect(judge.stats.generationRequests).toBe(6 * 2 * 2); // 6 questions × 2 turns × 2 orders

    await expect(
      runEvaluation({ ...spec, options: { ...spec.options, judges: [{ ...judges[0], temperature: 0.5 }] } }),
    ).rejects.toThrow(/judged by .* resuming would mix verdicts of two judges/);
    await expect(runEvaluation({ ...spec, options: { seed: 1234, limit: 6 } })).rejects.toThrow(
      /pass the same --judge/,
    );

    const again = await runEvaluation(spec);
    expect(again.counts.skipped).toBe(6);
    expect(judge.stats.generationRequests).toBe(24);
    expect(again.metrics['mtbench:pairwise-gpt-3.5-turbo'].metrics.win_rate.value).toBe(0.5);
  });

  it('a judged task without --judge fails with one clear line', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'judged-run-'));
    await expect(
      runEvaluation({
        runDir,
        model: { model: `openai:${model.url}`, modelName: 'cand' },
        tasks: ['mtbench'],
        options: { limit: 1 },
        progress: quiet,
      }),
    ).rejects.toThrow(/judge-graded: pass --judge/);
  });
});
