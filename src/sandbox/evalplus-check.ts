/**
 * EvalPlus's per-input output check, evaluated in Node on data values (never in the sandbox).
 *
 * Facts from EvalPlus (evalplus/eval/__init__.py `unsafe_execute`, evalplus/eval/_special_oracle.py), own code:
 *  - exact match is Python `out == exp`;
 *  - MBPP special oracles: are_equivalent (Mbpp/164) accepts anything, sum_div (Mbpp/295) also accepts 0,
 *    surface_Area (Mbpp/581) and digit_distance_nums (Mbpp/558) also accept an alternative reading of the task,
 *    eight set-equality tasks compare `set(out) == set(exp)`, three "output is not None" tasks compare booleans;
 *  - HumanEval/32 find_zero: pass iff |poly(xs, out)| <= atol (with xs as the solution left it);
 *  - if atol == 0 and the expected output is float-like, atol becomes 1e-6 — and, as in EvalPlus's loop, it stays
 *    1e-6 for the remaining inputs of the same test set;
 *  - a non-exact match with atol != 0 passes iff type(out) == type(exp), equal lengths for list/tuple and
 *    numpy.allclose(out, exp, rtol=1e-07, atol=atol).
 */
import { allclose, PyTypeError, pyEq, pySetEq, pySetOf, toFloat, typeName, type PyValue } from './pyvalue.js';

export const MBPP_OUTPUT_NOT_NONE_TASKS = ['check_str', 'text_match_three', 'text_starta_endb'];
export const MBPP_OUTPUT_SET_EQ_TASKS = [
  'similar_elements', // Mbpp/2
  'find_char_long', // Mbpp/7
  'common_in_nested_lists', // Mbpp/111
  'extract_singly', // Mbpp/140
  'larg_nnum', // Mbpp/232
  'intersection_array', // Mbpp/249
  'find_dissimilar', // Mbpp/579
  'Diff', // Mbpp/769
];

export interface CheckContext {
  dataset: 'humaneval' | 'mbpp';
  entryPoint: string;
  /** Mutable: EvalPlus switches it to 1e-6 after the first float-like expected output. */
  atol: number;
}

function isFloats(v: PyValue): boolean {
  if (v.k === 'float') return true;
  if (v.k === 'list' || v.k === 'tuple') return v.items.length > 0 && v.items.every((x) => x.k === 'float');
  return false;
}

/** Python round() of a float: half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function num(v: PyValue): number {
  return toFloat(v);
}

/** Mbpp/581 alternative oracle: height is the perpendicular height of the pyramid. */
function surfaceArea(args: PyValue[]): number {
  const b = num(args[0]);
  const h = num(args[1]);
  const slant = Math.sqrt((b / 2) ** 2 + h ** 2);
  return roundHalfEven(b ** 2 + (4 * (b * slant)) / 2);
}

function pyStrOfInt(v: PyValue): string {
  if (v.k === 'int') return v.v.toString();
  if (v.k === 'bool') return v.v ? 'True' : 'False';
  throw new PyTypeError('digit_distance_nums oracle expects ints');
}

/** Mbpp/558 alternative oracle: numbers zero-padded to the same length. */
function digitDistance(args: PyValue[]): PyValue {
  let a = pyStrOfInt(args[0]);
  let b = pyStrOfInt(args[1]);
  const n = Math.max(a.length, b.length);
  a = a.padStart(n, '0');
  b = b.padStart(n, '0');
  let total = 0n;
  for (let i = 0; i < n; i++) {
    if (!/\d/.test(a[i]) || !/\d/.test(b[i])) throw new PyTypeError('ValueError: invalid literal for int()');
    const d = BigInt(Number(a[i]) - Number(b[i]));
    total += d < 0n ? -d : d;
  }
  return { k: 'int', v: total };
}

/**
 * math.pow(x, n) for an integer n >= 0, correctly rounded like glibc's pow (V8's Math.pow can be 1 ulp off, and
 * the find_zero oracle cancels terms of size 1e36, so one ulp decides the verdict). Exact via BigInt.
 */
