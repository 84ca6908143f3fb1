/**
 * Writer for EvalPlus's `eval_results.json` (schema of evalplus >= 0.2 `evalplus.evaluate`):
 *   { "date": "YYYY-MM-DD HH:MM", "hash": <md5 of the uncompressed dataset>,
 *     "eval": { task_id: [ { task_id, solution, base_status, plus_status, base_fail_tests, plus_fail_tests } ] },
 *     "pass_at_k": { "base": { "pass@1": fraction, ... }, "plus": { ... } } }
 * `*_fail_tests` hold the failing input values (as EvalPlus writes them), pass@k are fractions in [0,1],
 * reported for k in 1, 10, 100 when every task has at least k samples (EvalPlus's rule).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  aggregateOutcomes,
  outcomesByItem,
  passAtKMetric,
  type MetricSample,
} from '../metrics/definitions.js';
import type { Item, VerdictRecord } from '../types.js';

export interface EvalPlusSampleResult {
  task_id: string;
  solution: string;
  base_status: string;
  plus_status: string;
  base_fail_tests: unknown[];
  plus_fail_tests: unknown[];
}

export interface EvalPlusResultsFile {
  date: string;
  hash: string;
  eval: Record<string, EvalPlusSampleResult[]>;
  pass_at_k?: { base: Record<string, number>; plus: Record<string, number> };
}

export function buildEvalPlusResults(args: {
  dataset: 'humaneval' | 'mbpp';
  datasetHash: string;
  items: Item[];
  verdicts: VerdictRecord[];
  date?: Date;
}): EvalPlusResultsFile {
  const byItem = new Map<string, VerdictRecord[]>();
  for (const v of args.verdicts) {
    if (!v.scores) continue; // errored samples have no verdict in EvalPlus terms
    let arr = byItem.get(v.itemId);
    if (!arr) byItem.set(v.itemId, (arr = []));
    arr.push(v);
  }
  const evalOut: Record<string, EvalPlusSampleResult[]> = {};
  const scored = new Map<string, MetricSample[]>();
  for (const item of args.items) {
    const vs = (byItem.get(item.id) ?? []).sort((a, b) => a.sampleIndex - b.sampleIndex);
    if (!vs.length) continue;
    const data = item.data as { baseInputs?: unknown[]; plusInputs?: unknown[] };
    const pick = (inputs: unknown[] | undefined, idx: unknown) =>
      Array.isArray(idx) ? idx.map((i) => (inputs && typeof i === 'number' ? inputs[i] : i)) : [];
    evalOut[item.id] = vs.map((v) => {
      const d = (v.details ?? {}) as Record<string, unknown>;
      return {
        task_id: item.id,
        solution: v.extracted ?? '',
        base_status: String(d.base_status ?? (v.scores?.base ? 'pass' : 'fail')),
        plus_status: String(d.plus_status ?? (v.scores?.plus ? 'pass' : 'fail')),
        base_fail_tests: pick(data.baseInputs, d.base_fail_tests),
        plus_fail_tests: pick(data.plusInputs, d.plus_fail_tests),
      };
    });
    scored.set(item.id, vs as MetricSample[]);
  }
  // EvalPlus reports pass@k only when every problem has at least k samples (its `(total >= k).all()`).
  const pak = (key: 'base' | 'plus') => {
    const out: Record<string, number> = {};
    for (const k of [1, 10, 100]) {
      const { outcomes, skipped } = outcomesByItem(passAtKMetric(key, k), scored);
      if (!outcomes.size || skipped) continue;
      out[`pass@${k}`] = aggregateOutcomes(passAtKMetric(key, k), [...outcomes.values()]).value;
    }
    return out;
  };
  const date = args.date ?? new Date();
  const pad = (x: number) => String(x).padStart(2, '0');
  return {
    date: `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`,
    hash: args.datasetHash,
    eval: evalOut,
    pass_at_k: { base: pak('base'), plus: pak('plus') },
  };
}

export async function writeEvalPlusResults(
  outPath: string,
  args: { dataset: 'humaneval' | 'mbpp'; datasetHash: string; items: Item[]; verdicts: VerdictRecord[] },
): Promise<void> {
  const file = buildEvalPlusResults(args);
  await mkdir(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(file) + '\n');
  await rename(tmp, outPath);
}
