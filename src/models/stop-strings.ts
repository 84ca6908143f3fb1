import { answerOffset } from '../reasoning/split.js';
/**
 * Cut a generation at the earliest occurrence of any (non-empty) stop string, as OLMES's cut_at_stop_sequence
 * does. Applied client-side by every provider, so a server that ignores `stop` gives the same text.
 */
export function cutAtStop(text: string, stops: readonly string[]): { text: string; cut: boolean } {
  let idx = -1;
  for (const s of stops) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && (idx < 0 || i < idx)) idx = i;
  }
  return idx >= 0 ? { text: text.slice(0, idx), cut: true } : { text, cut: false };
}

/**
 * Stop strings apply to the answer only: a stop string inside a model's reasoning (`<think>…</think>`, see
 * src/reasoning/split.ts) does not cut, and a text that ends inside its reasoning is not cut at all. For text
 * without think tags this is exactly `cutAtStop`.
 */
export function cutAtStopInAnswer(text: string, stops: readonly string[]): { text: string; cut: boolean } {
  const from = answerOffset(text);
  if (from < 0) return { text, cut: false };
  if (from === 0) return cutAtStop(text, stops);
  const r = cutAtStop(text.slice(from), stops);
  return { text: text.slice(0, from) + r.text, cut: r.cut };
}
