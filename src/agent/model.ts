/**
 * The model side of the agent loop: one chat turn in, one assistant turn out. Two protocols:
 *
 *  - `tools`: OpenAI chat-completions with native `tools` / `tool_calls` (vLLM with a tool parser, any
 *    OpenAI-compatible server); talks HTTP directly because tool calls are not part of the text-only
 *    ModelProvider interface.
 *  - `text`: any ModelProvider (HTTP, vLLM, GGUF, …). Tool calls are written in the reply text as
 *    `<tool_call>{"name": …, "arguments": {…}}</tool_call>` (the Hermes/Qwen convention) and parsed here;
 *    tool results go back as user messages.
 */
import { HttpAttemptError, HttpClient } from '../models/http-client.js';
import type { ChatMessage, ModelProvider, RequestRecord } from '../types.js';

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  /** The raw arguments text as the model wrote it (parsed by the loop, which reports malformed JSON). */
  arguments: string;
}

/** A message of the agent conversation (OpenAI chat shape, with tool calls and tool results). */
export type AgentMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ModelTurn {
  content: string | null;
  toolCalls: ToolCall[];
  /** Text-protocol replies that contained a <tool_call> block that could not be parsed. */
  malformed?: string;
  finishReason: string | null;
  usage: { promptTokens: number; completionTokens: number };
  latencyMs: number;
}

export interface AgentModel {
  readonly protocol: 'tools' | 'text';
  complete(messages: AgentMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelTurn>;
}

export interface SamplingParams {
  temperature: number;
  top_p: number;
  max_tokens: number;
  seed?: number;
}

/** Native tool calls over HTTP (POST {baseUrl}/chat/completions). Retries 429/5xx/network errors 4 times. */
export class OpenAIToolsModel implements AgentModel {
  readonly protocol = 'tools' as const;
  private readonly client: HttpClient;
  constructor(
    private readonly o: {
      baseUrl: string;
      model: string;
      apiKey?: string;
      params: SamplingParams;
      timeoutMs?: number;
    },
  ) {
    this.client = new HttpClient({ maxSockets: 8, apiKey: o.apiKey });
  }

  async complete(messages: AgentMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelTurn> {
    const body = {
      model: this.o.model,
      messages,
      tools: tools.map((t) => ({ type: 'function', function: t })),
      tool_choice: 'auto',
      ...this.o.params,
    };
    const url = this.o.baseUrl.replace(/\/+$/, '') + '/chat/completions';
    const t0 = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.client.post(url, body, { timeoutMs: this.o.timeoutMs ?? 600_000, signal });
        const choice = res?.choices?.[0];
        const msg = choice?.message ?? {};
        return {
          content: typeof msg.content === 'string' ? msg.content : null,
          toolCalls: (Array.isArray(msg.tool_calls) ? msg.tool_calls : []).map((c: any, i: number) => ({
            id: String(c?.id ?? `call_${i}`),
            name: String(c?.function?.name ?? ''),
            arguments:
              typeof c?.function?.arguments === 'string'
                ? c.function.arguments
                : JSON.stringify(c?.function?.arguments ?? null),
          })),
          finishReason: choice?.finish_reason ?? null,
          usage: {
            promptTokens: Number(res?.usage?.prompt_tokens ?? 0),
            completionTokens: Number(res?.usage?.completion_tokens ?? 0),
          },
          latencyMs: Math.round(performance.now() - t0),
        };
      } catch (e) {
        const err = e as HttpAttemptError;
        if (!(err instanceof HttpAttemptError) || !err.retryable || attempt >= 4) {
          throw new Error(`model request failed: ${err.message}${err.status ? ` (HTTP ${err.status})` : ''}`);
        }
        await new Promise((r) => setTimeout(r, err.retryAfterMs ?? 500 * 2 ** attempt));
      }
    }
  }
}

