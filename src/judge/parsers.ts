/**
 * Strict verdict parsers. A reply that does not contain exactly what the judge prompt asked for is
 * unparseable (with the reason), never guessed.
 */
import type { ParseResult } from './judge.js';

/**
 * FastChat's single-answer rating (fastchat/llm_judge/common.py, Apache-2.0; rule restated): the first
 * `[[x]]`, else the first `[x]`, where x is a number like 7 or 8.5. evalkit is stricter in one way: a rating
 * outside [min, max] is unparseable (FastChat would accept it; none occurs in the official judgments).
 */
export function parseBracketRating(raw: string, min = 1, max = 10): ParseResult<number> {
  const m = /\[\[(\d+\.?\d*)\]\]/.exec(raw) ?? /\[(\d+\.?\d*)\]/.exec(raw);
  if (!m) return { ok: false, reason: 'no [[rating]] found' };
  const x = Number(m[1]);
  if (!Number.isFinite(x)) return { ok: false, reason: `rating "${m[1]}" is not a number` };
  if (x < min || x > max) return { ok: false, reason: `rating ${x} outside [${min}, ${max}]` };
  return { ok: true, value: x };
}

export type PairwiseChoice = 'A' | 'B' | 'tie';

/**
 * FastChat's pairwise verdict: "[[A]]", "[[B]]" or "[[C]]" (tie). Strict: a reply naming more than one
 * of them is ambiguous (FastChat would take the first in the order A, B, C).
 */
export function parsePairwiseVerdict(raw: string): ParseResult<PairwiseChoice> {
  const found = (['A', 'B', 'C'] as const).filter((c) => raw.includes(`[[${c}]]`));
  if (found.length === 0) return { ok: false, reason: 'no [[A]]/[[B]]/[[C]] verdict found' };
  if (found.length > 1)
    return { ok: false, reason: `ambiguous verdict: ${found.map((c) => `[[${c}]]`).join(' and ')}` };
  return { ok: true, value: found[0] === 'C' ? 'tie' : found[0] };
}

/** The first balanced `{ … }` span of a text (braces inside JSON strings are respected), or undefined. */
export function firstJsonObject(raw: string): string | undefined {
  const start = raw.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return raw.slice(start, i + 1);
  }
  return undefined;
}

/**
 * The JSON object in a judge reply, parsed. `span`: `balanced` takes the first balanced `{ … }` (firstJsonObject);
 * `greedy` takes the first "{" to the last "}" (what Spiral-Bench's main.py does).
 */
export function parseJsonObject(
  raw: string,
  span: 'balanced' | 'greedy' = 'balanced',
): ParseResult<Record<string, unknown>> {
  let text: string | undefined;
  if (span === 'balanced') text = firstJsonObject(raw);
  else {
    const start = raw.indexOf('{');
    const end = raw.lastIndexOf('}');
    if (start >= 0 && end > start) text = raw.slice(start, end + 1);
  }
  if (!text) return { ok: false, reason: 'no JSON object' };
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `JSON does not parse: ${(e as Error).message}` };
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj))
    return { ok: false, reason: 'not a JSON object' };
  return { ok: true, value: obj as Record<string, unknown> };
}

/**
 * A JSON object with one numeric score per criterion, each in [min, max]. Numbers given as numeric strings
 * ("7") are accepted unless `numbersOnly`; anything else (missing key, text, out of range) makes the whole reply
 * unparseable.
 */
export function parseCriteriaScores(
  raw: string,
  criteria: readonly string[],
  min: number,
  max: number,
  opts: { numbersOnly?: boolean } = {},
): ParseResult<Record<string, number>> {
  const parsed = parseJsonObject(raw);
  if (!parsed.ok) return parsed;
  const out: Record<string, number> = {};
  for (const c of criteria) {
    const v = parsed.value[c];
    const numericString = !opts.numbersOnly && typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v);
    const x = typeof v === 'number' ? v : numericString ? Number(v) : NaN;
    if (!Number.isFinite(x))
      return { ok: false, reason: `criterion "${c}" missing or not a number (got ${JSON.stringify(v)})` };
    if (x < min || x > max) return { ok: false, reason: `criterion "${c}" = ${x} outside [${min}, ${max}]` };
    out[c] = x;
  }
  return { ok: true, value: out };
}
