/**
 * Confidence intervals for proportions that stay honest at 0/n, n/n and small n.
 *
 *  - `wilsonInterval`: Wilson score interval for x successes in n independent trials (one sample per item).
 *  - `clopperPearsonInterval`: exact (conservative) binomial interval; used by the coverage study.
 *  - `clusteredProportionInterval`: a proportion estimated from per-item values in [0, 1] (the item's pass
 *    rate over its samples, an unbiased pass@k estimate, an expected majority vote, a fraction of instructions
 *    followed) where samples of one item are correlated. Wilson's interval at an effective sample size
 *    (Korn & Graubard 1998, "Confidence intervals for proportions with small expected number of positive counts
 *    estimated from survey data"): n_eff = p(1−p) / Var̂(p̂) from the cluster-robust (between-item) variance,
 *    kept between the Kish effective number of items (the worst case: every item all-or-nothing) and the
 *    number of trials, and shrunk by (z / t_{0.975, items−1})² for the few-items uncertainty of Var̂. At p̂ = 0
 *    or 1 the variance says nothing and the worst case (one Bernoulli trial per item) is used, so 0 of 5
 *    problems with 20 samples each reads [0, 43.4%], never [0, 0].
 */
import { binomCdf, normalQuantile } from '../stats/distributions.js';

export const Z95 = normalQuantile(0.975);

export interface ProportionInterval {
  value: number;
  ci95: [number, number];
  /** Standard error of the estimate (binomial, or cluster-robust between items). */
  stderr: number;
  /** The sample size the interval was computed at (n for Wilson; the effective size for clustered). */
  nEffective: number;
}

/** Wilson score interval for a proportion p̂ = x/n (x may be fractional when called at an effective n). */
export function wilsonInterval(x: number, n: number, z = Z95): [number, number] {
  if (!(n > 0)) return [0, 1];
  const p = Math.min(1, Math.max(0, x / n));
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Exact endpoints at the boundaries (the formula gives them up to rounding).
  return [p === 0 ? 0 : Math.max(0, centre - half), p === 1 ? 1 : Math.min(1, centre + half)];
}

/** Exact Clopper–Pearson interval for integer x of n (bisection on the binomial CDF). */
export function clopperPearsonInterval(x: number, n: number, level = 0.95): [number, number] {
  if (!(n > 0)) return [0, 1];
  const a = (1 - level) / 2;
  const solve = (f: (p: number) => number) => {
    // f increasing in p; find p with f(p) = 0.
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid) < 0) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  // lower: P(X ≥ x | p) = a; upper: P(X ≤ x | p) = a.
  const lower = x === 0 ? 0 : solve((p) => 1 - binomCdf(x - 1, n, p) - a);
  const upper = x === n ? 1 : solve((p) => a - binomCdf(x, n, p));
  return [lower, upper];
}

/** Two-sided 97.5% quantile of Student's t with `df` degrees of freedom (bisection on the CDF). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return Infinity;
  if (df > 1e6) return Z95;
  let lo = 0;
  let hi = 700;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < 0.975) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Student t CDF for integer df (Abramowitz & Stegun 26.7.3 / 26.7.4: finite series). */
function tCdf(t: number, df: number): number {
  const nu = Math.round(df);
  const theta = Math.atan(t / Math.sqrt(nu));
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  let a: number;
  if (nu % 2 === 1) {
    let sum = 0;
    if (nu > 1) {
      let term = c;
      sum = term;
      for (let k = 3; k <= nu - 2; k += 2) {
        term *= ((k - 1) / k) * c * c;
        sum += term;
      }
    }
    a = (2 / Math.PI) * (theta + s * sum);
  } else {
    let term = 1;
    let sum = 1;
    for (let k = 2; k <= nu - 2; k += 2) {
      term *= ((k - 1) / k) * c * c;
      sum += term;
    }
    a = s * sum;
  }
  return 0.5 + a / 2;
}

/**
 * Interval for a proportion estimated from per-item values `values[i]` ∈ [0, 1], each item weighted by
 * `weights[i]` (default 1; IFEval instruction-level accuracy weights a prompt by its instruction count) and
 * backed by `trials[i]` Bernoulli trials (its samples, or samples × instructions). With one trial per item
 * and 0/1 values this is exactly Wilson's interval.
 */
export function clusteredProportionInterval(
  values: ArrayLike<number>,
  trials: ArrayLike<number>,
  weights?: ArrayLike<number>,
): ProportionInterval {
  const N = values.length;
  if (N === 0) return { value: NaN, ci95: [0, 1], stderr: NaN, nEffective: 0 };
  let sw = 0;
  let sww = 0;
  let swv = 0;
  let totalTrials = 0;
  let allSingleBinary = true;
  for (let i = 0; i < N; i++) {
    const w = weights ? weights[i] : 1;
    sw += w;
    sww += w * w;
    swv += w * values[i];
    totalTrials += trials[i];
    if (trials[i] !== 1 || (values[i] !== 0 && values[i] !== 1) || w !== 1) allSingleBinary = false;
  }
  const p = swv / sw;
  if (allSingleBinary) {
    return {
      value: p,
      ci95: wilsonInterval(swv, N),
      stderr: Math.sqrt((p * (1 - p)) / N),
      nEffective: N,
    };
  }
  // Cluster-robust (linearised ratio) variance of p̂ between items.
  let ss = 0;
  for (let i = 0; i < N; i++) {
    const w = weights ? weights[i] : 1;
    ss += (w * (values[i] - p)) ** 2;
  }
  const varP = N > 1 ? ((N / (N - 1)) * ss) / (sw * sw) : NaN;
  const kishItems = (sw * sw) / sww;
  const maxN = Math.max(kishItems, totalTrials);
  let nEff: number;
  if (p <= 0 || p >= 1 || N < 2) nEff = kishItems;
  else {
    const fromVariance = varP > 0 ? (p * (1 - p)) / varP : Infinity;
    if (fromVariance >= maxN)
      nEff = maxN; // no more precise than independent trials
    else {
      // Var̂ from few items is itself uncertain: shrink by (z/t)², but never below the worst case
      // (Var(p̂) ≤ p(1−p)/items for any values in [0, 1]).
      const t = tQuantile975(N - 1);
      nEff = Math.max(kishItems, fromVariance * (Z95 / t) ** 2);
    }
  }
  return {
    value: p,
    ci95: wilsonInterval(p * nEff, nEff),
    stderr: Number.isFinite(varP) ? Math.sqrt(varP) : NaN,
    nEffective: nEff,
  };
}

/** One-line description of the interval `clusteredProportionInterval` used for these inputs. */
export function intervalMethod(single: boolean): string {
  return single
    ? '95% CI: Wilson score interval (one sample per item)'
    : '95% CI: Wilson at the effective sample size from the between-item variance (Korn–Graubard; clustered by item)';
}
