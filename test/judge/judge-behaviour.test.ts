/**
 * Judge behaviour against a real OpenAI-protocol server on 127.0.0.1 playing the judge: both orders of a
 * pairwise comparison (position swapping), position bias measured, unparseable verdicts retried within a
 * budget and never guessed, the request cache, and the full prompt + raw reply recorded per call.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Judge } from '../../src/judge/judge.js';
import {
  agreementMetrics,
  judgedMean,
  lengthControlledWinRate,
  positionBias,
} from '../../src/judge/judged-metrics.js';
import { comparePairwise, gradeEach, judgedVerdict } from '../../src/judge/modes.js';
import { parseBracketRating, parseCriteriaScores, parsePairwiseVerdict } from '../../src/judge/parsers.js';
import type { StubRespondContext } from '../../src/testing/openai-stub-server.js';
import type { ChatMessage } from '../../src/types.js';
import { mulberry32 } from '../../src/util/rng.js';
import { stub, useCleanups } from '../helpers/stub-provider.js';

useCleanups();

async function judgeOn(respond: (ctx: StubRespondContext) => string, parseRetries = 2, label = 'j1') {
  const server = await stub({ modelName: 'judge', respond });
  const cacheDir = mkdtempSync(join(tmpdir(), 'judge-cache-'));
  const judge = await Judge.create(
    { model: `openai:${server.url}`, modelName: 'judge', parseRetries, label },
    0,
    cacheDir,
  );
  return { server, judge, cacheDir };
}

const user = (ctx: StubRespondContext) => ctx.messages!.find((m) => m.role === 'user')!.content;

/** Pairwise prompt: the two answers in the order given. */
const pairPrompt = (first: string, second: string): ChatMessage[] => [
  { role: 'system', content: 'Compare. Answer [[A]], [[B]] or [[C]].' },
  { role: 'user', content: `[A]\n${first}\n[B]\n${second}` },
];
const answersOf = (ctx: StubRespondContext) => {
  const m = /\[A\]\n([\s\S]*)\n\[B\]\n([\s\S]*)/.exec(user(ctx))!;
  return { a: m[1], b: m[2] };
};

describe('pairwise judging', () => {
  it('asks both orders (candidate first, then second) and combines them', async () => {
    // A fair judge: prefers the answer containing "good", wherever it is shown.
    const { server, judge } = await judgeOn((ctx) => {
      const { a, b } = answersOf(ctx);
      return a.includes('good') && !b.includes('good')
        ? 'A is better. [[A]]'
        : b.includes('good') && !a.includes('good')
          ? '[[B]]'
          : '[[C]]';
    });
    const [o] = await comparePairwise(
      [judge],
      (order) => (order === 'AB' ? pairPrompt('good cand', 'base') : pairPrompt('base', 'good cand')),
      'q1',
    );
    expect(o).toMatchObject({ ab: 'A', ba: 'B', result: 'win', consistent: true, status: 'ok' });
    const bodies = server.requests
      .filter((r) => r.path === '/v1/chat/completions')
      .map((r) => r.body.messages[1].content);
    expect(bodies).toHaveLength(2);
    expect(new Set(bodies)).toEqual(new Set(['[A]\ngood cand\n[B]\nbase', '[A]\nbase\n[B]\ngood cand']));
    // Recorded calls carry exactly what the server received, and the raw replies.
    expect(o.calls.map((c) => c.messages[1].content).sort()).toEqual([...bodies].sort());
    expect(o.calls.map((c) => c.raw).sort()).toEqual(['A is better. [[A]]', '[[B]]']);
  });

  it('a judge that always picks the first position: every comparison a tie, bias measured', async () => {
    const { judge } = await judgeOn(() => 'The first one. [[A]]');
    const outcomes = [];
    for (let i = 0; i < 12; i++) {
      const [o] = await comparePairwise(
        [judge],
        (order) => (order === 'AB' ? pairPrompt(`c${i}`, `b${i}`) : pairPrompt(`b${i}`, `c${i}`)),
        `q${i}`,
      );
      outcomes.push(o);
    }
    expect(outcomes.every((o) => o.result === 'tie' && o.consistent === false)).toBe(true);
    const bias = positionBias(outcomes);
    expect(bias.pairwise_consistency.value).toBe(0);
    expect(bias.first_position_rate.value).toBe(1);
    // A fair judge has no first-position preference.
    const fair = positionBias([
      { judge: 'j1', ab: 'A', ba: 'B', consistent: true, result: 'win' },
      { judge: 'j1', ab: 'B', ba: 'A', consistent: true, result: 'loss' },
    ]);
    expect(fair.first_position_rate.value).toBe(0.5);
    expect(fair.pairwise_consistency.value).toBe(1);
  });
});

