/**
 * Multiple-comparison corrections across the tasks of one comparison. evalkit uses Holm (1979) by default:
 * it controls the family-wise error rate under any dependence between tasks (tasks share a model, so their
 * tests are not independent) and is uniformly more powerful than Bonferroni. Benjamini–Hochberg (FDR) is
 * available for large suites where controlling the false discovery rate is the better trade.
 */

export type Correction = 'holm' | 'bh' | 'none';

/** Holm step-down adjusted p-values (monotone, capped at 1), in input order. NaN entries are left NaN. */
export function holm(pvals: readonly number[]): number[] {
  const idx = pvals.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p));
  idx.sort((x, y) => x[0] - y[0]);
  const m = idx.length;
  const out = pvals.map(() => NaN);
  let running = 0;
  idx.forEach(([p, i], r) => {
    running = Math.max(running, Math.min(1, (m - r) * p));
    out[i] = running;
  });
  return out;
}

/** Benjamini–Hochberg step-up adjusted p-values (q-values), in input order. */
export function benjaminiHochberg(pvals: readonly number[]): number[] {
  const idx = pvals.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p));
  idx.sort((x, y) => x[0] - y[0]);
  const m = idx.length;
  const out = pvals.map(() => NaN);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const [p, i] = idx[r];
    running = Math.min(running, (m / (r + 1)) * p);
    out[i] = Math.min(1, running);
  }
  return out;
}

export function adjust(pvals: readonly number[], method: Correction): number[] {
  if (method === 'holm') return holm(pvals);
  if (method === 'bh') return benjaminiHochberg(pvals);
  return pvals.slice();
}