export function powInt(x: number, n: number): number {
  if (n === 0) return 1;
  if (!Number.isFinite(x) || x === 0) return Math.pow(x, n);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  let p = mant ** BigInt(n);
  let exp = e * n;
  const bits = p.toString(2).length;
  if (bits > 64) {
    const shift = bits - 64;
    const sticky = (p & ((1n << BigInt(shift)) - 1n)) !== 0n ? 1n : 0n;
    p = (p >> BigInt(shift)) | sticky;
    exp += shift;
  }
  let r = Number(p); // round-to-nearest-even on <= 64 bits with sticky: correctly rounded
  // scale by 2^exp in exact steps
  while (exp > 0 && Number.isFinite(r)) {
    const k = Math.min(exp, 1000);
    r *= 2 ** k;
    exp -= k;
  }
  while (exp < 0 && r !== 0) {
    const k = Math.max(exp, -1000);
    r *= 2 ** k;
    exp -= k;
  }
  return x < 0 && n % 2 === 1 ? -r : r;
}

/** HumanEval/32 oracle: sum(coeff * math.pow(x, i)). */
function poly(xs: PyValue, x: PyValue): number {
  if (xs.k !== 'list' && xs.k !== 'tuple') throw new PyTypeError('poly expects a list');
  const xf = toFloat(x);
  let s = 0;
  xs.items.forEach((c, i) => {
    const p = powInt(xf, i);
    if (!Number.isFinite(p) && Number.isFinite(xf)) throw new PyTypeError('OverflowError: math range error');
    s += toFloat(c) * p;
  });
  return s;
}

function absDiff(out: PyValue, ref: number): number {
  if (out.k === 'complex') return Math.hypot(out.re - ref, out.im);
  if (out.k === 'int') {
    const d = out.v - BigInt(ref);
    return Math.abs(Number(d));
  }
  return Math.abs(toFloat(out) - ref);
}

/**
 * One input's verdict. `args` are the call arguments (as the solution left them, for find_zero). Throws
 * PyTypeError where EvalPlus's check would raise (which EvalPlus counts as a failure).
 */
export function checkOutput(ctx: CheckContext, out: PyValue, exp: PyValue, args: PyValue[] | null): boolean {
  let exact = pyEq(out, exp);
  const ep = ctx.entryPoint;
  if (ctx.dataset === 'mbpp') {
    if (ep === 'are_equivalent') exact = true;
    else if (ep === 'sum_div') exact = exact || pyEq(out, { k: 'int', v: 0n });
    else if (ep === 'surface_Area') exact = exact || absDiff(out, surfaceArea(args ?? [])) <= ctx.atol;
    else if (ep === 'digit_distance_nums') exact = exact || pyEq(out, digitDistance(args ?? []));
    else if (MBPP_OUTPUT_SET_EQ_TASKS.includes(ep)) exact = pySetEq(pySetOf(out), pySetOf(exp));
    else if (MBPP_OUTPUT_NOT_NONE_TASKS.includes(ep)) {
      exact = out.k === 'bool' ? pyEq(out, exp) : pyEq(exp, { k: 'bool', v: out.k !== 'none' });
    }
  }
  if (ctx.dataset === 'humaneval' && ep === 'find_zero') {
    if (!args || args.length < 1) throw new PyTypeError('find_zero oracle needs the arguments');
    return Math.abs(poly(args[0], out)) <= ctx.atol;
  }
  if (ctx.atol === 0 && isFloats(exp)) ctx.atol = 1e-6;
  if (!exact && ctx.atol !== 0) {
    if (typeName(out) !== typeName(exp)) return false;
    if ((exp.k === 'list' || exp.k === 'tuple') && (out as typeof exp).items.length !== exp.items.length)
      return false;
    return allclose(out, exp, 1e-7, ctx.atol);
  }
  return exact;
}

/**
 * Whether a test set's large expected outputs may be compared by digest (equal canonical texts ⇔ Python `==`):
 * only where EvalPlus's check is plain `out == exp` — no special oracle, no tolerance. The float rule (atol becomes
 * 1e-6 after a float-like expected output) is checked per set by the executor.
 */
export function digestComparable(ctx: Omit<CheckContext, 'atol'> & { atol: number }): boolean {
  if (ctx.atol !== 0) return false;
  const ep = ctx.entryPoint;
  if (ctx.dataset === 'humaneval') return ep !== 'find_zero';
  return ![
    'are_equivalent',
    'sum_div',
    'surface_Area',
    'digit_distance_nums',
    ...MBPP_OUTPUT_SET_EQ_TASKS,
    ...MBPP_OUTPUT_NOT_NONE_TASKS,
  ].includes(ep);
}
