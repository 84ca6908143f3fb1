/**
 * Managed vLLM: `--model vllm:/path/to/checkpoint` starts `vllm serve` as a child process, waits until it is
 * healthy, hands its OpenAI-compatible URL to the OpenAI provider and tears it down afterwards.
 *
 * Lifecycle decisions:
 * - The server runs in its own process group (detached), so a Ctrl-C in the terminal reaches evalkit only;
 *   evalkit then stops the server in order (SIGTERM to the whole group — vLLM's engine/worker processes
 *   included — then SIGKILL after a grace period). The group id is written to the log so an operator can clean
 *   up by hand after a `kill -9` of evalkit (`kill -- -PGID`), the one case no handler can cover.
 * - stdout and stderr go straight into `logFile` (file descriptors, not pipes): the log is complete even if
 *   evalkit dies, and the server never blocks on a full pipe.
 * - Health: GET /health until 200, then GET /v1/models must list the served model name. Exiting early, or not
 *   becoming healthy within the timeout, is an EvalkitError quoting the last log lines.
 * - A crash mid-run is observable through `exited` / `onExit`; `failFastOnServerExit` wraps a provider so that
 *   the run fails at once with the log tail instead of burning its retry budget against a dead port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import type { GenerateOptions, GenerationRecord, ModelProvider, RequestRecord } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';

export interface ManagedVllmOptions {
  /** Checkpoint directory or HF model id, passed as `vllm serve <checkpoint>`. */
  checkpoint: string;
  tensorParallelSize?: number;
  dataParallelSize?: number;
  maxModelLen?: number;
  /** Passed through verbatim after evalkit's own arguments. */
  extraArgs?: string[];
  /** Server stdout+stderr are appended here (the run directory's vllm-server.log). */
  logFile: string;
  /** Default 30 minutes: large checkpoints load slowly. */
  healthTimeoutMs?: number;
  /** Default: the checkpoint string (vLLM's own default). */
  servedModelName?: string;
  /** Default `vllm` on PATH. */
  executable?: string;
  /** SIGTERM → SIGKILL grace period in stop(); default 15 s. */
  stopGraceMs?: number;
  /** Health poll interval; default 500 ms. */
  pollIntervalMs?: number;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedVllm {
  /** http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  modelName: string;
  port: number;
  /** pid of `vllm serve`, also its process group id. */
  pid: number;
  logFile: string;
  /** Resolves when the server process exits (crash or stop). */
  exited: Promise<ServerExit>;
  /** Called once when the server exits; `expected` is true when stop() caused it. */
  onExit(cb: (exit: ServerExit, expected: boolean) => void): void;
  /** Last `lines` lines of the server log. */
  logTail(lines?: number): Promise<string>;
  /** Stop the whole process group (SIGTERM, then SIGKILL after the grace period). Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_HEALTH_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_GRACE_MS = 15_000;

/** Process groups of servers still running, killed synchronously if evalkit exits without stopping them. */
const liveGroups = new Map<number, () => Promise<void>>();
/** Interrupt callbacks of servers still starting (Ctrl-C while weights load must not wait for the health timeout). */
const starting = new Set<(sig: string) => void>();
let hooksInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: no process left in the group
  }
}

/**
 * Live (non-zombie) members of a process group. On Linux this reads /proc, because a zombie (exited, not yet
 * reaped — common when init does not reap, as in some containers) still answers kill(-pgid, 0) and would keep
 * stop() waiting for nothing. Elsewhere: kill(-pgid, 0).
 */
export function liveGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return killGroup(pgid, 0 as unknown as NodeJS.Signals) ? [pgid] : [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ..." — comm may contain spaces/parentheses: parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const pgrp = Number(rest[2]);
    if (pgrp === pgid && state !== 'Z' && state !== 'X') out.push(Number(e));
  }
  return out;
}

function groupAlive(pgid: number): boolean {
  return liveGroupMembers(pgid).length > 0;
}

