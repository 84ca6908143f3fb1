/**
 * What the user asked for with --model/--endpoint/... : parsed by the CLI, turned into a ModelProvider by
 * `createProvider(spec)` in src/models/index.ts.
 *
 *   openai:http://127.0.0.1:8000/v1     any OpenAI-compatible server (completions + chat)
 *   vllm:/path/to/checkpoint            managed `vllm serve` child process (src/models/vllm)
 *   gguf:/path/model.gguf               embedded llama.cpp in a child process (src/models/llama-cpp)
 *   gguf:hf:<owner>/<repo>/<file.gguf>  same, downloaded into the cache first
 *
 * `modelSpecSchema` is the one option schema for a model: the CLI (`run`) validates the ModelSpec it builds from
 * flags with it, and a campaign's `checkpoints[].model` is parsed by it, so the two cannot drift apart.
 */
import { z } from 'zod';
import { BUDGET_APIS } from '../reasoning/token-budget.js';
import { EvalkitError } from '../util/errors.js';
import { kindPrefixesText, modelKindPattern, PROVIDERS, type ProviderOptionGroups } from './registry.js';

/** The settable fields every model spec has, whatever its provider (the provider groups come from the registry). */
const baseModelSpecShape = {
  model: z.string().regex(modelKindPattern(), `must start with ${kindPrefixesText()}`),
  modelName: z.string().optional(),
  endpoints: z.array(z.string()).optional(),
  apiKey: z.string().optional(),
  concurrency: z.number().int().positive().optional(),
  maxRetries: z.number().int().nonnegative().optional(),
  retryDelayMs: z.number().int().nonnegative().optional(),
  requestTimeoutMs: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
  cache: z.boolean().optional(),
  cacheDir: z.string().optional(),
  maxLength: z.number().int().positive().optional(),
  eosToken: z.string().optional(),
  stopsAfterReasoning: z.boolean().optional(),
  budgetApi: z.enum(BUDGET_APIS).optional(),
};

/**
 * Every user-settable ModelSpec field (not the runtime ones: onRetry, runDir), strictly: a typo is an error.
 * Each provider with options adds its group (`vllm: {...}`, `gguf: {...}`) from its registry descriptor.
 */
export const modelSpecSchema = z
  .object({
    ...baseModelSpecShape,
    ...Object.fromEntries(
      PROVIDERS.filter((p) => p.optionsKey).map((p) => [p.optionsKey!, p.optionsSchema.strict().optional()]),
    ),
  })
  .strict();

/** Checks a ModelSpec built from CLI flags against the same schema a campaign uses; one line naming the field. */
export function checkModelSpec(spec: ModelSpec, where: string): void {
  const { onRetry: _onRetry, runDir: _runDir, ...settable } = spec;
  const r = modelSpecSchema.safeParse(settable);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.join('.');
    throw new EvalkitError(`${where}: model${path ? `.${path}` : ''}: ${issue.message}`);
  }
}

/** The user's model: the fields every provider shares plus the providers' option groups (from the registry). */
export type ModelSpec = BaseModelSpec & ProviderOptionGroups;

/** The ModelSpec fields every provider shares. */
export interface BaseModelSpec {
  /** The --model string as given. */
  model: string;
  /** Model name sent in the request body (`model` field) and recorded in the manifest. */
  modelName?: string;
  /** Extra endpoints (repeated --endpoint): requests are balanced across all of them. */
  endpoints?: string[];
  /** API key for the server (or $OPENAI_API_KEY). */
  apiKey?: string;
  /** Max requests in flight (across endpoints). */
  concurrency?: number;
  /** Retry budget per request on 429/5xx/reset/timeout (0 = no retry). */
  maxRetries?: number;
  /** Delay before the first retry in ms (doubles per retry, capped at 30 s, jittered); default 1000. */
  retryDelayMs?: number;
  /** Told about every retry (the runner prints them live). */
  onRetry?: (info: import('./openai-compatible.js').RetryInfo) => void;
  /** Per-request timeout in ms. */
  requestTimeoutMs?: number;
  /** Use server-sent-events streaming. */
  stream?: boolean;
  /** Serve identical requests from the request cache (across runs). */
  cache?: boolean;
  cacheDir?: string;
  /** OLMES max_length (prompt + generation) used for left truncation of OLMES-shaped requests; default 4096. */
  maxLength?: number;
  /** Tokenizer EOS string added to the stops of OLMES-shaped requests when the server cannot tell it (else $EVALKIT_EOS_TOKEN). */
  eosToken?: string;
  /**
   * Thinking models: do not send stop strings to the server (its stop would fire inside the reasoning); cut
   * them client-side in the answer part only (src/models/stop-strings.ts cutAtStopInAnswer).
   */
  stopsAfterReasoning?: boolean;
  /** How per-task token budgets are sent: vllm (default) | openai | sglang (src/reasoning/token-budget.ts). */
  budgetApi?: import('../reasoning/token-budget.js').BudgetApi;
  /** Run directory (managed servers write their logs here). */
  runDir?: string;
}

/**
 * What identifies the model of a run across restarts, shards and machines. Provider ids have the form
 * `<kind>:<location>#<identity>` (openai: URL#served model name, vllm: checkpoint#served model name, gguf:
 * path#file fingerprint): the location legitimately changes (a vLLM server restarted on another port, each
 * shard its own replica, a GGUF copied elsewhere), the identity must not. Used by resume and merge alike.
 */
export function modelIdentity(m: { provider: string; id: string }): string {
  const id = String(m.id ?? '');
  const hash = id.lastIndexOf('#');
  return `${m.provider}:${hash >= 0 ? id.slice(hash + 1) : id}`;
}
