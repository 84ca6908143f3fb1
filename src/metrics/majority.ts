/**
 * Sampled-variant statistics for answer-extraction tasks (math, multiple choice):
 *   - accuracy / avg@n: per problem the mean score over its samples, then the mean over problems;
 *   - pass@k: unbiased estimator (Chen et al. 2021) per problem;
 *   - maj@k (= cons@k, self-consistency): the answer most samples agree on (vote key from the scorer, stored in
 *     VerdictRecord.details.voteKey), scored by the score of a sample carrying that key. For k < n the value is
 *     the mean over 64 seeded random k-subsets of the samples (k = n: the single full vote). Ties go to the key
 *     seen first in sample order. Samples without an extracted answer do not vote.
 * Every headline value carries a bootstrap 95% CI over problems (meanWithBootstrapCI), and per-category
 * breakdowns use the same estimators restricted to the category.
 */
import { groupVerdicts } from './group-verdicts.js';
import type { Item, MetricValue, RunOptions, TaskMetrics, VerdictRecord } from '../types.js';
import { mulberry32 } from '../util/rng.js';
import { DEFAULT_SEED, meanWithBootstrapCI } from './bootstrap.js';
import { passAtK } from './pass-at-k.js';

export const SAMPLED_KS = [1, 4, 8, 16, 32] as const;

export interface SampleOutcome {
  score: number;
  /** Vote key (canonical extracted answer); null when nothing was extracted. */
  key: string | null;
}

/** Majority-vote correctness over a subset of samples (indices). */
export function majorityCorrect(samples: readonly SampleOutcome[], subset?: readonly number[]): number {
  const idx = subset ?? samples.map((_, i) => i);
  const counts = new Map<string, { n: number; first: number; score: number }>();
  idx.forEach((i, order) => {
    const s = samples[i];
    if (s.key === null) return;
    const c = counts.get(s.key);
    if (c) c.n++;
    else counts.set(s.key, { n: 1, first: order, score: s.score });
  });
  let best: { n: number; first: number; score: number } | undefined;
  for (const c of counts.values())
    if (!best || c.n > best.n || (c.n === best.n && c.first < best.first)) best = c;
  return best ? best.score : 0;
}

/** maj@k for one problem: exact for k = n, else the mean over `draws` seeded random k-subsets. */
export function majAtK(
  samples: readonly SampleOutcome[],
  k: number,
  seed = DEFAULT_SEED,
  draws = 64,
): number {
  const n = samples.length;
  if (k > n) throw new RangeError(`maj@${k} needs at least ${k} samples, got n=${n}`);
  if (k === n) return majorityCorrect(samples);
  const rnd = mulberry32(seed);
  let total = 0;
  const all = samples.map((_, i) => i);
  for (let d = 0; d < draws; d++) {
    const pool = all.slice();
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rnd() * (n - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    total += majorityCorrect(
      samples,
      pool.slice(0, k).sort((a, b) => a - b),
    );
  }
  return total / draws;
}

/** Per-problem mean score (avg@n). */
export function avgAtN(samples: readonly SampleOutcome[]): number {
  return samples.length ? samples.reduce((s, x) => s + x.score, 0) / samples.length : NaN;
}

export interface ReasoningAggregateSpec {
  task: string;
  /** Score keys in VerdictRecord.scores, e.g. ['exact_match', 'exact_match_flex'] or ['acc']. */
  bases: string[];
  /** Headline metric name, a key of the produced metrics (e.g. 'exact_match', 'avg@16', 'pass@1'). */
  primary: string;
  /** k values to try for pass@k / maj@k when samples > 1. */
  ks?: readonly number[];
  /** Category dimensions of Item.categories to break down by (e.g. ['subject', 'level']). */
  breakdownBy?: string[];
  /** The first base is reported without prefix ('pass@1'); others as '<base>_pass@1'. Default true. */
  plainFirstBase?: boolean;
}

function name(spec: ReasoningAggregateSpec, base: string, metric: string): string {
  const plain = (spec.plainFirstBase ?? true) && base === spec.bases[0];
  if (metric === 'mean') return base;
  return plain ? metric : `${base}_${metric}`;
}

function computeMetrics(
  spec: ReasoningAggregateSpec,
  per: Array<{ id: string; samples: Record<string, SampleOutcome[]> }>,
  seed: number,
): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  if (!per.length) return out;
  const minN = Math.min(...per.map((p) => p.samples[spec.bases[0]].length));
  for (const base of spec.bases) {
    const means = per.map((p) => avgAtN(p.samples[base]));
    const m = meanWithBootstrapCI(means, { seed });
    m.method =
      minN > 1 ? `avg@${minN}: mean score over samples per problem, ${m.method}` : `accuracy, ${m.method}`;
    out[name(spec, base, 'mean')] = m;
    if (minN > 1) {
      out[name(spec, base, `avg@${minN}`)] = { ...m };
      for (const k of (spec.ks ?? SAMPLED_KS).filter((x) => x <= minN)) {
        const pk = meanWithBootstrapCI(
          per.map((p) => {
            const s = p.samples[base].slice(0, minN);
            return passAtK(s.length, s.filter((x) => x.score >= 1).length, k);
          }),
          { seed },
        );
        pk.method = `unbiased pass@${k} (Chen et al. 2021) per problem, ${pk.method}`;
        out[name(spec, base, `pass@${k}`)] = pk;
        const mk = meanWithBootstrapCI(
          per.map((p, i) => majAtK(p.samples[base].slice(0, minN), k, seed + i)),
          { seed },
        );
        mk.method = `maj@${k} (cons@${k}, majority vote over ${k === minN ? 'all' : `64 seeded random ${k}-subsets of the`} samples) per problem, ${mk.method}`;
        out[name(spec, base, `maj@${k}`)] = mk;
      }
    }
  }
  return out;
}

