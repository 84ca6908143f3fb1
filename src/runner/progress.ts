/**
 * Progress reporting: a redrawn bar on a terminal (never wider than the terminal, so it does not wrap), plain
 * timestamped lines otherwise (CI logs, files); `note` prints a message line (e.g. a retry cause) above it.
 */
import type { RetryInfo } from '../models/openai-compatible.js';

export interface ProgressCounts {
  total: number;
  generated: number;
  scored: number;
  errored: number;
  skipped: number;
}

export interface ProgressSink {
  update(c: ProgressCounts, phase: string): void;
  done(c: ProgressCounts, phase: string): void;
  /** A message line shown live (a terminal's progress bar is redrawn below it). */
  note?(text: string): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressSink {
  if (quiet) return { update() {}, done() {}, note: (t) => stream.write(`evalkit: ${t}\n`) };
  const start = Date.now();
  const isTty = Boolean(stream.isTTY);
  let lastLine = 0;
  let lastPct = -1;
  let last: { c: ProgressCounts; phase: string } | undefined;
  const fmt = (c: ProgressCounts, phase: string) => {
    const secs = (Date.now() - start) / 1000;
    const work = c.total - c.skipped;
    const rate = secs > 0 ? c.scored / secs : 0;
    const remaining = Math.max(0, work - c.scored);
    const eta = rate > 0 ? `${Math.round(remaining / rate)}s` : '?';
    return {
      text:
        `${phase}: ${c.scored}/${work} scored, ${c.generated} generated` +
        (c.skipped ? `, ${c.skipped} done before` : '') +
        (c.errored ? `, ${c.errored} errored` : '') +
        `, ${rate.toFixed(1)}/s, ETA ${eta}`,
      frac: work > 0 ? c.scored / work : 1,
    };
  };
  /** Cut to the terminal width minus one column (a full-width line wraps on some terminals). */
  const fit = (line: string) => {
    const cols = stream.columns || 80;
    return line.length > cols - 1 ? `${line.slice(0, Math.max(0, cols - 2))}…` : line;
  };
  /** The terminal line: a bar when there is room. */
  const ttyLine = (text: string, frac: number) => {
    const barWidth = Math.min(24, (stream.columns || 80) - 1 - text.length - 3);
    const filled = Math.round(frac * barWidth);
    return fit(barWidth >= 8 ? `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text}` : text);
  };
  const draw = (c: ProgressCounts, phase: string) => {
    const { text, frac } = fmt(c, phase);
    stream.write(`\r\x1b[2K${ttyLine(text, frac)}`);
  };
  return {
    update(c, phase) {
      last = { c, phase };
      const { text, frac } = fmt(c, phase);
      const now = Date.now();
      if (isTty) {
        if (now - lastLine < 100) return;
        lastLine = now;
        draw(c, phase);
      } else {
        const pct = Math.floor(frac * 10);
        if (now - lastLine < 10_000 && pct === lastPct) return;
        lastLine = now;
        lastPct = pct;
        stream.write(`[${new Date().toISOString()}] ${text}\n`);
      }
    },
    done(c, phase) {
      const { text } = fmt(c, phase);
      stream.write(isTty ? `\r\x1b[2K${fit(text)}\n` : `[${new Date().toISOString()}] ${text}\n`);
    },
    note(text) {
      if (isTty) {
        stream.write(`\r\x1b[2Kevalkit: ${text}\n`);
        if (last) draw(last.c, last.phase);
      } else stream.write(`evalkit: ${text}\n`);
    },
  };
}

/**
 * `onRetry` for a provider: each retry's cause shown live (`POST …: HTTP 500: … — retry 3/6 in 4.0 s`), at
 * most one line per `everyMs` (with 128 requests failing at once, the others are counted, not printed).
 */
export function retryNotices(progress: ProgressSink, everyMs = 1000): (info: RetryInfo) => void {
  let lastAt = 0;
  let suppressed = 0;
  return (info) => {
    const now = Date.now();
    if (now - lastAt < everyMs) {
      suppressed++;
      return;
    }
    lastAt = now;
    const more = suppressed ? ` (+${suppressed} more retries since the last message)` : '';
    suppressed = 0;
    const line = `${info.cause} — retry ${info.retry}/${info.maxRetries} in ${(info.delayMs / 1000).toFixed(1)} s${more}`;
    if (progress.note) progress.note(line);
    else process.stderr.write(`evalkit: ${line}\n`);
  };
}
