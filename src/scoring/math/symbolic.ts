/**
 * Numeric / symbolic equality of two LaTeX expressions.
 *
 * Order (cheapest first; each step only runs when the previous could not decide):
 *   1. a small, exact-purpose LaTeX arithmetic reader (numbers, \frac, \sqrt, \binom, ^, \cdot, \times, \pi,
 *      e in exponent form, + − · /, parentheses, single-letter variables, \sin … \ln) compiled to a closure;
 *      both sides are evaluated at fixed sample points for the free variables and compared with a relative
 *      tolerance. This is not a CAS: it only evaluates; it is what makes 10,000 outputs score in seconds.
 *   2. @cortex-js/compute-engine (LaTeX-aware CAS) when either side uses notation the reader does not know:
 *      parse both, compare `isSame`/`isEqual`, else N() values (constants) or sampled values (variables).
 * Anything that fails to parse in both is "not equal" (callers do the string comparisons first).
 */
import { ComputeEngine } from '@cortex-js/compute-engine';

type Fn = (vars: Record<string, number>) => number;

class Unsupported extends Error {}

const BINOM = new Set(['\\binom', '\\dbinom', '\\tbinom']);

/** C(n, k) = n(n−1)…(n−k+1)/k! for a non-negative integer k (n may be any real); NaN otherwise. */
function binomial(n: number, k: number): number {
  if (!Number.isInteger(k) || k < 0) return Number.NaN;
  let out = 1;
  for (let i = 0; i < k; i++) out = (out * (n - i)) / (i + 1);
  return out;
}

const FUNCS: Record<string, (x: number) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  ln: Math.log,
  log: Math.log10,
  exp: Math.exp,
  arcsin: Math.asin,
  arccos: Math.acos,
  arctan: Math.atan,
  sec: (x) => 1 / Math.cos(x),
  csc: (x) => 1 / Math.sin(x),
  cot: (x) => 1 / Math.tan(x),
};

/** Tokens: numbers, commands, single chars. */
function tokenize(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      let j = i;
      while (j < s.length && /[0-9.]/.test(s[j])) j++;
      out.push(s.slice(i, j));
      i = j;
      continue;
    }
    if (c === '\\') {
      let j = i + 1;
      while (j < s.length && /[a-zA-Z]/.test(s[j])) j++;
      if (j === i + 1) j++; // "\{", "\,", "\!"
      out.push(s.slice(i, j));
      i = j;
      continue;
    }
    out.push(c);
    i++;
  }
  return out;
}

const SKIP = new Set(['\\left', '\\right', '\\,', '\\!', '\\;', '\\:', '\\displaystyle', '\\big', '\\Big']);

