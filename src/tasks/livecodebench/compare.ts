/**
 * LiveCodeBench output comparison, done in Node on the outputs the sandbox reported (testing_util.py semantics,
 * described not copied):
 *  - stdin: strip the whole text, split on "\n", strip each line; line counts must match; each line matches exactly
 *    or, token by token on whitespace, as exact decimals (Python `Decimal` equality: "1.0" == "1", no tolerance);
 *  - functional: the JSON result equals the JSON expected output with Python `==` semantics on JSON values
 *    (1 == 1.0, True == 1, lists/dicts element-wise).
 */
export function strippedLines(s: string): string[] {
  return s
    .trim()
    .split('\n')
    .map((l) => l.trim());
}

/** Canonical form of a Python Decimal literal, or null if `Decimal(tok)` would raise. */
export function decimalKey(tok: string): string | null {
  const t = tok.trim().replace(/_/g, '');
  const special = /^([+-]?)(inf|infinity|nan|snan)$/i.exec(t);
  if (special) {
    const kind = special[2].toLowerCase().startsWith('inf') ? 'inf' : 'nan';
    return kind === 'nan' ? 'nan' : `${special[1] === '-' ? '-' : '+'}inf`;
  }
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(t);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  let digits = (m[2] + (m[3] ?? '')).replace(/^0+/, '');
  let exp = BigInt(m[4] ?? '0') - BigInt((m[3] ?? '').length);
  if (digits === '') return '0';
  const trailing = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trailing);
  exp += BigInt(trailing);
  return `${m[1] === '-' ? '-' : '+'}${digits}e${exp}`;
}

export function stdinOutputMatches(prediction: string, expected: string): boolean {
  const p = strippedLines(prediction);
  const e = strippedLines(expected);
  if (p.length !== e.length) return false;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === e[i]) continue;
    const pt = p[i].split(/\s+/).filter(Boolean);
    const et = e[i].split(/\s+/).filter(Boolean);
    if (pt.length !== et.length) return false;
    for (let j = 0; j < pt.length; j++) {
      const a = decimalKey(pt[j]);
      const b = decimalKey(et[j]);
      if (a === null || b === null || a === 'nan' || b === 'nan' || a !== b) return false; // NaN never equals
    }
  }
  return true;
}

/** Python `==` on JSON values. */
export function pyJsonEqual(a: unknown, b: unknown): boolean {
  const num = (x: unknown) => (typeof x === 'boolean' ? Number(x) : x);
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean'))
    return num(a) === num(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => pyJsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) => Object.prototype.hasOwnProperty.call(b, k) && pyJsonEqual((a as never)[k], (b as never)[k]),
    )
  );
}
