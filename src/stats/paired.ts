/**
 * Paired resampling statistics over items. Each item contributes one paired difference d_i = b_i − a_i,
 * where a_i, b_i are the item's outcome under checkpoint A and B: 0/1 for a single sample, or the
 * per-problem pass rate / unbiased pass@k estimate when there are n > 1 samples per item. Resampling whole
 * items keeps the pairing (and the within-item correlation of the n samples) intact.
 */
import { mulberry32 } from '../util/rng.js';
import { sampleBinomial, sampleMultinomial } from './binomial.js';

/** Above this many distinct values the index bootstrap is used (the count draws would cost more). */
const MAX_CATEGORIES = 64;

/** Distinct values of `xs` and how often each occurs, or undefined when there are more than `max`. */
function distinctCounts(
  xs: ArrayLike<number>,
  max: number,
): { values: number[]; counts: number[] } | undefined {
  const idx = new Map<number, number>();
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    const j = idx.get(v);
    if (j === undefined) {
      if (values.length >= max) return undefined;
      idx.set(v, values.length);
      values.push(v);
      counts.push(1);
    } else counts[j]++;
  }
  return { values, counts };
}

export interface PairedBootstrapResult {
  /** Mean difference (B − A). */
  diff: number;
  ci95: [number, number];
  /** Bootstrap standard error of the mean difference. */
  stderr: number;
  /** Two-sided bootstrap p-value (percentile-based: 2·min(P*(Δ ≤ 0), P*(Δ ≥ 0)), capped at 1). */
  p: number;
  resamples: number;
  seed: number;
  /** How the resamples were drawn: category counts (few distinct differences) or item indices. */
  method: 'counts' | 'indices';
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Percentile paired bootstrap over items for the mean of `diffs` (seeded, reproducible).
 *
 * A resample's mean depends only on how many times each distinct difference was drawn, and those counts are
 * Multinomial(n, observed frequencies). When the differences take few distinct values (0/1 outcomes: −1, 0,
 * +1, i.e. the discordant cells of the 2×2 table; pass rates c/n with small n) the counts are drawn directly
 * (`method: 'counts'`, O(resamples · categories · √n)) instead of n item indices per resample
 * (`method: 'indices'`, O(resamples · n)). Both draw from the same bootstrap distribution; the random streams
 * differ, so the two methods give different (equally valid) Monte Carlo CIs for one seed. `method` forces one.
 */
export function pairedBootstrap(
  diffs: ArrayLike<number>,
  opts: { seed?: number; resamples?: number; level?: number; method?: 'auto' | 'counts' | 'indices' } = {},
): PairedBootstrapResult {
  const seed = opts.seed ?? 1234;
  const B = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const n = diffs.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += diffs[i];
  const diff = n ? total / n : NaN;
  const method = opts.method ?? 'auto';
  const groups =
    method === 'indices' ? undefined : distinctCounts(diffs, method === 'counts' ? Infinity : MAX_CATEGORIES);
  const used: PairedBootstrapResult['method'] = groups ? 'counts' : 'indices';
  if (n === 0) return { diff, ci95: [NaN, NaN], stderr: NaN, p: 1, resamples: B, seed, method: used };
  // Fast path: if every difference is identical the bootstrap distribution is a point.
  let allSame = true;
  for (let i = 1; i < n && allSame; i++) if (diffs[i] !== diffs[0]) allSame = false;
  if (allSame)
    return { diff, ci95: [diff, diff], stderr: 0, p: diff === 0 ? 1 : 0, resamples: B, seed, method: used };
  const rnd = mulberry32(seed);
  const stats = new Float64Array(B);
  let le0 = 0;
  let ge0 = 0;
  if (groups) {
    // Most frequent category last: it takes the remainder, so the binomial draws cover the smaller cells.
    const order = groups.values.map((_, i) => i).sort((x, y) => groups.counts[x] - groups.counts[y]);
    const values = order.map((i) => groups.values[i]);
    const probs = order.map((i) => groups.counts[i] / n);
    const k = values.length;
    const cnt = new Int32Array(k);
    for (let r = 0; r < B; r++) {
      sampleMultinomial(n, probs, rnd, cnt);
      let s = 0;
      for (let j = 0; j < k; j++) s += values[j] * cnt[j];
      const m = s / n;
      stats[r] = m;
      if (m <= 0) le0++;
      if (m >= 0) ge0++;
    }
  } else {
    const d = Float64Array.from({ length: n }, (_, i) => diffs[i]);
    for (let r = 0; r < B; r++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += d[(rnd() * n) | 0];
      const m = s / n;
      stats[r] = m;
      if (m <= 0) le0++;
      if (m >= 0) ge0++;
    }
  }
  return summarizeBootstrap(stats, { diff, le0, ge0, level, seed, method: used });
}

/**
 * Percentile paired bootstrap over items for a weighted mean difference Σ w·d / Σ w (ratio metrics such as
 * IFEval's instruction-level accuracy, where an item weighs its number of instructions). Items are resampled with
 * their weights, and each resample's value is its own Σ w·d / Σ w (a ratio estimator, not a fixed denominator).
 */
export function pairedWeightedBootstrap(
  diffs: ArrayLike<number>,
  weights: ArrayLike<number>,
  opts: { seed?: number; resamples?: number; level?: number } = {},
): PairedBootstrapResult {
  const seed = opts.seed ?? 1234;
  const B = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const n = diffs.length;
  let sw = 0;
  let swd = 0;
  for (let i = 0; i < n; i++) {
    sw += weights[i];
    swd += weights[i] * diffs[i];
  }
  const diff = sw > 0 ? swd / sw : NaN;
  if (n === 0 || !(sw > 0))
    return { diff, ci95: [NaN, NaN], stderr: NaN, p: 1, resamples: B, seed, method: 'indices' };
  const rnd = mulberry32(seed);
  const stats = new Float64Array(B);
  let le0 = 0;
  let ge0 = 0;
  for (let r = 0; r < B; r++) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const j = (rnd() * n) | 0;
      num += weights[j] * diffs[j];
      den += weights[j];
    }
    const m = den > 0 ? num / den : 0;
    stats[r] = m;
    if (m <= 0) le0++;
    if (m >= 0) ge0++;
  }
  return summarizeBootstrap(stats, { diff, le0, ge0, level, seed, method: 'indices' });
}

