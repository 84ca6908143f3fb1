/**
 * McNemar's test for paired 0/1 outcomes (the same items scored under checkpoint A and B).
 *
 * Only the discordant pairs carry information: b = items A passed and B failed, c = items A failed and B
 * passed. Under H0 (no difference) each discordant pair is equally likely to go either way, so
 * b ~ Binomial(b + c, 1/2). We report
 *  - the exact two-sided p-value  p = min(1, 2 · P(X ≤ min(b, c))),
 *  - the mid-p variant  p_mid = p − P(X = min(b, c))  (Fagerland, Lydersen & Laake 2013, "The McNemar test
 *    for binary matched-pairs data: mid-p and asymptotic are better than exact conditional", BMC Medical
 *    Research Methodology 13:91), which keeps the nominal level closely while being less conservative;
 *  - the asymptotic chi-square statistics without and with continuity correction (for reference).
 * evalkit uses mid-p for verdicts (see docs/tracking.md).
 */
import { binomCdf, binomPmf, normalCdf } from './distributions.js';

export interface McNemarResult {
  /** A pass, B fail. */
  b: number;
  /** A fail, B pass. */
  c: number;
  exactP: number;
  midP: number;
  /** McNemar's chi-square statistic (b−c)²/(b+c), no continuity correction; NaN when b+c = 0. */
  chi2: number;
  /** Continuity-corrected statistic (|b−c|−1)²/(b+c) (Edwards 1948). */
  chi2cc: number;
  /** Two-sided p-value of the uncorrected chi-square (1 df), the "asymptotic McNemar" of Fagerland et al. */
  asymptoticP: number;
}

export function mcnemar(b: number, c: number): McNemarResult {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0)
    throw new RangeError(`mcnemar: counts must be non-negative integers (b=${b}, c=${c})`);
  const n = b + c;
  if (n === 0) return { b, c, exactP: 1, midP: 1, chi2: NaN, chi2cc: NaN, asymptoticP: 1 };
  const k = Math.min(b, c);
  const tail = binomCdf(k, n, 0.5);
  const exactP = Math.min(1, 2 * tail);
  // When b = c the two tails overlap in the central point; mid-p = 1 − P(X = k) in that case.
  const midP = Math.min(1, 2 * tail - binomPmf(k, n, 0.5));
  const chi2 = (b - c) ** 2 / n;
  const chi2cc = (Math.abs(b - c) - 1) ** 2 / n;
  const asymptoticP = Math.min(1, 2 * (1 - normalCdf(Math.sqrt(chi2))));
  return { b, c, exactP, midP, chi2, chi2cc, asymptoticP };
}
