/**
 * ModelProvider for any OpenAI-compatible server (vLLM, SGLang, llama.cpp server, OpenAI itself):
 * `completion` prompts → POST /v1/completions, `chat` prompts → POST /v1/chat/completions.
 *
 * Behaviour that the numbers depend on:
 *  - Samples: `generate(req, indices)` asks for exactly the missing samples in ONE call with `n = indices.length`
 *    and maps choice j to `indices[j]`. (A resumed request therefore draws fresh samples for the missing indices;
 *    sampled outputs are exchangeable, and greedy outputs are identical either way.)
 *  - Stops are sent to the server AND applied client-side: the text is cut at the earliest stop string, because
 *    not every server honours `stop` (and OLMES cuts client-side too).
 *  - Failures never throw: 429 (Retry-After honoured), 408, 5xx, connection refused/reset, malformed bodies and
 *    timeouts are retried with exponential backoff + jitter; after `maxRetries` retries every requested sample
 *    comes back with `text: null` and `error` naming the endpoint, status and the server's last message.
 *    Other 4xx (400/401/404 …) fail at once with the server's message: retrying cannot help.
 *  - Concurrency: at most `concurrency` HTTP generation calls in flight across all endpoints (default 128, enough
 *    to keep a vLLM batch full); backoff sleeps do not hold a slot.
 *  - Several endpoints: least-loaded choice, failed requests move to another endpoint, broken endpoints are
 *    ejected and probed (see endpoint-pool.ts).
 *  - OLMES parity (completion prompts only): see olmes-shaping.ts.
 *  - Cache: successful samples stored per sample index (request-cache.ts); errors never cached.
 */
import { applyBudgetToBody, type BudgetApi } from '../reasoning/token-budget.js';
import { setMaxListeners } from 'node:events';
import type {
  GenerateOptions,
  GenerationRecord,
  ModelProvider,
  ProviderPreparation,
  RequestRecord,
} from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { Limiter } from '../util/limiter.js';
import { EndpointPool, normalizeBaseUrl, type Endpoint } from './endpoint-pool.js';
import { HttpAttemptError, HttpClient } from './http-client.js';
import { isOlmesShaped, mayExceed, resolveEosToken, rootUrlOf } from './olmes-shaping.js';
import { cutAtStopInAnswer } from './stop-strings.js';
import { RequestCache } from './request-cache.js';

export interface OpenAICompatibleOptions {
  /** Primary base URL, e.g. http://127.0.0.1:8000/v1 (a missing /v1 is appended). */
  baseUrl: string;
  /** More replicas of the same model; requests are balanced across all of them. */
  endpoints?: string[];
  /** `model` in request bodies. Default: the first id of GET /v1/models on the first reachable endpoint. */
  modelName?: string;
  /** Bearer token (default: $OPENAI_API_KEY when set). */
  apiKey?: string;
  /** Stable provider id for manifests and cache keys. Default `openai:<baseUrl>#<modelName>`. */
  id?: string;
  /** Max generation calls in flight across endpoints. Default 128. */
  concurrency?: number;
  /** Retries per call after the first attempt. Default 6. */
  maxRetries?: number;
  /** Per-attempt timeout (whole response). Default 600000 ms. */
  requestTimeoutMs?: number;
  /** Use SSE streaming. Default false. */
  stream?: boolean;
  /** Backoff: delay before retry k (1-based) is min(maxMs, baseMs·2^(k-1)) scaled by a jitter in [0.5, 1]. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Called before each retry sleep, so a run can show live why it is waiting (`HTTP 500 … retry 3/6`). */
  onRetry?: (info: RetryInfo) => void;
  /** Longest Retry-After honoured (longer values are capped). Default 120000 ms. */
  maxRetryAfterMs?: number;
  /**
   * Once every endpoint has failed continuously (no success anywhere) for this long, a call that fails gives up
   * at once instead of spending its remaining retries, so a crashed server turns the rest of a 100k-request run
   * into errored records in seconds, not hours (each call still makes one real attempt, so a restarted server
   * is picked up). Default 120000 ms.
   */
  giveUpAfterDownMs?: number;
  /** Endpoint health: consecutive faults before ejection (only with ≥2 endpoints), first probe cool-down. */
  endpointFailureThreshold?: number;
  endpointCooldownMs?: number;
  /**
   * Request log-probabilities and record GenerationRecord.logprobSum. Default: only for OLMES-shaped requests
   * (completion prompts whose `params.shaping` is 'olmes', OLMES records `sum_logits`).
   */
  logprobs?: boolean;
  /** OLMES max_length (prompt + generation) for left truncation of OLMES-shaped requests. Default 4096. */
  maxLength?: number;
  /** EOS string added to the stops of OLMES-shaped requests; otherwise discovered (olmes-shaping.ts resolveEosToken). */
  eosToken?: string;
  /** Thinking models: stops are not sent to the server, only cut client-side in the answer part. */
  stopsAfterReasoning?: boolean;
  /** How token budgets (`params.reasoning_budget`, `reasoning_effort`) are sent; src/reasoning/token-budget.ts. */
  budgetApi?: BudgetApi;
  /** Checkpoint directory (managed vLLM) used to find the EOS token. */
  checkpointDir?: string;
  /**
   * How a too-long prompt is sent after left truncation. 'token-ids' (default): the kept token ids as the
   * `prompt` (what OLMES hands vLLM; exact). 'text': /detokenize the kept ids and send the text (for servers
   * that do not accept token-id prompts; re-tokenisation may differ at the cut).
   */
  truncation?: 'token-ids' | 'text';
  /** Request cache directory (rows under <cacheDir>/requests/). Unset = no cache. */
  cacheDir?: string;
}

