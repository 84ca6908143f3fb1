/**
 * maj@k (cons@k, self-consistency), computed exactly.
 *
 * For one item with n samples, maj@k is the expected score of a majority vote over k samples drawn without
 * replacement from the n, averaged over all C(n, k) subsets. A vote is the sample's canonical extracted answer
 * (`VerdictRecord.details.voteKeys[scoreKey]` or `details.voteKey`); samples with nothing extracted do not
 * vote; a subset where nobody voted scores 0; a tie between answers is split evenly (the expectation of a
 * uniformly random tie-break), so the result depends only on the multiset of samples, never on their order.
 * Consequences: maj@1 equals the mean score (avg@n / pass@1) whenever an unextracted answer scores 0; maj@n is
 * the single full vote.
 *
 * Exact without enumerating subsets: for each answer a with a non-zero score and each count t it gets in the
 * subset, a dynamic programme over the other answers counts the subsets in which every other answer gets at
 * most t votes, tracking how many tie at t.
 */

export interface VoteSample {
  score: number;
  /** Canonical extracted answer; null when nothing was extracted (does not vote). */
  key: string | null;
}

/** Binomial coefficient as a double (exact up to 2^53, relative error ~1e-16 beyond). */
function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Exact maj@k for one item. Throws when k exceeds the number of samples. */
export function majAtK(samples: readonly VoteSample[], k: number): number {
  const n = samples.length;
  if (!(k >= 1 && k <= n)) throw new RangeError(`maj@${k} needs at least ${k} samples, got n=${n}`);
  const groups = new Map<string, { m: number; scoreSum: number }>();
  let silent = 0;
  for (const s of samples) {
    if (s.key === null) {
      silent++;
      continue;
    }
    const g = groups.get(s.key);
    if (g) {
      g.m++;
      g.scoreSum += s.score;
    } else groups.set(s.key, { m: 1, scoreSum: s.score });
  }
  const answers = [...groups.values()];
  const total = choose(n, k);
  let expected = 0;
  answers.forEach((a, j) => {
    const score = a.scoreSum / a.m;
    if (score === 0) return;
    const others = answers.filter((_, i) => i !== j).map((o) => o.m);
    let winShare = 0; // Σ over subsets of (1 / number of answers tied at the top) when `a` is on top
    for (let t = 1; t <= Math.min(a.m, k); t++) {
      const rest = k - t;
      // dp[c][u]: ways to pick c samples from the other answers (each ≤ t votes), u of them with exactly t.
      let dp: number[][] = [[1]];
      for (const m of others) {
        const next: number[][] = [];
        for (let c = 0; c < dp.length; c++) {
          const row = dp[c] ?? [];
          for (let u = 0; u < row.length; u++) {
            const ways = row[u];
            if (!ways) continue;
            for (let x = 0; x <= Math.min(m, t, rest - c); x++) {
              const row = (next[c + x] ??= []);
              const uu = x === t ? u + 1 : u;
              row[uu] = (row[uu] ?? 0) + ways * choose(m, x);
            }
          }
        }
        dp = next;
      }
      let share = 0;
      for (let c = 0; c < dp.length; c++) {
        const fill = choose(silent, rest - c); // the remaining picks are silent samples
        if (!fill) continue;
        const row = dp[c] ?? [];
        for (let u = 0; u < row.length; u++) if (row[u]) share += (row[u] * fill) / (u + 1);
      }
      winShare += choose(a.m, t) * share;
    }
    expected += score * (winShare / total);
  });
  return expected;
}

/** Per-item mean score over its samples (avg@n). */
export function avgAtN(samples: readonly { score: number }[]): number {
  return samples.length ? samples.reduce((s, x) => s + x.score, 0) / samples.length : NaN;
}
