/**
 * EQ-Bench 3 leaderboard rating: the TrueSkill kernel against the trueskill package's documented example, the
 * pairing / margin / pseudo-match rules, the pre-release ratings rebuilt from the 6,452 published pairwise judgments,
 * the published leaderboards' Elo normalisation, and the CLI on the real archive.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rate1vs1 } from '../../../src/stats/trueskill.js';
import {
  anchorMap,
  binFraction,
  EQB3_ANCHORS,
  pairJudgments,
  PRERELEASE_PROCEDURE,
  rateModels,
  readPairwiseJudgments,
  RELEASE_PROCEDURE,
  type PairwiseJudgment,
} from '../../../src/tasks/eqbench3/leaderboard-rating.js';
import { cli } from '../../helpers/cli.js';

const DIR = join(process.env.EVALKIT_DATA_DIR!, 'eqbench3', 'results');
const ARCHIVE = join(DIR, 'canonical_leaderboard_elo_results.prerelease-2025-04-28.json.gz');

const judgment = (test: string, other: string, plusTest: number, plusOther: number, scenario = '1') =>
  ({
    scenario_id: scenario,
    pair: { test_model: test, neighbor_model: other, iteration_index: '1' },
    plus_for_test: plusTest,
    plus_for_other: plusOther,
  }) satisfies PairwiseJudgment;

describe('TrueSkill kernel', () => {
  it('matches the trueskill package documentation (default env: μ 25, σ 25/3, β 25/6, τ 25/300, draw 10%)', () => {
    const env = { beta: 25 / 6, tau: 25 / 300, drawProbability: 0.1 };
    const r = { mu: 25, sigma: 25 / 3 };
    const [w, l] = rate1vs1(r, r, env);
    expect([w.mu, w.sigma, l.mu, l.sigma].map((x) => x.toFixed(3))).toEqual([
      '29.396',
      '7.171',
      '20.604',
      '7.171',
    ]);
    const [d1, d2] = rate1vs1(r, r, env, true);
    expect([d1.mu, d1.sigma, d2.mu, d2.sigma].map((x) => x.toFixed(3))).toEqual([
      '25.000',
      '6.458',
      '25.000',
      '6.458',
    ]);
  });
});

describe('EQ-Bench 3 pairing rules', () => {
  it('sums the pluses of both orders of a matchup, for the alphabetically first model', () => {
    // b as test wins 10–4 in one order; a as test wins 6–5 in the other: a has 4 + 6 = 10, b has 10 + 5 = 15.
    const paired = pairJudgments([judgment('b', 'a', 10, 4), judgment('a', 'b', 6, 5)], PRERELEASE_PROCEDURE);
    expect(paired).toHaveLength(1);
    expect(paired[0].first).toBe('a');
    // loss by 5 of 30 → normalised 1/6, blended (pre-release) then halved: below 0.5
    expect(paired[0].fraction).toBeLessThan(0.5);
    const unblended = pairJudgments([judgment('b', 'a', 10, 4), judgment('a', 'b', 6, 5)], {
      ...RELEASE_PROCEDURE,
      downscaleAnalysis: false,
    });
    expect(unblended[0].fraction).toBeCloseTo(0.5 - 5 / 30 / 2, 12);
  });

  it('release procedure: an analysis judgment counts as a 1-plus margin whatever the plus counts', () => {
    const [p] = pairJudgments([judgment('a', 'b', 20, 2, '405')], RELEASE_PROCEDURE);
    expect(p.fraction).toBeCloseTo(0.5 + 1 / 30 / 2, 12);
    const [q] = pairJudgments([judgment('a', 'b', 20, 2, '5')], RELEASE_PROCEDURE);
    expect(q.fraction).toBeCloseTo(0.5 + 18 / 30 / 2, 12);
  });

  it('expands a fractional result into 1..bins pseudo-wins, a draw into one draw', () => {
    expect(binFraction(0.5, 20)).toEqual([1, 1]);
    expect(binFraction(0.5001, 20)).toEqual([1, 0]);
    expect(binFraction(0.875, 4)).toEqual([3, 0]); // margin 0.375 in steps of 0.125
    expect(binFraction(0.625, 4)).toEqual([1, 0]);
    expect(binFraction(0, 20)).toEqual([0, 20]);
    expect(binFraction(0.2, 1)).toEqual([0, 1]);
  });

  it('a judgment without plus counts is refused with its position', () => {
    const bad = { scenario_id: '1', pair: { test_model: 'a', neighbor_model: 'b', iteration_index: '1' } };
    expect(() => pairJudgments([bad], RELEASE_PROCEDURE)).toThrow(/judgment #0 \(a vs b, scenario 1\)/);
  });
});

describe('EQ-Bench 3 published ratings', () => {
  it('rebuilds the 27 pre-release ratings from the 6,452 published pairwise judgments', async () => {
    const { judgments, storedRatings } = await readPairwiseJudgments(ARCHIVE);
    expect(judgments).toHaveLength(6452);
    const archive = JSON.parse(
      (await import('node:zlib')).gunzipSync(readFileSync(ARCHIVE)).toString('utf8'),
    ) as Record<string, Record<string, number>>;
    // The recalculation's rank window uses the ratings stored *before* it (not in the archive); two passes from
    // the stored ratings reach that ladder (docs/fidelity.md).
    const first = rateModels(judgments, PRERELEASE_PROCEDURE, storedRatings);
    const r = rateModels(judgments, PRERELEASE_PROCEDURE, new Map(first.rows.map((x) => [x.model, x.elo])));
    expect(r.rows).toHaveLength(27);
    expect(r.skippedUpdates).toBe(0);
    const maxDiff = (k: 'elo' | 'elo_norm' | 'sigma' | 'ci_low_norm' | 'ci_high_norm') =>
      Math.max(...r.rows.map((x) => Math.abs(x[k] - archive[x.model][k])));
    expect(maxDiff('sigma')).toBeLessThanOrEqual(0.03 + 1e-9);
    expect(maxDiff('elo')).toBeLessThanOrEqual(2.25 + 1e-9);
    expect(maxDiff('elo_norm')).toBeLessThanOrEqual(3.5 + 1e-9);
    expect(maxDiff('ci_low_norm')).toBeLessThanOrEqual(3.55 + 1e-9);
    expect(maxDiff('ci_high_norm')).toBeLessThanOrEqual(3.45 + 1e-9);
    const get = (m: string) => r.rows.find((x) => x.model === m)!;
    expect(get('o3').elo_norm).toBe(1500);
    expect(get('meta-llama/llama-3.2-1b-instruct').elo_norm).toBe(200);
    // Same order as published but for one pair published 0.03 apart.
    const published = r.rows.map((x) => x.model).sort((a, b) => archive[b].elo - archive[a].elo);
    const displaced = r.rows.filter((x, i) => published[i] !== x.model).map((x) => x.model);
    expect(displaced.sort()).toEqual(['chatgpt-4o-latest', 'openai/o4-mini']);
    expect(Math.abs(archive['chatgpt-4o-latest'].elo - archive['openai/o4-mini'].elo)).toBeLessThan(0.05);
  }, 120_000);

  it.each(['elo_2025-05-08_judge-claude-3.7-sonnet.csv', 'elo_2026-05-31_judge-claude-opus-4.6.csv'])(
    '%s: every published elo_norm is the anchor map of its raw rating (to the printed precision)',
    (file) => {
      const rows = readFileSync(join(DIR, file), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','))
        .map(([, model, norm, raw]) => ({ model, norm: Number(norm), raw: Number(raw) }));
      expect(rows.length).toBeGreaterThan(30);
      const map = anchorMap(new Map(rows.map((x) => [x.model, x.raw])), EQB3_ANCHORS);
      expect(map(rows.find((x) => x.model === 'o3')!.raw)).toBeCloseTo(1500, 9);
      // raw is printed to 0.1 (±0.05, and the anchors' own rounding moves the map by up to ±0.05 × slope × 2)
      const slope = (map(1001) - map(1)) / 1000;
      for (const x of rows)
        expect(Math.abs(map(x.raw) - x.norm)).toBeLessThanOrEqual(0.05 + 0.15 * slope + 0.05);
    },
  );

  it('evalkit eqbench3-rating prints the leaderboard from the archive', async () => {
    const r = await cli(['eqbench3-rating', '--judgments', ARCHIVE, '--procedure', 'release', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.procedure).toBe(RELEASE_PROCEDURE.name);
    expect(out.rows).toHaveLength(27);
    expect(out.rows[0].model).toBe('o3');
    expect(out.rows.find((x: any) => x.model === 'meta-llama/llama-3.2-1b-instruct').elo_norm).toBe(200);
    const bad = await cli(['eqbench3-rating', '--judgments', ARCHIVE, '--procedure', 'nope']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--procedure nope: unknown/);
  }, 120_000);
});
