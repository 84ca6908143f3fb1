/**
 * Python values as data, and Python's `==` over them — evaluated in Node, outside the sandbox.
 *
 * The sandboxed child returns outputs in a tagged JSON (see python/server.py `encode`): arrays are lists, strings
 * are str, JSON numbers are (exact) ints, true/false/null are bool/None, and one-key objects carry the other types.
 * Nothing here executes anything: a value that is not data never arrives (the child reports it unserializable).
 */

export type PyValue =
  | { k: 'none' }
  | { k: 'bool'; v: boolean }
  | { k: 'int'; v: bigint }
  | { k: 'float'; v: number }
  | { k: 'complex'; re: number; im: number }
  | { k: 'str'; v: string }
  | { k: 'bytes'; v: string /* hex */ }
  | { k: 'list' | 'tuple'; items: PyValue[] }
  | { k: 'set' | 'frozenset'; items: PyValue[] }
  | { k: 'dict' | 'odict' | 'counter'; entries: [PyValue, PyValue][] };

export const NONE: PyValue = { k: 'none' };

export class PyTypeError extends Error {}

function decodeFloat(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === 'nan') return NaN;
  if (x === 'inf') return Infinity;
  if (x === '-inf') return -Infinity;
  throw new PyTypeError(`bad float encoding ${JSON.stringify(x)}`);
}

/** Decode tagged JSON (already JSON.parse'd) into a PyValue. Throws PyTypeError on anything malformed. */
export function decodeTagged(x: unknown, depth = 0): PyValue {
  if (depth > 400) throw new PyTypeError('value nested too deeply');
  if (x === null) return NONE;
  if (typeof x === 'boolean') return { k: 'bool', v: x };
  if (typeof x === 'number') {
    if (!Number.isSafeInteger(x)) throw new PyTypeError('non-integer JSON number');
    return { k: 'int', v: BigInt(x) };
  }
  if (typeof x === 'string') return { k: 'str', v: x };
  if (Array.isArray(x)) return { k: 'list', items: x.map((y) => decodeTagged(y, depth + 1)) };
  if (typeof x === 'object') {
    const keys = Object.keys(x as object);
    if (keys.length !== 1) throw new PyTypeError('bad tagged value');
    const tag = keys[0];
    const body = (x as Record<string, unknown>)[tag];
    const arr = (): unknown[] => {
      if (!Array.isArray(body)) throw new PyTypeError(`bad ${tag} body`);
      return body;
    };
    const pairs = (): [PyValue, PyValue][] =>
      arr().map((p) => {
        if (!Array.isArray(p) || p.length !== 2) throw new PyTypeError('bad dict entry');
        return [decodeTagged(p[0], depth + 1), decodeTagged(p[1], depth + 1)];
      });
    switch (tag) {
      case 'i': {
        // big ints travel in hex (linear-time conversion on both sides)
        if (typeof body !== 'string' || !/^-?[0-9a-f]+$/.test(body)) throw new PyTypeError('bad int');
        const neg = body.startsWith('-');
        const mag = BigInt('0x' + (neg ? body.slice(1) : body));
        return { k: 'int', v: neg ? -mag : mag };
      }
      case 'f':
        return { k: 'float', v: decodeFloat(body) };
      case 'c': {
        const a = arr();
        if (a.length !== 2) throw new PyTypeError('bad complex');
        return {
          k: 'complex',
          re: decodeFloat((a[0] as { f: unknown })?.f),
          im: decodeFloat((a[1] as { f: unknown })?.f),
        };
      }
      case 'b':
        if (typeof body !== 'string' || !/^[0-9a-f]*$/.test(body)) throw new PyTypeError('bad bytes');
        return { k: 'bytes', v: body };
      case 't':
        return { k: 'tuple', items: arr().map((y) => decodeTagged(y, depth + 1)) };
      case 's':
        return { k: 'set', items: arr().map((y) => decodeTagged(y, depth + 1)) };
      case 'fs':
        return { k: 'frozenset', items: arr().map((y) => decodeTagged(y, depth + 1)) };
      case 'd':
        return { k: 'dict', entries: pairs() };
      case 'od':
        return { k: 'odict', entries: pairs() };
      case 'ctr':
        return { k: 'counter', entries: pairs() };
      default:
        throw new PyTypeError(`unknown tag ${tag}`);
    }
  }
  throw new PyTypeError('bad value');
}

/** Convert a plain JSON/pyjson dataset value (inputs) into a PyValue: numbers with a fraction or exponent are floats
 * only if the source said so — JS cannot tell 1 from 1.0, so callers pass integers as ints. Used for oracles only. */
