/**
 * Paired comparison of two checkpoints on one task, from per-item outcomes.
 *
 *  - Only items present (with at least one scored sample) in both runs are paired; the rest are counted.
 *  - 0/1 outcomes (n = 1 sample per item, values 0 or 1): McNemar exact mid-p test; CI of the difference in
 *    accuracy by paired bootstrap over items.
 *  - n > 1 samples per item (or fractional scores): per-item values are per-problem pass rates / pass@k
 *    estimates / mean scores; paired permutation (sign-flip) test; CI by paired bootstrap over items.
 *  - Weighted outcomes (ratio metrics, `ItemOutcome.weight`, e.g. IFEval instruction-level: an item weighs its
 *    number of instructions): means are Σ w·v / Σ w as in metrics.json, the CI is a bootstrap of that ratio, the
 *    permutation test flips the signs of w·d. An item's weight is the mean of its weights in A and B (equal when
 *    both ran the same item).
 *  - Minimum detectable effect at 80% power, alpha 0.05 (see power.ts).
 *  - Flipped items: for 0/1 outcomes pass→fail and fail→pass; for n > 1 items whose per-item value
 *    crossed 0.5 (a majority flip), largest change first.
 */
import { mcnemar, type McNemarResult } from './mcnemar.js';
import { pairedBootstrap, pairedPermutation, pairedWeightedBootstrap } from './paired.js';
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
  const w = new Float64Array(n);
  let binary = true;
  let weighted = false;
  ids.forEach((id, i) => {
    const x = a.get(id)!;
    const y = b.get(id)!;
    va[i] = x.value;
    vb[i] = y.value;
    diffs[i] = y.value - x.value;
    w[i] = ((x.weight ?? 1) + (y.weight ?? 1)) / 2;
    if (w[i] !== 1) weighted = true;
    if (x.n !== 1 || y.n !== 1 || (x.value !== 0 && x.value !== 1) || (y.value !== 0 && y.value !== 1))
      binary = false;
  });
  if (weighted) binary = false;
  const sumW = w.reduce((s, v) => s + v, 0);
  const mean = (xs: Float64Array) =>
    !xs.length
      ? NaN
      : weighted
        ? xs.reduce((s, v, i) => s + v * w[i], 0) / sumW
        : xs.reduce((s, v) => s + v, 0) / xs.length;
  const meanA = mean(va);
  const meanB = mean(vb);
  const bootOpts = { seed: opts.seed ?? 1234, resamples: opts.resamples ?? 2000 };
  const boot = weighted ? pairedWeightedBootstrap(diffs, w, bootOpts) : pairedBootstrap(diffs, bootOpts);
  // What the permutation test and the power estimate see: w·d scaled by the mean weight (= d when unweighted).
  const meanW = n ? sumW / n : 1;
  const tested = weighted ? diffs.map((d, i) => (d * w[i]) / meanW) : diffs;
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
    const perm = pairedPermutation(tested, {
      seed: opts.seed ?? 1234,
      resamples: opts.permutations ?? 10000,
    });
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
    sdDiff: sampleSd(weighted ? tested.map((t, i) => t - (boot.diff * w[i]) / meanW) : diffs),
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
