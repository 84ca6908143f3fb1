/**
 * End to end through the real CLI (a child process) against a real OpenAI-protocol server on 127.0.0.1:
 * streaming, n samples, stop sequences, injected 429/500/connection resets → evalkit run → metrics;
 * then a run killed with SIGKILL mid-way and resumed ends with the same metrics and request records as an
 * uninterrupted run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import { CLI, cli, jsonl, readJsonFile as readJson } from '../helpers/cli.js';
import { SHARED_DATASETS } from '../helpers/paths.js';

interface HeProblem {
  task_id: string;
  prompt: string;
  canonical_solution: string;
}
const problems: HeProblem[] = readFileSync(join(SHARED_DATASETS, 'humanevalplus', 'HumanEvalPlus.jsonl.gz'))
  .length
  ? gunzipSync(readFileSync(join(SHARED_DATASETS, 'humanevalplus', 'HumanEvalPlus.jsonl.gz')))
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];

/**
 * The scripted "model": for a HumanEval prompt it writes the canonical body when the task number is not a
 * multiple of 3, and a wrong body otherwise; always followed by a stop sequence and junk, so stop handling
 * matters. The answer depends only on the prompt: a resumed run must reproduce the uninterrupted metrics.
 */
function respond(ctx: { prompt?: string; messages?: { content: string }[] }): string {
  const text = ctx.prompt ?? ctx.messages?.map((m) => m.content).join('\n') ?? '';
  const p = problems.find((x) => text.endsWith(x.prompt) || text.includes(x.prompt));
  if (!p) return 'pass\n';
  const n = Number(p.task_id.split('/')[1]);
  const body = n % 3 === 0 ? '    return None\n' : p.canonical_solution;
  return `${body}\n\nif __name__ == "__main__":\n    print("junk after the stop sequence")\n`;
}

const metricsOf = (dir: string) => {
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  return Object.fromEntries(
    Object.entries(m.tasks as Record<string, any>).map(([k, v]) => [
      k,
      { metrics: v.metrics, counts: v.counts },
    ]),
  );
};

let server: StubServer;
beforeAll(async () => {
  expect(problems.length).toBe(164);
  server = await startStubServer({ respond, modelName: 'stub-coder' });
});
afterAll(async () => server?.close());

const TASKS = ['--task', 'humanevalplus', '--task', 'codex_humaneval::starcoder_pass@1'];
const LIMIT = ['--limit', '6'];

