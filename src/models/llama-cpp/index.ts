/**
 * Embedded GGUF engine: `--model gguf:/path/model.gguf` or `gguf:hf:<owner>/<repo>/<file.gguf>`.
 *
 * node-llama-cpp runs in a child process (./worker.ts, started with child_process.fork) so that a model file
 * that makes llama.cpp abort takes down only that child: the provider turns it into a clear EvalkitError at
 * load time, or into errored samples (and a restarted engine) mid-run. evalkit itself keeps running and the run
 * directory keeps everything finished so far.
 *
 * Prompts: completion prompts are tokenized as-is (with the BOS the GGUF asks for); chat prompts are rendered
 * with the chat template stored in the GGUF (`tokenizer.chat_template`, resolved by node-llama-cpp to an
 * equivalent built-in wrapper or run as Jinja).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { GenerateOptions, GenerationRecord, ModelProvider, RequestRecord } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import type { ChildMessage, ParentMessage, WorkerModelInfo, WorkerSample } from './protocol.js';

export { writeTinyGguf, buildTinyGguf, TINY_CHAT_TEMPLATE } from './tiny-gguf.js';

export interface GgufProviderOptions {
  /** Path to a .gguf file, or `hf:<owner>/<repo>/<path/in/repo.gguf>`. */
  model: string;
  /** CPU threads for llama.cpp (default 1: evalkit shares the machine with sandbox workers). */
  threads?: number;
  /** Context size in tokens (default: the model's trained context, capped at 4096). */
  contextSize?: number;
  /** Layers offloaded to a GPU (default 0: CPU only). */
  gpuLayers?: number;
  /** Cache directory; downloads go to `<cacheDir>/models/`. Default $EVALKIT_CACHE_DIR or ~/.cache/evalkit. */
  cacheDir?: string;
}

/** How many times a crashed engine is restarted before every later request fails fast. */
const MAX_RESTARTS = 2;
const TAIL_LINES = 20;

/** Resolve the worker script: next to this module when running from dist/, else the built copy in dist/. */
function workerScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, 'worker.js');
  if (existsSync(sibling)) return sibling;
  // Running from src/ (vitest): use the compiled worker of the same checkout.
  const built = resolve(here, '..', '..', '..', 'dist', 'models', 'llama-cpp', 'worker.js');
  if (existsSync(built)) return built;
  throw new EvalkitError(
    `embedded GGUF engine: worker script not found (${sibling} or ${built}); run \`npm run build\``,
  );
}

function defaultCacheDir(): string {
  return process.env.EVALKIT_CACHE_DIR || join(homedir(), '.cache', 'evalkit');
}

/**
 * Turn `hf:<owner>/<repo>/<file>` into a local file in `<cacheDir>/models/<owner>/<repo>/<file>`, downloading
 * it from https://huggingface.co/<owner>/<repo>/resolve/main/<file> when absent (HF_TOKEN is sent if set;
 * HF_ENDPOINT replaces https://huggingface.co, as for the hub's own clients).
 */
export async function resolveGgufModel(model: string, cacheDir = defaultCacheDir()): Promise<string> {
  if (!model.startsWith('hf:')) {
    const path = resolve(model);
    if (!existsSync(path)) throw new EvalkitError(`gguf model file not found: ${path}`);
    return path;
  }
  const parts = model.slice(3).split('/').filter(Boolean);
  if (parts.length < 3 || !parts[parts.length - 1].endsWith('.gguf'))
    throw new EvalkitError(`--model gguf:${model}: expected gguf:hf:<owner>/<repo>/<file.gguf>`);
  const [owner, repo, ...file] = parts;
  const target = join(cacheDir, 'models', owner, repo, ...file);
  if (existsSync(target)) return target;
  // HF_ENDPOINT: the Hugging Face hub's own variable for mirrors (also used by the tests with a local server).
  const hub = (process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
  const url = `${hub}/${owner}/${repo}/resolve/main/${file.map(encodeURIComponent).join('/')}`;
  await mkdir(dirname(target), { recursive: true });
  const part = `${target}.part-${process.pid}`;
  process.stderr.write(`evalkit: downloading ${url}\n        into ${target}\n`);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: process.env.HF_TOKEN ? { authorization: `Bearer ${process.env.HF_TOKEN}` } : {},
      redirect: 'follow',
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new EvalkitError(
      `could not download ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message} (offline?). ` +
        `Download the file yourself and pass --model gguf:/path/to/file.gguf, or place it at ${target}`,
    );
  }
  if (!res.ok || !res.body)
    throw new EvalkitError(
      `could not download ${url}: HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (gated repository? set HF_TOKEN)' : ''}`,
    );
  try {
    await pipeline(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
      createWriteStream(part),
    );
    await rename(part, target);
  } catch (e) {
    await rm(part, { force: true });
    throw new EvalkitError(`download of ${url} failed: ${(e as Error).message}`);
  }
  return target;
}

