/**
 * Robust math-answer equivalence for chat variants.
 *
 * Fallback order (documented in docs/tasks/reasoning.md), first decisive step wins:
 *   1. exact string after normalisation (normalize.ts), case-insensitive for text answers;
 *   2. structure: \pm expansion, tuples/intervals (bracket kinds must match), sets and bare lists (order-free),
 *      matrices/vectors (pmatrix/bmatrix), unions — compared element-wise with this same function;
 *   3. plain numbers: numeric equality (relative 1e-6), so `18.00` ≡ `18`, `0.5` ≡ `\frac{1}{2}` ≡ `1/2`;
 *   4. expressions: symbolic.ts `expressionsEqual` (own LaTeX arithmetic reader evaluated at sample points,
 *      then @cortex-js/compute-engine for notation the reader does not cover);
 *   5. hendrycks/math `strip_string` equality (the MATH reference normaliser) as a last string check.
 */
import { hendrycksIsEquiv } from './minerva.js';
import { compactKey, normalizeAnswer, parsePlainNumber } from './normalize.js';
import { expressionsEqual } from './symbolic.js';

export interface EquivResult {
  equal: boolean;
  /** Which step decided: "string", "structure", "numeric", "symbolic", "hendrycks", "none". */
  method: string;
}

/** Split on commas at bracket depth 0. */
export function splitTopLevel(s: string, sep = ','): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    if (depth === 0 && s.startsWith(sep, i)) {
      out.push(cur);
      cur = '';
      i += sep.length - 1;
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim());
}

interface Structured {
  kind: 'tuple' | 'interval' | 'set' | 'list' | 'matrix' | 'pm' | 'union';
  open?: string;
  close?: string;
  items: string[];
  rows?: number;
}

function outerBracketsMatch(s: string): boolean {
  // The first bracket closes at the very end (so "(1)+(2)" is not a tuple).
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0 && i !== s.length - 1) return false;
    }
  }
  return depth === 0;
}

function structure(s: string): Structured | null {
  const mat = /^\\begin\{([pbvBV]?matrix|array)\}(?:\{[^}]*\})?([\s\S]*)\\end\{\1\}$/.exec(s);
  if (mat) {
    const rows = mat[2]
      .split('\\\\')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    const cells = rows.map((r) => r.split('&').map((c) => c.trim()));
    return { kind: 'matrix', items: cells.flat(), rows: rows.length };
  }
  if (s.includes('\\cup')) {
    const parts = s.split(/\\cup(?![a-zA-Z])/).map((x) => x.trim());
    if (parts.length > 1) return { kind: 'union', items: parts };
  }
  if (/\\pm(?![a-zA-Z])/.test(s) && splitTopLevel(s).length === 1) {
    const plus = s.replace(/\\pm(?![a-zA-Z])/, '+');
    const minus = s.replace(/\\pm(?![a-zA-Z])/, '-');
    return { kind: 'pm', items: [plus, minus] };
  }
  if (s.startsWith('\\{') && s.endsWith('\\}')) {
    return { kind: 'set', items: splitTopLevel(s.slice(2, -2)) };
  }
  const open = s[0];
  const close = s[s.length - 1];
  if ((open === '(' || open === '[') && (close === ')' || close === ']') && outerBracketsMatch(s)) {
    const items = splitTopLevel(s.slice(1, -1));
    if (items.length >= 2) {
      return { kind: open === '(' && close === ')' ? 'tuple' : 'interval', open, close, items };
    }
  }
  const list = splitTopLevel(s);
  if (list.length >= 2) return { kind: 'list', items: list };
  return null;
}

