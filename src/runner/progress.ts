/**
 * Progress reporting: a redrawn bar on a terminal, plain timestamped lines otherwise (CI logs, files).
 */
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
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressSink {
  if (quiet) return { update() {}, done() {} };
  const start = Date.now();
  const isTty = Boolean(stream.isTTY);
  let lastLine = 0;
  let lastPct = -1;
  const fmt = (c: ProgressCounts, phase: string) => {
    const secs = (Date.now() - start) / 1000;
    const work = c.total - c.skipped;
    const rate = secs > 0 ? (c.scored - 0) / secs : 0;
    const remaining = Math.max(0, c.total - c.skipped - c.scored);
    const eta = rate > 0 ? `${Math.round(remaining / rate)}s` : '?';
    return {
      text:
        `${phase}: generated ${c.generated}/${work}, scored ${c.scored}/${work}` +
        (c.skipped ? `, ${c.skipped} already done` : '') +
        (c.errored ? `, ${c.errored} errored` : '') +
        ` (${rate.toFixed(1)} samples/s, ETA ${eta})`,
      frac: work > 0 ? c.scored / work : 1,
    };
  };
  return {
    update(c, phase) {
      const { text, frac } = fmt(c, phase);
      const now = Date.now();
      if (isTty) {
        if (now - lastLine < 100) return;
        lastLine = now;
        const width = 24;
        const filled = Math.round(frac * width);
        stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
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
      stream.write(isTty ? `\r\x1b[2K${text}\n` : `[${new Date().toISOString()}] ${text}\n`);
    },
  };
}
