/**
 * A real HTTP server on 127.0.0.1 that speaks the OpenAI protocol the way vLLM's OpenAI-compatible server
 * does, so providers, the runner and benchmarks can be exercised end to end without a GPU.
 *
 * Endpoints (as vLLM serves them):
 *   POST /v1/completions, POST /v1/chat/completions   non-streaming and `stream: true` (SSE `data: {...}\n\n`,
 *                                                     closed by `data: [DONE]`), n>1, stop, max_tokens, seed,
 *                                                     logprobs, usage (+ stream_options.include_usage)
 *   GET  /v1/models, GET /health
 *   POST /tokenize, POST /detokenize, GET /tokenizer_info   (vLLM extras at the server root)
 *
 * Tokenizer (deterministic, documented so tests can reason about token counts): BYTE-LEVEL. Every UTF-8 byte
 * of a text is one token whose id is the byte value (0..255). Two special tokens: BOS id 256 (`<s>` by
 * default) and EOS id 257 (`</s>` by default). `add_special_tokens` (default true, as in vLLM) prepends BOS.
 * Detokenising decodes the bytes as UTF-8 (invalid sequences become U+FFFD) and renders special ids as their
 * strings. Generated text is therefore counted in bytes: `max_tokens: 5` yields at most 5 bytes.
 *
 * "Model": `respond(ctx)` returns the full text the model would write for one sample; the server then applies
 * what vLLM applies: the output ends before the first stop string (finish_reason "stop"), or after
 * `max_tokens` tokens (finish_reason "length"), otherwise it ends with EOS (finish_reason "stop"). Each
 * generated token has log-probability -0.25, so `sum(token_logprobs) = -0.25 * completion_tokens`.
 * The default `respond` is deterministic in (prompt/messages, seed, temperature, sample index), so several stub
 * servers give identical answers to identical requests.
 *
 * Faults: scripted per request (HTTP status with Retry-After, connection reset mid-response, hanging response,
 * a complete HTTP 200 whose body is not JSON),
 * for the first K matching requests or a seeded fraction of them. Every request is logged (path + body) so
 * tests can assert exactly what arrived.
 *
 * CLI: `node dist/testing/openai-stub-server.js --port 0 --latency-per-token-ms 1` prints
 * `listening on http://127.0.0.1:PORT/v1` on stdout and serves until SIGTERM/SIGINT.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { mulberry32 } from '../util/rng.js';

export interface StubChatMessage {
  role: string;
  content: string;
  /** Assistant messages that called tools, and tool results (agent conversations). */
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** A native tool call the scripted model makes (`arguments` is sent verbatim, so it may be malformed JSON). */
export interface StubToolCall {
  id?: string;
  name: string;
  arguments: string;
}

export type StubReply = string | { content?: string | null; tool_calls?: StubToolCall[] };

/** What a scripted model sees for one sample. */
export interface StubRespondContext {
  kind: 'completion' | 'chat';
  /** Completion prompt text (token-id prompts are detokenised). Undefined for chat. */
  prompt?: string;
  /** Set when the completion prompt arrived as token ids. */
  promptTokenIds?: number[];
  messages?: StubChatMessage[];
  /** The full request body (temperature, top_p, seed, stop, max_tokens, extra fields …). */
  params: Record<string, any>;
  /** Choice index within this request (0..n-1). */
  sampleIndex: number;
  /** 0-based number of this generation request on this server (counts every completions/chat request). */
  requestNumber: number;
}

export type StubFaultKind = 'status' | 'reset' | 'hang' | 'malformed';

/**
 * One fault rule. A rule applies to requests whose path is in `paths` (default: the two generation paths);
 * `first` = the first K matching requests after `setFaults`, `fraction` = a seeded-random fraction of them
 * (seed `seed`, default 1), neither = every matching request. The first applicable rule wins.
 */
