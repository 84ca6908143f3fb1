/**
 * TrueSkill for two players (Herbrich, Minka & Graepel 2006), closed form of the one-team-per-player factor graph.
 * The numerics follow the Python `trueskill` package (sublee/trueskill, BSD) that the EQ-Bench 3 leaderboard uses,
 * restated here: its pure-Python backend computes the normal CDF with the Numerical Recipes erfc approximation,
 * its inverse with a rational start and two Newton steps, raises when a win's variance factor w leaves (0, 1) or a
 * draw's likelihood vanishes, and derives the draw margin from the draw probability as
 * ppf((p + 1) / 2) · √(number of players) · β. With p = 0 that margin is not exactly 0 (ppf(0.5) ≈ 3.8e-8 through
 * the approximation), so draws stay computable; matching that detail is what makes ratings agree to 0.01.
 */
import { erfcApprox } from './distributions.js';

export interface TrueSkillRating {
  mu: number;
  sigma: number;
}

export interface TrueSkillEnv {
  beta: number;
  /** Dynamics factor, added to σ² before each match. */
  tau: number;
  drawProbability: number;
}

/** A match the approximations cannot rate (the Python package raises FloatingPointError; callers skip it). */
export class TrueSkillNumericError extends Error {}

const cdf = (x: number) => 0.5 * erfcApprox(-x / Math.SQRT2);
const pdf = (x: number) => (1 / Math.sqrt(2 * Math.PI)) * Math.exp(-((x * x) / 2));

function erfcInverse(y: number): number {
  if (y >= 2) return -100;
  if (y <= 0) return 100;
  const lower = y < 1;
  const yy = lower ? y : 2 - y;
  const t = Math.sqrt(-2 * Math.log(yy / 2));
  let x = -0.70711 * ((2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t);
  for (let i = 0; i < 2; i++) {
    const err = erfcApprox(x) - yy;
    x += err / (1.1283791670955126 * Math.exp(-(x * x)) - x * err);
  }
  return lower ? x : -x;
}

const ppf = (p: number) => -Math.SQRT2 * erfcInverse(2 * p);

/** The draw margin ε of a 1-vs-1 match. */
export function drawMargin(env: TrueSkillEnv): number {
  return ppf((env.drawProbability + 1) / 2) * Math.SQRT2 * env.beta;
}

function vWin(t: number, e: number): number {
  const x = t - e;
  const denom = cdf(x);
  return denom ? pdf(x) / denom : -x;
}

function wWin(t: number, e: number): number {
  const v = vWin(t, e);
  const w = v * (v + t - e);
  if (w > 0 && w < 1) return w;
  throw new TrueSkillNumericError(`win update out of range (t=${t})`);
}

function vDraw(t: number, e: number): number {
  const abs = Math.abs(t);
  const a = e - abs;
  const b = -e - abs;
  const denom = cdf(a) - cdf(b);
  const v = denom ? (pdf(b) - pdf(a)) / denom : a;
  return t < 0 ? -v : v;
}

function wDraw(t: number, e: number): number {
  const abs = Math.abs(t);
  const a = e - abs;
  const b = -e - abs;
  const denom = cdf(a) - cdf(b);
  if (!denom) throw new TrueSkillNumericError(`draw likelihood vanishes (t=${t})`);
  const v = vDraw(abs, e);
  return v * v + (a * pdf(a) - b * pdf(b)) / denom;
}

/**
 * Rate one match: `first` beat `second`, or they drew. Returns the new ratings in the same order. Throws
 * TrueSkillNumericError where the reference implementation would raise (ratings unchanged).
 */
export function rate1vs1(
  first: TrueSkillRating,
  second: TrueSkillRating,
  env: TrueSkillEnv,
  drawn = false,
): [TrueSkillRating, TrueSkillRating] {
  const s1 = first.sigma ** 2 + env.tau ** 2;
  const s2 = second.sigma ** 2 + env.tau ** 2;
  const c2 = s1 + s2 + 2 * env.beta ** 2;
  const c = Math.sqrt(c2);
  const t = (first.mu - second.mu) / c;
  const e = drawMargin(env) / c;
  const v = drawn ? vDraw(t, e) : vWin(t, e);
  const w = drawn ? wDraw(t, e) : wWin(t, e);
  const var1 = s1 * (1 - (s1 / c2) * w);
  const var2 = s2 * (1 - (s2 / c2) * w);
  // A non-positive variance makes the reference implementation's sqrt raise.
  if (!(var1 > 0 && var2 > 0)) throw new TrueSkillNumericError(`posterior variance not positive (t=${t})`);
  return [
    { mu: first.mu + (s1 / c) * v, sigma: Math.sqrt(var1) },
    { mu: second.mu - (s2 / c) * v, sigma: Math.sqrt(var2) },
  ];
}
