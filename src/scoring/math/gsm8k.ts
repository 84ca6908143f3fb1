/**
 * GSM8K scoring, OLMES parity (oe_eval/tasks/oe_eval_tasks/gsm8k.py, facts re-written):
 *   extraction: remove commas between digits, take the LAST match of `[-+]?\d*\.\d+|\d+` (note: the integer
 *   alternative carries no sign, so "-5" extracts as "5", exactly as OLMES does), else the whole text;
 *   metric: exact match after applying regexes_to_ignore [",", "\$", "(?s).*#### ", "\.$"] to prediction and
 *   reference, case-insensitive (HF `evaluate` exact_match semantics). So "18.00" vs "18" is WRONG here.
 */

const OLMES_NUMBER = /[-+]?\d*\.\d+|\d+/g;

export function olmesGsm8kExtract(continuation: string): string {
  const output = continuation.replace(/(\d),(\d)/g, '$1$2');
  const nums = output.match(OLMES_NUMBER);
  return nums && nums.length ? nums.at(-1)! : output;
}

/** HF evaluate exact_match preprocessing with OLMES's regexes_to_ignore, ignore_case=True. */
export function olmesGsm8kNormalize(s: string): string {
  let t = s;
  t = t.replace(/,/g, '');
  t = t.replace(/\$/g, '');
  t = t.replace(/^[\s\S]*#### /, '');
  t = t.replace(/\.$/, '');
  return t.toLowerCase();
}

/** The reference answer string: text after "####" with commas removed (OLMES short_answer). */
export function gsm8kGold(answer: string): string {
  return answer.split('####').at(-1)!.trim().replace(/,/g, '');
}

export function olmesGsm8kExactMatch(
  continuation: string,
  gold: string,
): { score: 0 | 1; extracted: string } {
  const extracted = olmesGsm8kExtract(continuation);
  return { score: olmesGsm8kNormalize(extracted) === olmesGsm8kNormalize(gold) ? 1 : 0, extracted };
}
