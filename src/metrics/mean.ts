/** Plain mean and its standard error, for values that are not declared metrics (judge diagnostics). */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
}

/** Standard error of the mean (sample sd / sqrt(n)); NaN below two values. */
export function stderrOfMean(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i] - m) ** 2;
  return Math.sqrt(ss / (n - 1) / n);
}
