/**
 * Exact binomial and multinomial sampling from a uniform generator, so resampling statistics that only
 * depend on counts can draw the counts directly (O(√(np)) per draw) instead of drawing n indices.
 *
 * Binomial(n, p) by inversion: for small n·p from 0 upward (Kachitvichyanukul & Schmeiser 1988, "BINV");
 * otherwise "chop-down search from the mode" (Kemp 1986): start at the mode with its exact probability and
 * subtract the probabilities of the mode, mode−1, mode+1, mode−2, … from one uniform until it is used up.
 * Both are inversions of the exact pmf (any ordering of the outcomes gives the right distribution), so the
 * draws have exactly the Binomial(n, p) law up to floating-point rounding of the pmf (relative ~1e-13). If
 * rounding leaves the uniform unspent after all outcomes (mass ~1e-13), a new uniform is drawn (rejection).
 */

/** ln(k!) for integer k ≥ 0: exact sums below 64, Stirling series above (error < 1e-15 for k ≥ 64). */
const LOG_FACT_SMALL: number[] = (() => {
  const t = [0];
  for (let k = 1; k < 64; k++) t.push(t[k - 1] + Math.log(k));
  return t;
})();

export function logFactorial(k: number): number {
  if (k < 64) return LOG_FACT_SMALL[k];
  const x = k + 1;
  const x2 = x * x;
  // ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + 1/(12x) − 1/(360x³) + 1/(1260x⁵) − …
  return (
    (x - 0.5) * Math.log(x) -
    x +
    0.5 * Math.log(2 * Math.PI) +
    (1 / 12 - (1 / 360 - 1 / (1260 * x2)) / x2) / x
  );
}

/** One draw from Binomial(n, p). `rnd` returns uniforms in [0, 1). */
export function sampleBinomial(n: number, p: number, rnd: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - sampleBinomial(n, 1 - p, rnd);
  const q = 1 - p;
  if (n * p < 20) {
    // BINV: P(0) = qⁿ, P(x) = P(x−1)·(n−x+1)/x·p/q.
    const s = p / q;
    const p0 = Math.exp(n * Math.log1p(-p));
    for (;;) {
      let u = rnd();
      let px = p0;
      for (let x = 0; x <= n; x++) {
        if (u < px) return x;
        u -= px;
        px *= ((n - x) / (x + 1)) * s;
      }
    }
  }
  const mode = Math.floor((n + 1) * p) > n ? n : Math.floor((n + 1) * p);
  const pMode = Math.exp(
    logFactorial(n) -
      logFactorial(mode) -
      logFactorial(n - mode) +
      mode * Math.log(p) +
      (n - mode) * Math.log1p(-p),
  );
  const s = p / q;
  for (;;) {
    let u = rnd();
    if (u < pMode) return mode;
    u -= pMode;
    let lo = mode;
    let hi = mode;
    let pLo = pMode;
    let pHi = pMode;
    while (lo > 0 || hi < n) {
      if (lo > 0) {
        // P(lo−1) = P(lo)·lo/(n−lo+1)·q/p
        pLo *= lo / ((n - lo + 1) * s);
        lo--;
        if (u < pLo) return lo;
        u -= pLo;
      }
      if (hi < n) {
        pHi *= ((n - hi) / (hi + 1)) * s;
        hi++;
        if (u < pHi) return hi;
        u -= pHi;
      }
      // Both tails are negligible: the remaining mass is below double precision; redraw.
      if (pLo < 1e-300 && pHi < 1e-300) break;
    }
  }
}

/**
 * Multinomial(n, probs) counts by sequential conditional binomials: N₁ ~ Bin(n, π₁), N₂ ~ Bin(n − N₁,
 * π₂/(1 − π₁)), … (the last category takes the rest). `out` receives the counts.
 */
export function sampleMultinomial(
  n: number,
  probs: ArrayLike<number>,
  rnd: () => number,
  out: Int32Array | number[],
): void {
  let left = n;
  let mass = 1;
  const k = probs.length;
  for (let i = 0; i < k - 1; i++) {
    if (left === 0 || mass <= 0) {
      out[i] = 0;
      continue;
    }
    const p = Math.min(1, probs[i] / mass);
    const c = sampleBinomial(left, p, rnd);
    out[i] = c;
    left -= c;
    mass -= probs[i];
  }
  if (k) out[k - 1] = left;
}