export interface StubFault {
  kind: StubFaultKind;
  /** HTTP status for kind 'status' (default 500). */
  status?: number;
  /** Seconds, sent as `Retry-After` (kind 'status'). */
  retryAfter?: number;
  /** Error message in the body (kind 'status'). */
  message?: string;
  first?: number;
  fraction?: number;
  seed?: number;
  paths?: string[];
  /** Only requests whose parsed body satisfies this predicate (programmatic use; e.g. fail chosen prompts). */
  match?: (body: any, path: string) => boolean;
}

export interface StubServerOptions {
  /** Default 0 (ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The served model name (`/v1/models`, checked against the request `model`). Default "stub-model". */
  modelName?: string;
  /**
   * Script the model: the full text for one sample (before stop/max_tokens handling), or, for chat, a reply
   * with native tool calls (`{ content, tool_calls }`: sent as `message.tool_calls`, finish_reason
   * "tool_calls", non-streaming only).
   */
  respond?: (ctx: StubRespondContext) => StubReply | Promise<StubReply>;
  /** Delay per generated token (non-streaming: before the response; streaming: between chunks). Default 0. */
  latencyPerTokenMs?: number;
  faults?: StubFault[];
  /** Keep the request log `requests` with bodies (default true). false: no log at all (long benchmarks); stats are kept. */
  logBodies?: boolean;
  bosToken?: string;
  eosToken?: string;
  /** Prompt + max_tokens above this → HTTP 400 like vLLM. Default 1_000_000. */
  maxModelLen?: number;
  /** Ignore `stop` in requests (emulates servers that do not honour stop strings). Default false. */
  ignoreStop?: boolean;
  /** Serve GET /tokenizer_info (vLLM needs --enable-tokenizer-info-endpoint). Default true. */
  tokenizerInfo?: boolean;
  /** Serve POST /tokenize and /detokenize (vLLM does; OpenAI's API does not). Default true. */
  tokenize?: boolean;
  /**
   * Emulate vLLM's `--reasoning-parser`: chat outputs are split at `</think>` and the reasoning is sent in this
   * field (`reasoning_content` in vLLM < 0.10 and DeepSeek's API, `reasoning` in newer vLLM). Default: off.
   */
  reasoningField?: 'reasoning_content' | 'reasoning';
}

export interface StubRequestLogEntry {
  method: string;
  path: string;
  /** Parsed JSON body (undefined when logBodies is false or the body was not JSON). */
  body?: any;
  /** Fault applied to this request, if any. */
  fault?: StubFaultKind;
  /** 0-based request number among generation requests, -1 for other paths. */
  requestNumber: number;
}

export interface StubServerStats {
  /** Generation requests currently being handled. */
  inFlight: number;
  /** Highest `inFlight` seen since start (or `resetLog`). */
  maxInFlight: number;
  /** Generation requests received (including faulted ones). */
  generationRequests: number;
  /** Generation requests answered with HTTP 200 and a complete body. */
  completed: number;
}

export interface StubServer {
  /** Base URL including `/v1`, e.g. http://127.0.0.1:41234/v1 */
  url: string;
  /** Root URL without `/v1`. */
  rootUrl: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: StubRequestLogEntry[];
  stats: StubServerStats;
  /** Replace the fault rules (null/[] = none); counters for `first`/`fraction` restart. */
  setFaults(faults: StubFault[] | null): void;
  setLatencyPerTokenMs(ms: number): void;
  /** Clear the request log and stats. */
  resetLog(): void;
  /** Stop listening and destroy every open connection (in-flight requests see a reset). */
  close(): Promise<void>;
}

const GENERATION_PATHS = ['/v1/completions', '/v1/chat/completions'];
const BOS_ID = 256;
const EOS_ID = 257;
const TOKEN_LOGPROB = -0.25;

