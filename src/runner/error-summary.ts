/**
 * Errored samples (generation failed after the retry budget, or the scorer crashed) are excluded from metrics,
 * so a run where they pile up looks fine in its metrics. This module counts them from the verdicts, names the
 * most frequent causes, and decides whether the run did its job (`--max-error-rate`).
 */
import type { RunManifest } from '../types.js';
import { readLatestVerdicts } from './metrics.js';

export interface ErrorSummary {
  /** Samples with a verdict in the summarised tasks. */
  samples: number;
  errored: number;
  /** The most frequent causes, most frequent first (at most 3), each with its count. */
  reasons: Array<{ reason: string; count: number }>;
  /** Tolerated fraction of errored samples. */
  maxErrorRate: number;
  /** True when errored / samples exceeds maxErrorRate. */
  failed: boolean;
}

const CONNECT_CODES = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b/;

/** "server unreachable at <url>" for connection failures; the recorded error otherwise. */
export function explainError(error: string): string {
  if (CONNECT_CODES.test(error) && !/server unreachable/.test(error)) {
    const url = /\b(https?:\/\/[^\s:]+(?::\d+)?)/.exec(error)?.[1];
    return `server unreachable${url ? ` at ${url}` : ''}: ${error}`;
  }
  return error;
}

export async function summarizeErrors(
  runDir: string,
  tasks: Iterable<string>,
  maxErrorRate = 0,
): Promise<ErrorSummary> {
  const byTask = await readLatestVerdicts(runDir, new Set(tasks));
  let samples = 0;
  const counts = new Map<string, number>();
  for (const verdicts of byTask.values()) {
    for (const v of verdicts) {
      samples++;
      if (v.scores !== null) continue;
      const reason = explainError(v.error ?? v.reason ?? 'unknown error');
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
  }
  const errored = [...counts.values()].reduce((a, b) => a + b, 0);
  const reasons = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([reason, count]) => ({ reason: reason.length > 400 ? `${reason.slice(0, 400)}…` : reason, count }));
  return { samples, errored, reasons, maxErrorRate, failed: errored > maxErrorRate * samples };
}

const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '0');

/** Lines for stderr: how many samples errored, why, and what to do. Empty when nothing errored. */
export function formatErrorSummary(s: ErrorSummary): string {
  if (!s.errored) return '';
  const lines = [
    `evalkit: ${s.errored} of ${s.samples} samples ERRORED (${pct(s.errored, s.samples)}%; excluded from the metrics)` +
      (s.failed
        ? s.maxErrorRate > 0
          ? `, more than --max-error-rate ${s.maxErrorRate}: the run FAILED`
          : ': the run FAILED (tolerate some with --max-error-rate)'
        : `, within --max-error-rate ${s.maxErrorRate}`),
    ...s.reasons.map((r) => `evalkit:   ${r.count} × ${r.reason}`),
    'evalkit: run the same command again to retry the errored samples.',
  ];
  return lines.join('\n') + '\n';
}

/** What the manifest records about errored samples. */
export function manifestErrors(s: ErrorSummary): NonNullable<RunManifest['errors']> {
  return { errored: s.errored, samples: s.samples, maxErrorRate: s.maxErrorRate, reasons: s.reasons };
}
