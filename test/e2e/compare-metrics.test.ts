/**
 * `evalkit compare` on declared metrics, end to end: two AIME "checkpoints" answered by real OpenAI-protocol
 * servers on 127.0.0.1 (scripted answers per item and sample), run through the real pipeline, then compared by
 * the real CLI (dist/ through bin/evalkit.js: `npm run build` first).
 *
 * The script makes avg@16 identical between the checkpoints while the majority vote differs, so a compare
 * that paired avg@n outcomes under the name maj@16 (the old name-guessing) would report no difference.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../src/datasets/registry.js';
import { runEvaluation } from '../../src/runner/run.js';
import { getTask } from '../../src/tasks/registry.js';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import type { Item } from '../../src/types.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CLI = join(REPO_ROOT, 'bin', 'evalkit.js');
const quiet = { update() {}, done() {} };

/** Answers for one item: `right` samples give the gold answer, the rest the listed wrong answers in turn. */
type Script = (gold: number) => number[];
const votes = (gold: number, right: number, wrong: number[]) => [
  ...Array<number>(right).fill(gold),
  ...Array.from({ length: 16 - right }, (_, i) => wrong[i % wrong.length]),
];
// item 0: A 7 right vs 9 distinct wrong answers (majority right); B 6 right vs 10 × the same wrong answer.
// item 1: both all right. item 2: A 8 right vs 8 × one wrong answer (a tie: ½); B 9 right vs 7 wrong.
const A: Script[] = [
  (g) =>
    votes(
      g,
      7,
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => (g + d) % 1000),
    ),
  (g) => votes(g, 16, []),
  (g) => votes(g, 8, [(g + 1) % 1000]),
];
const B: Script[] = [
  (g) => votes(g, 6, [(g + 1) % 1000]),
  (g) => votes(g, 16, []),
  (g) => votes(g, 9, [(g + 1) % 1000]),
];

let items: Item<{ problem: string; gold: string }>[];
const servers: StubServer[] = [];
let root: string;

async function aimeRun(name: string, script: Script[]): Promise<string> {
  const server = await startStubServer({
    respond: (ctx) => {
      const text = ctx.messages?.at(-1)?.content ?? '';
      const i = items.findIndex((it) => text.startsWith(it.data.problem));
      return `Reasoning.\n\\boxed{${script[i](Number(items[i].data.gold))[ctx.sampleIndex]}}`;
    },
  });
  servers.push(server);
  const dir = join(root, name);
  const res = await runEvaluation({
    runDir: dir,
    model: { model: `openai:${server.url}`, maxRetries: 0 },
    tasks: ['aime24'],
    options: { limit: 3 },
    progress: quiet,
  });
  expect(res.status).toBe('completed');
  return dir;
}