/** Recursive-descent reader for LaTeX arithmetic; throws Unsupported for anything else. */
class Reader {
  private p = 0;
  readonly vars = new Set<string>();
  constructor(private readonly t: string[]) {
    this.t = t.filter((x) => !SKIP.has(x));
  }
  parse(): Fn {
    const f = this.expr();
    if (this.p !== this.t.length) throw new Unsupported(`trailing ${this.t[this.p]}`);
    return f;
  }
  private peek(): string | undefined {
    return this.t[this.p];
  }
  private next(): string {
    const x = this.t[this.p++];
    if (x === undefined) throw new Unsupported('eof');
    return x;
  }
  private expect(x: string): void {
    if (this.next() !== x) throw new Unsupported(`expected ${x}`);
  }
  private expr(): Fn {
    let sign = 1;
    let first: Fn;
    if (this.peek() === '-' || this.peek() === '+') sign = this.next() === '-' ? -1 : 1;
    const t0 = this.term();
    first = sign === 1 ? t0 : (v) => -t0(v);
    while (this.peek() === '+' || this.peek() === '-') {
      const op = this.next();
      const rhs = this.term();
      const lhs = first;
      first = op === '+' ? (v) => lhs(v) + rhs(v) : (v) => lhs(v) - rhs(v);
    }
    return first;
  }
  private term(): Fn {
    let acc = this.power();
    for (;;) {
      const k = this.peek();
      if (k === '*' || k === '\\cdot' || k === '\\times') {
        this.next();
        const r = this.power();
        const l = acc;
        acc = (v) => l(v) * r(v);
      } else if (k === '/' || k === '\\div') {
        this.next();
        const r = this.power();
        const l = acc;
        acc = (v) => l(v) / r(v);
      } else if (k !== undefined && this.startsAtom(k)) {
        const r = this.power(); // implicit multiplication
        const l = acc;
        acc = (v) => l(v) * r(v);
      } else return acc;
    }
  }
  private startsAtom(k: string): boolean {
    return (
      /^[0-9.]/.test(k) ||
      /^[a-zA-Z]$/.test(k) ||
      k === '(' ||
      k === '{' ||
      k === '\\frac' ||
      k === '\\dfrac' ||
      k === '\\tfrac' ||
      k === '\\sqrt' ||
      BINOM.has(k) ||
      k === '\\pi' ||
      k.slice(1) in FUNCS
    );
  }
  private power(): Fn {
    const base = this.atom();
    if (this.peek() === '^') {
      this.next();
      const e = this.group();
      return (v) => Math.pow(base(v), e(v));
    }
    if (this.peek() === '!') throw new Unsupported('factorial');
    return base;
  }
  /** `{…}` or a single atom (for ^2, \frac12). */
  private group(): Fn {
    if (this.peek() === '{') {
      this.next();
      const f = this.expr();
      this.expect('}');
      return f;
    }
    const k = this.next();
    if (/^[0-9]/.test(k)) {
      const d = Number(k[0]);
      if (k.length > 1) this.t.splice(this.p, 0, k.slice(1)); // "\frac12": one digit per argument
      return () => d;
    }
    this.p--;
    return this.atom();
  }
  private atom(): Fn {
    const k = this.next();
    if (/^[0-9.]/.test(k)) {
      if (!/^(\d+\.?\d*|\.\d+)$/.test(k)) throw new Unsupported(`number ${k}`);
      const n = Number(k);
      return () => n;
    }
    if (k === '(' || k === '{') {
      const f = this.expr();
      this.expect(k === '(' ? ')' : '}');
      return f;
    }
    if (k === '\\frac' || k === '\\dfrac' || k === '\\tfrac') {
      const a = this.group();
      const b = this.group();
      return (v) => a(v) / b(v);
    }
    if (k === '\\sqrt') {
      if (this.peek() === '[') {
        this.next();
        const n = this.expr();
        this.expect(']');
        const x = this.group();
        return (v) => Math.pow(x(v), 1 / n(v));
      }
      const x = this.group();
      return (v) => Math.sqrt(x(v));
    }
    if (BINOM.has(k)) {
      const n = this.group();
      const r = this.group();
      return (v) => binomial(n(v), r(v));
    }
    if (k === '\\pi') return () => Math.PI;
    const fn = FUNCS[k.slice(1)];
    if (k.startsWith('\\') && fn) {
      const x = this.peek() === '(' || this.peek() === '{' ? this.atom() : this.power();
      return (v) => fn(x(v));
    }
    if (/^[a-zA-Z]$/.test(k)) {
      this.vars.add(k);
      return (v) => v[k];
    }
    throw new Unsupported(`token ${k}`);
  }
}

export interface Compiled {
  fn: Fn;
  vars: Set<string>;
}

const compileCache = new Map<string, Compiled | null>();

/** Compile a LaTeX arithmetic expression, or null when it uses notation the reader does not support. */
export function compileLatex(s: string): Compiled | null {
  const hit = compileCache.get(s);
  if (hit !== undefined) return hit;
  let out: Compiled | null = null;
  if (s.trim() !== '') {
    try {
      const r = new Reader(tokenize(s));
      const fn = r.parse();
      out = { fn, vars: r.vars };
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
    }
  }
  if (compileCache.size > 50_000) compileCache.clear();
  compileCache.set(s, out);
  return out;
}

const SAMPLE_POINTS = [0.5772156649, 1.3247179572, 2.7182818284 / 1.9, -0.7071067811];

export function closeEnough(a: number, b: number, rel = 1e-6): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

function sampledEqual(a: Compiled, b: Compiled, rel: number): boolean {
  const names = [...new Set([...a.vars, ...b.vars])].sort();
  if (names.length === 0) return closeEnough(a.fn({}), b.fn({}), rel);
  let compared = 0;
  for (let p = 0; p < SAMPLE_POINTS.length; p++) {
    const v: Record<string, number> = {};
    names.forEach((n, i) => (v[n] = SAMPLE_POINTS[(p + i) % SAMPLE_POINTS.length] + i * 0.1));
    const x = a.fn(v);
    const y = b.fn(v);
    if (Number.isNaN(x) && Number.isNaN(y)) continue; // outside both domains
    if (!closeEnough(x, y, rel)) return false;
    compared++;
  }
  return compared > 0;
}

