/**
 * Declared metrics: how a `MetricSpec` (src/types.ts) turns an item's scored samples into a per-item outcome,
 * and per-item outcomes into a value with its 95% CI. Everything that computes a metric — metrics.json, the
 * results index behind `compare`, reports, importers, the EvalPlus export — goes through these functions.
 * docs/metrics.md explains how a task variant declares its metrics.
 */
import type { MetricSpec, MetricValue, VerdictRecord } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { clusteredProportionInterval } from './intervals.js';
import { majAtK, type VoteSample } from './majority.js';
import { passAtK } from './pass-at-k.js';

/** What a metric reads of one scored sample. */
export type MetricSample = Pick<VerdictRecord, 'sampleIndex' | 'details'> & {
  scores: Record<string, number>;
};

/** One item's outcome under a metric: the value paired tests compare, and what backs it. */
export interface ItemOutcome {
  /** Scored samples of the item. */
  n: number;
  /** The item's value: 0/1, pass rate, pass@k estimate, expected majority vote, mean score. */
  value: number;
  /** Weight of the item in the aggregate (ratio metrics; default 1). */
  weight?: number;
}

// ───────────────────────────── declaring ─────────────────────────────

/** Mean of a score over samples and items: accuracy, exact_match, avg@n, a judge's mean score (`range`). */
export function meanMetric(scoreKey: string, name = scoreKey, range?: [number, number]): MetricSpec {
  return { name, kind: 'mean', scoreKey, ...(range ? { range } : {}) };
}

/** Unbiased pass@k; named `pass@k` for the score key 'pass', `<key>_pass@k` otherwise, unless `name` is given. */
export function passAtKMetric(scoreKey: string, k: number, name?: string): MetricSpec {
  return {
    name: name ?? (scoreKey === 'pass' ? `pass@${k}` : `${scoreKey}_pass@${k}`),
    kind: 'pass@k',
    scoreKey,
    k,
  };
}

/** Exact maj@k over the votes of `scoreKey`. */
export function majAtKMetric(scoreKey: string, k: number, name = `maj@${k}`): MetricSpec {
  return { name, kind: 'maj@k', scoreKey, k };
}

/** Σ value·weight / Σ weight, weight from `details[weightDetail]` (a number or an array's length). */
export function ratioMetric(scoreKey: string, weightDetail: string, name: string): MetricSpec {
  return { name, kind: 'ratio', scoreKey, weightDetail };
}

/** pass@k for each score key and every k ≤ n among `ks` (code tasks: 1, 5, 10, 100). */
export function passAtKMetrics(
  scoreKeys: string[],
  n: number,
  ks: readonly number[] = [1, 5, 10, 100],
): MetricSpec[] {
  return scoreKeys.flatMap((key) => ks.filter((k) => k <= n).map((k) => passAtKMetric(key, k)));
}

/**
 * The metrics of an answer-extraction task with `n` samples per item: the mean of each score key (named by
 * the key); with n > 1 also avg@n, pass@k and maj@k for every k ≤ n among `ks`. The first key's sampled
 * metrics are unprefixed (`pass@1`), the others `<key>_pass@1` (`plainFirstKey: false` prefixes all).
 */
export function sampledMetrics(
  scoreKeys: string[],
  n: number,
  opts: { ks?: readonly number[]; plainFirstKey?: boolean } = {},
): MetricSpec[] {
  const ks = (opts.ks ?? [1, 4, 8, 16, 32]).filter((k) => k <= n);
  return scoreKeys.flatMap((key, i) => {
    const prefix = i === 0 && (opts.plainFirstKey ?? true) ? '' : `${key}_`;
    const out = [meanMetric(key)];
    if (n > 1) {
      out.push(meanMetric(key, `${prefix}avg@${n}`));
      for (const k of ks)
        out.push(passAtKMetric(key, k, `${prefix}pass@${k}`), majAtKMetric(key, k, `${prefix}maj@${k}`));
    }
    return out;
  });
}

/** The declared metric called `name`, or a clear error listing what the task declares. */
export function findMetric(declared: readonly MetricSpec[], name: string, task: string): MetricSpec {
  const m = declared.find((d) => d.name === name);
  if (!m)
    throw new EvalkitError(
      `task ${task} does not declare metric "${name}" (it declares: ${declared.map((d) => d.name).join(', ')})`,
    );
  return m;
}

/**
 * Check a variant's declaration: unique names, sane k, a declared primary — unless `primaryReported`: the
 * variant reports its headline through `extraMetrics` (an official aggregate that is not a mean of per-item
 * outcomes, e.g. Spiral-Bench's score); `compare` then falls back to its first declared metric. Throws.
 */
export function checkDeclaredMetrics(
  task: string,
  declared: readonly MetricSpec[],
  primary: string,
  primaryReported = false,
): void {
  const seen = new Set<string>();
  for (const d of declared) {
    if (seen.has(d.name)) throw new EvalkitError(`task ${task}: metric "${d.name}" is declared twice`);
    seen.add(d.name);
    if ((d.kind === 'pass@k' || d.kind === 'maj@k') && !(Number.isInteger(d.k) && d.k >= 1))
      throw new EvalkitError(`task ${task}: metric "${d.name}" has k=${d.k}; k must be a positive integer`);
  }
  if (!declared.length) throw new EvalkitError(`task ${task} declares no metrics`);
  if (!primaryReported) findMetric(declared, primary, task);
}

// ───────────────────────────── computing ─────────────────────────────

