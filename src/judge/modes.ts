/**
 * The three judging modes, each run by every judge of the ensemble:
 *   - single-answer grading on a scale (`gradeEach`, with a rating parser),
 *   - pairwise comparison in both orders (`comparePairwise`): the candidate is shown first, then second; when
 *     the two orders disagree the result is a tie (FastChat's "consistent verdict" rule),
 *   - a rubric with several criteria (`gradeEach` with `parseCriteriaScores`).
 * `judgedVerdict` turns per-judge numbers into a verdict's scores: `<key>` = mean over the judges whose reply
 * parsed, `<key>@<judge>` per judge (so compare/report can use either), every call in details.judgeCalls.
 */
import type { ChatMessage, VerdictRecord } from '../types.js';
import type { Judge, JudgeAnswer, JudgeCall, ParseResult } from './judge.js';
import { parsePairwiseVerdict, type PairwiseChoice } from './parsers.js';

/** Ask every judge the same prompt (ensembles), in parallel. */
export async function gradeEach<T>(
  judges: Judge[],
  messages: ChatMessage[],
  parse: (raw: string) => ParseResult<T>,
  purpose: string,
  signal?: AbortSignal,
): Promise<Array<JudgeAnswer<T> & { judge: string }>> {
  return Promise.all(
    judges.map(async (j) => ({ judge: j.label, ...(await j.ask(messages, parse, purpose, signal)) })),
  );
}

export type PairwiseResult = 'win' | 'loss' | 'tie';

export interface PairwiseOutcome {
  judge: string;
  /** Verdict with the candidate in position A (order "AB") and in position B (order "BA"). */
  ab?: PairwiseChoice;
  ba?: PairwiseChoice;
  /** From the candidate's point of view; absent when either order did not parse. */
  result?: PairwiseResult;
  /** Both orders named the same answer (or both said tie). */
  consistent?: boolean;
  status: 'ok' | 'unparseable' | 'errored';
  calls: JudgeCall[];
}

export const PAIRWISE_VALUE: Record<PairwiseResult, number> = { win: 1, tie: 0.5, loss: 0 };

/** The candidate's result implied by one order's verdict. */
export function resultOf(order: 'AB' | 'BA', choice: PairwiseChoice): PairwiseResult {
  if (choice === 'tie') return 'tie';
  const candidatePosition = order === 'AB' ? 'A' : 'B';
  return choice === candidatePosition ? 'win' : 'loss';
}

/** Combine the two orders: agreement → that result; disagreement → tie. */
export function combineOrders(
  ab: PairwiseChoice,
  ba: PairwiseChoice,
): { result: PairwiseResult; consistent: boolean } {
  const r1 = resultOf('AB', ab);
  const r2 = resultOf('BA', ba);
  return r1 === r2 ? { result: r1, consistent: true } : { result: 'tie', consistent: false };
}

/**
 * Pairwise comparison of a candidate with a baseline by every judge, in both orders. `build(order)` returns
 * the prompt with the candidate in position A ("AB") or B ("BA").
 */
export async function comparePairwise(
  judges: Judge[],
  build: (order: 'AB' | 'BA') => ChatMessage[],
  purpose: string,
  signal?: AbortSignal,
  parse: (raw: string) => ParseResult<PairwiseChoice> = parsePairwiseVerdict,
): Promise<PairwiseOutcome[]> {
  return Promise.all(
    judges.map(async (j): Promise<PairwiseOutcome> => {
      const [ab, ba] = await Promise.all([
        j.ask(build('AB'), parse, `${purpose}:AB`, signal),
        j.ask(build('BA'), parse, `${purpose}:BA`, signal),
      ]);
      const calls = [...ab.calls, ...ba.calls];
      const out: PairwiseOutcome = { judge: j.label, calls, status: 'ok' };
      if (ab.value !== undefined) out.ab = ab.value;
      if (ba.value !== undefined) out.ba = ba.value;
      if (ab.status === 'errored' || ba.status === 'errored') out.status = 'errored';
      else if (out.ab === undefined || out.ba === undefined) out.status = 'unparseable';
      else Object.assign(out, combineOrders(out.ab, out.ba));
      return out;
    }),
  );
}

/** Per-judge numbers for one score key: label → value (only judges whose reply parsed). */
export type PerJudge = Record<string, number>;

/** Score-key suffix of one judge's value: `score@j1`. */
export const perJudgeKey = (key: string, judge: string) => `${key}@${judge}`;

/**
 * Build a verdict from judged numbers. `values` maps score key → per-judge values. A key with no parsed
 * judge is left out; when NO key has a value the verdict is errored (`scores: null`, excluded from metrics,
 * counted, and re-judged on the next resume — cheaply, through the cache) with the reason.
 */
export function judgedVerdict(
  values: Record<string, PerJudge>,
  calls: JudgeCall[],
  statuses: Array<{ judge: string; status: string; purpose?: string }>,
  extra: { details?: Record<string, unknown>; extracted?: string } = {},
): Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'> {
  const scores: Record<string, number> = {};
  for (const [key, per] of Object.entries(values)) {
    const labels = Object.keys(per).sort();
    if (!labels.length) continue;
    scores[key] = labels.reduce((s, l) => s + per[l], 0) / labels.length;
    for (const l of labels) scores[perJudgeKey(key, l)] = per[l];
  }
  const bad = statuses.filter((s) => s.status !== 'ok');
  const details = {
    ...extra.details,
    judgeStatus: statuses,
    judgeCalls: calls,
  };
  if (!Object.keys(scores).length) {
    const why = bad.map((b) => `${b.judge}${b.purpose ? ` (${b.purpose})` : ''}: ${b.status}`).join('; ');
    return {
      scores: null,
      error: `judge verdict ${bad.some((b) => b.status === 'errored') ? 'errored' : 'unparseable'}: ${why}`,
      reason: `no judge verdict parsed (${why})`,
      details,
      ...(extra.extracted !== undefined ? { extracted: extra.extracted } : {}),
    };
  }
  return {
    scores,
    ...(bad.length
      ? { reason: `some judge calls failed: ${bad.map((b) => `${b.judge}: ${b.status}`).join('; ')}` }
      : {}),
    details,
    ...(extra.extracted !== undefined ? { extracted: extra.extracted } : {}),
  };
}
