/**
 * Multiple-choice answer-letter extraction.
 *
 * MMLU-Pro (TIGER-AI-Lab/MMLU-Pro evaluate_from_local.py, facts re-written): first `answer is \(?([A-J])\)?`
 * (FIRST match), then `.*[aA]nswer:\s*([A-J])` (greedy, i.e. the last "Answer: X" on a line), then the last
 * standalone capital letter A–J in the whole text; none → null (the upstream scorer then guesses, see
 * mmluProFallbackGuess).
 * GPQA (OpenAI simple-evals multiple-choice template): `(?i)Answer\s*:\s*\$?\(?([A-D])` last match, falling back
 * to the MMLU-Pro chain restricted to A–D.
 */
import { PythonRandom } from '../code/python-random.js';

export function extractMmluProLetter(text: string): string | null {
  const m1 = /answer is \(?([A-J])\)?/.exec(text);
  if (m1) return m1[1];
  // Python re.search('.*[aA]nswer:\s*([A-J])') without DOTALL: the greedy ".*" works within one line.
  let m2: string | null = null;
  for (const line of text.split('\n')) {
    const m = /.*[aA]nswer:\s*([A-J])/.exec(line);
    if (m) {
      m2 = m[1];
      break; // re.search returns the first line that matches
    }
  }
  if (m2) return m2;
  const all = text.match(/\b[A-J]\b/g);
  return all && all.length ? all.at(-1)! : null;
}

/** Upstream fallback for an unparsable answer: random.seed(12345); random.randint(0, len(options)-1). */
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