describe('unparseable verdicts', () => {
  it('are recorded and retried with a changed request until one parses', async () => {
    let n = 0;
    const { server, judge } = await judgeOn(() => (n++ < 2 ? 'I think it is quite good.' : 'Rating: [[7]]'));
    const [r] = await gradeEach(
      [judge],
      [{ role: 'user', content: 'rate this' }],
      (raw) => parseBracketRating(raw),
      'item1',
    );
    expect(r.status).toBe('ok');
    expect(r.value).toBe(7);
    expect(r.calls.map((c) => c.attempt)).toEqual([0, 1, 2]);
    expect(r.calls.slice(0, 2).every((c) => c.error?.startsWith('unparseable: no [[rating]]'))).toBe(true);
    expect(r.calls.map((c) => c.raw)).toEqual([
      'I think it is quite good.',
      'I think it is quite good.',
      'Rating: [[7]]',
    ]);
    const temps = server.requests
      .filter((x) => x.body?.messages)
      .map((x) => [x.body.temperature, x.body.seed]);
    expect(temps).toEqual([
      [0, undefined],
      [0.15, 1],
      [0.3, 2],
    ]);
  });

  it('are never guessed: after the budget the verdict is unparseable and excluded', async () => {
    const { server, judge } = await judgeOn(() => 'It deserves about eight out of ten.', 1);
    const [r] = await gradeEach(
      [judge],
      [{ role: 'user', content: 'rate this' }],
      (raw) => parseBracketRating(raw),
      'item1',
    );
    expect(r.status).toBe('unparseable');
    expect(r.value).toBeUndefined();
    expect(server.stats.generationRequests).toBe(2); // first attempt + 1 retry
    const v = judgedVerdict({ score: {} }, r.calls, [{ judge: r.judge, status: r.status }]);
    expect(v.scores).toBeNull();
    expect(v.error).toMatch(/unparseable/);
    expect((v.details!.judgeCalls as unknown[]).length).toBe(2);
  });

  it('strict parsers reject ambiguous, out-of-range and incomplete verdicts', () => {
    expect(parsePairwiseVerdict('[[A]] ... or maybe [[B]]').ok).toBe(false);
    expect(parsePairwiseVerdict('tie [[C]]')).toEqual({ ok: true, value: 'tie' });
    expect(parseBracketRating('[[11]]').ok).toBe(false);
    expect(parseBracketRating('Rating: [[8.5]]')).toEqual({ ok: true, value: 8.5 });
    expect(parseBracketRating('see [3] and [[6]]')).toEqual({ ok: true, value: 6 });
    expect(parseCriteriaScores('{"a": 3, "b": "4"}', ['a', 'b'], 0, 5)).toEqual({
      ok: true,
      value: { a: 3, b: 4 },
    });
    expect(parseCriteriaScores('{"a": 3}', ['a', 'b'], 0, 5).ok).toBe(false);
    expect(parseCriteriaScores('```json\n{"a": 9, "b": 1}\n```', ['a', 'b'], 0, 5).ok).toBe(false);
  });
});

describe('judge cache', () => {
  it('a second judge on the same cache answers from it without a request', async () => {
    const { server, judge, cacheDir } = await judgeOn(() => '[[6]]');
    const msgs: ChatMessage[] = [{ role: 'user', content: 'rate X' }];
    const first = await judge.ask(msgs, (raw) => parseBracketRating(raw), 'x');
    expect(first.calls[0].cached).toBeUndefined();
    await judge.close();
    const again = await Judge.create({ model: `openai:${server.url}`, modelName: 'judge' }, 0, cacheDir);
    const second = await again.ask(msgs, (raw) => parseBracketRating(raw), 'x');
    await again.close();
    expect(second.value).toBe(6);
    expect(second.calls[0].cached).toBe(true);
    expect(server.stats.generationRequests).toBe(1);
  });
});

describe('ensembles and uncertainty', () => {
  it('agreement of two judges is reported; their disagreement widens the CI', () => {
    const agree = Array.from({ length: 40 }, (_, i) => ({
      itemId: `i${i}`,
      perJudge: { j1: 3 + (i % 5), j2: 3 + (i % 5) },
    }));
    const disagree = Array.from({ length: 40 }, (_, i) => ({
      itemId: `i${i}`,
      perJudge: { j1: 3 + (i % 5) - 2, j2: 3 + (i % 5) + 2 },
    }));
    const a = judgedMean(agree);
    const d = judgedMean(disagree);
    expect(d.value).toBeCloseTo(a.value, 12);
    expect(d.ci95![1] - d.ci95![0]).toBeGreaterThan(1.3 * (a.ci95![1] - a.ci95![0]));
    expect(agreementMetrics(agree).judge_agreement_exact.value).toBe(1);
    expect(agreementMetrics(disagree).judge_agreement_exact.value).toBe(0);
    expect(agreementMetrics(disagree).judge_agreement_mean_abs_diff.value).toBe(4);
    expect(agreementMetrics(disagree).judge_agreement_spearman.value).toBeCloseTo(1, 12);
  });

  it('length-controlled win rate removes a pure length preference', () => {
    // Equal quality; the judge prefers the longer answer (P(win) = σ(3·tanh(Δ/300))) and the candidate is
    // longer on 80% of the items, so its raw win rate is far above ½ and its length-controlled one is not.
    const rnd = mulberry32(1);
    const diffs = Array.from({ length: 2000 }, (_, i) => (i % 5 === 0 ? -1 : 1) * (50 + (i % 7) * 60));
    const outcomes = diffs.map((d) => (rnd() < 1 / (1 + Math.exp(-3 * Math.tanh(d / 300))) ? 1 : 0));
    const raw = outcomes.reduce((s, x) => s + x, 0) / outcomes.length;
    const lc = lengthControlledWinRate(outcomes, diffs);
    expect(raw).toBeGreaterThan(0.62);
    expect(lc.ci95![0]).toBeLessThan(0.5);
    expect(lc.ci95![1]).toBeGreaterThan(0.5);
    expect(Math.abs(lc.value - 0.5)).toBeLessThan(0.1);
  });
});