/** Percentile CI, bootstrap standard error and two-sided sign p-value of B resampled statistics. */
function summarizeBootstrap(
  stats: Float64Array,
  o: {
    diff: number;
    le0: number;
    ge0: number;
    level: number;
    seed: number;
    method: PairedBootstrapResult['method'];
  },
): PairedBootstrapResult {
  const B = stats.length;
  stats.sort();
  let mu = 0;
  for (let r = 0; r < B; r++) mu += stats[r];
  mu /= B;
  let ss = 0;
  for (let r = 0; r < B; r++) ss += (stats[r] - mu) ** 2;
  const alpha = 1 - o.level;
  return {
    diff: o.diff,
    ci95: [quantile(stats, alpha / 2), quantile(stats, 1 - alpha / 2)],
    stderr: Math.sqrt(ss / (B - 1)),
    p: Math.min(1, (2 * Math.min(o.le0, o.ge0)) / B),
    resamples: B,
    seed: o.seed,
    method: o.method,
  };
}

export interface PermutationResult {
  diff: number;
  /** Two-sided p-value with the +1 correction: (1 + #{|T*| ≥ |T|}) / (R + 1); exact enumeration when feasible. */
  p: number;
  resamples: number;
  exact: boolean;
}

/**
 * Paired permutation (sign-flip) test of H0: the A/B labels within each item are exchangeable, i.e. the
 * per-item differences are symmetric around 0. Exact (all 2^m sign patterns of the m non-zero differences)
 * when m ≤ 16, Monte Carlo otherwise. In the Monte Carlo case with few distinct differences, the number of
 * positive signs among the n_v differences equal to v is Binomial(n_v, ½), so T* = Σ_v v·(2·X_v − n_v) is drawn
 * from those counts (same distribution as flipping each sign, O(R · distinct values · √m) instead of O(R · m)).
 */
export function pairedPermutation(
  diffs: ArrayLike<number>,
  opts: { seed?: number; resamples?: number } = {},
): PermutationResult {
  const seed = opts.seed ?? 1234;
  const R = opts.resamples ?? 10000;
  const n = diffs.length;
  const nz: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += diffs[i];
    if (diffs[i] !== 0) nz.push(diffs[i]);
  }
  const diff = n ? total / n : NaN;
  const m = nz.length;
  if (m === 0) return { diff, p: 1, resamples: 0, exact: true };
  const obs = Math.abs(nz.reduce((a, b) => a + b, 0));
  const eps = 1e-12 * Math.max(1, obs);
  if (m <= 16) {
    let hits = 0;
    const total2 = 1 << m;
    for (let mask = 0; mask < total2; mask++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += mask & (1 << j) ? -nz[j] : nz[j];
      if (Math.abs(s) >= obs - eps) hits++;
    }
    return { diff, p: hits / total2, resamples: total2, exact: true };
  }
  const rnd = mulberry32(seed);
  let hits = 0;
  const groups = distinctCounts(nz, MAX_CATEGORIES);
  if (groups) {
    const k = groups.values.length;
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let j = 0; j < k; j++)
        s += groups.values[j] * (2 * sampleBinomial(groups.counts[j], 0.5, rnd) - groups.counts[j]);
      if (Math.abs(s) >= obs - eps) hits++;
    }
  } else {
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += rnd() < 0.5 ? -nz[j] : nz[j];
      if (Math.abs(s) >= obs - eps) hits++;
    }
  }
  return { diff, p: (hits + 1) / (R + 1), resamples: R, exact: false };
}
