/**
 * Unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large Language Models Trained on Code"):
 *   pass@k = 1 - C(n-c, k) / C(n, k), computed as a numerically stable product.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples, got n=${n}`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** The k values evalkit reports: every k ≤ n among 1, 5, 10, 100 (or a given list). */
export function reportableKs(n: number, candidates: readonly number[] = [1, 5, 10, 100]): number[] {
  return candidates.filter((k) => k <= n);
}
