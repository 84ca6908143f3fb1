/**
 * A run that did not do its job fails loudly: through the real CLI against real local servers (a dead port,
 * a server answering HTTP 500 forever, one answering malformed JSON), each run exits non-zero, prints the cause
 * live and at the end, and its manifest says "failed". Retry budgets and backoff are made small by flags.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import { cli, expectOneLineError, jsonl, readJsonFile } from '../helpers/cli.js';

let server: StubServer;
let deadUrl: string;
beforeAll(async () => {
  server = await startStubServer({ modelName: 'stub' });
  const gone = await startStubServer();
  deadUrl = gone.url;
  await gone.close(); // nothing listens on this port any more
});
afterAll(async () => server?.close());

const FAST = ['--max-retries', '2', '--retry-delay', '10', '--quiet'];
const TASK = ['--task', 'gsm8k::olmes', '--limit', '2'];
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `evalkit-fail-${p}-`));

describe('failing runs fail', () => {
  it('dead server without --model-name: "server unreachable at URL", exit 2, no run directory left', async () => {
    const dir = join(tmp('dead'), 'run');
    const r = await cli(['run', '--model', `openai:${deadUrl}`, ...TASK, '--run-dir', dir, ...FAST]);
    expect(r.status).toBe(2);
    const line = expectOneLineError(r);
    expect(line).toContain(`server unreachable at ${deadUrl}`);
    expect(line).not.toMatch(/model name/);
    expect(existsSync(dir), 'a failed start leaves no run directory').toBe(false);
  });

  it('dead server with --model-name: every sample errors, exit 1, manifest "failed", cause printed', async () => {
    const dir = tmp('dead-named');
    const r = await cli([
      'run',
      '--model',
      `openai:${deadUrl}`,
      '--model-name',
      'stub',
      '--task',
      'gsm8k:chat',
      '--limit',
      '2',
      '--run-dir',
      dir,
      ...FAST,
    ]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/server unreachable \(ECONNREFUSED.* — retry 1\/2 in/); // live
    expect(r.stderr).toMatch(/2 of 2 samples ERRORED .*the run FAILED/);
    expect(r.stderr).toMatch(/2 × POST .*server unreachable \(ECONNREFUSED/);
    const m = readJsonFile(join(dir, 'manifest.json'));
    expect(m.status).toBe('failed');
    expect(m.failure).toMatch(/2 of 2 samples errored/);
    expect(m.errors.errored).toBe(2);
  });

  it('HTTP 500 forever: retries shown live, exit 1, the server message printed at the end', async () => {
    server.setFaults([{ kind: 'status', status: 500, message: 'CUDA out of memory' }]);
    const dir = tmp('500');
    const r = await cli(['run', '--model', `openai:${server.url}`, ...TASK, '--run-dir', dir, ...FAST]);
    server.setFaults(null);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/HTTP 500: CUDA out of memory — retry [12]\/2 in \d+\.\d s/);
    expect(r.stderr).toMatch(/2 × POST .*HTTP 500: CUDA out of memory — gave up after 3 attempts/);
    expect(readJsonFile(join(dir, 'manifest.json')).status).toBe('failed');
    // metrics are still written (from no scored sample) and the errored samples are recorded as such
    expect(jsonl(join(dir, 'verdicts.jsonl')).every((v) => v.scores === null)).toBe(true);
    expect(existsSync(join(dir, 'metrics.json'))).toBe(true);
  });

  it('malformed JSON responses: exit 1, "not JSON" printed', async () => {
    server.setFaults([{ kind: 'malformed' }]);
    const dir = tmp('malformed');
    const r = await cli(['run', '--model', `openai:${server.url}`, ...TASK, '--run-dir', dir, ...FAST]);
    server.setFaults(null);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/HTTP 200 with a body that is not JSON: <html>.*502 Bad Gateway/);
    expect(readJsonFile(join(dir, 'manifest.json')).status).toBe('failed');
  });

  it('--max-error-rate tolerates a share of errored samples (recorded in the manifest); --max-retries 0 works', async () => {
    // One of four questions fails forever; 25% errored is within 0.3.
    server.setFaults([
      { kind: 'status', status: 500, match: (body) => JSON.stringify(body).includes('Janet') },
    ]);
    const dir = tmp('tolerated');
    const args = ['run', '--model', `openai:${server.url}`, '--task', 'gsm8k::olmes', '--limit', '4'];
    const r = await cli([
      ...args,
      '--run-dir',
      dir,
      '--max-retries',
      '0',
      '--quiet',
      '--max-error-rate',
      '0.3',
    ]);
    server.setFaults(null);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 of 4 samples ERRORED .*within --max-error-rate 0\.3/);
    const m = readJsonFile(join(dir, 'manifest.json'));
    expect(m.status).toBe('completed');
    expect(m.errors).toMatchObject({ errored: 1, samples: 4, maxErrorRate: 0.3 });
    expect(m.errors.reasons[0].reason).toMatch(/HTTP 500/);
    // --max-retries 0: exactly one attempt for the failing request
    expect(m.errors.reasons[0].reason).toMatch(/gave up after 1 attempts/);
  });
});
