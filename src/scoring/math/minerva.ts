/**
 * OLMES / Minerva parity helpers for MATH scoring. Each function reproduces a public reference function
 * (facts taken from the Minerva paper appendix code as shipped in EleutherAI lm-evaluation-harness
 * `lm_eval/tasks/minerva_math/utils.py`, the hendrycks/math `is_equiv`/`strip_string`, and OLMES
 * `oe_eval/tasks/oe_eval_tasks/minerva_math.py` `extract_answers`/`process_results`); the code is our own.
 *
 * Python `re` semantics are kept where they matter: `.` does not match "\n" (we write `[^\n]`), `str.replace`
 * replaces every occurrence, exceptions inside `strip_string` fall back to raw string equality.
 */
import { lastBoxedOnlyString, removeBoxed } from './boxed.js';
import { sympyLikeEquiv } from './symbolic.js';

export const INVALID_ANSWER = '[invalidanswer]';

/** Minerva: text after "Final Answer: The final answer is" up to ". I hope it is correct." */
export function getUnnormalizedAnswer(text: string): string {
  const t = text + 'I hope it is correct.';
  // Python: re.search(r"Final Answer: The final answer is(.*?). I hope it is correct.", text); "." is any char but \n.
  const m = /Final Answer: The final answer is([^\n]*?)[^\n] I hope it is correct[^\n]/.exec(t);
  return m ? m[1].trim() : INVALID_ANSWER;
}

const SUBSTITUTIONS: Array<[string, string]> = [
  ['an ', ''],
  ['a ', ''],
  ['.$', '$'],
  ['\\$', ''],
  ['\\ ', ''],
  [' ', ''],
  ['mbox', 'text'],
  [',\\text{and}', ','],
  ['\\text{and}', ','],
  ['\\text{m}', '\\text{}'],
];

const REMOVED_EXPRESSIONS = [
  'square',
  'ways',
  'integers',
  'dollars',
  'mph',
  'inches',
  'ft',
  'hours',
  'km',
  'units',
  '\\ldots',
  'sue',
  'points',
  'feet',
  'minutes',
  'digits',
  'cents',
  'degrees',
  'cm',
  'gm',
  'pounds',
  'meters',
  'meals',
  'edges',
  'students',
  'childrentickets',
  'multiples',
  '\\text{s}',
  '\\text{.}',
  '\\text{\ns}',
  '\\text{}^2',
  '\\text{}^3',
  '\\text{\n}',
  '\\text{}',
  '\\mathrm{th}',
  '^\\circ',
  '^{\\circ}',
  '\\;',
  ',\\!',
  '{,}',
  '"',
  '\\dots',
];

