/**
 * `evalkit score --run-dir A --judge <other> --out-dir B`: re-judging a finished MT-Bench run with another judge
 * (real CLI, real OpenAI-compatible stub servers for the model and both judges). No regeneration, a new run
 * identity with the source recorded, the source untouched, judge calls cached on a second pass, and the refusals.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../src/runner/run.js';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import { cli, expectOneLineError, jsonl, readJsonFile } from '../helpers/cli.js';

let model: StubServer;
let generous: StubServer;
let strict: StubServer;
beforeAll(async () => {
  model = await startStubServer({
    modelName: 'cand',
    respond: ({ messages }) => `My answer to turn ${(messages!.length + 1) / 2}.`,
  });
  generous = await startStubServer({ modelName: 'generous', respond: () => 'Good answer. Rating: [[8]]' });
  strict = await startStubServer({ modelName: 'strict', respond: () => 'Weak answer. Rating: [[3]]' });
});
afterAll(async () => {
  await Promise.all([model?.close(), generous?.close(), strict?.close()]);
});

const quiet = { update() {}, done() {} };

describe('evalkit score --judge (re-judging a run)', () => {
  it('re-judges the generations with another judge into a new run, without asking the model again', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rejudge-'));
    const source = join(root, 'ckpt-generous');
    await runEvaluation({
      runDir: source,
      model: { model: `openai:${model.url}`, modelName: 'cand' },
      tasks: ['mtbench'],
      options: { seed: 1234, limit: 3, judges: [{ model: `openai:${generous.url}`, modelName: 'generous' }] },
      progress: quiet,
    });
    const modelCalls = model.stats.generationRequests;
    expect(modelCalls).toBe(6); // 3 questions × 2 turns
    const sourceVerdicts = readFileSync(join(source, 'verdicts.jsonl'), 'utf8');
    const sourceScore = readJsonFile(join(source, 'metrics.json')).tasks.mtbench.metrics.score.value;
    expect(sourceScore).toBe(8);

    const out = join(root, 'ckpt-strict');
    const args = [
      'score',
      '--run-dir',
      source,
      '--judge',
      `openai:${strict.url}`,
      '--judge-model-name',
      'strict',
    ];
    const r = await cli([...args, '--out-dir', out, '--quiet']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    expect(model.stats.generationRequests).toBe(modelCalls);
    expect(strict.stats.generationRequests).toBe(6); // one single-answer verdict per turn
    expect(r.stdout).toContain(`run directory: ${out}`);

    const m = readJsonFile(join(out, 'manifest.json'));
    expect(m.runId).toBe(basename(out));
    expect(m.status).toBe('completed');
    expect(m.options.judges).toEqual([{ model: `openai:${strict.url}`, modelName: 'strict' }]);
    expect(m.rejudgedFrom).toEqual({
      runId: 'ckpt-generous',
      runDir: source,
      judges: [{ model: `openai:${generous.url}`, modelName: 'generous' }],
    });
    expect(readFileSync(join(out, 'generations.jsonl'), 'utf8')).toBe(
      readFileSync(join(source, 'generations.jsonl'), 'utf8'),
    );
    expect(readJsonFile(join(out, 'metrics.json')).tasks.mtbench.metrics.score.value).toBe(3);
    const verdicts = jsonl(join(out, 'verdicts.jsonl'));
    expect(verdicts).toHaveLength(3);
    // The new judge's full prompt and raw reply are recorded with each verdict.
    const calls = verdicts.flatMap((v) => v.details.judgeCalls);
    expect(calls).toHaveLength(6);
    expect(calls.every((c: any) => c.raw === 'Weak answer. Rating: [[3]]')).toBe(true);
    // The source run is untouched.
    expect(readFileSync(join(source, 'verdicts.jsonl'), 'utf8')).toBe(sourceVerdicts);

    // Again (a resume, or re-judging twice): the judge's answers come from the cache.
    const again = await cli([...args, '--out-dir', out, '--quiet']);
    expect(again.status).toBe(0);
    expect(strict.stats.generationRequests).toBe(6);
    expect(readJsonFile(join(out, 'manifest.json')).sessions).toHaveLength(2);

    // Refusals, one line each, nothing written.
    const inPlace = await cli([...args, '--quiet']);
    expect(inPlace.status).not.toBe(0);
    expect(expectOneLineError(inPlace)).toMatch(
      /re-judging with other judges writes a new run: add --out-dir/,
    );
    const rejudge = (judge: string, ...extra: string[]) =>
      cli(['score', '--run-dir', source, '--judge', `openai:${judge}`, ...extra, '--quiet']);
    const mixed = await rejudge(generous.url, '--judge-temperature', '0.5', '--out-dir', out);
    expect(mixed.status).not.toBe(0);
    expect(expectOneLineError(mixed)).toMatch(/resuming would mix verdicts of two judges/);
    const same = await rejudge(generous.url, '--judge-model-name', 'generous', '--out-dir', join(root, 'x'));
    expect(same.status).not.toBe(0);
    expect(expectOneLineError(same)).toMatch(/judged by these judges already/);
    expect(readFileSync(join(source, 'verdicts.jsonl'), 'utf8')).toBe(sourceVerdicts);
    expect(jsonl(join(out, 'verdicts.jsonl'))).toHaveLength(6); // 3 + the 3 of the cached second pass
  }, 180_000);
});
