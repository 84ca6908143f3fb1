/**
 * Length and format drift of one task in one run: how answers and reasoning are distributed in length, how
 * often generation hit the token cap (`finish_reason` "length"), ended inside its reasoning, produced nothing a
 * scorer could extract, or tripped a reward-hacking detector. Written next to the metrics (metrics.json
 * `generation`), shown by `evalkit show` and `compare` so a score change between checkpoints comes with its
 * likely cause.
 */
import type { GenerationRecord, VerdictRecord } from '../types.js';
import { answerForScoring } from './answer.js';
import type { RunOptions } from '../types.js';

export interface LengthSummary {
  mean: number;
  p50: number;
  p90: number;
  max: number;
}

export interface RewardHackSummary {
  /** Samples with at least one finding. */
  samples: number;
  rate: number;
  byKind: Record<string, number>;
  /** First findings (at most 20), for a person to read. */
  examples: Array<{ itemId: string; sampleIndex: number; kind: string; line: number; text: string }>;
}

export interface GenerationStats {
  /** Generations that produced text (errored ones are not counted here). */
  samples: number;
  finishReasons: Record<string, number>;
  /** Share of samples that stopped at the token cap. */
  lengthRate: number;
  truncatedInReasoning: number;
  truncatedInReasoningRate: number;
  /** Samples that carried reasoning (server field or think tags). */
  withReasoning: number;
  answerChars: LengthSummary;
  reasoningChars: LengthSummary | null;
  completionTokens: LengthSummary | null;
  /** Scored samples whose scorer extracted nothing (no code block, no answer letter/number). */
  noAnswer: number;
  noAnswerRate: number;
  /** Whether the task's scorer extracts an answer at all (false for IFEval and judges: no-answer does not apply). */
  answerExtraction?: boolean;
  rewardHacking: RewardHackSummary;
}

function summary(xs: number[]): LengthSummary | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, p50: q(0.5), p90: q(0.9), max: s[s.length - 1]! };
}

export function computeGenerationStats(
  generations: GenerationRecord[],
  verdicts: VerdictRecord[],
  options: RunOptions = {},
): GenerationStats {
  const finishReasons: Record<string, number> = {};
  const answerChars: number[] = [];
  const reasoningChars: number[] = [];
  const tokens: number[] = [];
  let samples = 0;
  let withReasoning = 0;
  let truncated = 0;
  for (const g of generations) {
    if (g.text === null || g.error) continue;
    samples++;
    const fr = g.finishReason ?? 'unknown';
    finishReasons[fr] = (finishReasons[fr] ?? 0) + 1;
    const split = answerForScoring(g, options);
    answerChars.push((split ? split.answer : g.text).length);
    if (split?.reasoning != null) {
      withReasoning++;
      reasoningChars.push(split.reasoning.length);
    }
    if (split?.state === 'truncated-in-reasoning') truncated++;
    if (typeof g.usage?.completionTokens === 'number') tokens.push(g.usage.completionTokens);
  }
  let scored = 0;
  let noAnswer = 0;
  // Tasks whose scorer extracts an answer (code, letter, number) set `extracted`; for the others (IFEval,
  // judges) "no answer" does not apply.
  const extracts = verdicts.some((v) => v.scores !== null && v.extracted !== undefined);
  const hack: RewardHackSummary = { samples: 0, rate: 0, byKind: {}, examples: [] };
  for (const v of verdicts) {
    if (v.scores === null) continue;
    scored++;
    if (extracts && v.outcome !== 'truncated-in-reasoning' && (v.extracted ?? '').trim() === '') noAnswer++;
    const findings = v.details?.rewardHacking as
      Array<{ kind: string; line: number; text: string }> | undefined;
    if (findings?.length) {
      hack.samples++;
      for (const kind of new Set(findings.map((f) => f.kind)))
        hack.byKind[kind] = (hack.byKind[kind] ?? 0) + 1;
      for (const f of findings)
        if (hack.examples.length < 20)
          hack.examples.push({
            itemId: v.itemId,
            sampleIndex: v.sampleIndex,
            kind: f.kind,
            line: f.line,
            text: f.text,
          });
    }
  }
  hack.rate = scored ? hack.samples / scored : 0;
  return {
    samples,
    finishReasons,
    lengthRate: samples ? (finishReasons.length ?? 0) / samples : 0,
    truncatedInReasoning: truncated,
    truncatedInReasoningRate: samples ? truncated / samples : 0,
    withReasoning,
    answerChars: summary(answerChars) ?? { mean: 0, p50: 0, p90: 0, max: 0 },
    reasoningChars: summary(reasoningChars),
    completionTokens: summary(tokens),
    noAnswer,
    noAnswerRate: scored ? noAnswer / scored : 0,
    answerExtraction: extracts,
    rewardHacking: hack,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** One line for terminals: `length 12.0% · in-reasoning 3.1% · no answer 0.5% · answer p50 812 ch · …`. */
export function formatGenerationStats(s: GenerationStats): string {
  const parts = [
    `cap hit ${pct(s.lengthRate)}`,
    `ended in reasoning ${pct(s.truncatedInReasoningRate)}`,
    ...(s.answerExtraction === false ? [] : [`no answer ${pct(s.noAnswerRate)}`]),
    `answer p50/p90 ${s.answerChars.p50}/${s.answerChars.p90} chars`,
  ];
  if (s.reasoningChars) parts.push(`reasoning p50/p90 ${s.reasoningChars.p50}/${s.reasoningChars.p90} chars`);
  if (s.completionTokens) parts.push(`tokens p50/p90 ${s.completionTokens.p50}/${s.completionTokens.p90}`);
  if (s.rewardHacking.samples)
    parts.push(
      `reward-hacking patterns ${s.rewardHacking.samples} (${Object.entries(s.rewardHacking.byKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    );
  return parts.join(' · ');
}
