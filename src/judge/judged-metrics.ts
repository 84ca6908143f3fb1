/**
 * Metrics of judge-graded tasks:
 *   - `judgedMean`: mean of a judged score whose 95% CI carries judge disagreement — a two-level percentile
 *     bootstrap: resample items, and within each resampled item resample the judges whose verdict parsed
 *     (an item on which the judges disagree widens the interval; one judge = the ordinary item bootstrap);
 *   - `judgeAgreement`: ensemble agreement per pair of judges (Pearson, Spearman, exact agreement, mean
 *     absolute difference; Cohen's kappa for categorical verdicts);
 *   - `positionBias`: pairwise order consistency and how often the first position was preferred;
 *   - `lengthControlledWinRate`: the win rate at equal length (logistic regression of the outcome on the
 *     length difference, read at zero difference; the idea of AlpacaEval 2's length-controlled win rate,
 *     without its per-instruction terms);
 *   - `judgeParseRate`: share of judge questions that got a parseable verdict within the retry budget.
 */
import { mean, stderrOfMean } from '../metrics/mean.js';
import type { MetricValue, VerdictRecord } from '../types.js';
import { mulberry32 } from '../util/rng.js';
import type { PairwiseChoice } from './parsers.js';
import { perJudgeKey } from './modes.js';

const DEFAULT_SEED = 1234;
const RESAMPLES = 2000;

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** One row per item: label → the judge's value (mean over the item's scored samples). */
export type JudgeTable = Array<{ itemId: string; perJudge: Record<string, number> }>;

/** Items × judges table of score `key` from verdicts (keys `<key>@<judge>`), in verdict order of first item appearance. */
export function judgeTable(verdicts: VerdictRecord[], key: string): JudgeTable {
  const prefix = `${key}@`;
  const acc = new Map<string, Map<string, number[]>>();
  for (const v of verdicts) {
    if (!v.scores) continue;
    let row = acc.get(v.itemId);
    for (const [k, x] of Object.entries(v.scores)) {
      if (!k.startsWith(prefix) || !Number.isFinite(x)) continue;
      if (!row) acc.set(v.itemId, (row = new Map()));
      const label = k.slice(prefix.length);
      const arr = row.get(label) ?? [];
      arr.push(x);
      row.set(label, arr);
    }
  }
  return [...acc.entries()].map(([itemId, row]) => ({
    itemId,
    perJudge: Object.fromEntries([...row.entries()].map(([l, xs]) => [l, mean(xs)])),
  }));
}

/**
 * Mean over rows of the per-row judge mean, with a CI that carries judge disagreement (see file header).
 * Rows sharing an itemId (e.g. the two turns of an MT-Bench question) form one cluster: the bootstrap resamples
 * clusters, so the statistic is the ratio sum of row values / number of rows of the resampled clusters.
 */
export function judgedMean(table: JudgeTable, opts: { seed?: number; resamples?: number } = {}): MetricValue {
  const rows = table.filter((r) => Object.keys(r.perJudge).length > 0);
  const perRow = rows.map((r) => mean(Object.values(r.perJudge)));
  const clusters = new Map<string, number[][]>();
  for (const r of rows) {
    const c = clusters.get(r.itemId) ?? [];
    c.push(Object.values(r.perJudge));
    clusters.set(r.itemId, c);
  }
  const groups = [...clusters.values()];
  const n = groups.length;
  const judges = new Set(table.flatMap((r) => Object.keys(r.perJudge))).size;
  const seed = opts.seed ?? DEFAULT_SEED;
  const B = opts.resamples ?? RESAMPLES;
  const unit = rows.length === n ? `${n} items` : `${rows.length} rows in ${n} items`;
  const method =
    `mean over ${unit} of the mean over ${judges} judge(s); 95% CI: two-level percentile bootstrap ` +
    `(items, then judges within item; ${B} resamples, seed ${seed})`;
  if (!n) return { value: NaN, method };
  const rnd = mulberry32(seed);
  const stats = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      for (const xs of groups[Math.floor(rnd() * n)]) {
        if (xs.length === 1) s += xs[0];
        else {
          let t = 0;
          for (let j = 0; j < xs.length; j++) t += xs[Math.floor(rnd() * xs.length)];
          s += t / xs.length;
        }
        count++;
      }
    }
    stats[b] = s / count;
  }
  stats.sort();
  return {
    value: mean(perRow),
    ci95: [quantile(stats, 0.025), quantile(stats, 0.975)],
    stderr: stderrOfMean(groups.map((g) => mean(g.map((xs) => mean(xs))))),
    method,
  };
}

function pearson(x: number[], y: number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Average ranks (ties share the mean rank), 1-based. */
export function ranks(x: number[]): number[] {
  const idx = x.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k][1]] = avg;
    i = j + 1;
  }
  return r;
}

export const pearsonCorrelation = pearson;
export const spearmanCorrelation = (x: number[], y: number[]) => pearson(ranks(x), ranks(y));

