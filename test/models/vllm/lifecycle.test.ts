/**
 * Managed vLLM lifecycle against a stand-in `vllm` executable (test/fixtures/fake-vllm/vllm) put first on PATH.
 * The stand-in parses `vllm serve` arguments, serves the real OpenAI protocol (evalkit's stub server from dist/)
 * and, like vLLM, runs a second "engine core" process in its process group, so "no orphan" is checked for every
 * process of the group by pid (via /proc, zombies counted as gone).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OpenAICompatibleProvider } from '../../../src/models/openai-compatible.js';
import {
  failFastOnServerExit,
  liveGroupMembers,
  startManagedVllm,
  type ManagedVllm,
} from '../../../src/models/vllm/index.js';
import type { RequestRecord } from '../../../src/types.js';
import { EvalkitError } from '../../../src/util/errors.js';

const FIXTURE_DIR = resolve(__dirname, '..', '..', 'fixtures', 'fake-vllm');
const STUB = resolve(__dirname, '..', '..', '..', 'dist', 'testing', 'openai-stub-server.js');
const VLLM_MODULE = resolve(__dirname, '..', '..', '..', 'dist', 'models', 'vllm', 'index.js');
const FAKE_ENV = [
  'FAKE_VLLM_CRASH_AT_START',
  'FAKE_VLLM_NEVER_HEALTHY',
  'FAKE_VLLM_SLOW_START_MS',
  'FAKE_VLLM_CRASH_AFTER',
  'FAKE_VLLM_IGNORE_SIGTERM',
];
const originalPath = process.env.PATH;
let dir: string;
let started: ManagedVllm[] = [];

/** A process that exists and is not a zombie. */
function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The pids the stand-in wrote to the log: the server (group leader) and its engine core. */
function serverPids(logText: string): { leader: number; core: number } {
  const leader = Number(/fake-vllm pid (\d+)/.exec(logText)?.[1]);
  const core = Number(/engine core pid (\d+)/.exec(logText)?.[1]);
  expect(leader).toBeGreaterThan(0);
  expect(core).toBeGreaterThan(0);
  return { leader, core };
}

async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

function expectNoOrphans(pids: { leader: number; core: number }) {
  expect(isLive(pids.leader)).toBe(false);
  expect(isLive(pids.core)).toBe(false);
  expect(liveGroupMembers(pids.leader)).toEqual([]);
}

function fake(env: Record<string, string>) {
  for (const k of FAKE_ENV) delete process.env[k];
  Object.assign(process.env, env);
}

let n = 0;
const request = (text: string): RequestRecord => ({
  requestId: `t|${n}`,
  task: 't',
  itemId: String(n++),
  prompt: { kind: 'completion', text },
  params: { n: 1, temperature: 0, top_p: 1, max_tokens: 32, stop: [] },
});

beforeAll(async () => {
  for (const f of [STUB, VLLM_MODULE])
    if (!existsSync(f)) throw new Error(`${f} missing: run \`npm run build\` before these tests`);
  dir = await mkdtemp(join(tmpdir(), 'evalkit-vllm-'));
  process.env.PATH = `${FIXTURE_DIR}:${originalPath}`;
});

afterEach(async () => {
  for (const s of started) await s.stop();
  started = [];
  fake({});
});

