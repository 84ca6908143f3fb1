import type { Item, VerdictRecord } from '../types.js';

export interface GroupedVerdicts<D = unknown> {
  /** Scored verdicts per item id, sorted by sample index. Only ids of `items` appear. */
  byItem: Map<string, VerdictRecord[]>;
  /** Items with at least one scored sample, in `items` order. */
  withSamples: Item<D>[];
  /** Ids of items without any scored sample (reported, not scored as failures). */
  missing: string[];
  scored: number;
  /** Verdicts with `scores: null` (generation errored): excluded from metrics, counted. */
  errored: number;
}

/** The first step of every aggregate: scored verdicts grouped by item; errored and missing counted apart. */
export function groupVerdicts<D>(items: Item<D>[], verdicts: VerdictRecord[]): GroupedVerdicts<D> {
  const known = new Set(items.map((i) => i.id));
  const byItem = new Map<string, VerdictRecord[]>();
  let scored = 0;
  let errored = 0;
  for (const v of verdicts) {
    if (!known.has(v.itemId)) continue;
    if (!v.scores) {
      errored++;
      continue;
    }
    scored++;
    let arr = byItem.get(v.itemId);
    if (!arr) byItem.set(v.itemId, (arr = []));
    arr.push(v);
  }
  for (const arr of byItem.values()) arr.sort((a, b) => a.sampleIndex - b.sampleIndex);
  const withSamples = items.filter((it) => byItem.has(it.id));
  const missing = items.filter((it) => !byItem.has(it.id)).map((it) => it.id);
  return { byItem, withSamples, missing, scored, errored };
}