let engine: ComputeEngine | undefined;
function ce(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

/** Compute-engine fallback: true / false, or null when a side does not parse. */
export function computeEngineEqual(a: string, b: string, rel = 1e-6): boolean | null {
  try {
    // compute-engine 0.27 (the last release whose `engines` allows Node 20) does not know \dfrac / \tfrac.
    const x = ce().parse(a.replace(/\\[dt]frac(?![a-zA-Z])/g, '\\frac'));
    const y = ce().parse(b.replace(/\\[dt]frac(?![a-zA-Z])/g, '\\frac'));
    if (!x.isValid || !y.isValid) return null;
    if (x.isSame(y)) return true;
    const eq = x.isEqual(y);
    if (eq === true) return true;
    const unknowns = [...new Set([...x.unknowns, ...y.unknowns])];
    if (unknowns.length === 0) {
      const nx = x.N();
      const ny = y.N();
      const rx = Number(nx.re);
      const ry = Number(ny.re);
      if (!Number.isFinite(rx) && !Number.isFinite(ry)) return eq === false ? false : null;
      return closeEnough(rx, ry, rel) && closeEnough(Number(nx.im ?? 0), Number(ny.im ?? 0), rel);
    }
    for (let p = 0; p < 3; p++) {
      const sub: Record<string, number> = {};
      unknowns.forEach((n, i) => (sub[n] = SAMPLE_POINTS[(p + i) % SAMPLE_POINTS.length] + i * 0.1));
      const vx = Number(x.subs(sub).N().re);
      const vy = Number(y.subs(sub).N().re);
      if (!closeEnough(vx, vy, rel)) return false;
    }
    return true;
  } catch {
    return null;
  }
}

/** Numeric/symbolic equality; null when neither the reader nor compute-engine can parse both sides. */
export function expressionsEqual(a: string, b: string, rel = 1e-6): boolean | null {
  const ca = compileLatex(a);
  const cb = compileLatex(b);
  if (ca && cb) return sampledEqual(ca, cb, rel);
  return computeEngineEqual(a, b, rel);
}

/**
 * Approximation of Minerva's sympy `is_equiv` (parse_latex both; simplify(a-b)==0; any parse error → False).
 * sympy's LaTeX grammar has no tuples/intervals/sets/matrices, \pm, \in, \text or \%; a top-level comma is a
 * parse error. We reject those shapes up front (so the strict metric cannot be more lenient than sympy on
 * them), then decide equality numerically with a tight tolerance (sympy's difference is exact).
 * Known gaps (docs/fidelity.md#reasoning): sympy treats `e`/`i` as plain symbols; we treat `e` as a symbol
 * too in the reader but compute-engine treats it as Euler's number.
 */
export function sympyLikeEquiv(a: string, b: string): boolean {
  if (!sympyParsable(a) || !sympyParsable(b)) return false;
  const r = expressionsEqual(a, b, 1e-9);
  return r === true;
}

const SYMPY_UNSUPPORTED =
  /\\(pm|mp|in|notin|cup|cap|begin|end|text|mathrm|textbf|%|emptyset|varnothing|setminus|ldots|dots|cdots|quad|qquad|approx|neq|ne|sim)(?![a-zA-Z])|[%,;'"?#&_]|\\\{|\\\}/;

function sympyParsable(s: string): boolean {
  if (s.trim() === '' || s === '[invalidanswer]') return false;
  if (SYMPY_UNSUPPORTED.test(s)) return false;
  // sympy's NUMBER token needs a leading digit (".5" is a parse error) and an empty group "{}" is one too
  // (Minerva's normaliser turns "\frac9{19}" into "\frac{9}{{}19}"): measured with sympy's parse_latex.
  if (/(^|[^\d])\.\d/.test(s) || /\{\s*\}/.test(s)) return false;
  // Mismatched bracket pairs such as "(1,2]" / "[0,1)" are intervals sympy cannot read.
  const stack: string[] = [];
  for (const c of s) {
    if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c === ')' || c === ']' || c === '}') {
      const o = stack.pop();
      if ((c === ')' && o !== '(') || (c === ']' && o !== '[') || (c === '}' && o !== '{')) return false;
    }
  }
  return stack.length === 0;
}
