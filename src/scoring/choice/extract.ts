/**
 * Multiple-choice answer-letter extraction.
 *
 * MMLU-Pro (TIGER-AI-Lab/MMLU-Pro, facts re-written), in two script versions:
 *  - '2024-07' (evaluate_from_local.py / evaluate_from_api.py since 2024-07-14, the current one): first
 *    `answer is \(?([A-J])\)?` (FIRST match), then `.*[aA]nswer:\s*([A-J])` (first line holding a match, the last
 *    one on it; `\s*` may cross line breaks), then the last standalone letter A–J `\b[A-J]\b` in the whole text;
 *  - '2024-05' (evaluate_from_local.py of 2024-05-21, which produced the 2024 leaderboard/paper figures: the `pred`
 *    of the official 2024 result files equals this stage alone on 12,032/12,032 samples): the first stage only.
 * None found → null (the official scorer then guesses, see mmluProFallbackGuess).
 * The patterns run with Python `re` semantics: `.` stops only at "\n", `\s` is str.isspace(), `\b` is Unicode
 * (a letter after "Δ" or "é" is not standalone). JavaScript's own `.`/`\s`/`\b` differ on exactly those points.
 * GPQA (OpenAI simple-evals multiple-choice template): `(?i)Answer\s*:\s*\$?\(?([A-D])` last match, falling back
 * to the MMLU-Pro chain restricted to A–D.
 */
import { PY_S, PY_WORD_BOUNDARY } from '../../util/py-text.js';
import { PythonRandom } from '../code/python-random.js';

/** Which official MMLU-Pro extraction script to reproduce (see the module comment). */
export type MmluProExtraction = '2024-05' | '2024-07';

const ANSWER_IS = /answer is \(?([A-J])\)?/;
/** Python `re.search(r'.*[aA]nswer:\s*([A-J])', text)`: `.` = anything but "\n", `\s` = Python whitespace. */
const ANSWER_COLON = new RegExp(`[^\\n]*[aA]nswer:${PY_S}*([A-J])`, 'u');
/** Python `\b[A-J]\b` (Unicode word boundaries); the last match is what `(?!.*\b[A-J]\b)` with DOTALL selects. */
const STANDALONE_LETTER = new RegExp(`${PY_WORD_BOUNDARY}[A-J]${PY_WORD_BOUNDARY}`, 'gu');

export function extractMmluProLetter(text: string, extraction: MmluProExtraction = '2024-07'): string | null {
  const m1 = ANSWER_IS.exec(text);
  if (m1) return m1[1];
  if (extraction === '2024-05') return null;
  const m2 = ANSWER_COLON.exec(text);
  if (m2) return m2[1];
  const all = text.match(STANDALONE_LETTER);
  return all && all.length ? all.at(-1)! : null;
}

/**
 * The official fallback for an unparsable answer, as in the scripts that produced the 2024 figures (re-seeded
 * before every guess, so the guess depends only on the number of options): random.seed(12345);
 * random.randint(0, len(options) - 1), compared with `answer_index`. Since 2025-02-23 the official script seeds once
 * per run instead (the guess then depends on every guess before it): replayed at run level by
 * `seededOnceAccuracy` (src/tasks/mmlu-pro/index.ts).
 */
export function mmluProFallbackGuess(numOptions: number): number {
  return new PythonRandom(12345).randbelow(numOptions);
}

export function extractGpqaLetter(text: string): string | null {
  const all = [
    ...text.matchAll(/answer\s*(?:is)?\s*[:：]?\s*\**\s*\$?\\?(?:boxed\{)?\(?([A-D])\)?(?![a-zA-Z])/gi),
  ];
  if (all.length) return all.at(-1)![1].toUpperCase();
  const m = extractMmluProLetter(text);
  return m && 'ABCD'.includes(m) ? m : null;
}