/** Cohen's kappa of two raters' categorical labels. */
export function cohensKappa(a: string[], b: string[]): number {
  const n = a.length;
  if (!n) return NaN;
  const cats = [...new Set([...a, ...b])];
  let agree = 0;
  for (let i = 0; i < n; i++) if (a[i] === b[i]) agree++;
  const po = agree / n;
  let pe = 0;
  for (const c of cats) pe += (a.filter((x) => x === c).length / n) * (b.filter((x) => x === c).length / n);
  return pe === 1 ? (po === 1 ? 1 : NaN) : (po - pe) / (1 - pe);
}

/** `stat` over B resamples (with replacement, seeded) of the pairs (x[i], y[i]). */
function pairedBootstrap(
  x: number[],
  y: number[],
  B: number,
  seed: number,
  stat: (xs: number[], ys: number[]) => number,
): number[] {
  const n = x.length;
  const rnd = mulberry32(seed);
  const out: number[] = [];
  const xs = new Array<number>(n);
  const ys = new Array<number>(n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rnd() * n);
      xs[i] = x[k];
      ys[i] = y[k];
    }
    out.push(stat(xs, ys));
  }
  return out;
}

/** Correlation with a percentile-bootstrap CI over paired observations. */
export function correlationWithCI(
  x: number[],
  y: number[],
  kind: 'spearman' | 'pearson',
  opts: { seed?: number; resamples?: number } = {},
): MetricValue {
  const f = kind === 'spearman' ? spearmanCorrelation : pearson;
  const n = x.length;
  const value = n >= 3 ? f(x, y) : NaN;
  const B = opts.resamples ?? 1000;
  const seed = opts.seed ?? DEFAULT_SEED;
  const method = `${kind} correlation over ${n} pairs; 95% CI: percentile bootstrap (${B} resamples, seed ${seed})`;
  if (n < 3 || !Number.isFinite(value)) return { value, method };
  const stats = pairedBootstrap(x, y, B, seed, f).filter((r) => Number.isFinite(r));
  const sorted = Float64Array.from(stats).sort();
  return {
    value,
    ci95: sorted.length ? [quantile(sorted, 0.025), quantile(sorted, 0.975)] : undefined,
    method,
  };
}

export interface PairAgreement {
  judges: [string, string];
  items: number;
  pearson: number;
  spearman: number;
  /** Share of items where both gave the same value. */
  exact: number;
  meanAbsDiff: number;
}

/** Agreement of every pair of judges on the items both judged. */
export function judgeAgreement(table: JudgeTable): PairAgreement[] {
  const labels = [...new Set(table.flatMap((r) => Object.keys(r.perJudge)))].sort();
  const out: PairAgreement[] = [];
  for (let a = 0; a < labels.length; a++) {
    for (let b = a + 1; b < labels.length; b++) {
      const x: number[] = [];
      const y: number[] = [];
      for (const r of table) {
        if (labels[a] in r.perJudge && labels[b] in r.perJudge) {
          x.push(r.perJudge[labels[a]]);
          y.push(r.perJudge[labels[b]]);
        }
      }
      out.push({
        judges: [labels[a], labels[b]],
        items: x.length,
        pearson: pearson(x, y),
        spearman: spearmanCorrelation(x, y),
        exact: x.length ? x.filter((v, i) => v === y[i]).length / x.length : NaN,
        meanAbsDiff: x.length ? mean(x.map((v, i) => Math.abs(v - y[i]))) : NaN,
      });
    }
  }
  return out;
}

/** Agreement summary as metrics (mean over judge pairs); empty with fewer than two judges. */
export function agreementMetrics(table: JudgeTable, prefix = 'judge_agreement'): Record<string, MetricValue> {
  const pairs = judgeAgreement(table);
  if (!pairs.length) return {};
  const m = (f: (p: PairAgreement) => number) => mean(pairs.map(f));
  const method = `mean over ${pairs.length} judge pair(s): ${pairs.map((p) => `${p.judges.join('~')} on ${p.items} items`).join(', ')}`;
  const out: Record<string, MetricValue> = {
    [`${prefix}_pearson`]: { value: m((p) => p.pearson), method },
    [`${prefix}_exact`]: { value: m((p) => p.exact), method },
    [`${prefix}_mean_abs_diff`]: { value: m((p) => p.meanAbsDiff), method },
  };
  if (pairs.length === 1) {
    const [a, b] = pairs[0].judges;
    const rows = table.filter((r) => a in r.perJudge && b in r.perJudge);
    out[`${prefix}_spearman`] = correlationWithCI(
      rows.map((r) => r.perJudge[a]),
      rows.map((r) => r.perJudge[b]),
      'spearman',
    );
  } else out[`${prefix}_spearman`] = { value: m((p) => p.spearman), method };
  return out;
}

export interface PairwiseRecord {
  judge: string;
  ab?: PairwiseChoice;
  ba?: PairwiseChoice;
  result?: 'win' | 'loss' | 'tie';
  consistent?: boolean;
}

