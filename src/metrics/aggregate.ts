/**
 * metrics.json for one task: every declared metric of the variant computed from the latest verdicts, with
 * per-category breakdowns. The single place where a task's verdicts become TaskMetrics.
 */
import type { Item, MetricValue, RunOptions, TaskMetrics, TaskVariant, VerdictRecord } from '../types.js';
import { naturalCompare } from '../util/natural-sort.js';
import { aggregateOutcomes, checkDeclaredMetrics, outcomesByItem, type MetricSample } from './definitions.js';
import { groupVerdicts } from './group-verdicts.js';

type Declaring = Pick<
  TaskVariant,
  'name' | 'metrics' | 'breakdownBy' | 'extraBreakdowns' | 'extraMetrics'
> & {
  settings: { primaryMetric: string };
};

function computeAll(
  variant: Declaring,
  byItem: ReadonlyMap<string, readonly MetricSample[]>,
): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const spec of variant.metrics) {
    const { outcomes, skipped } = outcomesByItem(spec, byItem);
    // A metric no item can have (every item has fewer than k samples) is left out rather than written as NaN.
    if (!outcomes.size) continue;
    out[spec.name] = aggregateOutcomes(spec, [...outcomes.values()], skipped);
  }
  return out;
}

/** Aggregate a task's verdicts into TaskMetrics through its declared metrics. */
export function aggregateTask<D>(
  variant: Declaring,
  items: Item<D>[],
  verdicts: VerdictRecord[],
  options: RunOptions,
): TaskMetrics {
  checkDeclaredMetrics(variant.name, variant.metrics, variant.settings.primaryMetric, !!variant.extraMetrics);
  const { byItem, withSamples, missing, scored, errored } = groupVerdicts(items, verdicts);
  const samples = byItem as unknown as Map<string, MetricSample[]>;
  const metrics = computeAll(variant, samples);
  for (const [name, value] of Object.entries(variant.extraMetrics?.(items, verdicts, options) ?? {})) {
    if (variant.metrics.some((d) => d.name === name))
      throw new Error(`task ${variant.name}: extra metric "${name}" reuses a declared metric's name`);
    metrics[name] = value;
  }
  const breakdowns: NonNullable<TaskMetrics['breakdowns']> = {};
  for (const dim of variant.breakdownBy ?? []) {
    const groups = new Map<string, Map<string, MetricSample[]>>();
    for (const it of withSamples) {
      const c = it.categories?.[dim];
      if (c === undefined) continue;
      let g = groups.get(c);
      if (!g) groups.set(c, (g = new Map()));
      g.set(it.id, samples.get(it.id)!);
    }
    breakdowns[dim] = {};
    for (const c of [...groups.keys()].sort(naturalCompare)) {
      const g = groups.get(c)!;
      breakdowns[dim][c] = { ...computeAll(variant, g), count: { value: g.size } };
    }
  }
  Object.assign(breakdowns, variant.extraBreakdowns?.(items, verdicts, options) ?? {});
  return {
    task: variant.name,
    primary: variant.settings.primaryMetric,
    metrics,
    ...(Object.keys(breakdowns).length ? { breakdowns } : {}),
    counts: { items: items.length, samples: scored + errored, scored, errored, missingItems: missing.length },
    ...(missing.length ? { missingItems: missing } : {}),
    declared: variant.metrics,
  };
}