/** Text protocol instructions appended to the system prompt for models without native tool calls. */
export function textProtocolInstructions(tools: ToolSpec[]): string {
  const list = tools
    .map((t) => `- ${t.name}: ${t.description}\n  arguments (JSON Schema): ${JSON.stringify(t.parameters)}`)
    .join('\n');
  return (
    'You can use these tools:\n' +
    list +
    '\n\nTo call a tool, end your reply with exactly one block\n<tool_call>\n{"name": "<tool name>", "arguments": {<arguments>}}\n</tool_call>\n' +
    'The block must hold one JSON object. Call one tool per reply; its result comes back in the next message.'
  );
}

/**
 * Parse a text-protocol reply: no block → no call; one well-formed block → one call; anything else (bad JSON,
 * missing name, several blocks, an unclosed block) → malformed, with a reason the model is shown.
 */
export function parseTextToolCall(text: string, turn: number): { call?: ToolCall; malformed?: string } {
  const opens = text.split('<tool_call>').length - 1;
  if (opens === 0) return {};
  const blocks = [...text.matchAll(/<tool_call>([\s\S]*?)<\/tool_call>/g)];
  if (blocks.length !== opens) return { malformed: 'a <tool_call> block is not closed with </tool_call>' };
  if (blocks.length > 1)
    return { malformed: `${blocks.length} <tool_call> blocks; write exactly one per reply` };
  let v: any;
  try {
    v = JSON.parse(blocks[0][1].trim());
  } catch (e) {
    return { malformed: `the <tool_call> block is not valid JSON (${(e as Error).message})` };
  }
  if (!v || typeof v !== 'object' || typeof v.name !== 'string')
    return { malformed: 'the <tool_call> JSON needs a string "name" and an object "arguments"' };
  const args = v.arguments ?? {};
  return {
    call: {
      id: `text_${turn}`,
      name: v.name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args),
    },
  };
}

/** Flatten tool messages to plain chat for text-protocol models. */
function toPlainChat(messages: AgentMessage[]): ChatMessage[] {
  return messages.map((m): ChatMessage => {
    if (m.role === 'tool') return { role: 'user', content: `<tool_result>\n${m.content}\n</tool_result>` };
    if (m.role === 'assistant') return { role: 'assistant', content: m.content ?? '' };
    return { role: m.role, content: m.content };
  });
}

/** Any ModelProvider, text protocol. */
export class ProviderTextModel implements AgentModel {
  readonly protocol = 'text' as const;
  private turn = 0;
  constructor(
    private readonly provider: ModelProvider,
    private readonly base: Pick<RequestRecord, 'requestId' | 'task' | 'itemId'>,
    private readonly params: SamplingParams,
  ) {}

  async complete(messages: AgentMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelTurn> {
    const turn = this.turn++;
    const chat = toPlainChat(messages);
    if (chat[0]?.role === 'system')
      chat[0] = { role: 'system', content: chat[0].content + '\n\n' + textProtocolInstructions(tools) };
    else chat.unshift({ role: 'system', content: textProtocolInstructions(tools) });
    const req: RequestRecord = {
      ...this.base,
      requestId: `${this.base.requestId}#turn${turn}`,
      prompt: { kind: 'chat', messages: chat },
      params: { n: 1, stop: [], ...this.params },
    };
    const t0 = performance.now();
    const [g] = await this.provider.generate(req, [0], { signal });
    if (!g || g.error || g.text === null)
      throw new Error(`model request failed: ${g?.error ?? 'no generation'}`);
    const parsed = parseTextToolCall(g.text, turn);
    return {
      content: g.text,
      toolCalls: parsed.call ? [parsed.call] : [],
      malformed: parsed.malformed,
      finishReason: g.finishReason ?? null,
      usage: { promptTokens: g.usage?.promptTokens ?? 0, completionTokens: g.usage?.completionTokens ?? 0 },
      latencyMs: Math.round(performance.now() - t0),
    };
  }
}