/** What `onRetry` is told: the failed attempt's cause, which retry comes next and after how long. */
export interface RetryInfo {
  /** The failure, e.g. "POST http://h:8000/v1/completions: HTTP 500: boom". */
  cause: string;
  /** 1-based number of the retry about to happen. */
  retry: number;
  maxRetries: number;
  delayMs: number;
}

/** Counters for tests, benchmarks and the run summary. */
export interface ProviderStats {
  /** HTTP generation attempts sent. */
  attempts: number;
  retries: number;
  cacheHits: number;
  erroredSamples: number;
  truncatedPrompts: number;
  tokenizeCalls: number;
}

interface ParsedChoice {
  text: string;
  /** The server's separate reasoning field (`reasoning_content` / `reasoning`), when it sends one. */
  reasoning?: string;
  finishReason: string | null;
  logprobSum?: number;
  tokenCount?: number;
}

interface CallResult {
  choices: ParsedChoice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  endpoint: string;
  latencyMs: number;
}

/** A server that does not answer at all: that is the problem to report (not a missing model name or EOS). */
function unreachable(urls: string[], problems: string[]): EvalkitError {
  return new EvalkitError(
    `server unreachable at ${urls.join(', ')}; is the server running? (${problems.join('; ')})`,
  );
}

class CallFailure {
  constructor(readonly message: string) {}
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function sumLogprobs(lp: any): { sum: number; count: number } | undefined {
  if (!lp) return undefined;
  const arr: unknown[] | undefined = Array.isArray(lp.token_logprobs)
    ? lp.token_logprobs
    : Array.isArray(lp.content)
      ? lp.content.map((c: any) => c?.logprob)
      : undefined;
  if (!arr) return undefined;
  let sum = 0;
  let count = 0;
  for (const v of arr) {
    if (typeof v === 'number' && Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return { sum, count };
}

export class OpenAICompatibleProvider implements ModelProvider {
  readonly id: string;
  readonly description: Record<string, unknown>;
  readonly stats: ProviderStats = {
    attempts: 0,
    retries: 0,
    cacheHits: 0,
    erroredSamples: 0,
    truncatedPrompts: 0,
    tokenizeCalls: 0,
  };
  readonly pool: EndpointPool;
  private readonly client: HttpClient;
  private readonly limiter: Limiter;
  private readonly cache?: RequestCache;
  private readonly modelName: string;
  /** How to find the EOS string for OLMES-shaped requests; resolved once, on the first need (`eosToken`). */
  private readonly eosLookup: {
    urls: string[];
    explicit?: string;
    checkpointDir?: string;
    timeoutMs: number;
  };
  private eosResolution?: Promise<string>;
  private readonly seenSignals = new WeakSet<AbortSignal>();
  private readonly onRetry?: (info: RetryInfo) => void;
  private readonly o: Required<
    Pick<
      OpenAICompatibleOptions,
      'maxRetries' | 'requestTimeoutMs' | 'stream' | 'maxLength' | 'truncation' | 'maxRetryAfterMs'
    >
  > & {
    logprobs: boolean | undefined;
    stopsAfterReasoning: boolean;
    budgetApi: BudgetApi;
    giveUpAfterDownMs: number;
    baseMs: number;
    maxMs: number;
  };

  /** Use `OpenAICompatibleProvider.create` (it discovers the model name). */
  private constructor(opts: OpenAICompatibleOptions, client: HttpClient, modelName: string) {
    const urls = [opts.baseUrl, ...(opts.endpoints ?? [])].map(normalizeBaseUrl);
    this.client = client;
    this.modelName = modelName;
    this.eosLookup = {
      urls,
      explicit: opts.eosToken,
      checkpointDir: opts.checkpointDir,
      timeoutMs: Math.min(opts.requestTimeoutMs ?? 30_000, 30_000),
    };
    const concurrency = opts.concurrency ?? 128;
    this.limiter = new Limiter(concurrency);
    this.pool = new EndpointPool(urls, client, {
      failureThreshold: opts.endpointFailureThreshold,
      cooldownMs: opts.endpointCooldownMs,
    });
    this.o = {
      maxRetries: opts.maxRetries ?? 6,
      requestTimeoutMs: opts.requestTimeoutMs ?? 600_000,
      stream: opts.stream ?? false,
      maxLength: opts.maxLength ?? 4096,
      truncation: opts.truncation ?? 'token-ids',
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 120_000,
      logprobs: opts.logprobs,
      stopsAfterReasoning: opts.stopsAfterReasoning ?? false,
      budgetApi: opts.budgetApi ?? 'vllm',
      giveUpAfterDownMs: opts.giveUpAfterDownMs ?? 120_000,
      baseMs: opts.backoff?.baseMs ?? 1000,
      maxMs: opts.backoff?.maxMs ?? 30_000,
    };
    this.onRetry = opts.onRetry;
    this.id = opts.id ?? `openai:${urls[0]}#${modelName}`;
    if (opts.cacheDir) this.cache = new RequestCache(opts.cacheDir);
    this.description = {
      modelName,
      endpoints: this.pool.endpoints.map((e) => e.url),
      concurrency,
      stream: this.o.stream,
      maxRetries: this.o.maxRetries,
      // Applied to the requests that ask for it (params.shaping 'olmes'); eosToken is added once resolved.
      olmesShaping: { maxLength: this.o.maxLength, truncation: this.o.truncation },
      logprobs: this.o.logprobs ?? 'OLMES-shaped requests',
      cache: this.cache ? this.cache.path : false,
    };
  }

  /**
   * Resolve what the run's requests need before the first one is sent: the EOS string when any variant's
   * completion requests are OLMES-shaped. Throws EvalkitError (the run fails before it starts) when none is found.
   */
  async prepare(variants: ProviderPreparation[]): Promise<void> {
    if (variants.some((v) => isOlmesShaped({ prompt: { kind: v.format }, params: v.generation })))
      await this.eos();
  }

  /** Whether the server has no /tokenize (learnt from the first 404/405); then countTokens answers undefined. */
  private noTokenizer = false;

  /**
   * Tokens of `text` with special tokens (BOS) by the served model's tokenizer (vLLM `POST /tokenize`), for tasks
   * that fit prompts into the context. undefined when the server has no tokenizer endpoint (HTTP 404/405).
   */
  async countTokens(text: string): Promise<number | undefined> {
    if (this.noTokenizer) return undefined;
    let missing = false;
    const r = await this.withRetries('/tokenize', undefined, async (ep) => {
      try {
        return (await this.tokenize(ep, text, true)).length;
      } catch (e) {
        if (e instanceof HttpAttemptError && (e.status === 404 || e.status === 405)) {
          missing = true;
          return -1;
        }
        throw e;
      }
    });
    if (missing) {
      this.noTokenizer = true;
      return undefined;
    }
    if (r instanceof CallFailure) throw new EvalkitError(`counting prompt tokens: ${r.message}`);
    return r;
  }

  /** The tokenizer's EOS string, resolved once (explicit, /tokenizer_info, checkpoint); EvalkitError if none. */
  private eos(): Promise<string> {
    this.eosResolution ??= this.resolveEos();
    return this.eosResolution;
  }

  private async resolveEos(): Promise<string> {
    const { urls, explicit, checkpointDir, timeoutMs } = this.eosLookup;
    const found = await resolveEosToken(this.client, urls, { explicit, checkpointDir, timeoutMs });
    if (found) {
      Object.assign(this.description.olmesShaping as object, {
        eosToken: found.eos,
        eosTokenSource: found.from,
      });
      return found.eos;
    }
    // No EOS from a server that does not answer at all: that is the problem to report.
    const down: string[] = [];
    for (const u of urls) {
      try {
        await this.client.get(`${u}/models`, timeoutMs);
      } catch (e) {
        if (e instanceof HttpAttemptError && (e.kind === 'network' || e.kind === 'timeout'))
          down.push(e.message);
      }
    }
    if (down.length === urls.length) throw unreachable(urls, down);
    throw new EvalkitError(
      `OLMES request shaping (OLMES-alias variants, or --olmes-parity) needs the tokenizer's EOS string (added to the stop sequences) but none was found: ` +
        `${urls[0]} serves no /tokenizer_info (start vLLM with --enable-tokenizer-info-endpoint) and no readable ` +
        `tokenizer_config.json was found; pass --eos-token (or set EVALKIT_EOS_TOKEN), e.g. --eos-token '<|endoftext|>', ` +
        `or --no-olmes-parity to send these requests unshaped.`,
    );
  }

  /**
   * Create a provider. Throws EvalkitError (before any generation) when the model name cannot be discovered.
   * The EOS string for OLMES-shaped requests is resolved by `prepare` (or on the first such request).
   */
  static async create(opts: OpenAICompatibleOptions): Promise<OpenAICompatibleProvider> {
    const urls = [opts.baseUrl, ...(opts.endpoints ?? [])].map((u) => {
      try {
        return normalizeBaseUrl(u);
      } catch (e) {
        throw new EvalkitError(`--model/--endpoint: ${(e as Error).message}`);
      }
    });
    const client = new HttpClient({
      maxSockets: opts.concurrency ?? 128,
      apiKey: opts.apiKey ?? process.env.OPENAI_API_KEY,
    });
    const probeTimeout = Math.min(opts.requestTimeoutMs ?? 30_000, 30_000);
    let modelName = opts.modelName;
    if (!modelName) {
      const problems: string[] = [];
      let down = 0;
      for (const u of urls) {
        try {
          const models = await client.get(`${u}/models`, probeTimeout);
          const id = models?.data?.[0]?.id;
          if (typeof id === 'string' && id) {
            modelName = id;
            break;
          }
          problems.push(`${u}/models lists no model`);
        } catch (e) {
          if (e instanceof HttpAttemptError && (e.kind === 'network' || e.kind === 'timeout')) down++;
          problems.push((e as Error).message);
        }
      }
      if (!modelName) {
        client.close();
        // A dead server is a connection problem, not a model-name problem: say so first.
        if (down === urls.length) throw unreachable(urls, problems);
        throw new EvalkitError(`cannot determine the model name (pass --model-name): ${problems.join('; ')}`);
      }
    }
    return new OpenAICompatibleProvider(opts, client, modelName);
  }

  async generate(
    req: RequestRecord,
    sampleIndices?: number[],
    opts: GenerateOptions = {},
  ): Promise<GenerationRecord[]> {
    // Up to `concurrency` calls listen on the run's one AbortSignal at once: lift Node's 10-listener warning.
    if (opts.signal && !this.seenSignals.has(opts.signal)) {
      this.seenSignals.add(opts.signal);
      setMaxListeners(0, opts.signal);
    }
    const n = req.params.n;
    const indices = sampleIndices ?? Array.from({ length: n }, (_, i) => i);
    const records = new Map<number, GenerationRecord>();
    const base = { requestId: req.requestId, task: req.task, itemId: req.itemId };
    const parity = isOlmesShaped(req);
    const eos = parity ? await this.eos() : undefined;
    const logprobs = this.o.logprobs ?? parity;
    const stops = [...req.params.stop];
    if (eos && !stops.includes(eos)) stops.push(eos);

    // 1. cache
    const identity = this.cache
      ? {
          model: this.id,
          prompt: req.prompt,
          params: req.params,
          shaping: {
            parity,
            maxLength: parity ? this.o.maxLength : undefined,
            eos,
            logprobs,
          },
        }
      : undefined;
    let missing = indices;
    if (this.cache) {
      missing = [];
      for (const i of indices) {
        const hit = this.cache.get(RequestCache.key(identity, i));
        if (hit) {
          this.stats.cacheHits++;
          records.set(i, {
            ...base,
            sampleIndex: i,
            text: hit.text,
            ...(hit.reasoning ? { reasoning: hit.reasoning } : {}),
            finishReason: hit.finishReason,
            logprobSum: hit.logprobSum,
            usage: hit.usage,
            latencyMs: 0,
            source: `cache:${hit.source ?? ''}`,
          });
        } else missing.push(i);
      }
    }

    if (missing.length) {
      const result = await this.callForSamples(req, missing, stops, parity, logprobs, opts.signal);
      if (result instanceof CallFailure) {
        for (const i of missing)
          records.set(i, { ...base, sampleIndex: i, text: null, error: result.message });
        this.stats.erroredSamples += missing.length;
      } else {
        missing.forEach((sampleIndex, j) => {
          const c = result.choices[j];
          const { text, cut } = cutAtStopInAnswer(c.text, stops);
          const completionTokens =
            c.tokenCount ?? (result.choices.length === 1 ? result.usage?.completion_tokens : undefined);
          const rec: GenerationRecord = {
            ...base,
            sampleIndex,
            text,
            ...(c.reasoning ? { reasoning: c.reasoning } : {}),
            finishReason: cut ? 'stop' : c.finishReason,
            ...(c.logprobSum !== undefined ? { logprobSum: c.logprobSum } : {}),
            usage: { promptTokens: result.usage?.prompt_tokens, completionTokens },
            latencyMs: result.latencyMs,
            source: result.endpoint,
          };
          records.set(sampleIndex, rec);
          this.cache?.put(RequestCache.key(identity, sampleIndex), {
            text,
            ...(c.reasoning ? { reasoning: c.reasoning } : {}),
            finishReason: rec.finishReason,
            logprobSum: rec.logprobSum,
            usage: rec.usage,
            source: result.endpoint,
          });
        });
      }
    }
    return indices.map((i) => records.get(i)!);
  }

  /** Build the body and run it through the retry loop. */
  private async callForSamples(
    req: RequestRecord,
    samples: number[],
    stops: string[],
    parity: boolean,
    logprobs: boolean,
    signal?: AbortSignal,
  ): Promise<CallResult | CallFailure> {
    const p = req.params;
    const chat = req.prompt.kind === 'chat';
    const path = chat ? '/chat/completions' : '/completions';
    const body: Record<string, unknown> = {
      model: this.modelName,
      n: samples.length,
      temperature: p.temperature,
      top_p: p.top_p,
      max_tokens: p.max_tokens,
    };
    if (stops.length && !this.o.stopsAfterReasoning) body.stop = stops;
    if (p.seed !== undefined) body.seed = p.seed;
    if (logprobs) body.logprobs = chat ? true : 1;
    if (req.prompt.kind === 'chat') {
      body.messages = req.prompt.messages;
      // A trailing assistant message is a prefill (e.g. EvalPlus's "```python\n"): ask the server to continue
      // it rather than open a new assistant turn (vLLM/SGLang chat-template options).
      if (req.prompt.messages.at(-1)?.role === 'assistant') {
        body.continue_final_message = true;
        body.add_generation_prompt = false;
      }
    } else body.prompt = req.prompt.text;
    if (parity) {
      body.add_special_tokens = false;
      body.skip_special_tokens = false;
      body.spaces_between_special_tokens = false;
    }
    applyBudgetToBody(body, p, this.o.budgetApi);
    Object.assign(body, p.extra_body ?? {});
    if (this.o.stream) {
      body.stream = true;
      body.stream_options = { include_usage: true };
    }
    if (parity && req.prompt.kind === 'completion') {
      const maxCtx = this.o.maxLength - p.max_tokens;
      if (maxCtx <= 0)
        return new CallFailure(
          `OLMES parity: max_tokens (${p.max_tokens}) >= maxLength (${this.o.maxLength}); no room for the prompt`,
        );
      if (mayExceed(req.prompt.text, maxCtx)) {
        const shaped = await this.withRetries('/tokenize', signal, (ep) =>
          this.truncate(ep, req.prompt.kind === 'completion' ? req.prompt.text : '', maxCtx, signal),
        );
        if (shaped instanceof CallFailure) return shaped;
        if (shaped !== null) {
          body.prompt = shaped;
          this.stats.truncatedPrompts++;
        }
      }
    }
    return this.withRetries(path, signal, async (ep) => {
      const t0 = Date.now();
      const r = await this.postGeneration(ep, path, body, samples.length, signal);
      return { ...r, endpoint: ep.url, latencyMs: Date.now() - t0 };
    });
  }

  /** Token ids of `text` by the server's tokenizer (vLLM `POST <root>/tokenize`). */
  private async tokenize(
    ep: Endpoint,
    text: string,
    addSpecialTokens: boolean,
    signal?: AbortSignal,
  ): Promise<number[]> {
    const root = rootUrlOf(ep.url);
    this.stats.tokenizeCalls++;
    const tok = await this.client.post(
      `${root}/tokenize`,
      { model: this.modelName, prompt: text, add_special_tokens: addSpecialTokens },
      { timeoutMs: this.o.requestTimeoutMs, signal },
    );
    if (!Array.isArray(tok?.tokens))
      throw new HttpAttemptError(`POST ${root}/tokenize: response has no "tokens" list`, 'protocol');
    return tok.tokens as number[];
  }

  /** Left-truncate via the server's tokenizer. Returns null when the prompt fits. */
  private async truncate(
    ep: Endpoint,
    text: string,
    maxCtx: number,
    signal?: AbortSignal,
  ): Promise<number[] | string | null> {
    const tokens = await this.tokenize(ep, text, false, signal);
    if (tokens.length <= maxCtx) return null;
    const kept = tokens.slice(-maxCtx);
    if (this.o.truncation === 'token-ids') return kept;
    const root = rootUrlOf(ep.url);
    const det = await this.client.post(
      `${root}/detokenize`,
      { model: this.modelName, tokens: kept },
      { timeoutMs: this.o.requestTimeoutMs, signal },
    );
    if (typeof det?.prompt !== 'string')
      throw new HttpAttemptError(`POST ${root}/detokenize: response has no "prompt" string`, 'protocol');
    return det.prompt;
  }

  private async postGeneration(
    ep: Endpoint,
    path: string,
    body: Record<string, unknown>,
    expected: number,
    signal?: AbortSignal,
  ): Promise<Omit<CallResult, 'endpoint' | 'latencyMs'>> {
    const url = `${ep.url}${path}`;
    const chat = path === '/chat/completions';
    let choices: ParsedChoice[];
    let usage: CallResult['usage'];
    if (body.stream) {
      const acc = new Map<
        number,
        {
          parts: string[];
          rparts: string[];
          finish: string | null;
          lpSum: number;
          lpCount: number;
          lpSeen: boolean;
        }
      >();
      await this.client.post(url, body, {
        timeoutMs: this.o.requestTimeoutMs,
        signal,
        onEvent: (ev) => {
          if (ev?.error)
            throw new Error(
              typeof ev.error?.message === 'string' ? ev.error.message : JSON.stringify(ev.error),
            );
          if (ev?.usage) usage = ev.usage;
          for (const c of ev?.choices ?? []) {
            const idx = typeof c.index === 'number' ? c.index : 0;
            let a = acc.get(idx);
            if (!a)
              acc.set(
                idx,
                (a = { parts: [], rparts: [], finish: null, lpSum: 0, lpCount: 0, lpSeen: false }),
              );
            const piece = chat ? c.delta?.content : c.text;
            if (typeof piece === 'string' && piece) a.parts.push(piece);
            const rpiece = chat ? (c.delta?.reasoning_content ?? c.delta?.reasoning) : undefined;
            if (typeof rpiece === 'string' && rpiece) a.rparts.push(rpiece);
            if (c.finish_reason) a.finish = c.finish_reason;
            const lp = sumLogprobs(c.logprobs);
            if (lp) {
              a.lpSeen = true;
              a.lpSum += lp.sum;
              a.lpCount += lp.count;
            }
          }
        },
      });
      choices = [];
      for (let i = 0; i < expected; i++) {
        const a = acc.get(i);
        if (!a) break;
        choices.push({
          text: a.parts.join(''),
          ...(a.rparts.length ? { reasoning: a.rparts.join('') } : {}),
          finishReason: a.finish,
          ...(a.lpSeen ? { logprobSum: a.lpSum, tokenCount: a.lpCount } : {}),
        });
      }
    } else {
      const res = await this.client.post(url, body, { timeoutMs: this.o.requestTimeoutMs, signal });
      usage = res?.usage;
      const raw: any[] = Array.isArray(res?.choices) ? [...res.choices] : [];
      raw.sort((a, b) => (a?.index ?? 0) - (b?.index ?? 0));
      choices = raw.map((c) => {
        const text = chat ? c?.message?.content : c?.text;
        const reasoning = chat ? (c?.message?.reasoning_content ?? c?.message?.reasoning) : undefined;
        const lp = sumLogprobs(c?.logprobs);
        return {
          text: typeof text === 'string' ? text : '',
          ...(typeof reasoning === 'string' && reasoning ? { reasoning } : {}),
          finishReason: c?.finish_reason ?? null,
          ...(lp ? { logprobSum: lp.sum, tokenCount: lp.count } : {}),
        };
      });
    }
    if (choices.length !== expected)
      throw new HttpAttemptError(
        `POST ${url}: asked for ${expected} choices, got ${choices.length}`,
        'protocol',
      );
    return { choices, usage };
  }

  /**
   * The retry loop: pick an endpoint (least loaded, avoiding ones this call already failed on), hold a
   * concurrency slot only while the HTTP call is in flight, classify the failure, back off, try again.
   */
  private async withRetries<T>(
    what: string,
    signal: AbortSignal | undefined,
    fn: (ep: Endpoint) => Promise<T>,
  ): Promise<T | CallFailure> {
    const avoid = new Set<Endpoint>();
    const multi = this.pool.endpoints.length > 1;
    let last: HttpAttemptError | undefined;
    let lastUrl = '';
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) return new CallFailure(`${what}: aborted before completion`);
      if (attempt > 0) this.stats.retries++;
      // Pick AFTER getting a slot, so the choice sees the current load (least-loaded balancing).
      await this.limiter.acquire();
      let ep = this.pool.pick(avoid);
      if (!ep) {
        this.limiter.release();
        await this.pool.waitForHealthy(this.pool.nextProbeInMs());
        await this.limiter.acquire();
        ep = this.pool.pick(avoid);
      }
      let delay = 0;
      if (!ep) {
        this.limiter.release();
        last = new HttpAttemptError(
          `every endpoint is out of rotation (last error: ${last?.message ?? 'none'})`,
          'network',
        );
      } else {
        ep.inFlight++;
        this.stats.attempts++;
        try {
          const r = await fn(ep);
          this.pool.success(ep);
          return r;
        } catch (e) {
          last =
            e instanceof HttpAttemptError
              ? e
              : new HttpAttemptError(`${ep.url}${what}: ${(e as Error).message}`, 'protocol');
          lastUrl = ep.url;
          if (last.kind === 'aborted') return new CallFailure(`${ep.url}${what}: aborted`);
          if (last.endpointFault) {
            this.pool.fault(ep, multi);
            avoid.add(ep);
          }
        } finally {
          ep.inFlight--;
          this.limiter.release();
        }
        if (!last.retryable) return new CallFailure(`${last.message} (not retryable)`);
        if (last.retryAfterMs !== undefined) delay = Math.min(last.retryAfterMs, this.o.maxRetryAfterMs);
        else {
          // Another healthy endpoint that has not failed this call: move there at once.
          const alt = multi && last.endpointFault ? this.pool.pick(avoid) : null;
          delay = alt && !avoid.has(alt) ? 0 : this.backoffMs(attempt + 1);
        }
      }
      if (attempt >= this.o.maxRetries) {
        return new CallFailure(
          `${last.message} — gave up after ${attempt + 1} attempts${lastUrl ? ` (last endpoint ${lastUrl})` : ''}`,
        );
      }
      const downFor = this.pool.allDownForMs();
      if (last.endpointFault && downFor >= this.o.giveUpAfterDownMs) {
        return new CallFailure(
          `${last.message} — gave up after ${attempt + 1} attempts: every endpoint has been failing for ${Math.round(downFor / 1000)} s`,
        );
      }
      this.onRetry?.({
        cause: last.message,
        retry: attempt + 1,
        maxRetries: this.o.maxRetries,
        delayMs: delay,
      });
      await sleep(delay, signal);
    }
  }

  private backoffMs(retry: number): number {
    const d = Math.min(this.o.maxMs, this.o.baseMs * 2 ** (retry - 1));
    return d * (0.5 + Math.random() * 0.5);
  }

  async close(): Promise<void> {
    this.pool.close();
    this.client.close();
    this.cache?.close();
  }
}
