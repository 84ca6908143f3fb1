import { describe, expect, it } from 'vitest';
import { createProgress, retryNotices } from '../../src/runner/progress.js';

/** A fake terminal of `columns` width that records what was written. */
function terminal(columns: number) {
  const out: string[] = [];
  const stream = {
    isTTY: true,
    columns,
    write: (s: string) => (out.push(s), true),
  } as unknown as NodeJS.WriteStream;
  /** The visible lines: what follows each carriage return / erase, split on newlines. */
  const lines = () =>
    out
      .join('')
      .split(/\r\x1b\[2K|\n/)
      .filter(Boolean);
  return { stream, lines };
}

describe('progress line', () => {
  it('never wraps in a 70-column terminal, even with every counter shown', () => {
    const t = terminal(70);
    const p = createProgress(t.stream);
    const c = { total: 123456, generated: 99999, scored: 88888, errored: 7777, skipped: 11111 };
    p.update(c, 'run');
    p.note?.('POST http://127.0.0.1:8000/v1/completions: HTTP 500: boom — retry 3/6 in 4.0 s');
    p.done(c, 'run');
    const progressLines = t.lines().filter((l) => !l.startsWith('evalkit: '));
    expect(progressLines.length).toBeGreaterThanOrEqual(2);
    for (const l of progressLines) expect(l.length, l).toBeLessThanOrEqual(69);
    expect(progressLines[0]).toMatch(/^run: 88888\/112345 scored/);
  });

  it('shows a bar when the terminal is wide enough', () => {
    const t = terminal(140);
    createProgress(t.stream).update({ total: 10, generated: 5, scored: 5, errored: 0, skipped: 0 }, 'run');
    expect(t.lines()[0]).toMatch(/^\[#+\.+\] run: 5\/10 scored, 5 generated/);
  });

  it('retry notices: the cause and the retry number, at most one line per interval with a count of the rest', () => {
    const t = terminal(200);
    const notify = retryNotices(createProgress(t.stream), 60_000);
    for (let i = 1; i <= 3; i++)
      notify({ cause: 'POST u: HTTP 500: boom', retry: i, maxRetries: 6, delayMs: 1500 });
    const notes = t.lines().filter((l) => l.startsWith('evalkit: '));
    expect(notes).toEqual(['evalkit: POST u: HTTP 500: boom — retry 1/6 in 1.5 s']);
  });
});
