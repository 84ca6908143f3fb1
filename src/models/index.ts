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
import { join } from 'node:path';
import type { ModelProvider } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { OpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible.js';
import type { ModelSpec } from './spec.js';

export { OpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible.js';

const ACCEPTED = 'openai:<http(s)://host:port/v1>, vllm:<checkpoint path or HF id>, gguf:<path.gguf>, gguf:hf:<owner>/<repo>/<file.gguf>';

interface ManagedVllm {
  baseUrl: string;
  modelName: string;
  stop(): Promise<void>;
}
type StartManagedVllm = (opts: {
  checkpoint: string;
  tensorParallelSize?: number;
  dataParallelSize?: number;
  maxModelLen?: number;
  extraArgs?: string[];
  logFile: string;
  healthTimeoutMs?: number;
  servedModelName?: string;
  executable?: string;
}) => Promise<ManagedVllm>;
type CreateGgufProvider = (opts: { model: string; threads?: number; contextSize?: number; gpuLayers?: number; cacheDir?: string }) => Promise<ModelProvider>;

/** Options shared by the openai: and vllm: paths, taken from the spec. */
function httpOptions(spec: ModelSpec): Omit<OpenAICompatibleOptions, 'baseUrl'> {
  return {
    endpoints: spec.endpoints,
    modelName: spec.modelName,
    apiKey: spec.apiKey,
    concurrency: spec.concurrency,
    maxRetries: spec.maxRetries,
    requestTimeoutMs: spec.requestTimeoutMs,
    stream: spec.stream,
    olmesParity: spec.olmesParity,
    maxLength: spec.maxLength,
    // Explicit --eos-token, else the environment, else discovered from the server/checkpoint.
    eosToken: spec.eosToken ?? (process.env.EVALKIT_EOS_TOKEN || undefined),
    cacheDir: spec.cache ? (spec.cacheDir ?? process.env.EVALKIT_CACHE_DIR ?? join(process.cwd(), '.evalkit-cache')) : undefined,
  };
}

export async function createProvider(spec: ModelSpec): Promise<ModelProvider> {
  const m = /^([a-z-]+):(.*)$/s.exec(spec.model);
  const kind = m?.[1];
  const rest = m?.[2] ?? '';
  if (kind === 'openai') {
    if (!/^https?:\/\//.test(rest)) throw new EvalkitError(`--model ${spec.model}: expected openai:http://host:port/v1`);
    return OpenAICompatibleProvider.create({ baseUrl: rest, ...httpOptions(spec) });
  }
  if (kind === 'vllm') {
    if (!rest) throw new EvalkitError(`--model ${spec.model}: expected vllm:<checkpoint path>`);
    const modPath = './vllm/index.js';
    const { startManagedVllm } = (await import(modPath)) as { startManagedVllm: StartManagedVllm };
    const logFile = join(spec.runDir ?? process.cwd(), 'vllm-server.log');
    const v = spec.vllm ?? {};
    const server = await startManagedVllm({
      checkpoint: rest,
      tensorParallelSize: v.tensorParallelSize,
      dataParallelSize: v.dataParallelSize,
      maxModelLen: v.maxModelLen,
      extraArgs: v.extraArgs,
      logFile,
      healthTimeoutMs: v.healthTimeoutMs,
      servedModelName: spec.modelName,
      executable: v.executable,
    });
    try {
      const inner = await OpenAICompatibleProvider.create({
        ...httpOptions(spec),
        baseUrl: server.baseUrl,
        endpoints: undefined, // the managed server is the only endpoint
        modelName: server.modelName,
        checkpointDir: rest,
        // Identity is the checkpoint, not the ephemeral port, so resume checks and cache keys survive restarts.
        id: `vllm:${rest}#${server.modelName}`,
      });
      return {
        id: inner.id,
        description: { ...inner.description, managedServer: 'vllm', vllmLog: logFile },
        generate: (req, idx, o) => inner.generate(req, idx, o),
        close: async () => {
          try {
            await inner.close();
          } finally {
            await server.stop();
          }
        },
      };
    } catch (e) {
      await server.stop().catch(() => undefined);
      throw e;
    }
  }
  if (kind === 'gguf') {
    if (!rest) throw new EvalkitError(`--model ${spec.model}: expected gguf:<path.gguf> or gguf:hf:<owner>/<repo>/<file.gguf>`);
    const modPath = './llama-cpp/index.js';
    const { createGgufProvider } = (await import(modPath)) as { createGgufProvider: CreateGgufProvider };
    return createGgufProvider({
      model: rest,
      threads: spec.gguf?.threads,
      contextSize: spec.gguf?.contextSize,
      gpuLayers: spec.gguf?.gpuLayers,
      cacheDir: spec.cacheDir,
    });
  }
  throw new EvalkitError(`--model "${spec.model}": unknown model form; accepted: ${ACCEPTED}`);
}
