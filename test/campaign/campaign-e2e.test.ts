/**
 * `evalkit campaign run` end to end through the real CLI (a child process) and the real pipeline (runner,
 * OpenAI provider, scorers, metrics, results database) against two real OpenAI-protocol servers on 127.0.0.1,
 * one per checkpoint of a training line:
 *   post-sft  answers GSM8K correctly on odd dataset rows only, post-rl on every row;
 *   both      write the same text for every IFEval prompt (so IFEval must show no change).
 * Checks: the status matrix before/after, that a second `campaign run` sends no request at all, and that
 * `evalkit compare --campaign` finds post-rl better on GSM8K (with exactly the scripted flips) and no change
 * on IFEval. Runs dist/ through bin/evalkit.js: `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../src/datasets/registry.js';
import { gsm8kGold } from '../../src/scoring/math/gsm8k.js';
import {
  startStubServer,
  type StubRespondContext,
  type StubServer,
} from '../../src/testing/openai-stub-server.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CLI = join(REPO_ROOT, 'bin', 'evalkit.js');
const LIMIT = 20;

/** Run the CLI as a child process (async: the stub servers live in this process and must keep answering). */
function cli(
  args: string[],
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** GSM8K question → (dataset row, gold answer). */
let gsm8k: Map<string, { row: number; gold: string }>;

/** A scripted checkpoint: `correct(row)` decides whether it solves GSM8K row `row`. */
function checkpointModel(correct: (row: number) => boolean) {
  return (ctx: StubRespondContext): string => {
    if (ctx.kind === 'completion') return 'I will answer in plain words without any particular format.';
    const text = ctx.messages?.map((m) => m.content).join('\n') ?? '';
    const question = [...gsm8k.keys()].find((q) => text.startsWith(q));
    if (!question) return 'I do not know.';
    const { row, gold } = gsm8k.get(question)!;
    return correct(row)
      ? `Step by step, the result is \\boxed{${gold}}.`
      : `Step by step, the result is \\boxed{${Number(gold) + 1}}.`;
  };
}

let sft: StubServer;
let rl: StubServer;
let dir: string;
let config: string;

beforeAll(async () => {
  const { records } = await new DatasetResolver().jsonl('gsm8k-test');
  gsm8k = new Map(records.map((r, row) => [String(r.question), { row, gold: gsm8kGold(String(r.answer)) }]));
  sft = await startStubServer({ modelName: 'post-sft', respond: checkpointModel((row) => row % 2 === 1) });
  rl = await startStubServer({ modelName: 'post-rl', respond: checkpointModel(() => true) });
  dir = mkdtempSync(join(tmpdir(), 'evalkit-campaign-e2e-'));
  config = join(dir, 'evalkit.campaign.yaml');
  writeFileSync(
    config,
    [
      'name: line',
      'runsRoot: runs',
      'suite: [gsm8k:chat, ifeval:base]',
      `options: { seed: 7, limit: ${LIMIT} }`,
      'checkpoints:',
      '  - name: post-sft',
      `    model: { model: "openai:${sft.url}", modelName: post-sft, concurrency: 4, cache: false }`,
      '  - name: post-rl',
      `    model: { model: "openai:${rl.url}", modelName: post-rl, concurrency: 4, cache: false }`,
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await sft?.close();
  await rl?.close();
});

const cellStates = (json: string) =>
  (JSON.parse(json).cells as Array<{ checkpoint: string; task: string; state: string; value?: number }>).map(
    (c) => `${c.checkpoint}/${c.task}:${c.state}`,
  );

describe('evalkit campaign run end to end', () => {
  it('evaluates the missing matrix, skips it the second time, and compare finds the scripted improvement', async () => {
    const before = await cli(['campaign', 'status', '--config', config, '--json'], dir);
    expect(before.status, before.stderr).toBe(0);
    expect(cellStates(before.stdout)).toEqual([
      'post-sft/gsm8k:chat:missing',
      'post-sft/ifeval:base:missing',
      'post-rl/gsm8k:chat:missing',
      'post-rl/ifeval:base:missing',
    ]);

    const first = await cli(['campaign', 'run', '--config', config], dir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/post-sft: evaluating gsm8k:chat, ifeval:base/);
    expect(first.stdout).toMatch(/4\/4 cells done/);
    // One chat request per GSM8K item and one completion request per IFEval item, per checkpoint.
    for (const s of [sft, rl]) {
      const gen = s.requests.filter((r) => r.requestNumber >= 0);
      expect(gen.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(LIMIT);
      expect(gen.filter((r) => r.path === '/v1/completions')).toHaveLength(LIMIT);
    }
    expect(sft.requests.filter((r) => r.requestNumber >= 0).every((r) => r.body?.model === 'post-sft')).toBe(
      true,
    );
    expect(rl.requests.filter((r) => r.requestNumber >= 0).every((r) => r.body?.model === 'post-rl')).toBe(
      true,
    );

    const runSft = join(dir, 'runs', 'line', 'post-sft');
    const runRl = join(dir, 'runs', 'line', 'post-rl');
    // Which GSM8K rows were evaluated (the limit's choice) decides the expected post-sft accuracy.
    const rows = readFileSync(join(runSft, 'verdicts.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((v) => v.task === 'gsm8k:chat')
      .map((v) => Number(String(v.itemId).split('/')[1]));
    expect(rows).toHaveLength(LIMIT);
    const oddRows = rows.filter((r) => r % 2 === 1).length;
    const evenRows = LIMIT - oddRows;
    expect(evenRows).toBeGreaterThanOrEqual(8); // enough flips for a significant paired test

    const after = await cli(['campaign', 'status', '--config', config, '--json'], dir);
    expect(after.status, after.stderr).toBe(0);
    expect(cellStates(after.stdout)).toEqual([
      'post-sft/gsm8k:chat:done',
      'post-sft/ifeval:base:done',
      'post-rl/gsm8k:chat:done',
      'post-rl/ifeval:base:done',
    ]);
    const cells = JSON.parse(after.stdout).cells as Array<{
      checkpoint: string;
      task: string;
      value: number;
      metric: string;
      samples: number;
    }>;
    const cell = (cp: string, t: string) => cells.find((c) => c.checkpoint === cp && c.task === t)!;
    expect(cell('post-sft', 'gsm8k:chat')).toMatchObject({ metric: 'exact_match', samples: LIMIT });
    expect(cell('post-sft', 'gsm8k:chat').value).toBeCloseTo(oddRows / LIMIT, 12);
    expect(cell('post-rl', 'gsm8k:chat').value).toBe(1);
    expect(cell('post-sft', 'ifeval:base').value).toBe(cell('post-rl', 'ifeval:base').value);
    // campaign run updated the results database under the campaign's runs root.
    expect(existsSync(join(dir, 'runs', '.evalkit-index.sqlite'))).toBe(true);

    // Second run: everything is done → no request reaches either server.
    const sentSft = sft.requests.length;
    const sentRl = rl.requests.length;
    const second = await cli(['campaign', 'run', '--config', config], dir);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/post-sft: all 2 tasks done, skipped/);
    expect(second.stderr).toMatch(/post-rl: all 2 tasks done, skipped/);
    expect(sft.requests.length).toBe(sentSft);
    expect(rl.requests.length).toBe(sentRl);

    // Paired comparison by checkpoint name (from a different working directory: the campaign's runs root is used).
    const cmp = await cli(['compare', 'post-sft', 'post-rl', '--campaign', config, '--json'], tmpdir());
    expect(cmp.status, cmp.stderr).toBe(0);
    const rep = JSON.parse(cmp.stdout);
    const tasks = rep.pairs[0].tasks as Array<Record<string, any>>;
    const g = tasks.find((t) => t.task === 'gsm8k:chat')!;
    expect(g.paired).toBe(LIMIT);
    expect(g.binary).toBe(true);
    expect(g.diff).toBeCloseTo(evenRows / LIMIT, 12);
    expect(g.test.detail).toMatchObject({ b: 0, c: evenRows });
    expect(g.flips.failToPass.map((f: { itemId: string }) => f.itemId).sort()).toEqual(
      rows
        .filter((r) => r % 2 === 0)
        .map((r) => `gsm8k/${r}`)
        .sort(),
    );
    expect(g.flips.passToFail).toEqual([]);
    expect(g.pAdjusted).toBeLessThan(0.05);
    expect(g.verdict).toBe('improved');
    const f = tasks.find((t) => t.task === 'ifeval:base')!;
    expect(f.paired).toBe(LIMIT);
    expect(f.diff).toBe(0);
    expect(f.verdict).toBe('no detectable change');
    for (const d of [runSft, runRl])
      expect(JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).status).toBe('completed');
  }, 300_000);
});
