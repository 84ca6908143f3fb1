/**
 * Shared aggregation for code tasks: unbiased pass@k (Chen et al. 2021) per metric base, every k ≤ n among
 * 1, 5, 10, 100, each a mean over problems with a bootstrap 95% CI; per-problem c-of-n counts are kept in a
 * breakdown so paired tests between runs can use them.
 */
import { meanWithBootstrapCI, DEFAULT_SEED } from '../../metrics/bootstrap.js';
import { groupVerdicts } from '../../metrics/group-verdicts.js';
import { passAtK, reportableKs } from '../../metrics/pass-at-k.js';
import type { Item, MetricValue, RunOptions, TaskMetrics, VerdictRecord } from '../../types.js';

export interface CodeAggregateSpec {
  task: string;
  /** Metric bases present in VerdictRecord.scores, e.g. ['pass'] or ['base', 'plus']. */
  bases: string[];
  /** Headline metric name, e.g. 'pass@1' or 'plus_pass@1'. */
  primary: string;
}

/** Metric name for base `b` and k: 'pass@k' for the single 'pass' base, '<base>_pass@k' otherwise. */
export function metricName(base: string, k: number): string {
  return base === 'pass' ? `pass@${k}` : `${base}_pass@${k}`;
}

export function aggregateCode(
  spec: CodeAggregateSpec,
  items: Item<any>[],
  verdicts: VerdictRecord[],
  options: RunOptions,
): TaskMetrics {
  const seed = typeof options.seed === 'number' ? options.seed : DEFAULT_SEED;
  const { byItem, withSamples, missing, scored, errored } = groupVerdicts(items, verdicts);
  // c-of-n per problem and metric base
  const per = new Map<string, { n: number; c: Record<string, number> }>();
  for (const [id, vs] of byItem) {
    const c = Object.fromEntries(
      spec.bases.map((b) => [b, vs.filter((v) => (v.scores![b] ?? 0) >= 1).length]),
    );
    per.set(id, { n: vs.length, c });
  }
  const minN = withSamples.length ? Math.min(...withSamples.map((it) => per.get(it.id)!.n)) : 0;
  const metrics: Record<string, MetricValue> = {};
  for (const b of spec.bases) {
    for (const k of reportableKs(minN)) {
      const vals = withSamples.map((it) => {
        const p = per.get(it.id)!;
        return passAtK(p.n, p.c[b], k);
      });
      const m = meanWithBootstrapCI(vals, { seed });
      m.method = `unbiased pass@${k} (Chen et al. 2021) per problem, ${m.method}`;
      metrics[metricName(b, k)] = m;
    }
  }
  // Per-problem c-of-n counts (for paired tests between runs): breakdowns.problem[id][`${base}_c`] = c, n.
  const problem: Record<string, Record<string, MetricValue>> = {};
  for (const it of withSamples) {
    const p = per.get(it.id)!;
    const row: Record<string, MetricValue> = { n: { value: p.n } };
    for (const b of spec.bases) row[`${b}_c`] = { value: p.c[b] };
    problem[it.id] = row;
  }
  return {
    task: spec.task,
    primary: spec.primary,
    metrics,
    breakdowns: { problem },
    counts: { items: items.length, samples: scored + errored, scored, errored, missingItems: missing.length },
    ...(missing.length ? { missingItems: missing } : {}),
  };
}
