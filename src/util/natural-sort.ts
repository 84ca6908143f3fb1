/**
 * Natural ordering of ids and metric names: runs of digits compare as numbers, so "HumanEval/2" sorts before
 * "HumanEval/13" and "pass@2" before "pass@16". Ties (e.g. "07" vs "7") fall back to plain text order so the
 * order is total and stable.
 */
const PARTS = /(\d+)|(\D+)/g;

export function naturalCompare(a: string, b: string): number {
  const pa = a.match(PARTS) ?? [];
  const pb = b.match(PARTS) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** A sorted copy, in natural order. */
export const naturalSort = (xs: Iterable<string>): string[] => [...xs].sort(naturalCompare);
