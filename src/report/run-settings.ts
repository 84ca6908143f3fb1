/**
 * The settings that decide a run's numbers, per task, read from its manifest: prompt format, shots, samples
 * per item, sampling, token budget, and whether only a `--limit` subset of the items was evaluated. Shown
 * next to every number in the report and on the viewer's run page, so two cells are never compared blindly.
 */
import type { RunManifest, TaskMetrics } from '../types.js';

export interface TaskSettings {
  task: string;
  format?: string;
  shots?: number;
  n?: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Items evaluated (after `--limit`). */
  items?: number;
  /** `--limit N` of the run (first N items of every task), if set. */
  limit?: number;
  /** Items in the whole dataset, when known (from the dataset itself). */
  datasetItems?: number;
  scored?: number;
  errored?: number;
}

export function taskSettings(
  manifest: RunManifest | undefined,
  metrics: Record<string, TaskMetrics>,
  datasetItems: (task: string) => number | undefined = () => undefined,
): TaskSettings[] {
  const tasks = new Map<string, TaskSettings>();
  const limit = typeof manifest?.options?.limit === 'number' ? manifest.options.limit : undefined;
  for (const t of manifest?.tasks ?? []) {
    const g = t.settings?.generation;
    tasks.set(t.name, {
      task: t.name,
      format: t.settings?.format,
      shots: t.settings?.shots,
      n: g?.n,
      temperature: g?.temperature,
      topP: g?.top_p,
      maxTokens: g?.max_tokens,
      items: t.items,
      limit,
      datasetItems: datasetItems(t.name),
    });
  }
  for (const [task, m] of Object.entries(metrics)) {
    const s = tasks.get(task) ?? { task, limit, datasetItems: datasetItems(task) };
    s.items ??= m.counts.items;
    s.scored = m.counts.scored;
    s.errored = m.counts.errored;
    tasks.set(task, s);
  }
  return [...tasks.values()];
}

/** True when the run evaluated fewer items than the task has (a `--limit` subset). */
export function isSubset(s: TaskSettings): boolean {
  if (s.datasetItems !== undefined && s.items !== undefined) return s.items < s.datasetItems;
  return s.limit !== undefined;
}

/** "20 of 1319 items (--limit 20)", "164 items", … */
export function describeItems(s: TaskSettings): string {
  const of = s.datasetItems !== undefined && s.items !== undefined && s.items < s.datasetItems;
  const items = s.items !== undefined ? `${s.items}${of ? ` of ${s.datasetItems}` : ''} items` : '? items';
  return isSubset(s) ? `${items} (--limit ${s.limit ?? s.items})` : items;
}

/** "T 0.6 · top_p 0.95" or "greedy". */
export function describeSampling(s: TaskSettings): string {
  if (s.temperature === undefined) return '';
  return s.temperature === 0 ? 'greedy' : `T ${s.temperature} · top_p ${s.topP ?? 1}`;
}