function multisetEqual(a: string[], b: string[], depth: number): boolean {
  if (a.length !== b.length) return false;
  const used = new Array(b.length).fill(false);
  for (const x of a) {
    let found = false;
    for (let j = 0; j < b.length; j++) {
      if (!used[j] && equivalentNormalized(x, b[j], depth + 1).equal) {
        used[j] = found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

function orderedEqual(a: string[], b: string[], depth: number): boolean {
  return a.length === b.length && a.every((x, i) => equivalentNormalized(x, b[i], depth + 1).equal);
}

function structuredEqual(p: Structured, g: Structured, depth: number): boolean | null {
  const unordered = (k: string) => k === 'set' || k === 'list' || k === 'pm';
  if (unordered(p.kind) && unordered(g.kind)) return multisetEqual(p.items, g.items, depth);
  if (p.kind === 'matrix' || g.kind === 'matrix') {
    if (p.kind !== g.kind) return false;
    return p.rows === g.rows && orderedEqual(p.items, g.items, depth);
  }
  if (p.kind === 'interval' || g.kind === 'interval' || p.kind === 'tuple' || g.kind === 'tuple') {
    if (p.open !== g.open || p.close !== g.close) {
      // "(1, 2)" written as "1, 2" for an ordered pair is still the pair.
      if (
        !(p.kind === 'list' && g.open === '(' && g.close === ')') &&
        !(g.kind === 'list' && p.open === '(' && p.close === ')')
      )
        return false;
    }
    return orderedEqual(p.items, g.items, depth);
  }
  if (p.kind === 'union' && g.kind === 'union') return orderedEqual(p.items, g.items, depth);
  return null;
}

function equivalentNormalized(p: string, g: string, depth = 0): EquivResult {
  if (compactKey(p) === compactKey(g)) return { equal: true, method: 'string' };
  if (compactKey(p).toLowerCase() === compactKey(g).toLowerCase() && !/\d/.test(g))
    return { equal: true, method: 'string' };
  if (depth > 4) return { equal: false, method: 'none' };
  const sp = structure(p);
  const sg = structure(g);
  if (sp || sg) {
    if (sp && sg) {
      const r = structuredEqual(sp, sg, depth);
      if (r !== null) return { equal: r, method: 'structure' };
    }
    // A lone value against a one-element structure never matches; different shapes are not equal.
    if (!(sp && sg)) {
      if (sp?.kind === 'pm' || sg?.kind === 'pm') return { equal: false, method: 'structure' };
      return { equal: hendrycksIsEquiv(p, g), method: 'hendrycks' };
    }
  }
  const np = parsePlainNumber(p);
  const ng = parsePlainNumber(g);
  if (np !== null && ng !== null)
    return { equal: Math.abs(np - ng) <= 1e-6 * Math.max(1, Math.abs(ng)), method: 'numeric' };
  // "(C)" vs "C", "\text{(B)}".
  const letter = (x: string) => /^\(?([A-Za-z])\)?$/.exec(x.trim())?.[1];
  if (letter(p) && letter(g))
    return { equal: letter(p)!.toUpperCase() === letter(g)!.toUpperCase(), method: 'string' };
  const sym = expressionsEqual(p, g);
  if (sym !== null) return { equal: sym, method: 'symbolic' };
  return { equal: hendrycksIsEquiv(p, g), method: 'hendrycks' };
}

/** Is the predicted answer mathematically the same as the reference? Never throws. */
export function mathEquivalent(pred: string, gold: string): EquivResult {
  try {
    const p = normalizeAnswer(pred);
    const g = normalizeAnswer(gold);
    if (p === '') return { equal: false, method: 'none' };
    return equivalentNormalized(p, g);
  } catch {
    return { equal: false, method: 'none' };
  }
}

/**
 * A canonical key for majority voting: plain numbers become their numeric value, everything else its
 * normalised compact form. Equivalent answers in different notation can still land in different buckets
 * (documented); the vote winner is then scored with `mathEquivalent`.
 */
export function voteKey(answer: string): string {
  const n = normalizeAnswer(answer);
  const num = parsePlainNumber(n);
  if (num !== null) return `#${Number(num.toPrecision(12))}`;
  const c = compactKey(n).replace(/\\[dt]frac/g, '\\frac');
  // \frac{a}{b} with integers → numeric key so 1/2, \frac12, 0.5 vote together.
  const fr = /^(-?)\\frac\{(\d+)\}\{(\d+)\}$/.exec(c) ?? /^(-?)(\d+)\/(\d+)$/.exec(c);
  if (fr && Number(fr[3]) !== 0)
    return `#${Number((((fr[1] ? -1 : 1) * Number(fr[2])) / Number(fr[3])).toPrecision(12))}`;
  return c;
}