/** FNV-1a 32-bit: a tiny stable hash for the default deterministic answers. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function defaultRespond(ctx: StubRespondContext): string {
  const input = ctx.kind === 'chat' ? JSON.stringify(ctx.messages) : (ctx.prompt ?? '');
  const h = fnv1a(`${input}\u0000${ctx.params.seed ?? ''}\u0000${ctx.params.temperature ?? ''}`);
  return ` answer ${h.toString(16)} sample ${ctx.sampleIndex}`;
}

export function stubTokenize(text: string, addSpecial: boolean): number[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: number[] = addSpecial ? [BOS_ID] : [];
  for (const b of bytes) out.push(b);
  return out;
}

export function stubDetokenize(ids: number[], bos = '<s>', eos = '</s>'): string {
  let out = '';
  let run: number[] = [];
  const flush = () => {
    if (run.length) out += Buffer.from(run).toString('utf8');
    run = [];
  };
  for (const id of ids) {
    if (id === BOS_ID || id === EOS_ID) {
      flush();
      out += id === BOS_ID ? bos : eos;
    } else if (Number.isInteger(id) && id >= 0 && id < 256) run.push(id);
    else throw new RangeError(`token id ${id} out of vocabulary (0..257)`);
  }
  flush();
  return out;
}

/** Split into stream chunks: leading whitespace + a non-space run, so chunks never split a character. */
function pieces(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Marks a streamed piece as reasoning (a character no piece of text starts with in tests). */
const REASONING_MARK = '\u0000';

interface Choice {
  index: number;
  text: string;
  /** Chat with `reasoningField`: the thinking, sent in that field instead of `content`. */
  reasoning?: string;
  finishReason: 'stop' | 'length' | 'tool_calls';
  tokens: number;
  toolCalls?: StubToolCall[];
}

/**
 * What a vLLM reasoning parser (deepseek_r1 style) does to a chat output: the text up to `</think>` (an
 * opening `<think>` dropped) goes to the reasoning field, the rest to `content`; an output cut before
 * `</think>` is all reasoning and has empty content.
 */
function splitThink(text: string): { reasoning?: string; content: string } {
  const close = text.indexOf('</think>');
  const body = text.replace(/^\s*<think>/, '');
  if (close < 0) return /^\s*<think>/.test(text) ? { reasoning: body, content: '' } : { content: text };
  const open = text.indexOf('<think>');
  const start = open >= 0 && open < close ? open + '<think>'.length : 0;
  return { reasoning: text.slice(start, close), content: text.slice(close + '</think>'.length) };
}

/**
 * vLLM's thinking budget (`thinking_token_budget`, with a reasoning parser): once the reasoning after `<think>`
 * reaches the budget (bytes here: one token per byte), the server forces `</think>` and the model goes on to
 * its answer (the scripted text after its own `</think>`, or nothing).
 */
function applyThinkingBudget(full: string, budget: unknown): string {
  if (!Number.isInteger(budget) || (budget as number) < 0) return full;
  const open = full.indexOf('<think>');
  if (open < 0) return full;
  const start = open + '<think>'.length;
  const close = full.indexOf('</think>', start);
  const reasoning = Buffer.from(full.slice(start, close < 0 ? undefined : close), 'utf8');
  if (reasoning.length <= (budget as number)) return full;
  const answer = close < 0 ? '' : full.slice(close + '</think>'.length);
  return `${full.slice(0, start)}${reasoning.subarray(0, budget as number).toString('utf8')}\n</think>${answer}`;
}

/** Apply vLLM's end-of-generation rules to the scripted full text. */
function finishText(
  full: string,
  stop: string[],
  maxTokens: number,
): { text: string; finishReason: 'stop' | 'length'; tokens: number } {
  let cut = full.length;
  for (const s of stop) {
    if (!s) continue;
    const i = full.indexOf(s);
    if (i !== -1 && i < cut) cut = i;
  }
  const text = full.slice(0, cut);
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > maxTokens)
    return { text: bytes.subarray(0, maxTokens).toString('utf8'), finishReason: 'length', tokens: maxTokens };
  return { text, finishReason: 'stop', tokens: bytes.length };
}