/** Cheap identity of a model file: size + sha256 of its first and last MiB (the header and the last tensors). */
async function fingerprint(path: string): Promise<{ size: number; digest: string }> {
  const { size } = await stat(path);
  const fh = await open(path, 'r');
  try {
    const h = createHash('sha256');
    const chunk = 1 << 20;
    const head = Buffer.alloc(Math.min(chunk, size));
    await fh.read(head, 0, head.length, 0);
    h.update(head);
    if (size > chunk) {
      const tail = Buffer.alloc(Math.min(chunk, size - chunk));
      await fh.read(tail, 0, tail.length, size - tail.length);
      h.update(tail);
    }
    h.update(String(size));
    return { size, digest: h.digest('hex').slice(0, 16) };
  } finally {
    await fh.close();
  }
}

async function checkMagic(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    if (bytesRead < 4 || b.toString('latin1') !== 'GGUF')
      throw new EvalkitError(
        `${path}: not a GGUF file (expected magic "GGUF" at byte 0, found ${JSON.stringify(b.subarray(0, bytesRead).toString('latin1'))})`,
      );
  } finally {
    await fh.close();
  }
}

/** One engine child process. */
class EngineProcess {
  readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private pending = new Map<number, (samples: WorkerSample[] | Error) => void>();
  private pendingCounts = new Map<number, (count: number | Error) => void>();
  private nextId = 1;
  exitReason: string | null = null;
  readonly ready: Promise<WorkerModelInfo>;

  constructor(script: string, init: Extract<ParentMessage, { type: 'init' }>) {
    this.child = fork(script, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
    const keep = (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) if (line.trim()) this.tail.push(line);
      if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.ready = new Promise<WorkerModelInfo>((resolveReady, rejectReady) => {
      this.child.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') resolveReady(m.info);
        else if (m.type === 'init-error') rejectReady(new Error(m.message));
        else if (m.type === 'result') {
          const done = this.pending.get(m.id);
          this.pending.delete(m.id);
          done?.(m.samples);
        } else if (m.type === 'tokens') {
          const done = this.pendingCounts.get(m.id);
          this.pendingCounts.delete(m.id);
          done?.(m.count);
        }
      });
      this.child.on('exit', (code, signal) => {
        this.exitReason = signal ? `killed by ${signal}` : `exited with code ${code}`;
        const err = new Error(this.describeExit());
        rejectReady(err);
        for (const done of this.pending.values()) done(err);
        this.pending.clear();
        for (const done of this.pendingCounts.values()) done(err);
        this.pendingCounts.clear();
      });
      this.child.on('error', (e) => rejectReady(e));
    });
    this.ready.catch(() => undefined);
    this.child.send(init);
  }

  get alive(): boolean {
    return this.exitReason === null;
  }

  describeExit(): string {
    const tail = this.tail.length ? `; last output:\n  ${this.tail.join('\n  ')}` : '';
    return `embedded engine process ${this.exitReason ?? 'failed'}${tail}`;
  }

  generate(
    req: RequestRecord,
    sampleIndices: number[],
    signal?: AbortSignal,
  ): Promise<WorkerSample[] | Error> {
    if (!this.alive) return Promise.resolve(new Error(this.describeExit()));
    const id = this.nextId++;
    return new Promise((resolveGen) => {
      const onAbort = () =>
        this.child.connected && this.child.send({ type: 'abort', id } satisfies ParentMessage);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, (r) => {
        signal?.removeEventListener('abort', onAbort);
        resolveGen(r);
      });
      this.child.send({
        type: 'generate',
        id,
        prompt: req.prompt,
        params: req.params,
        sampleIndices,
      } satisfies ParentMessage);
    });
  }

  /** Tokens of a completion prompt as `generate` feeds it (BOS included). */
  countTokens(text: string): Promise<number | Error> {
    if (!this.alive) return Promise.resolve(new Error(this.describeExit()));
    const id = this.nextId++;
    return new Promise((resolveCount) => {
      this.pendingCounts.set(id, resolveCount);
      this.child.send({ type: 'tokenize', id, text } satisfies ParentMessage);
    });
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      this.child.send({ type: 'shutdown' } satisfies ParentMessage);
    } catch {
      this.child.kill('SIGKILL');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Live engine processes, killed if evalkit exits without closing its providers. */
const liveEngines = new Set<EngineProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const e of liveEngines) if (e.alive) e.child.kill('SIGKILL');
  });
}