/**
 * exit: SIGKILL every live group (only synchronous work is possible there).
 * SIGINT/SIGTERM: when evalkit has its own handler (the CLI does: it finishes records in flight and closes the
 * provider, which calls stop()), do nothing here; when ours is the only one, stop the servers in order and then
 * re-raise the signal so the default behaviour (exit) still happens.
 */
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups.keys()) killGroup(pgid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const handler = () => {
      for (const interrupt of starting) interrupt(sig);
      if (process.listenerCount(sig) > 1) return;
      void Promise.allSettled([...liveGroups.values()].map((stop) => stop())).then(() => {
        process.off(sig, handler);
        process.kill(process.pid, sig);
      });
    };
    process.on(sig, handler);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolveGet({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Last `n` non-empty lines of a (possibly large) log file. */
export async function tailFile(path: string, n = 20): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return '(no log file)';
  }
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const lines = buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim());
    return lines.slice(-n).join('\n');
  } finally {
    await fh.close();
  }
}

function describeExit(e: ServerExit): string {
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Build the `vllm serve` argument list (exported for tests and docs). */
export function vllmServeArgs(opts: ManagedVllmOptions, port: number, modelName: string): string[] {
  const args = ['serve', opts.checkpoint, '--host', '127.0.0.1', '--port', String(port)];
  args.push('--tensor-parallel-size', String(opts.tensorParallelSize ?? 1));
  if (opts.dataParallelSize !== undefined) args.push('--data-parallel-size', String(opts.dataParallelSize));
  if (opts.maxModelLen !== undefined) args.push('--max-model-len', String(opts.maxModelLen));
  args.push('--served-model-name', modelName);
  args.push(...(opts.extraArgs ?? []));
  return args;
}

/**
 * Start `vllm serve` and wait until it is healthy. Rejects with an EvalkitError quoting the last log lines if
 * the server exits early or is not healthy within `healthTimeoutMs` (the process group is killed first).
 */
export async function startManagedVllm(opts: ManagedVllmOptions): Promise<ManagedVllm> {
  installHooks();
  const executable = opts.executable ?? 'vllm';
  const modelName = opts.servedModelName ?? opts.checkpoint;
  const healthTimeoutMs = opts.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const graceMs = opts.stopGraceMs ?? DEFAULT_GRACE_MS;
  const pollMs = opts.pollIntervalMs ?? 500;
  const port = await freePort();
  const args = vllmServeArgs(opts, port, modelName);

  await mkdir(dirname(opts.logFile), { recursive: true });
  const logFd = openSync(opts.logFile, 'a');
  writeSync(
    logFd,
    `\n=== evalkit ${new Date().toISOString()}: ${[executable, ...args].map((a) => JSON.stringify(a)).join(' ')}\n`,
  );
  let child: ChildProcess;
  try {
    child = spawn(executable, args, { detached: true, stdio: ['ignore', logFd, logFd], env: process.env });
  } finally {
    closeSync(logFd); // the child holds its own copies
  }
  const spawnError = new Promise<Error>((r) => child.once('error', r));
  // Do not keep evalkit alive just because the server runs; the exit hook stops it.
  child.unref();

  let stopping = false;
  let exitInfo: ServerExit | null = null;
  const exitCallbacks: Array<(e: ServerExit, expected: boolean) => void> = [];
  const exited = new Promise<ServerExit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolveExit(exitInfo);
      for (const cb of exitCallbacks) cb(exitInfo, stopping);
    });
    child.once('error', () => {
      exitInfo = { code: null, signal: null };
      resolveExit(exitInfo);
    });
  });

  const spawnFailed = await Promise.race([spawnError, sleep(0).then(() => null)]);
  if (spawnFailed || child.pid === undefined) {
    const err = spawnFailed ?? (await spawnError);
    const code = (err as NodeJS.ErrnoException).code;
    throw new EvalkitError(
      code === 'ENOENT'
        ? `cannot start vLLM: executable "${executable}" not found on PATH (install vllm, or use --model openai:<url> / gguf:<file>)`
        : `cannot start vLLM (${executable}): ${err.message}`,
    );
  }
  const pid = child.pid;
  {
    const fd = openSync(opts.logFile, 'a');
    writeSync(
      fd,
      `=== evalkit: vllm serve pid ${pid}, process group ${pid} (clean up by hand with: kill -- -${pid})\n`,
    );
    closeSync(fd);
  }

  let stopPromise: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    if (stopPromise) return stopPromise;
    stopping = true;
    stopPromise = (async () => {
      if (groupAlive(pid)) {
        killGroup(pid, 'SIGTERM');
        const deadline = Date.now() + graceMs;
        // wait for the leader and the rest of the group (vLLM's engine/worker processes)
        while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
        if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
      }
      if (!exitInfo) await Promise.race([exited, sleep(5000)]);
      // Any survivor in the group gets SIGKILL (bounded: a process stuck in uninterruptible sleep cannot be helped).
      for (let i = 0; i < 100 && groupAlive(pid); i++) {
        killGroup(pid, 'SIGKILL');
        await sleep(50);
      }
      liveGroups.delete(pid);
    })();
    return stopPromise;
  };
  liveGroups.set(pid, stop);

  const server: ManagedVllm = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    modelName,
    port,
    pid,
    logFile: opts.logFile,
    exited,
    onExit(cb) {
      if (exitInfo) cb(exitInfo, stopping);
      else exitCallbacks.push(cb);
    },
    logTail: (lines = 20) => tailFile(opts.logFile, lines),
    stop,
  };

  // ── wait for health ──
  const started = Date.now();
  const failStart = async (why: string): Promise<never> => {
    await stop();
    const tail = await tailFile(opts.logFile, 20);
    throw new EvalkitError(`vLLM server ${why} (log: ${opts.logFile}); last log lines:\n${tail}`);
  };
  let lastProblem = '';
  let interrupted: string | null = null;
  let wake: () => void = () => undefined;
  const interrupt = (sig: string) => {
    interrupted = sig;
    wake();
  };
  starting.add(interrupt);
  try {
    for (;;) {
      if (interrupted)
        return await failStart(`start was interrupted by ${interrupted} while waiting for health`);
      if (exitInfo) return await failStart(`${describeExit(exitInfo)} before becoming healthy`);
      if (Date.now() - started > healthTimeoutMs)
        return await failStart(
          `did not become healthy within ${Math.round(healthTimeoutMs / 1000)} s${lastProblem ? ` (last check: ${lastProblem})` : ''}`,
        );
      try {
        const h = await httpGet(`http://127.0.0.1:${port}/health`, 5000);
        if (h.status === 200) {
          const m = await httpGet(`http://127.0.0.1:${port}/v1/models`, 5000);
          if (m.status === 200) {
            const ids = ((JSON.parse(m.body) as { data?: Array<{ id?: string }> }).data ?? []).map(
              (d) => d.id,
            );
            if (ids.includes(modelName)) break;
            lastProblem = `/v1/models lists ${JSON.stringify(ids)}, not "${modelName}"`;
          } else lastProblem = `/v1/models answered HTTP ${m.status}`;
        } else lastProblem = `/health answered HTTP ${h.status}`;
      } catch (e) {
        lastProblem = (e as Error).message;
      }
      await Promise.race([sleep(pollMs), exited, new Promise<void>((r) => (wake = r))]);
    }
  } finally {
    starting.delete(interrupt);
  }
  return server;
}

