/**
 * The EQ-Bench 3 leaderboard rating: pairwise judgments between models → TrueSkill ratings → the published
 * `elo_norm` scale. Procedure restated from EQ-bench/eqbench3 (MIT) core/trueskill_solver.py, core/elo.py,
 * core/elo_config.py, core/elo_helpers.py (our code):
 *   1. drop judgments with an error (and scenarios on the ignore list, empty in every release);
 *   2. group the judgments by (the two models sorted by name, scenario, iteration) — normally the forward and the
 *      reversed order of one matchup — in order of first appearance; per group sum each model's pluses over all its
 *      judgments, the side with more pluses wins (equal = draw) and `fractionForTest` turns the margin into a
 *      fractional result in [0, 1] for the alphabetically first model;
 *   3. expand that fraction into pseudo-matches (`binFraction`: a draw stays one draw; a win by margin m becomes
 *      ceil(m / (0.5 / bins)) wins, 1..bins);
 *   4. play them in order through TrueSkill (μ₀ = 1200, σ₀ = 350/3, β = 350/6, τ = 0, draw probability 0), a match
 *      the numerics reject is skipped with the rest of its group's pseudo-matches, as the harness' try/except does;
 *   5. `elo` = μ of a solve with `binSize` bins; σ comes from a solve with `ciBinSize` bins (fewer extra wins,
 *      wider intervals); ci = μ ± 1.96 σ; optionally (`rankWindow`) only pairs close on a ladder snapshot count;
 *   6. `elo_norm`: the linear map sending the two anchors to their targets (o3 → 1500,
 *      meta-llama/llama-3.2-1b-instruct → 200); the CI bounds are mapped with the map refitted on the *rounded*
 *      anchor ratings, as the harness does.
 * Two procedures are in the official history, both as the canonical-file recalculation of
 * merge_results_to_canonical.py runs them:
 *   - pre-release (8c3a125, 2025-04-29; produced the pre-release archive in ../shared): margin blend active, no
 *     analysis downscaling, one pseudo-match per pair (bins 1 for μ and σ), final solve restricted to pairs at most 8
 *     ladder places apart on the *previous* stored ratings;
 *   - released (3c21bcc .. affc5a0, `_dual_solve_with_window`): blend disabled, analysis judgments downscaled to a
 *     1-plus margin, a rough unrestricted solve (20 bins) gives the ladder, pairs more than 16 places apart are
 *     dropped, μ from 20 bins, σ from 5 bins.
 */
import { rate1vs1, TrueSkillNumericError, type TrueSkillRating } from '../../stats/trueskill.js';
import { EvalkitError } from '../../util/errors.js';
import { fractionForTest } from './pairwise.js';

/** One pairwise judgment as the harness stores it (`global_pairwise_comparisons`); extra fields are ignored. */
export interface PairwiseJudgment {
  scenario_id: string;
  pair: { test_model: string; neighbor_model: string; iteration_index: string | number };
  plus_for_test?: number;
  plus_for_other?: number;
  error?: string;
  /** Which code was which model, e.g. "A0493:test / A0488:other". */
  order?: string;
  judge_response?: Record<string, unknown>;
  outcome_for_test_model?: number;
  raw_judge_response?: string | null;
}

export interface RatingProcedure {
  name: string;
  /** Pass the normalised margin through the linear→sigmoid blend (pre-release) or use it as is (release). */
  blend: boolean;
  /** Analysis scenarios (id ≥ 400) count as a 1-plus margin (release: `downscale_analysis_pair`). */
  downscaleAnalysis: boolean;
  binSize: number;
  ciBinSize: number;
  /**
   * Final solve only over pairs at most this many ladder places apart, on the ladder of a snapshot passed to
   * rateModels or else of a first, unrestricted solve with `binSize` bins.
   */
  rankWindow?: number;
  anchors: Array<[model: string, target: number]>;
  ignoreScenarios: string[];
}

/** TrueSkill environment of the harness (core/trueskill_solver.py). */
export const EQB3_TRUESKILL = { mu: 1200, sigma: 350 / 3, beta: 350 / 6, tau: 0, drawProbability: 0 };

export const EQB3_ANCHORS: Array<[string, number]> = [
  ['o3', 1500],
  ['meta-llama/llama-3.2-1b-instruct', 200],
];

export const PRERELEASE_PROCEDURE: RatingProcedure = {
  name: 'EQ-bench/eqbench3@8c3a125 (2025-04-29, pre-release)',
  blend: true,
  downscaleAnalysis: false,
  binSize: 1,
  ciBinSize: 1,
  rankWindow: 8,
  anchors: EQB3_ANCHORS,
  ignoreScenarios: [],
};

export const RELEASE_PROCEDURE: RatingProcedure = {
  name: 'EQ-bench/eqbench3@3c21bcc (released leaderboard code)',
  blend: false,
  downscaleAnalysis: true,
  binSize: 20,
  ciBinSize: 5,
  rankWindow: 16,
  anchors: EQB3_ANCHORS,
  ignoreScenarios: [],
};

