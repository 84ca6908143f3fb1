/** `--model openai:<http(s)://host:port/v1>`: any OpenAI-compatible server (src/models/openai-compatible.ts). */
import { join } from 'node:path';
import { z } from 'zod';
import { EvalkitError } from '../../util/errors.js';
import type { OpenAICompatibleOptions } from '../openai-compatible.js';
import type { BaseModelSpec } from '../spec.js';
import { defineProvider } from './descriptor.js';

/** The HTTP client options every OpenAI-protocol provider (openai:, vllm:) takes from the spec. */
export function httpOptions(spec: BaseModelSpec): Omit<OpenAICompatibleOptions, 'baseUrl'> {
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

export const openaiProvider = defineProvider({
  kind: 'openai',
  summary: 'openai:<base-url> (any OpenAI-compatible server)',
  forms: ['openai:<url>'],
  optionsKey: undefined,
  optionsSchema: z.object({}),
  cliFlags: [],
  selfDeployed: false,
  speaksOpenAI: true,
  async create(spec, _options, location) {
    if (!/^https?:\/\//.test(location))
      throw new EvalkitError(`--model ${spec.model}: expected openai:http://host:port/v1`);
    // Loaded lazily (HTTP agents, the SQLite request cache): the registry itself is imported by config parsing.
    const { OpenAICompatibleProvider } = await import('../openai-compatible.js');
    return OpenAICompatibleProvider.create({ baseUrl: location, ...httpOptions(spec) });
  },
});