describe('evalkit run end to end', () => {
  it('runs against an OpenAI-compatible server with streaming, n=20, stops and injected faults', async () => {
    server.resetLog();
    server.setFaults([
      { kind: 'status', status: 429, retryAfter: 0, first: 2 },
      { kind: 'status', status: 500, fraction: 0.1, seed: 7 },
      { kind: 'reset', fraction: 0.05, seed: 3 },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-e2e-'));
    const r = await cli([
      'run',
      '--model',
      `openai:${server.url}`,
      ...TASKS,
      ...LIMIT,
      '--run-dir',
      dir,
      '--stream',
      '--quiet',
    ]);
    server.setFaults(null);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status, r.stderr).toBe(0);
    const requests = jsonl(join(dir, 'requests.jsonl'));
    const generations = jsonl(join(dir, 'generations.jsonl'));
    const verdicts = jsonl(join(dir, 'verdicts.jsonl'));
    expect(requests).toHaveLength(12);
    expect(generations).toHaveLength(6 + 6 * 20);
    expect(verdicts).toHaveLength(6 + 6 * 20);
    expect(generations.every((g) => g.error === undefined)).toBe(true);
    // the stop sequence cut the junk
    expect(generations.some((g) => g.text.includes('junk after the stop'))).toBe(false);
    // faults really happened and were retried
    expect(server.requests.filter((q) => q.fault).length).toBeGreaterThanOrEqual(2);
    // byte-exact prompt recorded = what the server received
    const he0 = requests.find((q) => q.requestId === 'humanevalplus|HumanEval/0');
    const received = server.requests.find((q) => q.body?.prompt === he0.prompt.text);
    expect(received, 'server saw the recorded prompt byte for byte').toBeDefined();
    expect(received!.body.stream).toBe(true);
    const m = metricsOf(dir);
    // HumanEval/0 and /3 get a wrong body: 4 of 6 pass (base and plus)
    expect(m['humanevalplus'].metrics['base_pass@1'].value).toBeCloseTo(4 / 6, 10);
    expect(m['humanevalplus'].metrics['plus_pass@1'].value).toBeCloseTo(4 / 6, 10);
    expect(m['codex_humaneval::starcoder_pass@1'].metrics['pass@1'].value).toBeCloseTo(4 / 6, 10);
    expect(m['codex_humaneval::starcoder_pass@1'].metrics['pass@10'].value).toBeCloseTo(4 / 6, 10);
    const ci = m['humanevalplus'].metrics['base_pass@1'].ci95;
    expect(ci[0]).toBeLessThanOrEqual(4 / 6);
    expect(ci[1]).toBeGreaterThanOrEqual(4 / 6);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('completed');
    expect(manifest.model.endpoint).toBe(server.url);
    expect(manifest.tasks.map((t: any) => t.name)).toEqual([
      'humanevalplus',
      'codex_humaneval::starcoder_pass@1',
    ]);
    expect(manifest.tasks[0].datasets[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stdout).toMatch(/plus_pass@1/);
  });

  it('marks samples errored when the retry budget is exhausted, and a resume fills them in', async () => {
    server.resetLog();
    server.setFaults([{ kind: 'status', status: 503, message: 'overloaded' }]);
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-e2e-budget-'));
    const r = await cli([
      'run',
      '--model',
      `openai:${server.url}`,
      '--task',
      'humanevalplus',
      '--limit',
      '2',
      '--run-dir',
      dir,
      '--max-retries',
      '1',
      '--quiet',
    ]);
    server.setFaults(null);
    // Every sample errored: the run failed (exit 1, manifest says so) and says why.
    expect(r.status, r.stderr).toBe(1);
    expect(readJson(join(dir, 'manifest.json')).status).toBe('failed');
    expect(r.stderr).toMatch(/2 × POST .*HTTP 503: overloaded/);
    const v = jsonl(join(dir, 'verdicts.jsonl'));
    expect(v).toHaveLength(2);
    expect(v.every((x) => x.scores === null && /503/.test(x.error))).toBe(true);
    expect(r.stdout).toMatch(/2 ERRORED/);
    const again = await cli([
      'run',
      '--model',
      `openai:${server.url}`,
      '--task',
      'humanevalplus',
      '--limit',
      '2',
      '--run-dir',
      dir,
      '--quiet',
    ]);
    expect(again.status, again.stderr).toBe(0);
    expect(metricsOf(dir)['humanevalplus'].counts.errored).toBe(0);
    const resumed = readJson(join(dir, 'manifest.json'));
    expect(resumed.status).toBe('completed');
    expect(resumed.errors).toBeUndefined();
  });

  it('a run killed with SIGKILL mid-way and resumed equals an uninterrupted run', async () => {
    const args = (dir: string) => [
      'run',
      '--model',
      `openai:${server.url}`,
      ...TASKS,
      ...LIMIT,
      '--run-dir',
      dir,
      '--concurrency',
      '2',
      '--quiet',
    ];
    const full = mkdtempSync(join(tmpdir(), 'evalkit-e2e-full-'));
    server.setLatencyPerTokenMs(0);
    const r0 = await cli(args(full));
    expect(r0.status, r0.stderr).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), 'evalkit-e2e-kill-'));
    server.setLatencyPerTokenMs(0.5);
    const child = spawn(process.execPath, [CLI, ...args(dir)], { stdio: 'ignore' });
    const genPath = join(dir, 'generations.jsonl');
    const deadline = Date.now() + 120_000;
    while (jsonl(genPath).length < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = jsonl(genPath).length;
    expect(before).toBeGreaterThanOrEqual(30);
    expect(before).toBeLessThan(126);
    server.setLatencyPerTokenMs(0);
    const r1 = await cli(args(dir));
    expect(r1.status, r1.stderr).toBe(0);
    expect(metricsOf(dir)).toEqual(metricsOf(full));
    expect(jsonl(join(dir, 'requests.jsonl'))).toEqual(jsonl(join(full, 'requests.jsonl')));
    const gens = jsonl(genPath);
    const keys = new Set(gens.map((g) => `${g.requestId}#${g.sampleIndex}`));
    expect(keys.size).toBe(126);
    expect(gens.length).toBe(126); // nothing generated twice
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.sessions).toHaveLength(2);
    expect(manifest.status).toBe('completed');
    // three CLI runs of 126 generations + sandboxed scoring: minutes on a loaded 2-core CI machine
  }, 600_000);
});