function score(s: MetricSample, key: string): number {
  const v = s.scores[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function voteKey(s: MetricSample, key: string): string | null {
  const d = s.details as { voteKey?: string | null; voteKeys?: Record<string, string | null> } | undefined;
  const k = d?.voteKeys?.[key] ?? d?.voteKey;
  return typeof k === 'string' ? k : null;
}

function weightOf(s: MetricSample, detail: string): number {
  const w = (s.details as Record<string, unknown> | undefined)?.[detail];
  if (typeof w === 'number' && w > 0) return w;
  if (Array.isArray(w) && w.length) return w.length;
  return 1;
}

/**
 * The outcome of one item under `spec`, from its scored samples (any order). Undefined when the item cannot
 * have one: no samples, or fewer than k for pass@k / maj@k.
 */
export function itemOutcome(spec: MetricSpec, samples: readonly MetricSample[]): ItemOutcome | undefined {
  const n = samples.length;
  if (!n) return undefined;
  switch (spec.kind) {
    case 'mean':
    case 'ratio': {
      // A sample without the key has no value for this metric (a judge score that did not parse); pass@k and
      // maj@k instead count it as a failure.
      const has = samples.filter((s) => typeof s.scores[spec.scoreKey] === 'number');
      if (!has.length) return undefined;
      const value = has.reduce((a, s) => a + score(s, spec.scoreKey), 0) / has.length;
      return spec.kind === 'mean'
        ? { n: has.length, value }
        : { n: has.length, value, weight: weightOf(has[0], spec.weightDetail) };
    }
    case 'pass@k': {
      if (n < spec.k) return undefined;
      const c = samples.filter((s) => score(s, spec.scoreKey) >= 1).length;
      return { n, value: passAtK(n, c, spec.k) };
    }
    case 'maj@k': {
      if (n < spec.k) return undefined;
      const votes: VoteSample[] = samples.map((s) => ({
        score: score(s, spec.scoreKey),
        key: voteKey(s, spec.scoreKey),
      }));
      return { n, value: majAtK(votes, spec.k) };
    }
  }
}

function describe(spec: MetricSpec): string {
  switch (spec.kind) {
    case 'mean':
      return `mean of "${spec.scoreKey}" over each item's samples, then over items`;
    case 'ratio':
      return `Σ "${spec.scoreKey}"·${spec.weightDetail} / Σ ${spec.weightDetail} over items (ratio)`;
    case 'pass@k':
      return `unbiased pass@${spec.k} (Chen et al. 2021) per item from its own n and c of "${spec.scoreKey}" ≥ 1, mean over items`;
    case 'maj@k':
      return `exact maj@${spec.k} per item (expected majority vote over all ${spec.k}-subsets of its samples, ties split), mean over items`;
  }
}

/** Aggregate per-item outcomes of `spec` into its value with a 95% CI. `skipped` = items left out (n < k). */
export function aggregateOutcomes(
  spec: MetricSpec,
  outcomes: readonly ItemOutcome[],
  skipped = 0,
): MetricValue {
  const N = outcomes.length;
  const [lo, hi] = spec.kind === 'mean' && spec.range ? spec.range : [0, 1];
  const scale = (v: number) => (v - lo) / (hi - lo);
  const unscale = (v: number) => lo + v * (hi - lo);
  const values = outcomes.map((o) => Math.min(1, Math.max(0, scale(o.value))));
  const weights = spec.kind === 'ratio' ? outcomes.map((o) => o.weight ?? 1) : undefined;
  // Bernoulli trials behind each item: its samples (× its weight for ratios; pass@k uses the n/k disjoint draws).
  const trials = outcomes.map((o, i) => {
    const t = spec.kind === 'pass@k' || spec.kind === 'maj@k' ? Math.max(1, Math.floor(o.n / spec.k)) : o.n;
    return weights ? t * weights[i] : t;
  });
  const ci = clusteredProportionInterval(values, trials, weights);
  const single = trials.every((t) => t === 1) && values.every((v) => v === 0 || v === 1) && !weights;
  const nMin = N ? Math.min(...outcomes.map((o) => o.n)) : 0;
  const nMax = N ? Math.max(...outcomes.map((o) => o.n)) : 0;
  const interval = single
    ? '95% CI: Wilson score interval (one sample per item)'
    : `95% CI: Wilson at effective n ${ci.nEffective.toFixed(1)} from the between-item variance (Korn–Graubard, clustered by item)`;
  // The value itself is never clamped or rescaled: the weighted mean for ratios, the plain mean otherwise.
  const value = weights ? ci.value : N ? outcomes.reduce((a, o) => a + o.value, 0) / N : NaN;
  return {
    value,
    ci95: [unscale(ci.ci95[0]), unscale(ci.ci95[1])],
    stderr: ci.stderr * (hi - lo),
    method: `${describe(spec)}; ${N} items${skipped ? ` (${skipped} ${spec.kind === 'pass@k' || spec.kind === 'maj@k' ? `with fewer than ${spec.k} samples` : `without a "${spec.scoreKey}" score`} left out)` : ''}${nMin !== nMax ? `, ${nMin}–${nMax} samples per item` : ''}; ${interval}`,
    items: N,
    samplesPerItem: [nMin, nMax],
  };
}

/** Per-item outcomes of `spec` from samples grouped by item; items without an outcome are counted in `skipped`. */
export function outcomesByItem(
  spec: MetricSpec,
  byItem: ReadonlyMap<string, readonly MetricSample[]>,
): { outcomes: Map<string, ItemOutcome>; skipped: number } {
  const outcomes = new Map<string, ItemOutcome>();
  let skipped = 0;
  for (const [id, samples] of byItem) {
    // A scorer may exclude an item from every metric (BigCodeBench: its reference solution fails here).
    if (samples.some((s) => (s.details as { excluded?: unknown } | undefined)?.excluded === true)) continue;
    const o = itemOutcome(spec, samples);
    if (o) outcomes.set(id, o);
    else if (samples.length) skipped++;
  }
  return { outcomes, skipped };
}
