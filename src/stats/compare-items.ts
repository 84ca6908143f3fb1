/**
 * Paired comparison of two checkpoints on one task, from per-item outcomes.
 *
 *  - Only items present (with at least one scored sample) in both runs are paired; the rest are counted.
 *  - 0/1 outcomes (n = 1 sample per item, values 0 or 1): McNemar exact mid-p test; CI of the difference in
 *    accuracy by paired bootstrap over items.
 *  - n > 1 samples per item (or fractional scores): per-item values are per-problem pass rates / pass@k
 *    estimates / mean scores; paired permutation (sign-flip) test; CI by paired bootstrap over items.
 *  - Minimum detectable effect at 80% power, alpha 0.05 (see power.ts).
 *  - Flipped items: for 0/1 outcomes pass→fail and fail→pass; for n > 1 items whose per-item value
 *    crossed 0.5 (a majority flip), largest change first.
 */
import { mcnemar, type McNemarResult } from './mcnemar.js';
import { pairedBootstrap, pairedPermutation } from './paired.js';
import { minimumDetectableEffect, sampleSd } from './power.js';
import type { ItemOutcome } from '../metrics/definitions.js';
import { naturalCompare } from '../util/natural-sort.js';

export type { ItemOutcome };

export type Verdict = 'improved' | 'regressed' | 'no detectable change' | 'not comparable';

export interface Flip {
  itemId: string;
  a: number;
  b: number;
}

export interface TaskComparison {
  task: string;
  metric: string;
  /** Items with outcomes in A / in B / in both. */
  itemsA: number;
  itemsB: number;
  paired: number;
  meanA: number;
  meanB: number;
  /** meanB − meanA over the paired items. */
  diff: number;
  ci95: [number, number];
  stderr: number;
  binary: boolean;
  test: { name: string; p: number; detail?: McNemarResult | { resamples: number; exact: boolean } };
  /** p after the multiple-comparison correction across tasks (filled by `applyCorrection`). */
  pAdjusted: number;
  verdict: Verdict;
  mde: number;
  mdeBasis: string;
  flips: { passToFail: Flip[]; failToPass: Flip[] };
}

export interface CompareOptions {
  seed?: number;
  resamples?: number;
  permutations?: number;
  alpha?: number;
  power?: number;
}

export function compareItemOutcomes(
  task: string,
  metric: string,
  a: Map<string, ItemOutcome>,
  b: Map<string, ItemOutcome>,
  opts: CompareOptions = {},
): TaskComparison {
  const ids = [...a.keys()].filter((id) => b.has(id)).sort(naturalCompare);
  const n = ids.length;
  const va = new Float64Array(n);
  const vb = new Float64Array(n);
  const diffs = new Float64Array(n);
  let binary = true;
  ids.forEach((id, i) => {
    const x = a.get(id)!;
    const y = b.get(id)!;
    va[i] = x.value;
    vb[i] = y.value;
    diffs[i] = y.value - x.value;
    if (x.n !== 1 || y.n !== 1 || (x.value !== 0 && x.value !== 1) || (y.value !== 0 && y.value !== 1))
      binary = false;
  });
  const mean = (xs: Float64Array) => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : NaN);
  const meanA = mean(va);
  const meanB = mean(vb);
  const boot = pairedBootstrap(diffs, { seed: opts.seed ?? 1234, resamples: opts.resamples ?? 2000 });
  let test: TaskComparison['test'];
  const passToFail: Flip[] = [];
  const failToPass: Flip[] = [];
  if (binary) {
    let bc = 0;
    let cb = 0;
    ids.forEach((id, i) => {
      if (va[i] === 1 && vb[i] === 0) {
        bc++;
        passToFail.push({ itemId: id, a: 1, b: 0 });
      } else if (va[i] === 0 && vb[i] === 1) {
        cb++;
        failToPass.push({ itemId: id, a: 0, b: 1 });
      }
    });
    const m = mcnemar(bc, cb);
    test = { name: 'McNemar exact mid-p', p: m.midP, detail: m };
  } else {
    const perm = pairedPermutation(diffs, { seed: opts.seed ?? 1234, resamples: opts.permutations ?? 10000 });
    test = {
      name: perm.exact ? 'paired permutation (exact)' : `paired permutation (${perm.resamples} sign flips)`,
      p: perm.p,
      detail: { resamples: perm.resamples, exact: perm.exact },
    };
    ids.forEach((id, i) => {
      if (va[i] >= 0.5 && vb[i] < 0.5) passToFail.push({ itemId: id, a: va[i], b: vb[i] });
      else if (va[i] < 0.5 && vb[i] >= 0.5) failToPass.push({ itemId: id, a: va[i], b: vb[i] });
    });
    const bySize = (x: Flip, y: Flip) =>
      Math.abs(y.b - y.a) - Math.abs(x.b - x.a) || naturalCompare(x.itemId, y.itemId);
    passToFail.sort(bySize);
    failToPass.sort(bySize);
  }
  const power = minimumDetectableEffect({
    n,
    sdDiff: sampleSd(diffs),
    meanA,
    meanB,
    alpha: opts.alpha,
    power: opts.power,
  });
  return {
    task,
    metric,
    itemsA: a.size,
    itemsB: b.size,
    paired: n,
    meanA,
    meanB,
    diff: boot.diff,
    ci95: boot.ci95,
    stderr: boot.stderr,
    binary,
    test,
    pAdjusted: test.p,
    verdict: n === 0 ? 'not comparable' : 'no detectable change',
    mde: power.mde,
    mdeBasis: power.basis,
    flips: { passToFail, failToPass },
  };
}

/** Apply the multiple-comparison correction across tasks and set each verdict. */
export function applyCorrection(rows: TaskComparison[], adjusted: number[], alpha = 0.05): void {
  rows.forEach((r, i) => {
    r.pAdjusted = adjusted[i];
    if (r.paired === 0) r.verdict = 'not comparable';
    else if (adjusted[i] < alpha && r.diff > 0) r.verdict = 'improved';
    else if (adjusted[i] < alpha && r.diff < 0) r.verdict = 'regressed';
    else r.verdict = 'no detectable change';
  });
}
