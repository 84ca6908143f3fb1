/**
 * `createProvider(spec)`: turn the user's --model string into a ModelProvider.
 *
 *   openai:<url>                      OpenAI-compatible server (this folder)
 *   vllm:<checkpoint>                 managed `vllm serve` (src/models/vllm), then the OpenAI provider on it
 *   gguf:<path.gguf> | gguf:hf:<…>    embedded llama.cpp (src/models/llama-cpp)
 *
 * The vllm and llama-cpp modules are imported lazily through a variable path so this file compiles (and the
 * openai path works) without them, and so their heavy dependencies load only when used.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ModelProvider } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { OpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible.js';
import type { ModelSpec } from './spec.js';

export { OpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible.js';

const ACCEPTED =
  'openai:<http(s)://host:port/v1>, vllm:<checkpoint path or HF id>, gguf:<path.gguf>, gguf:hf:<owner>/<repo>/<file.gguf>';

/** Options shared by the openai: and vllm: paths, taken from the spec. */
function httpOptions(spec: ModelSpec): Omit<OpenAICompatibleOptions, 'baseUrl'> {
  return {
    endpoints: spec.endpoints,
    modelName: spec.modelName,
    apiKey: spec.apiKey,
    concurrency: spec.concurrency,
    maxRetries: spec.maxRetries,
    backoff: spec.retryDelayMs !== undefined ? { baseMs: spec.retryDelayMs } : undefined,
    onRetry: spec.onRetry,
    requestTimeoutMs: spec.requestTimeoutMs,
    stream: spec.stream,
    maxLength: spec.maxLength,
    stopsAfterReasoning: spec.stopsAfterReasoning,
    budgetApi: spec.budgetApi,
    // Explicit --eos-token, else the environment, else discovered from the server/checkpoint.
    eosToken: spec.eosToken ?? (process.env.EVALKIT_EOS_TOKEN || undefined),
    cacheDir: spec.cache
      ? (spec.cacheDir ?? process.env.EVALKIT_CACHE_DIR ?? join(process.cwd(), '.evalkit-cache'))
      : undefined,
  };
}

/**
 * The embedded default model (`--model gguf:default`, what `evalkit run` uses without --model): a small real
 * coding model from the Hugging Face hub, downloaded once into the cache. $EVALKIT_DEFAULT_GGUF overrides it.
 */
export const DEFAULT_GGUF =
  'hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf';

/**
 * Resolve `gguf:default` to a file. Offline (download impossible) it falls back to evalkit's built-in tiny
 * random-weight GGUF, with a loud warning: every stage of the pipeline is real, the scores are not.
 */
export async function resolveDefaultGguf(cacheDir?: string): Promise<string> {
  const { resolveGgufModel, writeTinyGguf } = await import('./llama-cpp/index.js');
  const override = process.env.EVALKIT_DEFAULT_GGUF;
  if (override) return resolveGgufModel(override.replace(/^gguf:/, ''), cacheDir);
  try {
    return await resolveGgufModel(DEFAULT_GGUF, cacheDir);
  } catch (e) {
    const root = cacheDir ?? process.env.EVALKIT_CACHE_DIR ?? join(homedir(), '.cache', 'evalkit');
    const tiny = join(root, 'models', 'evalkit-tiny-random.gguf');
    if (!existsSync(tiny)) await writeTinyGguf(tiny);
    process.stderr.write(
      `evalkit: WARNING: the default model could not be fetched (${(e as Error).message.split('\n')[0]}).\n` +
        `evalkit: WARNING: using evalkit's built-in TINY RANDOM-WEIGHT model (${tiny}): the pipeline is real, ` +
        `its answers are gibberish and its scores are 0. Pass --model to evaluate a real model.\n`,
    );
    return tiny;
  }
}

export async function createProvider(spec: ModelSpec): Promise<ModelProvider> {
  const m = /^([a-z-]+):(.*)$/s.exec(spec.model);
  const kind = m?.[1];
  const rest = m?.[2] ?? '';
  if (kind === 'openai') {
    if (!/^https?:\/\//.test(rest))
      throw new EvalkitError(`--model ${spec.model}: expected openai:http://host:port/v1`);
    return OpenAICompatibleProvider.create({ baseUrl: rest, ...httpOptions(spec) });
  }
  if (kind === 'vllm') {
    if (!rest) throw new EvalkitError(`--model ${spec.model}: expected vllm:<checkpoint path>`);
    const { startManagedVllm, failFastOnServerExit } = await import('./vllm/index.js');
    const logFile = join(spec.runDir ?? process.cwd(), 'vllm-server.log');
    const v = spec.vllm ?? {};
    // vllm:s3://bucket/path: synced once into the local cache (only the files vLLM loads), served from there.
    let checkpoint = rest;
    if (rest.startsWith('s3://')) {
      const { syncS3Checkpoint } = await import('../checkpoints/s3-checkpoint.js');
      const cache = spec.cacheDir ?? process.env.EVALKIT_CACHE_DIR ?? join(process.cwd(), '.evalkit-cache');
      checkpoint = (await syncS3Checkpoint(rest, cache)).dir;
    }
    const server = await startManagedVllm({
      checkpoint,
      tensorParallelSize: v.tensorParallelSize,
      dataParallelSize: v.dataParallelSize,
      maxModelLen: v.maxModelLen,
      extraArgs: v.extraArgs,
      logFile,
      healthTimeoutMs: v.healthTimeoutMs,
      // An s3:// checkpoint is served under its URL, not under the cache path it happens to sit in.
      servedModelName: spec.modelName ?? (checkpoint !== rest ? rest : undefined),
      executable: v.executable,
    });
    try {
      const inner = await OpenAICompatibleProvider.create({
        ...httpOptions(spec),
        baseUrl: server.baseUrl,
        endpoints: undefined, // the managed server is the only endpoint
        modelName: server.modelName,
        checkpointDir: checkpoint,
        // Identity is the checkpoint, not the ephemeral port, so resume checks and cache keys survive restarts.
        id: `vllm:${rest}#${server.modelName}`,
      });
      // A server that dies mid-run fails the run (with its log tail) instead of erroring every sample.
      return failFastOnServerExit(
        {
          id: inner.id,
          description: { ...inner.description, managedServer: 'vllm', vllmLog: logFile },
          generate: (req, idx, o) => inner.generate(req, idx, o),
          prepare: (variants) => inner.prepare(variants),
          countTokens: (text) => inner.countTokens(text),
          close: () => inner.close(),
        },
        server,
      );
    } catch (e) {
      await server.stop().catch(() => undefined);
      throw e;
    }
  }
  if (kind === 'gguf') {
    if (!rest)
      throw new EvalkitError(
        `--model ${spec.model}: expected gguf:<path.gguf> or gguf:hf:<owner>/<repo>/<file.gguf>`,
      );
    const { createGgufProvider } = await import('./llama-cpp/index.js');
    return createGgufProvider({
      model: rest === 'default' ? await resolveDefaultGguf(spec.cacheDir) : rest,
      threads: spec.gguf?.threads,
      contextSize: spec.gguf?.contextSize,
      gpuLayers: spec.gguf?.gpuLayers,
      cacheDir: spec.cacheDir,
    });
  }
  throw new EvalkitError(`--model "${spec.model}": unknown model form; accepted: ${ACCEPTED}`);
}