/**
 * Wrap the provider that talks to a managed server so that, once the server has exited unexpectedly, every
 * generate() (including those in flight) rejects with an EvalkitError quoting the server's last log lines:
 * the runner then fails the run cleanly (everything finished so far is already on disk) instead of retrying
 * against a dead port. close() closes the inner provider and stops the server.
 */
export function failFastOnServerExit(inner: ModelProvider, server: ManagedVllm): ModelProvider {
  let crash: Promise<never> | null = null;
  const crashed = new Promise<never>((_, reject) => {
    server.onExit((exit, expected) => {
      if (expected) return;
      crash = server.logTail(20).then((tail) => {
        throw new EvalkitError(
          `vLLM server ${describeExit(exit)} during the run (log: ${server.logFile}); last log lines:\n${tail}`,
        );
      });
      crash.catch(() => undefined);
      crash.then(undefined, reject);
    });
  });
  crashed.catch(() => undefined);
  return {
    id: inner.id,
    get description() {
      return { ...inner.description, managedServer: 'vllm', vllmLog: server.logFile, vllmPid: server.pid };
    },
    async generate(
      req: RequestRecord,
      sampleIndices?: number[],
      opts?: GenerateOptions,
    ): Promise<GenerationRecord[]> {
      if (crash) return crash;
      return Promise.race([inner.generate(req, sampleIndices, opts), crashed]);
    },
    sampleCount: inner.sampleCount?.bind(inner),
    prepare: inner.prepare?.bind(inner),
    countTokens: inner.countTokens?.bind(inner),
    async close() {
      try {
        await inner.close?.();
      } finally {
        await server.stop();
      }
    },
  };
}
