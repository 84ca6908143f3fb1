/**
 * EQ-Bench 3 pairwise verdicts (core/pairwise_judging.py @ 3c21bcc, MIT; rule restated): the judge names, per
 * criterion, the better respondent by its code (A0493 or A0488) followed by 1–5 "+"; each side's pluses are
 * summed; more pluses wins (equal = draw). The margin |Δ| / 30 (MAX_POSSIBLE_DIFF, core/elo_config.py), passed
 * through a linear→sigmoid blend, gives the fractional result for the test model in [0, 1]:
 * ½ ± blend/2. At 3c21bcc `custom_blend` returns its input unchanged (its body after `return x` is dead code);
 * the pre-release judgments of 2025-04-28 were made with the blend active (`blend: true`).
 */
export const MAX_POSSIBLE_DIFF = 30;

export interface PairwiseTally {
  /** 1 = A0493 wins, 0 = A0488 wins, 0.5 = draw. */
  outcomeForA: number;
  plusA: number;
  plusB: number;
}

/** Count pluses per side over the criteria (the chain_of_thought_reasoning key is skipped). */
export function tallyPairwise(result: Record<string, unknown>): PairwiseTally {
  let a = 0;
  let b = 0;
  for (const [k, v] of Object.entries(result)) {
    if (k === 'chain_of_thought_reasoning' || typeof v !== 'string') continue;
    const plus = (v.match(/\+/g) ?? []).length;
    if (v.includes('A0493')) a += plus;
    else if (v.includes('A0488')) b += plus;
  }
  return { outcomeForA: a > b ? 1 : b > a ? 0 : 0.5, plusA: a, plusB: b };
}

/** The original linear→sigmoid blend on [0, 1] (linear slope 5, sigmoid power 0.75, smoothstep on [0, 0.11]). */
export function customBlend(x0: number): number {
  const x = Math.max(0, Math.min(1, x0));
  const linear = 5 * x;
  const k = 3;
  const sig = x === 0 ? 0 : (1 - Math.exp(-k * x ** 0.75)) / (1 - Math.exp(-k));
  const end = 0.11;
  const t = x / end;
  const blend = x <= 0 ? 0 : x >= end ? 1 : t * t * (3 - 2 * t);
  return (1 - blend) * linear + blend * sig;
}

/** Fractional result for the test model from its outcome and the plus counts. */
export function fractionForTest(
  outcomeForTest: number,
  plusTest: number,
  plusOther: number,
  opts: { blend?: boolean } = {},
): number {
  const diffNorm = Math.min(Math.abs(plusTest - plusOther) / MAX_POSSIBLE_DIFF, 1);
  const margin = (opts.blend ? customBlend(diffNorm) : diffNorm) / 2 + 0.5;
  const f = outcomeForTest === 0.5 ? 0.5 : outcomeForTest === 1 ? margin : 1 - margin;
  return Math.max(0, Math.min(1, f));
}