/**
 * Start the embedded engine on a GGUF model. Rejects with an EvalkitError (quoting the engine's last output)
 * if the file is missing, not GGUF, or cannot be loaded; evalkit itself is never taken down by the model.
 */
export async function createGgufProvider(opts: GgufProviderOptions): Promise<ModelProvider> {
  const modelPath = await resolveGgufModel(opts.model, opts.cacheDir ?? defaultCacheDir());
  await checkMagic(modelPath);
  const fp = await fingerprint(modelPath);
  const script = workerScript();
  const init = {
    type: 'init' as const,
    modelPath,
    threads: opts.threads ?? 1,
    contextSize: opts.contextSize,
    gpuLayers: opts.gpuLayers ?? 0,
  };
  installExitHook();

  const start = async (): Promise<{ engine: EngineProcess; info: WorkerModelInfo }> => {
    const engine = new EngineProcess(script, init);
    liveEngines.add(engine);
    engine.child.once('exit', () => liveEngines.delete(engine));
    try {
      return { engine, info: await engine.ready };
    } catch (e) {
      // An init error reported by a live engine is the precise message; a dead engine is described by its exit.
      const why = engine.alive ? (e as Error).message : engine.describeExit();
      engine.child.kill('SIGKILL');
      throw new EvalkitError(`could not load GGUF model ${modelPath}: ${why}`);
    }
  };

  let { engine, info } = await start();
  let restarts = 0;
  let restarting: Promise<void> | null = null;
  const source = `gguf:${modelPath}`;

  const ensureEngine = async (): Promise<EngineProcess | Error> => {
    if (engine.alive) return engine;
    if (restarts >= MAX_RESTARTS)
      return new Error(`${engine.describeExit()} (not restarted again after ${restarts} restarts)`);
    if (!restarting) {
      restarts++;
      process.stderr.write(
        `evalkit: ${engine.describeExit()}\nevalkit: restarting the embedded engine (${restarts}/${MAX_RESTARTS})\n`,
      );
      restarting = start()
        .then((r) => {
          engine = r.engine;
          info = r.info;
        })
        .finally(() => {
          restarting = null;
        });
    }
    try {
      await restarting;
      return engine;
    } catch (e) {
      return e as Error;
    }
  };

  const provider: ModelProvider = {
    id: `gguf:${modelPath}#${fp.digest}`,
    get description() {
      return {
        provider: 'gguf',
        engine: 'node-llama-cpp 3.21.1 (child process)',
        model: opts.model,
        path: modelPath,
        fileBytes: fp.size,
        fingerprint: fp.digest,
        ...info,
        /** pid of the current engine process (changes when a crashed engine is restarted). */
        enginePid: engine.child.pid,
        engineRestarts: restarts,
      };
    },
    async generate(
      req: RequestRecord,
      sampleIndices?: number[],
      gopts?: GenerateOptions,
    ): Promise<GenerationRecord[]> {
      const indices = sampleIndices ?? Array.from({ length: req.params.n }, (_, i) => i);
      const errored = (msg: string): GenerationRecord[] =>
        indices.map((sampleIndex) => ({
          requestId: req.requestId,
          task: req.task,
          itemId: req.itemId,
          sampleIndex,
          text: null,
          error: msg,
          source,
        }));
      if (indices.length === 0) return [];
      const eng = await ensureEngine();
      if (eng instanceof Error) return errored(eng.message);
      const out = await eng.generate(req, indices, gopts?.signal);
      if (out instanceof Error) return errored(out.message);
      return out.map((s) => ({
        requestId: req.requestId,
        task: req.task,
        itemId: req.itemId,
        sampleIndex: s.sampleIndex,
        text: s.text,
        finishReason: s.finishReason ?? null,
        ...(s.error !== undefined ? { error: s.error } : {}),
        usage: { promptTokens: s.promptTokens, completionTokens: s.completionTokens },
        latencyMs: s.latencyMs,
        source,
      }));
    },
    async countTokens(text: string): Promise<number> {
      const eng = await ensureEngine();
      const n = eng instanceof Error ? eng : await eng.countTokens(text);
      if (n instanceof Error) throw new EvalkitError(`counting prompt tokens: ${n.message}`);
      return n;
    },
    async close() {
      await engine.stop();
    },
  };
  return provider;
}
