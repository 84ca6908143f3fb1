/**
 * Aggregation for repository-level tasks (SWE-bench, Aider polyglot): each score key (resolved, pass@1,
 * pass@2, well_formed, outcome indicators …) becomes a mean over problems (mean over a problem's samples first)
 * with a seeded bootstrap 95% CI, overall and per category (repo, language), plus per-problem values for paired
 * comparisons between checkpoints.
 */
import { DEFAULT_SEED, meanWithBootstrapCI } from '../../metrics/bootstrap.js';
import { groupVerdicts } from '../../metrics/group-verdicts.js';
import type { Item, MetricValue, RunOptions, TaskMetrics, VerdictRecord } from '../../types.js';

export interface RateAggregateSpec {
  task: string;
  primary: string;
  /** Score keys of VerdictRecord.scores to report (missing key in a verdict = 0). */
  keys: string[];
  /** Item category dimensions to break down by (Item.categories keys), e.g. ['repo'] or ['language']. */
  breakdownBy: string[];
  /** Subset name shown with the headline, e.g. "SWE-bench Verified, offline-admitted 133". */
  subset?: string;
}

export function aggregateRates(
  spec: RateAggregateSpec,
  items: Item<any>[],
  verdicts: VerdictRecord[],
  options: RunOptions,
): TaskMetrics {
  const seed = typeof options.seed === 'number' ? options.seed : DEFAULT_SEED;
  const { byItem, withSamples, missing, scored, errored } = groupVerdicts(items, verdicts);
  const perItem = (it: Item<any>, key: string) => {
    const vs = byItem.get(it.id)!;
    return vs.reduce((a, v) => a + (v.scores![key] ?? 0), 0) / vs.length;
  };
  const describe = (m: MetricValue, key: string) => {
    m.method = `${key}: per-problem mean over samples, ${m.method}${spec.subset ? `; subset: ${spec.subset}` : ''}`;
    return m;
  };
  const metrics: Record<string, MetricValue> = {};
  for (const key of spec.keys)
    metrics[key] = describe(
      meanWithBootstrapCI(
        withSamples.map((it) => perItem(it, key)),
        { seed },
      ),
      key,
    );
  const breakdowns: NonNullable<TaskMetrics['breakdowns']> = {};
  for (const dim of spec.breakdownBy) {
    const groups = new Map<string, Item<any>[]>();
    for (const it of withSamples) {
      const c = it.categories?.[dim] ?? 'unknown';
      if (!groups.has(c)) groups.set(c, []);
      groups.get(c)!.push(it);
    }
    const out: Record<string, Record<string, MetricValue>> = {};
    for (const [c, its] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      out[c] = { n: { value: its.length } };
      for (const key of spec.keys)
        out[c][key] = describe(
          meanWithBootstrapCI(
            its.map((it) => perItem(it, key)),
            { seed },
          ),
          key,
        );
    }
    breakdowns[dim] = out;
  }
  const problem: Record<string, Record<string, MetricValue>> = {};
  for (const it of withSamples) {
    const row: Record<string, MetricValue> = { n: { value: byItem.get(it.id)!.length } };
    for (const key of spec.keys) row[key] = { value: perItem(it, key) };
    problem[it.id] = row;
  }
  breakdowns.problem = problem;
  return {
    task: spec.task,
    primary: spec.primary,
    metrics,
    breakdowns,
    counts: { items: items.length, samples: scored + errored, scored, errored, missingItems: missing.length },
    ...(missing.length ? { missingItems: missing } : {}),
  };
}
