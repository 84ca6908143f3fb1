/**
 * Reasoning split: separate a generation's reasoning ("thinking") from its answer before any scorer sees it.
 *
 * Sources, in order:
 *  1. the server's separate reasoning field (`reasoning_content` from vLLM/SGLang reasoning parsers and
 *     DeepSeek's API, `reasoning` in newer vLLM and OpenRouter), recorded as `GenerationRecord.reasoning`;
 *  2. think tags inside the text. Defaults cover the common open models: `<think>…</think>` (DeepSeek-R1,
 *     Qwen3, QwQ, Phi-4-reasoning, OLMo-3-Think), `<thinking>…</thinking>`, `<seed:think>…</seed:think>`
 *     (Seed-OSS) and the harmony channels of gpt-oss rendered as text. A close tag without an open tag counts
 *     (chat templates that put the opening `<think>` into the prompt).
 * A generation that ends inside the reasoning (open tag, no close tag; or a server reasoning field with an
 * empty answer and finish_reason "length") is `truncated-in-reasoning`: it has no answer.
 */

export interface ThinkTags {
  name: string;
  open: string;
  close: string;
}

export const DEFAULT_THINK_TAGS: readonly ThinkTags[] = [
  { name: 'think', open: '<think>', close: '</think>' },
  { name: 'thinking', open: '<thinking>', close: '</thinking>' },
  { name: 'seed-think', open: '<seed:think>', close: '</seed:think>' },
  {
    name: 'harmony',
    open: '<|channel|>analysis<|message|>',
    close: '<|start|>assistant<|channel|>final<|message|>',
  },
];

export type ReasoningState = 'none' | 'complete' | 'truncated-in-reasoning';

export interface ReasoningSplit {
  /** What scorers see. Empty when truncated in reasoning. */
  answer: string;
  reasoning: string | null;
  state: ReasoningState;
  /** Which source split it: 'server' field or a tag set's name. */
  via?: string;
}

/** Parse `--think-tags open,close` (repeatable) into tag sets. */
export function parseThinkTags(spec: string): ThinkTags {
  const i = spec.indexOf(',');
  if (i <= 0 || i === spec.length - 1)
    throw new Error(`--think-tags must be "OPEN,CLOSE" (e.g. "<think>,</think>"), got "${spec}"`);
  return { name: 'custom', open: spec.slice(0, i), close: spec.slice(i + 1) };
}

function splitByTags(text: string, tags: readonly ThinkTags[]): ReasoningSplit | undefined {
  let best: { t: ThinkTags; close: number; open: number } | undefined;
  for (const t of tags) {
    const close = text.indexOf(t.close);
    const openAt = text.indexOf(t.open);
    if (close >= 0) {
      const open = openAt >= 0 && openAt < close ? openAt : -1;
      if (!best || close < best.close) best = { t, close, open };
    } else if (openAt >= 0 && text.slice(0, openAt).trim() === '') {
      // opened at the start and never closed: the generation ended inside the reasoning
      return {
        answer: '',
        reasoning: text.slice(openAt + t.open.length),
        state: 'truncated-in-reasoning',
        via: t.name,
      };
    }
  }
  if (!best) return undefined;
  const start = best.open >= 0 ? best.open + best.t.open.length : 0;
  return {
    answer: text.slice(best.close + best.t.close.length).replace(/^\s+/, ''),
    reasoning: text.slice(start, best.close),
    state: 'complete',
    via: best.t.name,
  };
}

export function splitReasoning(
  text: string,
  serverReasoning: string | null | undefined,
  finishReason: string | null | undefined,
  tags: readonly ThinkTags[] = DEFAULT_THINK_TAGS,
): ReasoningSplit {
  if (serverReasoning) {
    // the content may still carry tags (servers without a matching parser): split those too
    const inner = splitByTags(text, tags);
    if (inner?.state === 'truncated-in-reasoning')
      return { ...inner, reasoning: serverReasoning + inner.reasoning, via: 'server' };
    const answer = inner ? inner.answer : text;
    if (answer.trim() === '' && finishReason === 'length')
      return { answer: '', reasoning: serverReasoning, state: 'truncated-in-reasoning', via: 'server' };
    return {
      answer,
      reasoning: serverReasoning + (inner?.reasoning ?? ''),
      state: 'complete',
      via: 'server',
    };
  }
  if (tags.length === 0) return { answer: text, reasoning: null, state: 'none' };
  return splitByTags(text, tags) ?? { answer: text, reasoning: null, state: 'none' };
}

/**
 * Where client-side stop strings may cut: only inside the answer. Returns the offset in `text` where the
 * answer starts, or -1 when the text ends inside the reasoning (no stop applies).
 */
export function answerOffset(text: string, tags: readonly ThinkTags[] = DEFAULT_THINK_TAGS): number {
  let bestClose = -1;
  let best = -1;
  for (const t of tags) {
    const close = text.indexOf(t.close);
    if (close >= 0) {
      if (bestClose < 0 || close < bestClose) {
        bestClose = close;
        best = close + t.close.length;
      }
    } else {
      const openAt = text.indexOf(t.open);
      if (openAt >= 0 && text.slice(0, openAt).trim() === '') return -1;
    }
  }
  return best < 0 ? 0 : best;
}
