/**
 * Run identity through the real CLI: an existing run directory is resumed only with its own definition
 * (--limit, task set), runs of an OpenAI-compatible server are identified by the served model name (a server
 * restarted on another port resumes the run), Ctrl-C reports the truth, `evalkit show` prints the metrics.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import { CLI, cli, expectOneLineError, jsonl, readJsonFile } from '../helpers/cli.js';

let a: StubServer;
let b: StubServer;
let other: StubServer;
beforeAll(async () => {
  a = await startStubServer({ modelName: 'ckpt-7' });
  b = await startStubServer({ modelName: 'ckpt-7' }); // the same model "restarted" on another port
  other = await startStubServer({ modelName: 'ckpt-8' });
});
afterAll(async () => Promise.all([a, b, other].map((s) => s?.close())));

const runArgs = (url: string, dir: string, extra: string[] = []) => [
  'run',
  '--model',
  `openai:${url}`,
  '--task',
  'gsm8k:chat',
  '--run-dir',
  dir,
  '--quiet',
  ...extra,
];

describe('run identity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evalkit-identity-'));

  it('a run with one errored sample on server A resumes on server B (same served model, new port)', async () => {
    a.setFaults([{ kind: 'status', status: 500, match: (body) => JSON.stringify(body).includes('Janet') }]);
    const r1 = await cli(runArgs(a.url, dir, ['--limit', '3', '--seed', '0', '--max-retries', '0']));
    a.setFaults(null);
    expect(r1.status, r1.stderr).toBe(1);
    expect(readJsonFile(join(dir, 'manifest.json')).options.seed).toBe(0);

    const r2 = await cli(runArgs(b.url, dir, ['--limit', '3', '--seed', '0']));
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.stderr).toContain(`resuming openai:${a.url}#ckpt-7 at its new location openai:${b.url}#ckpt-7`);
    // only the errored sample was asked again, from B
    expect(b.requests.filter((q) => q.path === '/v1/chat/completions')).toHaveLength(1);
    const m = readJsonFile(join(dir, 'manifest.json'));
    expect(m.status).toBe('completed');
    expect(m.model.endpoint).toBe(b.url);
    expect(m.sessions.map((s: any) => s.modelId ?? null)).toEqual([null, `openai:${b.url}#ckpt-7`]);
    expect(readJsonFile(join(dir, 'metrics.json')).tasks['gsm8k:chat'].counts).toMatchObject({
      items: 3,
      errored: 0,
    });
  });

  it('another served model is refused', async () => {
    const r = await cli(runArgs(other.url, dir, ['--limit', '3', '--seed', '0']));
    expect(r.status).toBe(2);
    expect(expectOneLineError(r)).toMatch(/belongs to model "openai:.*#ckpt-7", not "openai:.*#ckpt-8"/);
  });

  it('a changed --limit is refused, saying how to resume or start anew (run and score)', async () => {
    const r = await cli(runArgs(b.url, dir, ['--limit', '5', '--seed', '0']));
    expect(r.status).toBe(2);
    expect(expectOneLineError(r)).toBe(
      `evalkit: error: ${dir} was started with --limit 3 and this command has --limit 5; a run directory keeps one ` +
        `item set. Resume it with --limit 3, or evaluate 5 items in a new --run-dir.`,
    );
    const s = await cli(['score', '--run-dir', dir, '--limit', '2', '--quiet']);
    expect(s.status).toBe(2);
    expect(expectOneLineError(s)).toMatch(/was run with --limit 3; re-scoring uses the run's own items/);
    // nothing was written by the refused commands
    expect(jsonl(join(dir, 'requests.jsonl'))).toHaveLength(3);
    expect(readJsonFile(join(dir, 'manifest.json')).sessions).toHaveLength(2);
  });

  it('a new task is refused without --add-tasks and added with it', async () => {
    const args = [...runArgs(b.url, dir, ['--limit', '3', '--seed', '0']), '--task', 'gsm8k::olmes'];
    const r = await cli(args);
    expect(r.status).toBe(2);
    expect(expectOneLineError(r)).toMatch(
      /holds gsm8k:chat; gsm8k::olmes is not in it\. To add it .* pass --add-tasks/,
    );
    const r2 = await cli([...args, '--add-tasks']);
    expect(r2.status, r2.stderr).toBe(0);
    expect(readJsonFile(join(dir, 'manifest.json')).tasks.map((t: any) => t.name)).toEqual([
      'gsm8k:chat',
      'gsm8k::olmes',
    ]);
  });

  it('evalkit show prints a finished run and its metrics', async () => {
    const r = await cli(['show', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^status: completed$/m);
    expect(r.stdout).toMatch(/tasks: gsm8k:chat \(3 items\), gsm8k::olmes \(3 items\); --limit 3, seed 0/);
    expect(r.stdout).toMatch(/gsm8k:chat {2}\(3 items, 3 samples scored\)\n {2}\* exact_match/);
  });

  it('Ctrl-C: in-flight requests are abandoned (not recorded as errors), the count is truthful, resume completes', async () => {
    const d = mkdtempSync(join(tmpdir(), 'evalkit-sigint-'));
    a.setLatencyPerTokenMs(15);
    const child = spawn(
      process.execPath,
      [CLI, ...runArgs(a.url, d, ['--limit', '12', '--concurrency', '2'])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (x) => (stderr += x));
    const gens = join(d, 'generations.jsonl');
    while (jsonl(gens).length < 2) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('close', r));
    a.setLatencyPerTokenMs(0);
    expect(code).toBe(130);
    expect(stderr).toMatch(/requests in flight are abandoned/);
    const recorded = jsonl(gens);
    expect(
      recorded.every((g) => !g.error),
      'no aborted request is recorded as an errored sample',
    ).toBe(true);
    const scored = jsonl(join(d, 'verdicts.jsonl')).length;
    expect(stderr).toContain(
      `interrupted: ${scored} samples scored in this session, 0 done before, ${12 - scored} left`,
    );
    expect(readJsonFile(join(d, 'manifest.json')).status).toBe('interrupted');
    const r = await cli(runArgs(a.url, d, ['--limit', '12']));
    expect(r.status, r.stderr).toBe(0);
    expect(jsonl(gens)).toHaveLength(12);
  });
});
