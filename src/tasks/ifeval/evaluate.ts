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
import { meanWithBootstrapCI, DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_SEED } from '../../metrics/bootstrap.js';
import type { Item, MetricValue, RunOptions, TaskMetrics, VerdictRecord } from '../../types.js';
import { mulberry32 } from '../../util/rng.js';
import { buildChecker, type Checker, type InstructionKwargs } from './checkers.js';
import { pyStrip } from './py-text.js';

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
 * Ratio estimator sum(followed_i) / sum(total_i) over prompts, with a percentile bootstrap that
 * resamples PROMPTS (clusters of instructions), because the instructions of one prompt are judged on
 * the same response and are not independent. stderr: linearised (delta-method) ratio standard error.
 */
export function clusteredRatioWithBootstrapCI(
  followed: ArrayLike<number>,
  totals: ArrayLike<number>,
  opts: { seed?: number; resamples?: number } = {},
): MetricValue {
  const seed = opts.seed ?? DEFAULT_SEED;
  const B = opts.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const n = followed.length;
  let sf = 0;
  let st = 0;
  for (let i = 0; i < n; i++) {
    sf += followed[i];
    st += totals[i];
  }
  const method = `followed/total over ${n} prompts (${st} instructions); 95% CI: percentile bootstrap over prompts, clustered (${B} resamples, seed ${seed})`;
  if (n === 0 || st === 0) return { value: NaN, method };
  const value = sf / st;
  const rnd = mulberry32(seed);
  const stats = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let f = 0;
    let t = 0;
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rnd() * n);
      f += followed[k];
      t += totals[k];
    }
    stats[b] = t ? f / t : value;
  }
  stats.sort();
  const q = (p: number) => {
    const pos = (B - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return stats[lo] + (stats[hi] - stats[lo]) * (pos - lo);
  };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (followed[i] - value * totals[i]) ** 2;
  const stderr = n > 1 ? Math.sqrt((n / (n - 1)) * ss) / st : NaN;
  return { value, ci95: [q(0.025), q(0.975)], stderr, method };
}

interface PerPrompt {
  promptStrict: number;
  promptLoose: number;
  instStrict: number; // followed count (averaged over samples)
  instLoose: number;
  total: number;
  perInstruction: Array<{ id: string; strict: number; loose: number }>;
}

function instructionResults(v: VerdictRecord): InstructionResult[] | null {
  const d = v.details as { instructions?: InstructionResult[] } | undefined;
  return Array.isArray(d?.instructions) ? d!.instructions : null;
}

/**
 * Aggregate IFEval verdicts into TaskMetrics. Several samples of one prompt are averaged within the
 * prompt first, so every prompt weighs the same. Breakdowns: by instruction id ("instruction") and by
 * its group before the colon ("instruction_group"), instruction-level strict/loose accuracy each.
 */
export function aggregateIfeval(
  taskName: string,
  items: Item<IfevalRecord>[],
  verdicts: VerdictRecord[],
  options: RunOptions = {},
): TaskMetrics {
  const seed = typeof options.seed === 'number' ? options.seed : DEFAULT_SEED;
  const byItem = new Map<string, VerdictRecord[]>();
  let errored = 0;
  for (const v of verdicts) {
    if (v.scores === null) {
      errored++;
      continue;
    }
    let arr = byItem.get(v.itemId);
    if (!arr) byItem.set(v.itemId, (arr = []));
    arr.push(v);
  }
  const per: PerPrompt[] = [];
  const missing: string[] = [];
  for (const item of items) {
    const vs = byItem.get(item.id);
    if (!vs?.length) {
      missing.push(item.id);
      continue;
    }
    const ids = item.data.instruction_id_list;
    const acc: PerPrompt = {
      promptStrict: 0,
      promptLoose: 0,
      instStrict: 0,
      instLoose: 0,
      total: ids.length,
      perInstruction: ids.map((id) => ({ id, strict: 0, loose: 0 })),
    };
    for (const v of vs) {
      const s = v.scores!;
      acc.promptStrict += (s.prompt_strict ?? 0) / vs.length;
      acc.promptLoose += (s.prompt_loose ?? 0) / vs.length;
      acc.instStrict += ((s.inst_strict ?? 0) * ids.length) / vs.length;
      acc.instLoose += ((s.inst_loose ?? 0) * ids.length) / vs.length;
      const res = instructionResults(v);
      if (res && res.length === ids.length) {
        res.forEach((r, i) => {
          acc.perInstruction[i].strict += (r.strict ? 1 : 0) / vs.length;
          acc.perInstruction[i].loose += (r.loose ? 1 : 0) / vs.length;
        });
      }
    }
    per.push(acc);
  }

  const totals = per.map((p) => p.total);
  const metrics: Record<string, MetricValue> = {
    [METRIC_NAMES.promptStrict]: meanWithBootstrapCI(
      per.map((p) => p.promptStrict),
      { seed },
    ),
    [METRIC_NAMES.instStrict]: clusteredRatioWithBootstrapCI(
      per.map((p) => p.instStrict),
      totals,
      { seed },
    ),
    [METRIC_NAMES.promptLoose]: meanWithBootstrapCI(
      per.map((p) => p.promptLoose),
      { seed },
    ),
    [METRIC_NAMES.instLoose]: clusteredRatioWithBootstrapCI(
      per.map((p) => p.instLoose),
      totals,
      { seed },
    ),
  };

  const breakdown = (keyOf: (id: string) => string) => {
    const keys = [...new Set(per.flatMap((p) => p.perInstruction.map((x) => keyOf(x.id))))].sort();
    const out: Record<string, Record<string, MetricValue>> = {};
    for (const key of keys) {
      const f: number[] = [];
      const l: number[] = [];
      const t: number[] = [];
      for (const p of per) {
        const xs = p.perInstruction.filter((x) => keyOf(x.id) === key);
        if (!xs.length) continue;
        f.push(xs.reduce((a, x) => a + x.strict, 0));
        l.push(xs.reduce((a, x) => a + x.loose, 0));
        t.push(xs.length);
      }
      out[key] = {
        [METRIC_NAMES.instStrict]: clusteredRatioWithBootstrapCI(f, t, { seed }),
        [METRIC_NAMES.instLoose]: clusteredRatioWithBootstrapCI(l, t, { seed }),
      };
    }
    return out;
  };

  return {
    task: taskName,
    primary: METRIC_NAMES.promptLoose,
    metrics,
    breakdowns: {
      instruction: breakdown((id) => id),
      instruction_group: breakdown((id) => id.split(':')[0]),
    },
    counts: {
      items: items.length,
      samples: verdicts.length,
      scored: verdicts.length - errored,
      errored,
      ...(missing.length ? { missingItems: missing.length } : {}),
    },
    ...(missing.length ? { missingItems: missing } : {}),
  };
}
