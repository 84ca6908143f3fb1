/**
 * IFEval strict and loose evaluation of one response, and aggregation into the four reference
 * metrics (google-research instruction_following_eval/evaluation_lib.py:
 * test_instruction_following_strict / _loose, print_report).
 *
 * Strict: instruction i is followed iff `response.strip()` is non-empty and its checker accepts the
 * response. Loose: followed iff any of eight variants of the response is non-blank and accepted:
 * the response, the response with every "*" removed, and the response without its first line, last
 * line, or both (each `.strip()`ed), each also with "*" removed — in the reference's order.
 *
 * Metrics: prompt-level = share of prompts whose instructions are all followed; instruction-level =
 * followed instructions / all instructions (pooled over prompts, as print_report computes it).
 */
import { aggregateTask } from '../../metrics/aggregate.js';
import { aggregateOutcomes, meanMetric, ratioMetric } from '../../metrics/definitions.js';
import type { Item, MetricSpec, MetricValue, RunOptions, TaskMetrics, VerdictRecord } from '../../types.js';
import { naturalSort } from '../../util/natural-sort.js';
import { buildChecker, type Checker, type InstructionKwargs } from './checkers.js';
import { pyStrip } from '../../util/py-text.js';

/** One IFEval input record, in the dataset's own field names (input_data.jsonl). */
export interface IfevalRecord {
  key: number;
  prompt: string;
  instruction_id_list: string[];
  kwargs: InstructionKwargs[];
}

export interface InstructionResult {
  id: string;
  strict: boolean;
  loose: boolean;
  /** Set when a checker threw on this response (counted as not followed). */
  error?: string;
}

export interface IfevalScore {
  scores: { prompt_strict: 0 | 1; prompt_loose: 0 | 1; inst_strict: number; inst_loose: number };
  details: { instructions: InstructionResult[] };
  reason?: string;
}

/** The eight loose-mode variants, in evaluation_lib's order. */
export function looseVariants(response: string): string[] {
  const r = response.split('\n');
  const removeFirst = pyStrip(r.slice(1).join('\n'));
  const removeLast = pyStrip(r.slice(0, -1).join('\n'));
  const removeBoth = pyStrip(r.slice(1, -1).join('\n'));
  const noStar = (s: string) => s.split('*').join('');
  return [
    response,
    noStar(response),
    removeFirst,
    removeLast,
    removeBoth,
    noStar(removeFirst),
    noStar(removeLast),
    noStar(removeBoth),
  ];
}

const checkerCache = new WeakMap<IfevalRecord, Checker[]>();

function checkersFor(record: IfevalRecord): Checker[] {
  let cs = checkerCache.get(record);
  if (!cs) {
    cs = record.instruction_id_list.map((id, i) => buildChecker(id, record.kwargs[i] ?? {}));
    checkerCache.set(record, cs);
  }
  return cs;
}

function safeCheck(check: Checker, text: string): { ok: boolean; error?: string } {
  try {
    return { ok: Boolean(check(text)) };
  } catch (e) {
    // Model output must never crash the scorer; a checker failure counts as not followed.
    return { ok: false, error: (e as Error).message };
  }
}

/**
 * Score one response against one IFEval record (pure; no pipeline needed).
 * Throws EvalkitError only for a malformed record (unknown instruction id, bad kwargs).
 */
export function scoreIfevalResponse(record: IfevalRecord, response: string): IfevalScore {
  const checkers = checkersFor(record);
  const variants = looseVariants(response);
  const nonBlank = variants.map((v) => pyStrip(v).length > 0);
  const results: InstructionResult[] = checkers.map((check, i) => {
    const r: InstructionResult = { id: record.instruction_id_list[i], strict: false, loose: false };
    if (nonBlank[0]) {
      const s = safeCheck(check, response);
      r.strict = s.ok;
      if (s.error) r.error = s.error;
    }
    for (let j = 0; j < variants.length && !r.loose; j++) {
      if (!nonBlank[j]) continue;
      r.loose = j === 0 ? r.strict : safeCheck(check, variants[j]).ok;
    }
    return r;
  });
  const n = results.length;
  const strictCount = results.filter((r) => r.strict).length;
  const looseCount = results.filter((r) => r.loose).length;
  const failed = results.filter((r) => !r.strict).map((r) => r.id + (r.loose ? ' (loose ok)' : ''));
  return {
    scores: {
      prompt_strict: strictCount === n ? 1 : 0,
      prompt_loose: looseCount === n ? 1 : 0,
      inst_strict: n ? strictCount / n : 0,
      inst_loose: n ? looseCount / n : 0,
    },
    details: { instructions: results },
    ...(failed.length ? { reason: `not followed (strict): ${failed.join(', ')}` } : {}),
  };
}

