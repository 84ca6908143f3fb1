/**
 * Python string semantics that reference scorers written in Python rely on (IFEval's google-research
 * `instruction_following_eval`, MMLU-Pro's answer extraction). JavaScript differs in small ways that change
 * verdicts: `\w` and `\b` are ASCII-only in JS but Unicode-aware for Python `str` patterns,
 * `str.strip()` strips a slightly different whitespace set than `String.prototype.trim()`, and
 * `str.isupper()`/`str.islower()` have no JS counterpart. Each helper here reproduces the Python
 * behaviour so checkers and extractors can be written against the reference semantics.
 */

/** Python's `\w` for `str` patterns: Unicode letters and numbers (str.isalnum) plus underscore. */
export const PY_WORD_CHAR = '[\\p{L}\\p{N}_]';
/** Python's `\W`. */
export const PY_NON_WORD_CHAR = '[^\\p{L}\\p{N}_]';
/** Python's `\b` (between a `\w` and a `\W` or the text edge). */
export const PY_WORD_BOUNDARY = `(?:(?<=${PY_WORD_CHAR})(?!${PY_WORD_CHAR})|(?<!${PY_WORD_CHAR})(?=${PY_WORD_CHAR}))`;

/**
 * Python `str.isspace()` characters (Unicode White_Space plus the ASCII separators \x1c-\x1f that
 * Python treats as whitespace); this is what `str.strip()`/`str.split()` use without arguments.
 */
export const PY_SPACE_CLASS_BODY =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python `\s` for `str` patterns as a JS class source. */
export const PY_S = `[${PY_SPACE_CLASS_BODY}]`;
const PY_SPACE = new RegExp(PY_S, 'u');

export function isPySpace(ch: string): boolean {
  return PY_SPACE.test(ch);
}

/** Python `str.strip()` (no arguments) or `str.strip(chars)`. */
export function pyStrip(s: string, chars?: string): string {
  return pyRstrip(pyLstrip(s, chars), chars);
}

export function pyLstrip(s: string, chars?: string): string {
  const cps = Array.from(s);
  let i = 0;
  while (i < cps.length && (chars === undefined ? isPySpace(cps[i]) : chars.includes(cps[i]))) i++;
  return cps.slice(i).join('');
}

export function pyRstrip(s: string, chars?: string): string {
  const cps = Array.from(s);
  let j = cps.length;
  while (j > 0 && (chars === undefined ? isPySpace(cps[j - 1]) : chars.includes(cps[j - 1]))) j--;
  return cps.slice(0, j).join('');
}

/** Python `str.split()` without arguments: split on runs of whitespace, drop empty strings. */
export function pySplitWhitespace(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of s) {
    if (isPySpace(ch)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

const UPPER = /\p{Uppercase}/u;
const LOWER = /\p{Lowercase}/u;
const TITLE = /\p{Lt}/u;

/** Python `str.isupper()`: at least one cased character and no lowercase/titlecase character. */
export function pyIsUpper(s: string): boolean {
  let cased = false;
  for (const ch of s) {
    if (LOWER.test(ch) || TITLE.test(ch)) return false;
    if (UPPER.test(ch)) cased = true;
  }
  return cased;
}

/** Python `str.islower()`: at least one cased character and no uppercase/titlecase character. */
export function pyIsLower(s: string): boolean {
  let cased = false;
  for (const ch of s) {
    if (UPPER.test(ch) || TITLE.test(ch)) return false;
    if (LOWER.test(ch)) cased = true;
  }
  return cased;
}

/**
 * Translate a Python `re` pattern that IFEval builds from dataset strings (keywords, starters,
 * postscript markers) into a JS RegExp with Python's Unicode `\w`/`\b`/`\s`/`\d` meaning.
 * Only the escapes that differ are rewritten; other syntax is shared by both engines for the
 * plain words the dataset contains.
 */
export function pyRegExp(pattern: string, flags: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[i + 1];
      i++;
      if (n === 'w') out += inClass ? '\\p{L}\\p{N}_' : PY_WORD_CHAR;
      else if (n === 'W') out += inClass ? '\\W' : PY_NON_WORD_CHAR;
      else if (n === 'b' && !inClass) out += PY_WORD_BOUNDARY;
      else if (n === 'd') out += '\\p{Nd}';
      else if (n === 's') out += inClass ? PY_SPACE_CLASS_BODY : `[${PY_SPACE_CLASS_BODY}]`;
      else out += '\\' + n;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  try {
    return new RegExp(out, flags.includes('u') ? flags : flags + 'u');
  } catch {
    // A pattern that is valid in non-unicode JS mode only (e.g. an unescaped `{`); fall back to
    // treating the original text literally rather than crashing the scorer.
    return new RegExp(escapeRegExp(pattern), flags.replace('u', ''));
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Python `s.lower()` (JS toLowerCase uses the same Unicode full case mapping for our purposes). */
export function pyLower(s: string): string {
  return s.toLowerCase();
}
