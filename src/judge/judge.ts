/**
 * One judge: a ModelProvider asked with a chat prompt whose reply is parsed strictly.
 *
 *  - Every call is recorded (`JudgeCall`: the full prompt, parameters, raw reply, parse outcome), and the
 *    calls end up in the verdict's `details.judgeCalls`.
 *  - An unparseable reply is never guessed: it is recorded and the judge is asked again, up to
 *    `parseRetries` more times. Retry k uses temperature + 0.15·k and seed k (EQ-Bench's retry rule), so the
 *    request differs from the cached one and a deterministic server is not asked the identical question twice.
 *  - Calls go through the provider's request cache (`cache: true`), so re-judging the same prompt with the same
 *    judge settings costs nothing (within a run, across runs and on resume).
 */
import { createProvider } from '../models/index.js';
import type { ChatMessage, GenerationParams, ModelProvider, RequestRecord } from '../types.js';
import { resolvedJudge, type JudgeSpec } from './spec.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface JudgeCall {
  /** Judge label (j1, j2, … or --judge-label). */
  judge: string;
  /** What this call judged, e.g. "turn1", "turn2:AB", "rubric". */
  purpose: string;
  /** 0 = first attempt; k = k-th retry after an unparseable reply. */
  attempt: number;
  messages: ChatMessage[];
  params: GenerationParams;
  /** The judge's reply verbatim; null when the request failed. */
  raw: string | null;
  /** The parsed verdict (mode-specific), absent when unparseable. */
  parsed?: unknown;
  /** Why the reply was not accepted (parse failure or request error). */
  error?: string;
  /** Served from the request cache. */
  cached?: boolean;
}

export interface JudgeAnswer<T> {
  value?: T;
  calls: JudgeCall[];
  /** 'ok' | 'unparseable' (every attempt replied, none parsed) | 'errored' (a request failed after retries). */
  status: 'ok' | 'unparseable' | 'errored';
}

export const RETRY_TEMPERATURE_STEP = 0.15;

export class Judge {
  readonly label: string;
  readonly settings: ReturnType<typeof resolvedJudge>;

  constructor(
    spec: JudgeSpec,
    index: number,
    readonly provider: ModelProvider,
  ) {
    this.settings = resolvedJudge(spec, index);
    this.label = this.settings.label;
  }

  /** Create a judge's provider from its spec (request cache on, in `cacheDir` or the default cache). */
  static async create(spec: JudgeSpec, index: number, cacheDir?: string): Promise<Judge> {
    const provider = await createProvider({
      model: spec.model,
      modelName: spec.modelName,
      cache: true,
      cacheDir: cacheDir ?? process.env.EVALKIT_CACHE_DIR,
    });
    return new Judge(spec, index, provider);
  }

  params(attempt: number): GenerationParams {
    const p: GenerationParams = {
      n: 1,
      temperature: this.settings.temperature + RETRY_TEMPERATURE_STEP * attempt,
      top_p: 1,
      max_tokens: this.settings.maxTokens,
      stop: [],
    };
    if (attempt > 0) p.seed = attempt;
    return p;
  }

  /** Ask until a reply parses or the budget is spent. Never throws for HTTP failures or bad replies. */
  async ask<T>(
    messages: ChatMessage[],
    parse: (raw: string) => ParseResult<T>,
    purpose: string,
    signal?: AbortSignal,
  ): Promise<JudgeAnswer<T>> {
    const calls: JudgeCall[] = [];
    for (let attempt = 0; attempt <= this.settings.parseRetries; attempt++) {
      const params = this.params(attempt);
      const req: RequestRecord = {
        requestId: `judge|${purpose}|${attempt}`,
        task: 'judge',
        itemId: purpose,
        prompt: { kind: 'chat', messages },
        params,
      };
      const [g] = await this.provider.generate(req, [0], { signal });
      const call: JudgeCall = { judge: this.label, purpose, attempt, messages, params, raw: g?.text ?? null };
      if (g?.source?.startsWith('cache:')) call.cached = true;
      calls.push(call);
      if (!g || g.text === null || g.error) {
        call.error = `judge request failed: ${g?.error ?? 'no generation'}`;
        return { calls, status: 'errored' };
      }
      const r = parse(g.text);
      if (r.ok) {
        call.parsed = r.value;
        return { value: r.value, calls, status: 'ok' };
      }
      call.error = `unparseable: ${r.reason}`;
    }
    return { calls, status: 'unparseable' };
  }

  async close(): Promise<void> {
    await this.provider.close?.();
  }
}

/** Judges of a run (from RunOptions.judges), created once per scorer. */
export async function createJudges(
  specs: JudgeSpec[] | undefined,
  task: string,
  cacheDir?: string,
): Promise<Judge[]> {
  if (!specs?.length) {
    const { EvalkitError } = await import('../util/errors.js');
    throw new EvalkitError(
      `task ${task} is judge-graded: pass --judge openai:http://host:port/v1 (and --judge-model-name <name>)`,
    );
  }
  return Promise.all(specs.map((s, i) => Judge.create(s, i, cacheDir)));
}