export async function startStubServer(options: StubServerOptions = {}): Promise<StubServer> {
  const host = options.host ?? '127.0.0.1';
  const modelName = options.modelName ?? 'stub-model';
  const respond = options.respond ?? defaultRespond;
  const bos = options.bosToken ?? '<s>';
  const eos = options.eosToken ?? '</s>';
  const maxModelLen = options.maxModelLen ?? 1_000_000;
  const logBodies = options.logBodies ?? true;
  let latency = options.latencyPerTokenMs ?? 0;

  let faults: StubFault[] = [];
  let faultCounters: number[] = [];
  let faultRngs: Array<() => number> = [];
  const setFaults = (f: StubFault[] | null) => {
    faults = f ? f.slice() : [];
    faultCounters = faults.map(() => 0);
    faultRngs = faults.map((r) => mulberry32(r.seed ?? 1));
  };
  setFaults(options.faults ?? null);

  const requests: StubRequestLogEntry[] = [];
  const stats: StubServerStats = { inFlight: 0, maxInFlight: 0, generationRequests: 0, completed: 0 };
  let requestCounter = 0;
  const sockets = new Set<Socket>();

  const pickFault = (path: string, body: any): StubFault | undefined => {
    for (let i = 0; i < faults.length; i++) {
      const r = faults[i];
      if (!(r.paths ?? GENERATION_PATHS).includes(path)) continue;
      if (r.match && !r.match(body, path)) continue;
      const k = faultCounters[i]++;
      if (r.first !== undefined) {
        if (k < r.first) return r;
        continue;
      }
      if (r.fraction !== undefined) {
        if (faultRngs[i]() < r.fraction) return r;
        continue;
      }
      return r;
    }
    return undefined;
  };

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const data = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(data),
      ...headers,
    });
    res.end(data);
  };
  const sendError = (
    res: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ) =>
    sendJson(
      res,
      status,
      {
        error: {
          message,
          type: status === 404 ? 'NotFoundError' : status < 500 ? 'BadRequestError' : 'InternalServerError',
          code: status,
        },
      },
      headers,
    );

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const parseJson = (raw: string): any => {
    try {
      return JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'request body is not valid JSON');
    }
  };

  const checkModel = (body: any) => {
    if (body.model !== undefined && body.model !== modelName)
      throw new HttpError(404, `The model \`${body.model}\` does not exist.`);
  };

  async function generate(
    kind: 'completion' | 'chat',
    body: any,
    requestNumber: number,
    res: ServerResponse,
    sock: Socket,
  ): Promise<void> {
    checkModel(body);
    const n = body.n ?? 1;
    if (!Number.isInteger(n) || n < 1)
      throw new HttpError(400, `n must be a positive integer, got ${JSON.stringify(body.n)}`);
    const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? 16;
    if (!Number.isInteger(maxTokens) || maxTokens < 1)
      throw new HttpError(400, `max_tokens must be a positive integer`);
    const stop: string[] =
      body.stop === undefined || body.stop === null ? [] : Array.isArray(body.stop) ? body.stop : [body.stop];
    let prompt: string | undefined;
    let promptTokenIds: number[] | undefined;
    let messages: StubChatMessage[] | undefined;
    let promptTokens: number;
    const addSpecial = body.add_special_tokens ?? kind === 'completion';
    if (kind === 'completion') {
      if (typeof body.prompt === 'string') {
        prompt = body.prompt;
        promptTokens = stubTokenize(prompt!, addSpecial).length;
      } else if (Array.isArray(body.prompt) && body.prompt.every((x: unknown) => typeof x === 'number')) {
        promptTokenIds = body.prompt;
        try {
          prompt = stubDetokenize(promptTokenIds!, bos, eos);
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
        promptTokens = promptTokenIds!.length;
      } else throw new HttpError(400, 'prompt must be a string or a list of token ids');
    } else {
      if (!Array.isArray(body.messages)) throw new HttpError(400, 'messages must be a list');
      messages = body.messages;
      promptTokens = stubTokenize(
        messages!.map((m) => `${m.role}: ${m.content ?? ''}\n`).join(''),
        true,
      ).length;
    }
    if (promptTokens + maxTokens > maxModelLen) {
      throw new HttpError(
        400,
        `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
      );
    }
    const choices: Choice[] = [];
    for (let i = 0; i < n; i++) {
      const full = await respond({
        kind,
        prompt,
        promptTokenIds,
        messages,
        params: body,
        sampleIndex: i,
        requestNumber,
      });
      if (typeof full === 'object' && full !== null) {
        const calls = full.tool_calls ?? [];
        const text = full.content ?? '';
        const tokens = stubTokenize(text + calls.map((c) => c.name + c.arguments).join(''), false).length;
        choices.push({
          index: i,
          text,
          finishReason: calls.length ? 'tool_calls' : 'stop',
          tokens,
          toolCalls: calls,
        });
        continue;
      }
      const f = finishText(
        applyThinkingBudget(String(full), body.thinking_token_budget),
        options.ignoreStop ? [] : stop,
        maxTokens,
      );
      if (kind === 'chat' && options.reasoningField) {
        const sp = splitThink(f.text);
        choices.push({
          index: i,
          ...f,
          text: sp.content,
          ...(sp.reasoning !== undefined ? { reasoning: sp.reasoning } : {}),
        });
      } else choices.push({ index: i, ...f });
    }
    const wantLogprobs =
      kind === 'completion' ? body.logprobs !== undefined && body.logprobs !== null : body.logprobs === true;
    const completionTokens = choices.reduce((a, c) => a + c.tokens, 0);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestNumber}`;
    const created = Math.floor(Date.now() / 1000);
    const lpFor = (text: string) => {
      const bytes = [...Buffer.from(text, 'utf8')];
      if (kind === 'completion') {
        const tokens = bytes.map((b) => String.fromCharCode(b));
        return {
          tokens,
          token_logprobs: bytes.map(() => TOKEN_LOGPROB),
          top_logprobs: null,
          text_offset: bytes.map((_, j) => j),
        };
      }
      return {
        content: bytes.map((b) => ({
          token: String.fromCharCode(b),
          logprob: TOKEN_LOGPROB,
          bytes: [b],
          top_logprobs: [],
        })),
      };
    };

    if (!body.stream) {
      await sleep(latency * Math.max(0, ...choices.map((c) => c.tokens)));
      if (sock.destroyed) return;
      const out =
        kind === 'completion'
          ? {
              id,
              object: 'text_completion',
              created,
              model: modelName,
              choices: choices.map((c) => ({
                index: c.index,
                text: c.text,
                logprobs: wantLogprobs ? lpFor(c.text) : null,
                finish_reason: c.finishReason,
                stop_reason: null,
              })),
              usage,
            }
          : {
              id,
              object: 'chat.completion',
              created,
              model: modelName,
              choices: choices.map((c) => ({
                index: c.index,
                message: c.toolCalls?.length
                  ? {
                      role: 'assistant',
                      content: c.text || null,
                      tool_calls: c.toolCalls.map((t, j) => ({
                        id: t.id ?? `call_${requestNumber}_${j}`,
                        type: 'function',
                        function: { name: t.name, arguments: t.arguments },
                      })),
                    }
                  : {
                      role: 'assistant',
                      content: c.text,
                      ...(c.reasoning !== undefined && options.reasoningField
                        ? { [options.reasoningField]: c.reasoning }
                        : {}),
                    },
                logprobs: wantLogprobs ? lpFor(c.text) : null,
                finish_reason: c.finishReason,
                stop_reason: null,
              })),
              usage,
            };
      sendJson(res, 200, out);
      stats.completed++;
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const write = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    const chunk = (index: number, delta: string | null, finish: string | null, lp: unknown) =>
      kind === 'completion'
        ? {
            id,
            object: 'text_completion',
            created,
            model: modelName,
            choices: [{ index, text: delta ?? '', logprobs: lp, finish_reason: finish, stop_reason: null }],
          }
        : {
            id,
            object: 'chat.completion.chunk',
            created,
            model: modelName,
            choices: [
              { index, delta: delta === null ? {} : { content: delta }, logprobs: lp, finish_reason: finish },
            ],
          };
    if (kind === 'chat') {
      for (const c of choices)
        write({
          id,
          object: 'chat.completion.chunk',
          created,
          model: modelName,
          choices: [
            {
              index: c.index,
              delta: { role: 'assistant', content: '' },
              logprobs: null,
              finish_reason: null,
            },
          ],
        });
    }
    // Interleave the choices piece by piece, as a batched engine would.
    // With a reasoning field, the reasoning streams first (delta.<field>), then the content.
    const split = choices.map((c) => [
      ...(c.reasoning ? pieces(c.reasoning).map((p) => REASONING_MARK + p) : []),
      ...pieces(c.text),
    ]);
    const longest = Math.max(0, ...split.map((p) => p.length));
    for (let k = 0; k < longest; k++) {
      let stepTokens = 0;
      for (const p of split)
        if (p[k] !== undefined) stepTokens = Math.max(stepTokens, Buffer.byteLength(p[k]));
      await sleep(latency * stepTokens);
      if (sock.destroyed) return;
      for (let i = 0; i < choices.length; i++) {
        const piece = split[i][k];
        if (piece === undefined) continue;
        if (piece.startsWith(REASONING_MARK)) {
          write({
            id,
            object: 'chat.completion.chunk',
            created,
            model: modelName,
            choices: [
              {
                index: i,
                delta: { [options.reasoningField!]: piece.slice(1) },
                logprobs: null,
                finish_reason: null,
              },
            ],
          });
          continue;
        }
        write(chunk(i, piece, null, wantLogprobs ? lpFor(piece) : null));
      }
    }
    for (const c of choices) write(chunk(c.index, kind === 'completion' ? '' : null, c.finishReason, null));
    if (body.stream_options?.include_usage)
      write({
        id,
        object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
        created,
        model: modelName,
        choices: [],
        usage,
      });
    res.end('data: [DONE]\n\n');
    stats.completed++;
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const isGen = method === 'POST' && GENERATION_PATHS.includes(path);
    const requestNumber = isGen ? requestCounter++ : -1;
    const raw = method === 'POST' ? await readBody(req) : '';
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const entry: StubRequestLogEntry = { method, path, body: logBodies ? body : undefined, requestNumber };
    if (logBodies) requests.push(entry);
    const sock = req.socket;
    if (isGen) {
      stats.generationRequests++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    }
    try {
      const fault = pickFault(path, body);
      if (fault) {
        entry.fault = fault.kind;
        if (fault.kind === 'hang') {
          // Never answer; the connection stays open until the client gives up or the server closes.
          await new Promise<void>((resolve) => sock.once('close', () => resolve()));
          return;
        }
        if (fault.kind === 'malformed') {
          // A complete, well-framed HTTP 200 whose body is not JSON (a proxy's error page, a broken server).
          const junk = '<html><body>502 Bad Gateway</body></html>{"choices": [';
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(junk),
          });
          res.end(junk);
          return;
        }
        if (fault.kind === 'reset') {
          // Start a plausible response (an SSE chunk for stream requests), then drop the connection mid-body.
          if (body?.stream) {
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.write(
              `data: ${JSON.stringify({ id: 'cmpl-reset', object: 'text_completion', choices: [{ index: 0, text: 'PARTIAL-', delta: { content: 'PARTIAL-' }, finish_reason: null }] })}\n\n`,
            );
          } else {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
            res.write('{"id":"cmpl-reset","choices":[{"index":0,"te');
          }
          await sleep(5);
          sock.destroy();
          return;
        }
        const status = fault.status ?? 500;
        sendError(
          res,
          status,
          fault.message ?? `injected fault: HTTP ${status}`,
          fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {},
        );
        return;
      }
      if (method === 'GET' && path === '/health') {
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      } else if (method === 'GET' && path === '/v1/models') {
        sendJson(res, 200, {
          object: 'list',
          data: [
            {
              id: modelName,
              object: 'model',
              created: 0,
              owned_by: 'vllm',
              root: modelName,
              parent: null,
              max_model_len: maxModelLen,
            },
          ],
        });
      } else if (method === 'GET' && path === '/tokenizer_info' && options.tokenizerInfo !== false) {
        sendJson(res, 200, {
          tokenizer_class: 'StubByteTokenizer',
          bos_token: bos,
          eos_token: eos,
          model_max_length: maxModelLen,
        });
      } else if (method === 'POST' && path === '/tokenize' && options.tokenize !== false) {
        const b = parseJson(raw);
        checkModel(b);
        if (typeof b.prompt !== 'string') throw new HttpError(400, 'tokenize: prompt must be a string');
        const tokens = stubTokenize(b.prompt, b.add_special_tokens ?? true);
        sendJson(res, 200, { count: tokens.length, max_model_len: maxModelLen, tokens });
      } else if (method === 'POST' && path === '/detokenize') {
        const b = parseJson(raw);
        checkModel(b);
        if (!Array.isArray(b.tokens)) throw new HttpError(400, 'detokenize: tokens must be a list');
        let prompt: string;
        try {
          prompt = stubDetokenize(b.tokens, bos, eos);
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
        sendJson(res, 200, { prompt });
      } else if (isGen) {
        const b = parseJson(raw);
        await generate(path === '/v1/completions' ? 'completion' : 'chat', b, requestNumber, res, sock);
      } else {
        sendError(res, 404, `Not Found: ${method} ${path}`);
      }
    } catch (e) {
      if (res.headersSent) sock.destroy();
      else if (e instanceof HttpError) sendError(res, e.status, e.message);
      else sendError(res, 500, `stub server error: ${(e as Error).message}`);
    } finally {
      if (isGen) stats.inFlight--;
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const rootUrl = `http://${host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url: `${rootUrl}/v1`,
    rootUrl,
    port,
    requests,
    stats,
    setFaults,
    setLatencyPerTokenMs: (ms: number) => {
      latency = ms;
    },
    resetLog: () => {
      requests.length = 0;
      stats.maxInFlight = stats.inFlight;
      stats.generationRequests = 0;
      stats.completed = 0;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}

// ───────────────────────────── CLI ─────────────────────────────

function parseCli(argv: string[]): StubServerOptions {
  const opts: StubServerOptions = {};
  const fault: StubFault = { kind: 'status' };
  let hasFault = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(val());
      if (!Number.isFinite(v)) throw new Error(`${a} needs a number`);
      return v;
    };
    switch (a) {
      case '--port':
        opts.port = num();
        break;
      case '--host':
        opts.host = val();
        break;
      case '--model-name':
      case '--served-model-name':
        opts.modelName = val();
        break;
      case '--latency-per-token-ms':
        opts.latencyPerTokenMs = num();
        break;
      case '--eos-token':
        opts.eosToken = val();
        break;
      case '--max-model-len':
        opts.maxModelLen = num();
        break;
      case '--no-log':
        opts.logBodies = false;
        break;
      case '--fault-kind':
        fault.kind = val() as StubFaultKind;
        hasFault = true;
        break;
      case '--fault-status':
        fault.status = num();
        hasFault = true;
        break;
      case '--fault-first':
        fault.first = num();
        hasFault = true;
        break;
      case '--fault-fraction':
        fault.fraction = num();
        hasFault = true;
        break;
      case '--fault-seed':
        fault.seed = num();
        break;
      case '--retry-after':
        fault.retryAfter = num();
        break;
      case '--help':
        process.stdout.write(
          'usage: openai-stub-server [--port N] [--host H] [--model-name NAME] [--latency-per-token-ms MS] [--eos-token S]\n' +
            '       [--max-model-len N] [--no-log] [--fault-kind status|reset|hang|malformed] [--fault-status CODE] [--fault-first K]\n' +
            '       [--fault-fraction F] [--fault-seed S] [--retry-after SECONDS]\n',
        );
        process.exit(0);
      default:
        throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (hasFault) opts.faults = [fault];
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  (async () => {
    let opts: StubServerOptions;
    try {
      opts = parseCli(process.argv.slice(2));
    } catch (e) {
      process.stderr.write(`openai-stub-server: ${(e as Error).message}\n`);
      process.exit(2);
    }
    const s = await startStubServer({ logBodies: false, ...opts });
    process.stdout.write(`listening on ${s.url}\n`);
    const stop = () => void s.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  })().catch((e) => {
    process.stderr.write(`openai-stub-server: ${(e as Error).stack}\n`);
    process.exit(1);
  });
}