/** The real CLI as a child process (async: a blocking spawn would stall this test worker). */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let runA: string;
let runB: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'evalkit-compare-'));
  const aime = await getTask('aime24');
  items = (await aime.loadItems({ datasets: new DatasetResolver({}), options: {} })).items.slice(0, 3);
  runA = await aimeRun('ckpt-a', A);
  runB = await aimeRun('ckpt-b', B);
}, 120_000);
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('compare on declared metrics', () => {
  it('metrics.json: maj@1 = pass@1 = avg@16, the exact votes, and the declarations', () => {
    const m = JSON.parse(readFileSync(join(runA, 'metrics.json'), 'utf8')).tasks.aime24;
    expect(m.primary).toBe('avg@16');
    expect(m.metrics['avg@16'].value).toBeCloseTo((7 / 16 + 1 + 8 / 16) / 3, 12);
    expect(m.metrics['pass@1'].value).toBeCloseTo(m.metrics['avg@16'].value, 12);
    expect(m.metrics['maj@1'].value).toBeCloseTo(m.metrics['avg@16'].value, 12);
    expect(m.metrics['maj@16'].value).toBeCloseTo((1 + 1 + 0.5) / 3, 12);
    expect(m.metrics['maj@16'].method).toMatch(/exact maj@16/);
    expect(m.metrics['avg@16'].method).toMatch(/Korn–Graubard/);
    expect(m.declared.map((d: { name: string }) => d.name)).toEqual(Object.keys(m.metrics));
  });

  it('--metric maj@16 pairs majority-vote outcomes (hand-computed), avg@16 does not move', async () => {
    const maj = await cli(
      'compare',
      runA,
      runB,
      '--metric',
      'maj@16',
      '--json',
      '--db',
      join(root, 'i.sqlite'),
    );
    expect(maj.code, maj.stderr).toBe(0);
    const t = JSON.parse(maj.stdout).pairs[0].tasks[0];
    expect(t).toMatchObject({ task: 'aime24', metric: 'maj@16', paired: 3, binary: false });
    // A: item0 1 (7 right vs nine singletons), item1 1, item2 ½ (8–8 tie); B: 0 (6 vs 10), 1, 1 (9 vs 7).
    expect(t.meanA).toBeCloseTo(2.5 / 3, 12);
    expect(t.meanB).toBeCloseTo(2 / 3, 12);
    expect(t.flips.passToFail).toEqual([{ itemId: items[0].id, a: 1, b: 0 }]);
    const avg = await cli(
      'compare',
      runA,
      runB,
      '--metric',
      'avg@16',
      '--json',
      '--db',
      join(root, 'i.sqlite'),
    );
    const u = JSON.parse(avg.stdout).pairs[0].tasks[0];
    expect(u.meanA).toBeCloseTo(u.meanB, 12);
    expect(u.flips.passToFail).toEqual([]);
  });

  it('a metric the task does not declare is an error naming what it declares', async () => {
    const r = await cli('compare', runA, runB, '--metric', 'base_pass@1', '--db', join(root, 'i.sqlite'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'task aime24 does not declare metric "base_pass@1" (it declares: exact_match, avg@16',
    );
    expect(r.stdout).toBe('');
  });

  it('guard rails: unknown --task, no common task, tasks in one run only, a run in progress', async () => {
    const db = join(root, 'g.sqlite');
    const unknown = await cli('compare', runA, runB, '--task', 'aime25', '--db', db);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('--task aime25: not in any of the compared runs (they have: aime24)');

    // a GSM8K run: `compare --metric base_pass@1` on it is an error; against an AIME run nothing is in common
    const server = await startStubServer({ respond: () => 'So \\boxed{18}' });
    servers.push(server);
    const gsm = join(root, 'gsm');
    await runEvaluation({
      runDir: gsm,
      model: { model: `openai:${server.url}`, maxRetries: 0 },
      tasks: ['gsm8k:chat'],
      options: { limit: 4 },
      progress: quiet,
    });
    const gsmCopy = join(root, 'gsm-copy');
    cpSync(gsm, gsmCopy, { recursive: true });
    const wrongMetric = await cli('compare', gsm, gsmCopy, '--metric', 'base_pass@1', '--db', db);
    expect(wrongMetric.code).not.toBe(0);
    expect(wrongMetric.stderr).toContain(
      'task gsm8k:chat does not declare metric "base_pass@1" (it declares: exact_match)',
    );
    const none = await cli('compare', runA, gsm, '--db', db);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/have no task in common \(.*aime24; .*gsm8k:chat\)/);

    // a run with an extra task: compared on the common one, the extra one listed
    const both = join(root, 'both');
    await runEvaluation({
      runDir: both,
      model: { model: `openai:${servers[0].url}`, maxRetries: 0 },
      tasks: ['aime24', 'gsm8k:chat'],
      options: { limit: 3 },
      progress: quiet,
    });
    const extra = await cli('compare', runA, both, '--db', db);
    expect(extra.code, extra.stderr).toBe(0);
    expect(extra.stdout).toContain('only in both (not compared): gsm8k:chat');

    // a run still in progress: compared, with a warning
    const running = join(root, 'running');
    cpSync(runB, running, { recursive: true });
    const mf = JSON.parse(readFileSync(join(running, 'manifest.json'), 'utf8'));
    writeFileSync(
      join(running, 'manifest.json'),
      JSON.stringify({ ...mf, runId: 'running', status: 'running', endedAt: null }),
    );
    const warn = await cli('compare', runA, running, '--db', db);
    expect(warn.code, warn.stderr).toBe(0);
    expect(warn.stderr).toContain('warning: run running is still in progress');
  }, 120_000);
});
