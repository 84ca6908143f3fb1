/**
 * Answer normalisation for the robust (chat) math scorer: a right answer must not be marked wrong for its
 * formatting. Every rule here has a test in test/scoring/math/normalize.test.ts built from real answer shapes
 * (MATH-500 / GSM8K / AIME reference answers and model-style outputs).
 */

const UNIT_WORDS = [
  'cm',
  'centimeters',
  'centimetres',
  'm',
  'meters',
  'metres',
  'km',
  'kilometers',
  'mm',
  'inches',
  'inch',
  'in',
  'feet',
  'foot',
  'ft',
  'yards',
  'yd',
  'miles',
  'mi',
  'mph',
  'units',
  'unit',
  'square units',
  'sq units',
  'degrees',
  'degree',
  'dollars',
  'dollar',
  'cents',
  'cent',
  'hours',
  'hour',
  'hrs',
  'minutes',
  'minute',
  'min',
  'seconds',
  'second',
  'sec',
  's',
  'days',
  'day',
  'weeks',
  'years',
  'pounds',
  'lbs',
  'lb',
  'ounces',
  'oz',
  'grams',
  'g',
  'kg',
  'liters',
  'l',
  'ml',
  'gallons',
  'students',
  'people',
  'ways',
  'points',
  'marbles',
  'apples',
  'eggs',
  'cups',
  'pages',
  'books',
  'bags',
  'boxes',
  'cookies',
  'pieces',
  'times',
  'percent',
];
const UNIT_RE = new RegExp(
  `^(?:${UNIT_WORDS.map((u) => u.replace(/ /g, '\\s*')).join('|')})(?:\\^\\{?[23]\\}?)?$`,
  'i',
);

/** Remove `\cmd{…}` wrappers (balanced), keeping the content. */
function unwrapCommand(s: string, cmd: string, keep: (inner: string, before: string) => string): string {
  let out = s;
  for (let guard = 0; guard < 50; guard++) {
    const i = out.indexOf(`\\${cmd}{`);
    if (i < 0) break;
    let depth = 0;
    let j = i + cmd.length + 1;
    for (; j < out.length; j++) {
      if (out[j] === '{') depth++;
      else if (out[j] === '}') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (j >= out.length) break;
    const inner = out.slice(i + cmd.length + 2, j);
    out = out.slice(0, i) + keep(inner, out.slice(0, i)) + out.slice(j + 1);
  }
  return out;
}

/** Strip a math-mode wrapper: $…$, $$…$$, \(…\), \[…\]. */
export function stripMathDelimiters(s: string): string {
  let t = s.trim();
  for (let k = 0; k < 3; k++) {
    const before = t;
    if (t.startsWith('$$') && t.endsWith('$$') && t.length >= 4) t = t.slice(2, -2).trim();
    else if (t.startsWith('$') && t.endsWith('$') && t.length >= 2) t = t.slice(1, -1).trim();
    else if (t.startsWith('\\(') && t.endsWith('\\)')) t = t.slice(2, -2).trim();
    else if (t.startsWith('\\[') && t.endsWith('\\]')) t = t.slice(2, -2).trim();
    if (t === before) break;
  }
  return t;
}

/** Parse a plain number string (thousands separators, leading currency, trailing percent/units removed before). */
export function parsePlainNumber(s: string): number | null {
  let t = s.trim();
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replaceAll(',', '');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/**
 * Canonical LaTeX-ish form of an answer: delimiters, \left/\right, spacing commands, \dfrac, \text{} and units,
 * degrees, percent, currency, thousands separators, trailing punctuation and a leading "x =" are removed.
 */
export function normalizeAnswer(raw: string): string {
  let s = stripMathDelimiters(raw);
  // A whole-answer box.
  if (s.startsWith('\\boxed{') && s.endsWith('}')) s = s.slice(7, -1);
  // TeX thousands separators between digit groups (MATH writes 10,\!080, 11,\! 111,\! 111,\! 100, 10{,}000,
  // 3\,250): dropped before spacing commands become spaces (a bare "," stays: "1,2" may be a list).
  s = s.replace(/(\d)(?:,\\!|\{,\}|\\,|,\\,)\s*(?=\d{3}(?!\d))/g, '$1');
  s = s.replace(/\\(?:displaystyle|left|right|big|Big|bigl|bigr|Bigl|Bigr)(?![a-zA-Z])/g, '');
  s = s.replace(/(?<!\\)\\[,;:! ]|~/g, ' ');
  s = s.replace(/\\(?:quad|qquad)(?![a-zA-Z])/g, ' ');
  s = s.replace(/\\[dt]frac/g, '\\frac');
  s = s.replace(/\\(?:mathbf|mathrm|textbf|textit|mathit|operatorname)\{/g, '\\text{');
  s = s.replace(/\\mbox\{/g, '\\text{');
  // \text{…}: units after a quantity disappear; other text is kept without the wrapper.
  s = unwrapCommand(s, 'text', (inner, before) => {
    const w = inner.trim();
    if (UNIT_RE.test(w) && /[\d})]\s*$/.test(before)) return '';
    return w;
  });
  s = s.replace(/\^\s*\{?\\circ\}?|°|\\degree(?![a-zA-Z])/g, '');
  s = s.replace(/\\?%/g, '');
  s = s.replace(/\\\$|\$/g, '');
  s = s
    .trim()
    .replace(/[.。]+$/, '')
    .trim();
  // Bare trailing unit words after a number ("3 cm", "18 dollars").
  const unitTail = /^(.*?[\d}])\s+([a-zA-Z][a-zA-Z ]*?)(\^\{?[23]\}?)?$/.exec(s);
  if (unitTail && UNIT_RE.test(unitTail[2].trim())) s = unitTail[1];
  // "x = 5", "f(x) = …", "x \in [0,1)" → right-hand side (single short left side only).
  const asg = /^\s*([a-zA-Z](?:_\{?\w+\}?)?|[a-zA-Z]\([a-zA-Z]\))\s*(=|\\in(?![a-zA-Z]))\s*(.+)$/s.exec(s);
  if (asg && !asg[3].includes('=')) s = asg[3];
  // Thousands separators in a plain number.
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s.trim())) s = s.replaceAll(',', '');
  s = s.replace(/\s+/g, ' ').trim();
  return s;
}

/** Space-free comparison key. */
export function compactKey(s: string): string {
  return s.replace(/\s+/g, '').replace(/\\(?:left|right)/g, '');
}
