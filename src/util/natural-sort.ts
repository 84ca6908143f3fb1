/**
 * Natural ordering of ids and metric names: runs of digits compare as numbers, so "HumanEval/2" sorts before
 * "HumanEval/13" and "pass@2" before "pass@16". Ties (e.g. "07" vs "7") fall back to plain text order so the
 * order is total and stable. Sorting tokenises each string once (25,000 ids sort in milliseconds).
 */
type Tokens = Array<string | number>;
const PARTS = /(\d+)|(\D+)/g;

function tokens(s: string): Tokens {
  const out: Tokens = [];
  for (const m of s.matchAll(PARTS)) out.push(m[1] !== undefined ? Number(m[1]) : m[2]);
  return out;
}

function compareTokens(a: Tokens, b: Tokens, sa: string, sb: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    // A number sorts before text at the same position, as its first character (a digit) does.
    const tx = String(x);
    const ty = String(y);
    if (tx !== ty) return tx < ty ? -1 : 1;
  }
  return a.length - b.length || (sa < sb ? -1 : sa > sb ? 1 : 0);
}

export function naturalCompare(a: string, b: string): number {
  return compareTokens(tokens(a), tokens(b), a, b);
}

/** A sorted copy, in natural order. */
export function naturalSort(xs: Iterable<string>): string[] {
  return naturalSortBy(xs, (x) => x);
}

/** A copy of `xs` sorted by the natural order of `key(x)`, tokenising each key once. */
export function naturalSortBy<T>(xs: Iterable<T>, key: (x: T) => string): T[] {
  return [...xs]
    .map((x) => {
      const k = key(x);
      return { x, k, t: tokens(k) };
    })
    .sort((p, q) => compareTokens(p.t, q.t, p.k, q.k))
    .map((p) => p.x);
}
