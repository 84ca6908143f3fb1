/**
 * Scorer objects for math tasks (the Scorer contract of src/types.ts). Model output never throws: a missing or
 * unparsable answer is a failing verdict with a reason.
 */
import type { GenerationRecord, Item, Scorer, VerdictRecord } from '../../types.js';
import { mathEquivalent, voteKey } from './equivalence.js';
import { extractFinalAnswer } from './extract.js';
import { olmesGsm8kExactMatch } from './gsm8k.js';
import { scoreMinervaOlmes } from './minerva.js';

type Verdict = Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'>;

export function erroredVerdict(g: GenerationRecord): Verdict | null {
  if (g.text === null || g.text === undefined)
    return { scores: null, error: g.error ?? 'generation has no text' };
  return null;
}

/** Chat math: extract the final answer (boxed → phrase → last number when numeric) and test equivalence. */
export function chatMathScorer<D extends { gold: string }>(opts: {
  numeric: boolean;
  metric?: string;
}): Scorer<D> {
  const metric = opts.metric ?? 'exact_match';
  return {
    async score(item: Item<D>, g: GenerationRecord): Promise<Verdict> {
      const err = erroredVerdict(g);
      if (err) return err;
      const ex = extractFinalAnswer(g.text!, { numeric: opts.numeric });
      if (ex.answer === null) {
        return {
          scores: { [metric]: 0 },
          reason: `no final answer found, expected ${item.data.gold}`,
          details: { voteKey: null, extraction: 'none' },
        };
      }
      const eq = mathEquivalent(ex.answer, item.data.gold);
      return {
        scores: { [metric]: eq.equal ? 1 : 0 },
        extracted: ex.answer,
        ...(eq.equal ? {} : { reason: `extracted ${ex.answer}, expected ${item.data.gold}` }),
        details: { voteKey: voteKey(ex.answer), extraction: ex.method, equivalence: eq.method },
      };
    },
  };
}

/** OLMES gsm8k::olmes: last-number extraction, exact match after OLMES's regexes_to_ignore. */
export function olmesGsm8kScorer<D extends { gold: string }>(): Scorer<D> {
  return {
    async score(item: Item<D>, g: GenerationRecord): Promise<Verdict> {
      const err = erroredVerdict(g);
      if (err) return err;
      const r = olmesGsm8kExactMatch(g.text!, item.data.gold);
      return {
        scores: { exact_match: r.score },
        extracted: r.extracted,
        ...(r.score ? {} : { reason: `extracted ${r.extracted}, expected ${item.data.gold}` }),
        details: { voteKey: r.extracted },
      };
    },
  };
}

/** OLMES minerva_math::olmes: Minerva strict (primary) and OLMES flex. */
export function olmesMinervaScorer<D extends { gold: string }>(): Scorer<D> {
  return {
    async score(item: Item<D>, g: GenerationRecord): Promise<Verdict> {
      const err = erroredVerdict(g);
      if (err) return err;
      const r = scoreMinervaOlmes(g.text!, item.data.gold);
      const reason = r.exact_match
        ? undefined
        : r.strictAnswer === '[invalidanswer]'
          ? `no "Final Answer: The final answer is …" line${r.exact_match_flex ? ' (flex matched)' : ''}, expected ${item.data.gold}`
          : `extracted ${r.strictAnswer}, expected ${item.data.gold}${r.exact_match_flex ? ' (flex matched)' : ''}`;
      return {
        scores: { exact_match: r.exact_match, exact_match_flex: r.exact_match_flex },
        extracted: r.extracted,
        ...(reason ? { reason } : {}),
        details: { voteKey: r.extracted, strictAnswer: r.strictAnswer },
      };
    },
  };
}
