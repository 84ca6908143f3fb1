/**
 * EQ-Bench v2 scoring (EQ-bench/EQ-Bench `lib/scoring.py` at d28c60c, MIT; rules restated in our words, see
 * ../shared/reference/eqbench-v2/PROVENANCE.md):
 *   - parsing: with revision, the first pass is the text between "First pass scores:" and "Revised scores:",
 *     the revised pass everything after "Revised scores:"; without revision the whole text is the first pass.
 *     Each `<word>: <digits>` pair (Python `(\w+):\s+(\d+)`) is one answer; a later duplicate overwrites;
 *   - question score (v2 "fullscale"): exactly 4 answers whose names are the 4 reference emotions, else
 *     unparseable; d = |answer − reference| per emotion, scaled 0 → 0, d ≤ 5 → 6.5/(1+e^(−1.2(d−4))), d > 5 → d;
 *     score = 10 − 0.7477 × Σ scaled;
 *   - benchmark score: 100 × mean/10 of the parseable question scores per pass; the revised pass is taken when
 *     it is ≥ the first pass and has ≥ 95 % as many parseable answers; rounded to 2 decimals.
 */

export interface EqbenchReference {
  /** emotion name → reference intensity 0–10 (from reference_answer_fullscale). */
  emotions: Array<{ name: string; score: number }>;
}

export type EmotionAnswers = Map<string, string>;

/** Python's `\w` (str.isalnum or "_") and `\d` (Unicode decimal digits), as Unicode property classes. */
const PAIR = /([\p{L}\p{N}_]+):\s+(\p{Nd}+)/gu;

function pairs(text: string): EmotionAnswers {
  const out: EmotionAnswers = new Map();
  for (const m of text.matchAll(PAIR)) out.set(m[1], m[2]);
  return out;
}

export function parseEqbenchAnswer(
  text: string,
  revise: boolean,
): { firstPass: EmotionAnswers; revised: EmotionAnswers } {
  if (!revise) return { firstPass: pairs(text), revised: new Map() };
  const fp = /First pass scores:([\s\S]*?)Revised scores:/.exec(text);
  const rv = /Revised scores:([\s\S]*)$/.exec(text);
  return { firstPass: fp ? pairs(fp[1]) : new Map(), revised: rv ? pairs(rv[1]) : new Map() };
}

/** Digits of any script → number (Python's float() accepts them; NFKC folds full-width digits). */
function digitValue(s: string): number {
  if (/^[0-9]+$/.test(s)) return Number(s);
  const folded = s.normalize('NFKC');
  return /^[0-9]+$/.test(folded) ? Number(folded) : NaN;
}

export function scaledDifference(d: number): number {
  if (d === 0) return 0;
  if (d <= 5) return 6.5 * (1 / (1 + Math.E ** (-1.2 * (d - 4))));
  return d;
}

export const V2_ADJUST_CONSTANT = 0.7477;

/** v2 question score (0–10, can be negative), or null when unparseable (with the reason). */
export function questionScoreV2(
  ref: EqbenchReference,
  answers: EmotionAnswers,
): { score: number | null; reason?: string } {
  if (answers.size !== 4) return { score: null, reason: `${answers.size} emotions answered, 4 expected` };
  let tally = 0;
  const matched = new Set<string>();
  for (const [name, value] of answers) {
    const r = ref.emotions.find((e) => e.name === name);
    if (!r) continue;
    matched.add(name);
    const x = digitValue(value);
    if (!Number.isFinite(x)) return { score: null, reason: `score "${value}" of ${name} is not a number` };
    tally += scaledDifference(Math.abs(x - r.score));
  }
  if (matched.size !== 4)
    return { score: null, reason: `emotions ${[...answers.keys()].join(', ')} do not match the reference` };
  return { score: 10 - tally * V2_ADJUST_CONSTANT };
}

export interface PassSummary {
  percentage: number;
  parseable: number;
}

/** 100 × mean / 10 of the non-null question scores of one pass (0 when none parsed). */
export function passSummary(scores: Array<number | null | undefined>): PassSummary {
  const ok = scores.filter((s): s is number => typeof s === 'number');
  return {
    percentage: ok.length ? (100 * (ok.reduce((a, b) => a + b, 0) / ok.length)) / 10 : 0,
    parseable: ok.length,
  };
}

/** The official choice between the first and the revised pass of one iteration. */
export function chooseFinalPass(first: PassSummary, revised: PassSummary): 'first_pass' | 'revised' {
  return revised.percentage >= first.percentage && revised.parseable >= 0.95 * first.parseable
    ? 'revised'
    : 'first_pass';
}

/** The v2 prompt without the revision instructions (the harness' `remove_revision_instructions`, English). */
export function removeRevisionInstructions(prompt: string): string {
  let p = prompt.replace(
    ' Then critique your answer by thinking it through step by step. Finally, give your revised scores.',
    '',
  );
  p = p.replace('First pass scores:\n', '');
  p = p.slice(0, pyFind(p, 'Critique: <your critique here>')) + '\n' + p.slice(pyFind(p, '[End of answer]'));
  return p + '\nYour answer:\n';
}

// Python's str.find returns -1 when absent; slicing with -1 then means "all but the last character".
function pyFind(s: string, sub: string): number {
  const i = s.indexOf(sub);
  return i === -1 ? s.length - 1 : i;
}
