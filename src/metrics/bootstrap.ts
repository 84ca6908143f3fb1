import type { MetricValue } from '../types.js';
import { mulberry32 } from '../util/rng.js';

export const DEFAULT_BOOTSTRAP_RESAMPLES = 2000;
export const DEFAULT_SEED = 1234;

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
}

/** Standard error of the mean (sample sd / sqrt(n)). */
export function stderrOfMean(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i] - m) ** 2;
  return Math.sqrt(ss / (n - 1) / n);
}

function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Mean of per-problem values with a percentile-bootstrap 95% CI over problems (seeded, reproducible).
 * Values are per-problem scores in [0,1] (e.g. per-problem pass@k estimates, or 0/1 correctness).
 */
export function meanWithBootstrapCI(
  perProblem: ArrayLike<number>,
  opts: { seed?: number; resamples?: number; label?: string } = {},
): MetricValue {
  const seed = opts.seed ?? DEFAULT_SEED;
  const B = opts.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const n = perProblem.length;
  const value = mean(perProblem);
  const method = `mean over ${n} problems; 95% CI: percentile bootstrap over problems (${B} resamples, seed ${seed})`;
  if (n === 0) return { value: NaN, method };
  const rnd = mulberry32(seed);
  const stats = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += perProblem[Math.floor(rnd() * n)];
    stats[b] = s / n;
  }
  stats.sort();
  return {
    value,
    ci95: [quantileSorted(stats, 0.025), quantileSorted(stats, 0.975)],
    stderr: stderrOfMean(perProblem),
    method,
  };
}