/** Aggregate verdicts of an answer-extraction task into TaskMetrics (accuracy, avg@n, pass@k, maj@k, CIs). */
export function aggregateReasoning(
  spec: ReasoningAggregateSpec,

  items: Item<any>[],
  verdicts: VerdictRecord[],
  options: RunOptions,
): TaskMetrics {
  const seed = typeof options.seed === 'number' ? options.seed : DEFAULT_SEED;
  const { byItem, withSamples, missing, scored, errored } = groupVerdicts(items, verdicts);
  const per: Array<{ id: string; item: Item<unknown>; samples: Record<string, SampleOutcome[]> }> = [];
  for (const it of withSamples) {
    const vs = byItem.get(it.id)!;
    const samples: Record<string, SampleOutcome[]> = {};
    for (const base of spec.bases) {
      samples[base] = vs.map((v) => {
        const d = v.details as
          { voteKey?: string | null; voteKeys?: Record<string, string | null> } | undefined;
        const key = d?.voteKeys?.[base] ?? d?.voteKey ?? null;
        return { score: Number(v.scores![base] ?? 0), key };
      });
    }
    per.push({ id: it.id, item: it, samples });
  }
  const metrics = computeMetrics(spec, per, seed);
  const breakdowns: Record<string, Record<string, Record<string, MetricValue>>> = {};
  for (const dim of spec.breakdownBy ?? []) {
    const groups = new Map<string, typeof per>();
    for (const p of per) {
      const c = p.item.categories?.[dim];
      if (c === undefined) continue;
      let g = groups.get(c);
      if (!g) groups.set(c, (g = []));
      g.push(p);
    }
    breakdowns[dim] = {};
    for (const [c, g] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      breakdowns[dim][c] = { ...computeMetrics(spec, g, seed), count: { value: g.length } };
    }
  }
  // Per-problem counts for paired tests between runs.
  const problem: Record<string, Record<string, MetricValue>> = {};
  for (const p of per) {
    const row: Record<string, MetricValue> = { n: { value: p.samples[spec.bases[0]].length } };
    for (const b of spec.bases) row[`${b}_c`] = { value: p.samples[b].filter((s) => s.score >= 1).length };
    problem[p.id] = row;
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