// ───────────────────────────── aggregation ─────────────────────────────

export const METRIC_NAMES = {
  promptStrict: 'prompt_level_strict_acc',
  instStrict: 'inst_level_strict_acc',
  promptLoose: 'prompt_level_loose_acc',
  instLoose: 'inst_level_loose_acc',
} as const;

/**
 * The four reference metrics, declared: prompt-level = mean of the per-sample 0/1 "all followed"; instruction
 * level = followed / all instructions pooled over prompts (a ratio weighted by each prompt's instruction count,
 * read from the verdict's `details.instructions`), as print_report computes it. Several samples of one prompt
 * are averaged within the prompt first.
 */
export const IFEVAL_METRICS: MetricSpec[] = [
  meanMetric('prompt_strict', METRIC_NAMES.promptStrict),
  ratioMetric('inst_strict', 'instructions', METRIC_NAMES.instStrict),
  meanMetric('prompt_loose', METRIC_NAMES.promptLoose),
  ratioMetric('inst_loose', 'instructions', METRIC_NAMES.instLoose),
];

function instructionResults(v: VerdictRecord): InstructionResult[] | null {
  const d = v.details as { instructions?: InstructionResult[] } | undefined;
  return Array.isArray(d?.instructions) ? d!.instructions : null;
}

/**
 * Instruction-level accuracy broken down by instruction id ("instruction") and by its group before the colon
 * ("instruction_group"): per prompt the followed share of its instructions in that category (averaged over
 * samples), pooled over prompts as a ratio with the same interval as the headline ratio.
 */
export function ifevalInstructionBreakdowns(
  items: Item<IfevalRecord>[],
  verdicts: VerdictRecord[],
): NonNullable<TaskMetrics['breakdowns']> {
  const byItem = new Map<string, VerdictRecord[]>();
  for (const v of verdicts) {
    if (v.scores === null) continue;
    let arr = byItem.get(v.itemId);
    if (!arr) byItem.set(v.itemId, (arr = []));
    arr.push(v);
  }
  const breakdown = (keyOf: (id: string) => string) => {
    // key → per prompt { strict share, loose share, instructions in the key, samples }
    const rows = new Map<string, Array<{ strict: number; loose: number; total: number; n: number }>>();
    for (const item of items) {
      const vs = byItem.get(item.id);
      if (!vs?.length) continue;
      const ids = item.data.instruction_id_list;
      const perKey = new Map<string, { strict: number; loose: number; total: number }>();
      ids.forEach((id, i) => {
        const acc = perKey.get(keyOf(id)) ?? { strict: 0, loose: 0, total: 0 };
        acc.total++;
        for (const v of vs) {
          const r = instructionResults(v);
          if (r && r.length === ids.length) {
            acc.strict += (r[i].strict ? 1 : 0) / vs.length;
            acc.loose += (r[i].loose ? 1 : 0) / vs.length;
          }
        }
        perKey.set(keyOf(id), acc);
      });
      for (const [key, acc] of perKey) {
        let arr = rows.get(key);
        if (!arr) rows.set(key, (arr = []));
        arr.push({ ...acc, n: vs.length });
      }
    }
    const out: Record<string, Record<string, MetricValue>> = {};
    for (const key of naturalSort(rows.keys())) {
      const r = rows.get(key)!;
      const outcomes = (f: 'strict' | 'loose') =>
        r.map((x) => ({ n: x.n, value: x[f] / x.total, weight: x.total }));
      out[key] = {
        [METRIC_NAMES.instStrict]: aggregateOutcomes(IFEVAL_METRICS[1], outcomes('strict')),
        [METRIC_NAMES.instLoose]: aggregateOutcomes(IFEVAL_METRICS[3], outcomes('loose')),
      };
    }
    return out;
  };
  return {
    instruction: breakdown((id) => id),
    instruction_group: breakdown((id) => id.split(':')[0]),
  };
}

/** IFEval TaskMetrics for a task named `taskName` (what the runner computes for the ifeval variants). */
export function aggregateIfeval(
  taskName: string,
  items: Item<IfevalRecord>[],
  verdicts: VerdictRecord[],
  options: RunOptions = {},
): TaskMetrics {
  return aggregateTask(
    {
      name: taskName,
      metrics: IFEVAL_METRICS,
      settings: { primaryMetric: METRIC_NAMES.promptLoose },
      extraBreakdowns: (its, vs) => ifevalInstructionBreakdowns(its as Item<IfevalRecord>[], vs),
    },
    items,
    verdicts,
    options,
  );
}