export interface PairedResult {
  /** Alphabetically first / second model of the pair. */
  first: string;
  second: string;
  scenarioId: string;
  /** Fractional result for `first`. */
  fraction: number;
}

const isAnalysisScenario = (id: string) => Number.isInteger(Number(id)) && Number(id) >= 400;

/** Step 1–2: valid judgments grouped per matchup into one fractional result each, in order of first appearance. */
export function pairJudgments(judgments: PairwiseJudgment[], proc: RatingProcedure): PairedResult[] {
  const groups = new Map<
    string,
    { first: string; second: string; scenarioId: string; plus: [number, number] }
  >();
  judgments.forEach((c, i) => {
    if (c.error !== undefined || proc.ignoreScenarios.includes(c.scenario_id)) return;
    const { test_model: test, neighbor_model: other, iteration_index: iter } = c.pair ?? {};
    if (!test || !other || iter === undefined || iter === null || !c.scenario_id) return;
    if (typeof c.plus_for_test !== 'number' || typeof c.plus_for_other !== 'number')
      throw new EvalkitError(
        `pairwise judgment #${i} (${test} vs ${other}, scenario ${c.scenario_id}) has no plus counts`,
      );
    let pt = c.plus_for_test;
    let po = c.plus_for_other;
    if (proc.downscaleAnalysis && isAnalysisScenario(c.scenario_id))
      [pt, po] = [Number(pt > po), Number(po > pt)];
    const [first, second] = [test, other].sort();
    const key = JSON.stringify([first, second, c.scenario_id, String(iter)]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { first, second, scenarioId: c.scenario_id, plus: [0, 0] }));
    const testIsFirst = test === first;
    g.plus[0] += testIsFirst ? pt : po;
    g.plus[1] += testIsFirst ? po : pt;
  });
  return [...groups.values()].map((g) => {
    const [a, b] = g.plus;
    const outcome = a > b ? 1 : a < b ? 0 : 0.5;
    return {
      first: g.first,
      second: g.second,
      scenarioId: g.scenarioId,
      fraction: fractionForTest(outcome, a, b, { blend: proc.blend }),
    };
  });
}

/** Step 3: a fractional result as pseudo-match wins [first, second]; [1, 1] is one draw. */
export function binFraction(fraction: number, bins: number): [number, number] {
  const f = Math.max(0, Math.min(1, fraction));
  const step = 0.5 / bins;
  if (Math.abs(f - 0.5) < 1e-9) return [1, 1];
  const wins = (margin: number) => Math.max(1, Math.min(bins, Math.ceil(margin / step)));
  return f > 0.5 ? [wins(f - 0.5), 0] : [0, wins(0.5 - f)];
}

export interface SolveReport {
  ratings: Map<string, TrueSkillRating>;
  /** Pairs whose updates the numerics rejected (skipped, as the harness does). */
  skipped: number;
}

/** Step 4: sequential TrueSkill over the paired results, every model starting at μ₀, σ₀. */
export function solveTrueSkill(models: Iterable<string>, paired: PairedResult[], bins: number): SolveReport {
  const env = EQB3_TRUESKILL;
  const ratings = new Map<string, TrueSkillRating>();
  for (const m of models) ratings.set(m, { mu: env.mu, sigma: env.sigma });
  let skipped = 0;
  for (const p of paired) {
    if (p.first === p.second) continue;
    const rf = ratings.get(p.first);
    const rs = ratings.get(p.second);
    if (!rf || !rs) continue;
    const [wf, ws] = binFraction(p.fraction, bins);
    try {
      if (wf === 1 && ws === 1) {
        const [a, b] = rate1vs1(ratings.get(p.first)!, ratings.get(p.second)!, env, true);
        ratings.set(p.first, a).set(p.second, b);
      } else {
        for (let k = 0; k < wf; k++) {
          const [a, b] = rate1vs1(ratings.get(p.first)!, ratings.get(p.second)!, env);
          ratings.set(p.first, a).set(p.second, b);
        }
        for (let k = 0; k < ws; k++) {
          const [b, a] = rate1vs1(ratings.get(p.second)!, ratings.get(p.first)!, env);
          ratings.set(p.first, a).set(p.second, b);
        }
      }
    } catch (e) {
      if (!(e instanceof TrueSkillNumericError)) throw e;
      skipped++;
    }
  }
  return { ratings, skipped };
}

/** Step 6: the linear map sending the first two anchors found to their targets (identity without two anchors). */
export function anchorMap(raw: Map<string, number>, anchors: Array<[string, number]>): (x: number) => number {
  const found = anchors.filter(([m]) => raw.has(m));
  if (found.length < 2) return (x) => x;
  const [[ma, ta], [mb, tb]] = found;
  const ra = raw.get(ma)!;
  const rb = raw.get(mb)!;
  const scale = Math.abs(ra - rb) < 1e-6 ? 1 : (ta - tb) / (ra - rb);
  const shift = ta - scale * ra;
  return (x) => x * scale + shift;
}