export function fromJs(x: unknown): PyValue {
  if (x === null || x === undefined) return NONE;
  if (typeof x === 'boolean') return { k: 'bool', v: x };
  if (typeof x === 'number') return Number.isInteger(x) ? { k: 'int', v: BigInt(x) } : { k: 'float', v: x };
  if (typeof x === 'bigint') return { k: 'int', v: x };
  if (typeof x === 'string') return { k: 'str', v: x };
  if (Array.isArray(x)) return { k: 'list', items: x.map(fromJs) };
  return { k: 'dict', entries: Object.entries(x as object).map(([a, b]) => [{ k: 'str', v: a }, fromJs(b)]) };
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers

function isNumeric(v: PyValue): v is Extract<PyValue, { k: 'bool' | 'int' | 'float' | 'complex' }> {
  return v.k === 'bool' || v.k === 'int' || v.k === 'float' || v.k === 'complex';
}

/** Exact comparison of a double with an integer, as Python does (no rounding of the integer). */
function floatEqInt(f: number, i: bigint): boolean {
  if (!Number.isFinite(f) || !Number.isInteger(f)) return false;
  return BigInt(f) === i;
}

function realEq(a: PyValue, b: PyValue): boolean {
  const ai = a.k === 'bool' ? BigInt(a.v ? 1 : 0) : a.k === 'int' ? a.v : null;
  const bi = b.k === 'bool' ? BigInt(b.v ? 1 : 0) : b.k === 'int' ? b.v : null;
  if (ai !== null && bi !== null) return ai === bi;
  if (ai !== null && b.k === 'float') return floatEqInt(b.v, ai);
  if (bi !== null && a.k === 'float') return floatEqInt(a.v, bi);
  if (a.k === 'float' && b.k === 'float') return a.v === b.v;
  return false;
}

function numEq(a: PyValue, b: PyValue): boolean {
  if (a.k === 'complex' && b.k === 'complex') return a.re === b.re && a.im === b.im;
  if (a.k === 'complex') return a.im === 0 && realEq({ k: 'float', v: a.re }, b);
  if (b.k === 'complex') return b.im === 0 && realEq(a, { k: 'float', v: b.re });
  return realEq(a, b);
}

/** Python float(x) for a real number value (bool/int/float). Throws for others. */
export function toFloat(v: PyValue): number {
  if (v.k === 'bool') return v.v ? 1 : 0;
  if (v.k === 'int') {
    const f = Number(v.v);
    if (!Number.isFinite(f)) throw new PyTypeError('OverflowError: int too large to convert to float');
    return f;
  }
  if (v.k === 'float') return v.v;
  throw new PyTypeError(`TypeError: must be real number, not ${typeName(v)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Hashing (for dict keys and sets): a canonical key such that a == b  <=>  key(a) === key(b) for hashable values.

let nanCounter = 0;

export function hashKey(v: PyValue): string {
  switch (v.k) {
    case 'none':
      return 'N';
    case 'bool':
      return 'n' + (v.v ? '1' : '0');
    case 'int':
      return 'n' + v.v.toString();
    case 'float':
      if (Number.isNaN(v.v)) return 'nan' + nanCounter++; // distinct NaN objects never compare equal
      if (Number.isInteger(v.v)) return 'n' + BigInt(v.v).toString();
      return 'x' + String(v.v);
    case 'complex':
      if (v.im === 0) return hashKey({ k: 'float', v: v.re });
      return `c${String(v.re)},${String(v.im)}`;
    case 'str':
      return 's' + v.v;
    case 'bytes':
      return 'b' + v.v;
    case 'tuple':
      return 't(' + v.items.map((x) => JSON.stringify(hashKey(x))).join(',') + ')';
    case 'frozenset':
      return (
        'F{' +
        [...new Set(v.items.map(hashKey))]
          .sort()
          .map((s) => JSON.stringify(s))
          .join(',') +
        '}'
      );
    default:
      throw new PyTypeError(`TypeError: unhashable type: '${typeName(v)}'`);
  }
}

function keyMap(entries: [PyValue, PyValue][]): Map<string, PyValue> {
  const m = new Map<string, PyValue>();
  for (const [k, val] of entries) m.set(hashKey(k), val);
  return m;
}

function keySet(items: PyValue[]): Set<string> {
  return new Set(items.map(hashKey));
}

function setsEqual(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function dictEq(a: [PyValue, PyValue][], b: [PyValue, PyValue][]): boolean {
  const ma = keyMap(a);
  const mb = keyMap(b);
  if (ma.size !== mb.size) return false;
  for (const [k, va] of ma) {
    const vb = mb.get(k);
    if (vb === undefined || !pyEq(va, vb)) return false;
  }
  return true;
}

/** Python `a == b` for data values (numeric tower, list != tuple, set == frozenset, dict/OrderedDict/Counter rules). */
export function pyEq(a: PyValue, b: PyValue): boolean {
  if (isNumeric(a) || isNumeric(b)) return isNumeric(a) && isNumeric(b) && numEq(a, b);
  switch (a.k) {
    case 'none':
      return b.k === 'none';
    case 'str':
      return b.k === 'str' && a.v === b.v;
    case 'bytes':
      return b.k === 'bytes' && a.v === b.v;
    case 'list':
    case 'tuple':
      if (b.k !== a.k || a.items.length !== b.items.length) return false;
      for (let i = 0; i < a.items.length; i++) if (!pyEq(a.items[i], b.items[i])) return false;
      return true;
    case 'set':
    case 'frozenset':
      return (b.k === 'set' || b.k === 'frozenset') && setsEqual(keySet(a.items), keySet(b.items));
    case 'dict':
    case 'odict':
    case 'counter': {
      if (b.k !== 'dict' && b.k !== 'odict' && b.k !== 'counter') return false;
      if (a.k === 'odict' && b.k === 'odict') {
        // OrderedDict == OrderedDict is order-sensitive.
        if (a.entries.length !== b.entries.length) return false;
        for (let i = 0; i < a.entries.length; i++) {
          if (hashKey(a.entries[i][0]) !== hashKey(b.entries[i][0])) return false;
        }
        return dictEq(a.entries, b.entries);
      }
      if (a.k === 'counter' && b.k === 'counter') {
        // Python >= 3.10: missing elements count as zero.
        const ma = keyMap(a.entries);
        const mb = keyMap(b.entries);
        const zero: PyValue = { k: 'int', v: 0n };
        for (const k of new Set([...ma.keys(), ...mb.keys()])) {
          if (!pyEq(ma.get(k) ?? zero, mb.get(k) ?? zero)) return false;
        }
        return true;
      }
      return dictEq(a.entries, b.entries);
    }
  }
  return false;
}

/** Python `set(x)` for an iterable data value; throws PyTypeError like Python would. */
export function pySetOf(v: PyValue): Set<string> {
  switch (v.k) {
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset':
      return keySet(v.items);
    case 'dict':
    case 'odict':
    case 'counter':
      return keySet(v.entries.map((e) => e[0]));
    case 'str':
      return new Set([...v.v].map((c) => hashKey({ k: 'str', v: c })));
    case 'bytes': {
      const out = new Set<string>();
      for (let i = 0; i < v.v.length; i += 2) out.add('n' + parseInt(v.v.slice(i, i + 2), 16));
      return out;
    }
    default:
      throw new PyTypeError(`TypeError: '${typeName(v)}' object is not iterable`);
  }
}

export function pySetEq(a: Set<string>, b: Set<string>): boolean {
  return setsEqual(a, b);
}

export function typeName(v: PyValue): string {
  switch (v.k) {
    case 'none':
      return 'NoneType';
    case 'odict':
      return 'OrderedDict';
    case 'counter':
      return 'Counter';
    default:
      return v.k;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// numpy.allclose(a, b, rtol, atol) for data values (facts: numpy isclose: |a-b| <= atol + rtol*|b|, infinities equal
// only to themselves, NaN never close; arrays broadcast; ragged or non-numeric arrays raise).

interface NdArray {
  shape: number[];
  data: { re: number; im: number }[];
}

function toNd(v: PyValue): NdArray {
  const scalar = (x: PyValue): { re: number; im: number } => {
    if (x.k === 'complex') return { re: x.re, im: x.im };
    if (x.k === 'int' && (x.v >= 2n ** 63n || x.v < -(2n ** 63n))) {
      throw new PyTypeError('TypeError: integer too large for a numeric array');
    }
    if (x.k === 'bool' || x.k === 'int' || x.k === 'float') return { re: toFloat(x), im: 0 };
    throw new PyTypeError(`TypeError: non-numeric array element of type ${typeName(x)}`);
  };
  if (v.k !== 'list' && v.k !== 'tuple') return { shape: [], data: [scalar(v)] };
  const subs = v.items.map(toNd);
  if (subs.length === 0) return { shape: [0], data: [] };
  const s0 = JSON.stringify(subs[0].shape);
  for (const s of subs) {
    if (JSON.stringify(s.shape) !== s0) throw new PyTypeError('ValueError: inhomogeneous array shape');
  }
  return { shape: [subs.length, ...subs[0].shape], data: subs.flatMap((s) => s.data) };
}

function broadcastShape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      throw new PyTypeError('ValueError: operands could not be broadcast together');
    out.push(x === 1 ? y : x);
  }
  return out;
}

function at(arr: NdArray, shape: number[], flat: number): { re: number; im: number } {
  // map a flat index of the broadcast shape to the array's own flat index
  let idx = 0;
  let stride = 1;
  let rem = flat;
  const coords: number[] = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    coords[d] = rem % shape[d];
    rem = Math.floor(rem / shape[d]);
  }
  const off = shape.length - arr.shape.length;
  for (let d = arr.shape.length - 1; d >= 0; d--) {
    const c = arr.shape[d] === 1 ? 0 : coords[d + off];
    idx += c * stride;
    stride *= arr.shape[d];
  }
  return arr.data[idx];
}

function isclose(
  a: { re: number; im: number },
  b: { re: number; im: number },
  rtol: number,
  atol: number,
): boolean {
  const fin = (z: { re: number; im: number }) => Number.isFinite(z.re) && Number.isFinite(z.im);
  if (fin(a) && fin(b)) {
    const d = Math.hypot(a.re - b.re, a.im - b.im);
    return d <= atol + rtol * Math.hypot(b.re, b.im);
  }
  if (Number.isNaN(a.re) || Number.isNaN(a.im) || Number.isNaN(b.re) || Number.isNaN(b.im)) return false;
  return a.re === b.re && a.im === b.im;
}

export function allclose(a: PyValue, b: PyValue, rtol: number, atol: number): boolean {
  const x = toNd(a);
  const y = toNd(b);
  const shape = broadcastShape(x.shape, y.shape);
  const n = shape.reduce((p, q) => p * q, 1);
  for (let i = 0; i < n; i++) if (!isclose(at(x, shape, i), at(y, shape, i), rtol, atol)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// repr (for failure reasons only)

function floatRepr(f: number): string {
  if (Number.isNaN(f)) return 'nan';
  if (f === Infinity) return 'inf';
  if (f === -Infinity) return '-inf';
  if (Object.is(f, -0)) return '-0.0';
  if (Number.isInteger(f) && Math.abs(f) < 1e16) return f.toFixed(1);
  const s = String(f);
  return s.includes('e') ? s.replace(/e\+?/, 'e+').replace('e+-', 'e-') : s;
}

export function pyRepr(v: PyValue, limit = 300): string {
  let out = '';
  const w = (s: string): boolean => {
    out += s;
    return out.length > limit;
  };
  const rec = (x: PyValue): boolean => {
    switch (x.k) {
      case 'none':
        return w('None');
      case 'bool':
        return w(x.v ? 'True' : 'False');
      case 'int':
        return w(x.v.toString());
      case 'float':
        return w(floatRepr(x.v));
      case 'complex':
        return w(`(${floatRepr(x.re)}${x.im < 0 || Object.is(x.im, -0) ? '' : '+'}${floatRepr(x.im)}j)`);
      case 'str':
        return w(`'${x.v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`);
      case 'bytes':
        return w(`bytes.fromhex('${x.v}')`);
      case 'list':
      case 'tuple':
      case 'set':
      case 'frozenset': {
        const [o, c] =
          x.k === 'list'
            ? ['[', ']']
            : x.k === 'tuple'
              ? ['(', ')']
              : x.k === 'set'
                ? ['{', '}']
                : ['frozenset({', '})'];
        if (x.k === 'set' && x.items.length === 0) return w('set()');
        if (w(o)) return true;
        for (let i = 0; i < x.items.length; i++) {
          if (i && w(', ')) return true;
          if (rec(x.items[i])) return true;
        }
        if (x.k === 'tuple' && x.items.length === 1 && w(',')) return true;
        return w(c);
      }
      default: {
        const [o, c] =
          x.k === 'dict' ? ['{', '}'] : x.k === 'odict' ? ['OrderedDict({', '})'] : ['Counter({', '})'];
        if (w(o)) return true;
        for (let i = 0; i < x.entries.length; i++) {
          if (i && w(', ')) return true;
          if (rec(x.entries[i][0]) || w(': ') || rec(x.entries[i][1])) return true;
        }
        return w(c);
      }
    }
  };
  rec(v);
  return out.length > limit ? out.slice(0, limit) + '…' : out;
}
