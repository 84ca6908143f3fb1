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