/** Minerva `normalize_final_answer` (applied to gold and prediction alike). */
export function normalizeFinalAnswer(answer: string): string {
  let s = answer.split('=').at(-1) ?? '';
  for (const [a, b] of SUBSTITUTIONS) s = s.replaceAll(a, b);
  for (const e of REMOVED_EXPRESSIONS) s = s.replaceAll(e, '');
  s = s.replace(/([^\n]*?)(\$)([^\n]*?)(\$)([^\n]*)/g, '$$$3$$');
  s = s.replace(/(\\text\{)([^\n]*?)(\})/g, '$2');
  s = s.replace(/(\\textbf\{)([^\n]*?)(\})/g, '$2');
  s = s.replace(/(\\overline\{)([^\n]*?)(\})/g, '$2');
  s = s.replace(/(\\boxed\{)([^\n]*)(\})/g, '$2');
  s = s.replace(/(frac)([^{])([^\n])/g, 'frac{$2}{$3}');
  s = s.replace(/(sqrt)([^{])/g, 'sqrt{$2}');
  s = s.replaceAll('$', '');
  if (/^\d+$/.test(s.replaceAll(',', ''))) s = s.replaceAll(',', '');
  return s;
}

/** The normalised reference answer of a MATH solution (last box), as the Minerva task builds `doc["answer"]`. */
export function minervaGoldFromSolution(solution: string): string | null {
  const b = lastBoxedOnlyString(solution);
  if (b === null) return null;
  const inner = removeBoxed(b);
  return inner === null ? null : normalizeFinalAnswer(inner);
}

// ───────────── hendrycks/math `is_equiv` (string equality after strip_string) ─────────────

class StripError extends Error {}

function fixFracs(s: string): string {
  const parts = s.split('\\frac');
  let out = parts[0];
  for (const sub of parts.slice(1)) {
    out += '\\frac';
    if (sub[0] === '{') {
      out += sub;
      continue;
    }
    if (sub.length < 2) return s; // reference: AssertionError → return the input unchanged
    const a = sub[0];
    const b = sub[1];
    if (b !== '{') out += `{${a}}{${b}}${sub.slice(2)}`;
    else out += `{${a}}${b}${sub.slice(2)}`;
  }
  return out;
}

function fixASlashB(s: string): string {
  const parts = s.split('/');
  if (parts.length !== 2) return s;
  // Python int() accepts surrounding whitespace and a sign; anything else raises ValueError, which the
  // reference does NOT catch inside fix_a_slash_b (so is_equiv falls back to raw equality).
  const toInt = (x: string): bigint => {
    if (!/^\s*[-+]?\d+(_\d+)*\s*$/.test(x)) throw new StripError(`int(${x})`);
    return BigInt(x.trim().replaceAll('_', ''));
  };
  const a = toInt(parts[0]);
  const b = toInt(parts[1]);
  if (s !== `${a}/${b}`) return s;
  return `\\frac{${a}}{${b}}`;
}

function removeRightUnits(s: string): string {
  if (s.includes('\\text{ ')) {
    const splits = s.split('\\text{ ');
    if (splits.length !== 2) throw new StripError('remove_right_units assertion');
    return splits[0];
  }
  return s;
}

function fixSqrt(s: string): string {
  if (!s.includes('\\sqrt')) return s;
  const parts = s.split('\\sqrt');
  let out = parts[0];
  for (const sp of parts.slice(1)) {
    if (sp.length === 0) throw new StripError('fix_sqrt index');
    if (sp[0] !== '{') out += `\\sqrt{${sp[0]}}${sp.slice(1)}`;
    else out += `\\sqrt${sp}`;
  }
  return out;
}

/** hendrycks/math `strip_string`; throws StripError where the Python reference raises. */
export function stripString(input: string): string {
  let s = input.replaceAll('\n', '');
  s = s.replaceAll('\\!', '');
  s = s.replaceAll('\\\\', '\\');
  s = s.replaceAll('tfrac', 'frac');
  s = s.replaceAll('dfrac', 'frac');
  s = s.replaceAll('\\left', '');
  s = s.replaceAll('\\right', '');
  s = s.replaceAll('^{\\circ}', '');
  s = s.replaceAll('^\\circ', '');
  s = s.replaceAll('\\$', '');
  s = removeRightUnits(s);
  s = s.replaceAll('\\%', '');
  s = s.replaceAll(' .', ' 0.');
  s = s.replaceAll('{.', '{0.');
  if (s.length === 0) return s;
  if (s[0] === '.') s = '0' + s;
  const eq = s.split('=');
  if (eq.length === 2 && eq[0].length <= 2) s = eq[1];
  s = fixSqrt(s);
  s = s.replaceAll(' ', '');
  s = fixFracs(s);
  if (s === '0.5') s = '\\frac{1}{2}';
  s = fixASlashB(s);
  return s;
}

/** hendrycks/math `is_equiv`: equality after `strip_string`, raw equality if stripping raised. */
export function hendrycksIsEquiv(a: string | null, b: string | null): boolean {
  if (a === null && b === null) return true;
  if (a === null || b === null) return false;
  try {
    return stripString(a) === stripString(b);
  } catch (e) {
    if (e instanceof StripError) return a === b;
    throw e;
  }
}

/**
 * Minerva `is_equiv` (sympy `parse_latex` both sides, `simplify(a - b) == 0`, False on any parse error) —
 * reproduced without Python: see symbolic.ts `sympyLikeEquiv` for the grammar approximation and its gaps.
 */
export function minervaIsEquiv(a: string, b: string): boolean {
  return sympyLikeEquiv(a, b);
}

/** OLMES `extract_answers`: candidates in priority order (Minerva format, last box, last $…$, whole text). */
export function olmesExtractAnswers(raw: string): string[] {
  const out: string[] = [];
  const minerva = normalizeFinalAnswer(getUnnormalizedAnswer(raw));
  if (minerva !== INVALID_ANSWER) out.push(minerva);
  const box = lastBoxedOnlyString(raw);
  const boxed = box === null ? null : removeBoxed(box);
  if (boxed !== null) out.push(normalizeFinalAnswer(boxed));
  if (out.length === 0) {
    const dollars: number[] = [];
    for (let i = 0; i < raw.length; i++) if (raw[i] === '$') dollars.push(i);
    if (dollars.length > 1) out.push(normalizeFinalAnswer(raw.slice(dollars.at(-2)! + 1, dollars.at(-1)!)));
  }
  if (out.length === 0) out.push(normalizeFinalAnswer(raw));
  return out;
}

export interface MinervaScore {
  /** Minerva strict: the "Final Answer: The final answer is …" answer, sympy-style equivalence. */
  exact_match: 0 | 1;
  /** OLMES flex: strict, or any extracted candidate equal by Minerva or hendrycks equivalence. */
  exact_match_flex: 0 | 1;
  /** The primary extracted answer (first OLMES candidate). */
  extracted: string;
  strictAnswer: string;
}

/** Score one generation the way OLMES `minerva_math` `process_results` does. `gold` is already normalised. */
export function scoreMinervaOlmes(generation: string, gold: string): MinervaScore {
  const strictAnswer = normalizeFinalAnswer(getUnnormalizedAnswer(generation));
  const strict = strictAnswer !== INVALID_ANSWER && minervaIsEquiv(strictAnswer, gold) ? 1 : 0;
  let flex: 0 | 1 = strict;
  const candidates = olmesExtractAnswers(generation);
  for (const c of candidates) {
    if (flex) break;
    if (minervaIsEquiv(c, gold) || hendrycksIsEquiv(c, gold)) flex = 1;
  }
  return { exact_match: strict, exact_match_flex: flex, extracted: candidates[0] ?? '', strictAnswer };
}