/** Python's round(x, 2) for the values met here (decimal rounding of the double's exact value). */
const round2 = (x: number) => Number(x.toFixed(2));

export interface ModelRating {
  model: string;
  elo: number;
  elo_norm: number;
  sigma: number;
  ci_low: number;
  ci_high: number;
  ci_low_norm: number;
  ci_high_norm: number;
}

export interface LeaderboardRating {
  procedure: string;
  rows: ModelRating[];
  pairedResults: number;
  skippedUpdates: number;
}

/**
 * Steps 1–6: ratings of every model in the judgments, best first. `ladderSnapshot` (model → rating) fixes the
 * ladder for the rank window (the pre-release procedure used the previously stored ratings).
 */
export function rateModels(
  judgments: PairwiseJudgment[],
  proc: RatingProcedure,
  ladderSnapshot?: Map<string, number>,
): LeaderboardRating {
  let paired = pairJudgments(judgments, proc);
  const models = new Set(paired.flatMap((p) => [p.first, p.second]));
  if (!models.size) throw new EvalkitError('EQ-Bench 3 rating: no usable pairwise judgments');
  if (proc.rankWindow !== undefined) {
    const snapshot =
      ladderSnapshot ??
      new Map([...solveTrueSkill(models, paired, proc.binSize).ratings].map(([m, r]) => [m, r.mu]));
    const ladder = [...snapshot].sort((a, b) => a[1] - b[1]);
    const pos = new Map(ladder.map(([m], i) => [m, i]));
    const near = (a: string, b: string) =>
      pos.has(a) && pos.has(b) && Math.abs(pos.get(a)! - pos.get(b)!) <= proc.rankWindow!;
    paired = paired.filter((p) => near(p.first, p.second));
  }
  const mus = solveTrueSkill(models, paired, proc.binSize);
  const sigmas = solveTrueSkill(models, paired, proc.ciBinSize);
  const rawMu = new Map([...mus.ratings].map(([m, r]) => [m, r.mu]));
  const norm = anchorMap(rawMu, proc.anchors);
  const rounded = [...models].map((m) => {
    const mu = rawMu.get(m)!;
    const sigma = sigmas.ratings.get(m)!.sigma;
    return {
      model: m,
      elo: round2(mu),
      elo_norm: round2(norm(mu)),
      sigma: round2(sigma),
      ci_low: round2(mu - 1.96 * sigma),
      ci_high: round2(mu + 1.96 * sigma),
    };
  });
  const normRounded = anchorMap(new Map(rounded.map((r) => [r.model, r.elo])), proc.anchors);
  const rows = rounded
    .map((r) => ({
      ...r,
      ci_low_norm: round2(normRounded(r.ci_low)),
      ci_high_norm: round2(normRounded(r.ci_high)),
    }))
    .sort((a, b) => b.elo - a.elo);
  return {
    procedure: proc.name,
    rows,
    pairedResults: paired.length,
    skippedUpdates: mus.skipped + sigmas.skipped,
  };
}

export const RATING_PROCEDURES: Record<string, RatingProcedure> = {
  release: RELEASE_PROCEDURE,
  prerelease: PRERELEASE_PROCEDURE,
};

/**
 * Pairwise judgments from a file: the harness' Elo archive (`{"__metadata__": {"global_pairwise_comparisons":
 * [...]}, "<model>": {"elo": …}, …}`, its model entries returned as the stored ladder) or a bare JSON array; `.gz`
 * is decompressed.
 */
export async function readPairwiseJudgments(
  path: string,
): Promise<{ judgments: PairwiseJudgment[]; storedRatings?: Map<string, number> }> {
  const { readFile } = await import('node:fs/promises');
  const { gunzipSync } = await import('node:zlib');
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new EvalkitError(`${path}: cannot read pairwise judgments (${(e as NodeJS.ErrnoException).code})`);
  }
  let data: unknown;
  try {
    data = JSON.parse((path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8'));
  } catch (e) {
    throw new EvalkitError(`${path}: not JSON pairwise judgments (${(e as Error).message})`);
  }
  if (Array.isArray(data)) return { judgments: data as PairwiseJudgment[] };
  const obj = data as Record<string, any>;
  const judgments = obj?.__metadata__?.global_pairwise_comparisons;
  if (!Array.isArray(judgments))
    throw new EvalkitError(`${path}: expected a JSON array or __metadata__.global_pairwise_comparisons`);
  const stored = Object.entries(obj).filter(([k, v]) => k !== '__metadata__' && typeof v?.elo === 'number');
  return {
    judgments,
    storedRatings: stored.length ? new Map(stored.map(([k, v]) => [k, v.elo as number])) : undefined,
  };
}
