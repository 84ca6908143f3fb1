/**
 * Minimum detectable effect (MDE) of a paired comparison: the smallest true mean difference that a
 * two-sided test at level alpha would detect with the given power, for n paired items whose differences
 * have standard deviation sd:  MDE = (z_{1−α/2} + z_{power}) · sd / √n  (normal approximation to the
 * paired test). With 0/1 outcomes sd² = p_disc − δ², where p_disc is the share of discordant items.
 *
 * sd is estimated from the observed per-item differences. When no item differs (sd = 0) that estimate says
 * nothing about what a real change would look like, so we fall back to the independent-samples bound
 * sd² = pA(1−pA) + pB(1−pB) (an upper bound on the paired variance when outcomes are positively correlated),
 * and to the worst case 0.5 when both rates are at 0 or 1.
 */
import { normalQuantile } from './distributions.js';

export function minimumDetectableEffect(args: {
  n: number;
  sdDiff: number;
  meanA: number;
  meanB: number;
  alpha?: number;
  power?: number;
}): { mde: number; sdUsed: number; basis: string } {
  const alpha = args.alpha ?? 0.05;
  const power = args.power ?? 0.8;
  if (args.n <= 0) return { mde: NaN, sdUsed: NaN, basis: 'no paired items' };
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  let sd = args.sdDiff;
  let basis = 'sd of observed paired differences';
  if (!(sd > 0)) {
    const clamp = (x: number) => Math.min(1, Math.max(0, x));
    const a = clamp(args.meanA);
    const b = clamp(args.meanB);
    sd = Math.sqrt(a * (1 - a) + b * (1 - b));
    basis = 'no item differed: independent-samples bound pA(1−pA)+pB(1−pB)';
    if (!(sd > 0)) {
      sd = Math.sqrt(0.5);
      basis = 'no item differed and rates at 0/1: worst-case sd √0.5';
    }
  }
  return { mde: (z * sd) / Math.sqrt(args.n), sdUsed: sd, basis };
}

export function sampleSd(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i];
  m /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i] - m) ** 2;
  return Math.sqrt(ss / (n - 1));
}