describe('startManagedVllm', () => {
  it('starts vllm serve with the parallelism arguments, serves requests, and stop() ends the whole process group', async () => {
    fake({ FAKE_VLLM_SLOW_START_MS: '700' });
    const logFile = join(dir, 'ok', 'vllm-server.log');
    const server = await startManagedVllm({
      checkpoint: '/ckpt/step-1000',
      tensorParallelSize: 8,
      dataParallelSize: 2,
      maxModelLen: 4096,
      extraArgs: ['--enable-prefix-caching', '--gpu-memory-utilization', '0.85'],
      servedModelName: 'step-1000',
      logFile,
      pollIntervalMs: 100,
    });
    started.push(server);
    expect(server.baseUrl).toBe(`http://127.0.0.1:${server.port}/v1`);
    expect(server.modelName).toBe('step-1000');

    const provider = await OpenAICompatibleProvider.create({
      baseUrl: server.baseUrl,
      modelName: server.modelName,
      maxRetries: 0,
    });
    const [g] = await provider.generate(request('hello'));
    expect(g.error).toBeUndefined();
    expect(g.text).toBe(' ok 0.0');
    await provider.close?.();

    const log = await readFile(logFile, 'utf8');
    const args = JSON.parse(/fake-vllm args (\{.*\})/.exec(log)![1]);
    expect(args).toEqual({
      model: '/ckpt/step-1000',
      host: '127.0.0.1',
      port: String(server.port),
      'tensor-parallel-size': '8',
      'data-parallel-size': '2',
      'max-model-len': '4096',
      'served-model-name': 'step-1000',
      'enable-prefix-caching': true,
      'gpu-memory-utilization': '0.85',
    });
    expect(log).toContain('loading weights');
    expect(log).toContain(`process group ${server.pid}`);
    const pids = serverPids(log);
    expect(pids.leader).toBe(server.pid);
    expect(isLive(pids.core)).toBe(true);
    await server.stop();
    expectNoOrphans(pids);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(await readFile(logFile, 'utf8')).toContain('SIGTERM: shutting down');
  });

  it('a server that crashes at start: clear error quoting the log, nothing left running', async () => {
    fake({ FAKE_VLLM_CRASH_AT_START: '1' });
    const logFile = join(dir, 'crash-start', 'vllm-server.log');
    const err = await startManagedVllm({ checkpoint: '/ckpt/bad', logFile, pollIntervalMs: 100 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EvalkitError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/vLLM server exited with code 3 before becoming healthy/);
    expect(msg).toContain(logFile);
    expect(msg).toContain('CUDA out of memory while loading weights');
    const log = await readFile(logFile, 'utf8');
    expect(log).toContain('CUDA out of memory');
    expectNoOrphans(serverPids(log)); // the engine core it had started is killed with the group
  });

  it('a server that never becomes healthy: timeout error with the last check and log lines, group killed', async () => {
    fake({ FAKE_VLLM_NEVER_HEALTHY: '1' });
    const logFile = join(dir, 'never', 'vllm-server.log');
    const err = await startManagedVllm({
      checkpoint: '/ckpt/slow',
      logFile,
      healthTimeoutMs: 8000, // the fake server itself needs seconds to start on a loaded machine
      pollIntervalMs: 100,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EvalkitError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/did not become healthy within 8 s \(last check: \/health answered HTTP 503\)/);
    expect(msg).toContain('still loading...');
    expectNoOrphans(serverPids(await readFile(logFile, 'utf8')));
  });

  it('a server that crashes mid-run: the run fails fast with the log tail; finished requests were served', async () => {
    fake({ FAKE_VLLM_CRASH_AFTER: '2' });
    const logFile = join(dir, 'crash-mid', 'vllm-server.log');
    const server = await startManagedVllm({ checkpoint: '/ckpt/mid', logFile, pollIntervalMs: 100 });
    started.push(server);
    const exits: Array<[unknown, boolean]> = [];
    server.onExit((e, expected) => exits.push([e, expected]));
    const inner = await OpenAICompatibleProvider.create({
      baseUrl: server.baseUrl,
      modelName: server.modelName,
      maxRetries: 50,
    });
    const provider = failFastOnServerExit(inner, server);
    const first = await provider.generate(request('a'));
    const second = await provider.generate(request('b'));
    expect([first[0].text, second[0].text]).toEqual([' ok 0.0', ' ok 1.0']);
    const err = await provider.generate(request('c')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EvalkitError);
    expect((err as Error).message).toMatch(/vLLM server exited with code 1 during the run/);
    expect((err as Error).message).toContain('CUDA error: an illegal memory access was encountered');
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(exits).toEqual([[{ code: 1, signal: null }, false]]);
    // later calls fail at once too
    await expect(provider.generate(request('d'))).rejects.toThrow(/during the run/);
    const pids = serverPids(await readFile(logFile, 'utf8'));
    expect(isLive(pids.core)).toBe(true); // the crashed leader left its engine core behind…
    await provider.close?.();
    expectNoOrphans(pids); // …which close() (server.stop) kills with the group
  });

  it('a server that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
    fake({ FAKE_VLLM_IGNORE_SIGTERM: '1' });
    const logFile = join(dir, 'stubborn', 'vllm-server.log');
    const server = await startManagedVllm({
      checkpoint: '/ckpt/x',
      logFile,
      pollIntervalMs: 100,
      stopGraceMs: 500,
    });
    const pids = serverPids(await readFile(logFile, 'utf8'));
    await server.stop();
    expectNoOrphans(pids);
    expect((await server.exited).signal).toBe('SIGKILL');
    expect(await readFile(logFile, 'utf8')).toContain('leader ignores SIGTERM');
  });

  it('a missing executable is a clear error', async () => {
    await expect(
      startManagedVllm({
        checkpoint: '/ckpt/x',
        logFile: join(dir, 'missing', 'log'),
        executable: 'vllm-does-not-exist-here',
      }),
    ).rejects.toThrow(/executable "vllm-does-not-exist-here" not found on PATH/);
  });
});

describe('killed by the user (Ctrl-C to an evalkit-like parent)', () => {
  for (const [mode, expected] of [
    ['cli', { code: 130, signal: null }],
    ['bare', { code: null, signal: 'SIGINT' }],
    ['exit', { code: 7, signal: null }],
  ] as const) {
    it(`parent mode "${mode}": the parent exits and no server process survives`, async () => {
      const logFile = join(dir, `parent-${mode}`, 'vllm-server.log');
      const child = spawn(process.execPath, [join(FIXTURE_DIR, 'parent.mjs')], {
        env: { ...process.env, PARENT_MODE: mode, PARENT_LOG_FILE: logFile },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exit = new Promise<{ code: number | null; signal: string | null }>((r) =>
        child.on('exit', (code, signal) => r({ code, signal })),
      );
      const line = await new Promise<string>((resolveLine, reject) => {
        const rl = createInterface({ input: child.stdout! });
        rl.once('line', resolveLine);
        child.once('exit', (c) => reject(new Error(`parent exited early with ${c}`)));
      });
      const info = JSON.parse(line) as { baseUrl: string; pid: number };
      const pids = serverPids(await readFile(logFile, 'utf8'));
      expect(pids.leader).toBe(info.pid);
      expect(isLive(pids.leader) && isLive(pids.core)).toBe(true);
      // the server answers before the interrupt
      const health = await fetch(info.baseUrl.replace(/\/v1$/, '/health'));
      expect(health.status).toBe(200);

      child.kill('SIGINT');
      expect(await exit).toEqual(expected);
      // 'exit' mode only gets the synchronous SIGKILL at process exit; wait for the kernel to finish the kill
      expect(await waitFor(() => !isLive(pids.leader) && !isLive(pids.core))).toBe(true);
      expectNoOrphans(pids);
    });
  }
});

describe('through the real CLI (`evalkit run --model vllm:…`)', () => {
  const CLI = resolve(__dirname, '..', '..', '..', 'bin', 'evalkit.js');

  function runCli(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [CLI, 'run', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<{ code: number | null; signal: string | null }>((r) =>
      child.on('exit', (code, signal) => r({ code, signal })),
    );
    return { child, done, out: () => ({ stdout, stderr }) };
  }

  it('a run starts the server with the CLI flags, logs it into the run directory, and leaves no process behind', async () => {
    fake({});
    const runDir = join(dir, 'cli-ok');
    const r = runCli([
      '--model',
      'vllm:/ckpt/cli',
      '--tensor-parallel-size',
      '2',
      '--max-model-len',
      '4096',
      '--vllm-arg=--enforce-eager',
      '--task',
      'gsm8k::olmes',
      '--limit',
      '2',
      '--run-dir',
      runDir,
      '--quiet',
    ]);
    const exit = await r.done;
    expect(exit, r.out().stderr).toEqual({ code: 0, signal: null });
    const log = await readFile(join(runDir, 'vllm-server.log'), 'utf8');
    const args = JSON.parse(/fake-vllm args (\{.*\})/.exec(log)![1]);
    expect(args).toMatchObject({
      model: '/ckpt/cli',
      'tensor-parallel-size': '2',
      'max-model-len': '4096',
      'enforce-eager': true,
    });
    const gens = (await readFile(join(runDir, 'generations.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(gens).toHaveLength(2);
    expect(gens.every((g) => typeof g.text === 'string' && !g.error)).toBe(true);
    expectNoOrphans(serverPids(log));
  });

  it('Ctrl-C while the server is still loading stops it at once (no wait for the health timeout)', async () => {
    fake({ FAKE_VLLM_SLOW_START_MS: '600000' });
    const runDir = join(dir, 'cli-int');
    const r = runCli([
      '--model',
      'vllm:/ckpt/slow',
      '--task',
      'gsm8k::olmes',
      '--limit',
      '2',
      '--run-dir',
      runDir,
      '--quiet',
    ]);
    const logFile = join(runDir, 'vllm-server.log');
    expect(
      await waitFor(
        () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('loading weights'),
        60_000,
      ),
    ).toBe(true);
    const pids = serverPids(readFileSync(logFile, 'utf8'));
    r.child.kill('SIGINT');
    const exit = await r.done;
    expect(exit.code).not.toBe(0);
    expect(r.out().stderr).toMatch(/vLLM server start was interrupted by SIGINT while waiting for health/);
    expect(r.out().stderr).toContain('loading weights');
    expect(await waitFor(() => !isLive(pids.leader) && !isLive(pids.core))).toBe(true);
    expectNoOrphans(pids);
  });
});