/**
 * Position bias of pairwise verdicts: `consistency` = share of comparisons whose two orders agree;
 * `first_position_rate` = among single-order verdicts that picked an answer (not a tie), the share that picked
 * the answer shown first (0.5 = no position preference). Both with percentile-bootstrap CIs over comparisons.
 */
export function positionBias(records: PairwiseRecord[], seed = DEFAULT_SEED): Record<string, MetricValue> {
  const complete = records.filter((r) => r.ab !== undefined && r.ba !== undefined);
  const consistent = complete.map((r) => (r.consistent ? 1 : 0));
  const first: number[] = [];
  for (const r of complete) {
    for (const c of [r.ab, r.ba]) if (c === 'A' || c === 'B') first.push(c === 'A' ? 1 : 0);
  }
  return {
    pairwise_consistency: bootstrapShare(consistent, seed, 'comparisons whose two orders agree'),
    first_position_rate: bootstrapShare(
      first,
      seed,
      'non-tie single-order verdicts that chose the first-shown answer',
    ),
  };
}

function bootstrapShare(xs: number[], seed: number, what: string): MetricValue {
  const n = xs.length;
  const method = `share of ${n} ${what}; 95% CI: percentile bootstrap (${RESAMPLES} resamples, seed ${seed})`;
  if (!n) return { value: NaN, method };
  const rnd = mulberry32(seed);
  const stats = new Float64Array(RESAMPLES);
  for (let b = 0; b < RESAMPLES; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[Math.floor(rnd() * n)];
    stats[b] = s / n;
  }
  stats.sort();
  return {
    value: mean(xs),
    ci95: [quantile(stats, 0.025), quantile(stats, 0.975)],
    stderr: stderrOfMean(xs),
    method,
  };
}

/**
 * Fit P(win) = σ(θ + β·tanh(Δ/s)) by Newton's method on fractional outcomes y ∈ [0, 1] (tie = 0.5), where Δ is the
 * candidate's length minus the baseline's (characters) and s the standard deviation of Δ. Returns σ(θ): the
 * win rate the judge would give at equal length.
 */
function fitLengthControlled(y: number[], x: number[]): number {
  let t = 0;
  let b = 0;
  for (let it = 0; it < 50; it++) {
    let g0 = 0;
    let g1 = 0;
    let h00 = 1e-6;
    let h01 = 0;
    let h11 = 1e-6 + 1e-3; // a small ridge on β keeps the fit finite when length separates the outcomes
    g1 -= 1e-3 * b;
    for (let i = 0; i < y.length; i++) {
      const p = 1 / (1 + Math.exp(-(t + b * x[i])));
      const w = p * (1 - p);
      g0 += y[i] - p;
      g1 += (y[i] - p) * x[i];
      h00 += w;
      h01 += w * x[i];
      h11 += w * x[i] * x[i];
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 0)) break;
    const dt = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    t += dt;
    b += db;
    if (Math.abs(dt) + Math.abs(db) < 1e-10) break;
  }
  return 1 / (1 + Math.exp(-t));
}

export function lengthControlledWinRate(
  outcomes: number[],
  lengthDiffs: number[],
  opts: { seed?: number; resamples?: number } = {},
): MetricValue {
  const n = outcomes.length;
  const B = opts.resamples ?? 500;
  const seed = opts.seed ?? DEFAULT_SEED;
  const method =
    `win rate at equal length: logistic fit of the outcome (win 1, tie 0.5, loss 0) on tanh(length difference / sd) ` +
    `over ${n} comparisons, read at zero difference; 95% CI: percentile bootstrap (${B} resamples, seed ${seed})`;
  if (n < 2) return { value: NaN, method };
  const sd = Math.sqrt(mean(lengthDiffs.map((d) => d * d))) || 1;
  const x = lengthDiffs.map((d) => Math.tanh(d / sd));
  const value = fitLengthControlled(outcomes, x);
  const stats = Float64Array.from(pairedBootstrap(outcomes, x, B, seed, fitLengthControlled)).sort();
  return { value, ci95: [quantile(stats, 0.025), quantile(stats, 0.975)], method };
}

/** Share of judge questions (judge × purpose) that got a parseable verdict, over every verdict incl. errored ones. */
export function judgeParseRate(verdicts: VerdictRecord[]): MetricValue & { asked: number; parsed: number } {
  let asked = 0;
  let parsed = 0;
  for (const v of verdicts) {
    const st = v.details?.judgeStatus as Array<{ status: string }> | undefined;
    if (!st) continue;
    for (const s of st) {
      if (s.status === 'errored') continue;
      asked++;
      if (s.status === 'ok') parsed++;
    }
  }
  return {
    value: asked ? parsed / asked : NaN,
    asked,
    parsed,
    method: `${parsed} of ${asked} judge questions parsed within the retry budget (request errors excluded)`,
  };
}

export { perJudgeKey };
