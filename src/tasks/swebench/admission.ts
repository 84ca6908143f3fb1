/**
 * The admission gate, re-run on the user's machine: for each instance, `repeats` times, the gold patch must
 * resolve and the empty patch must leave every FAIL_TO_PASS test failing (SWE-bench grading semantics, in the
 * instance's Debian environment, no network). The record is appended as JSON lines (one per instance, written
 * as soon as it is decided) and summarised per repo.
 */
import { appendFileSync } from 'node:fs';
import type { DatasetResolver } from '../../datasets/registry.js';
import type { SweData, SweInstance } from './data.js';
import { gradePatch } from './grade.js';

export interface AdmissionRecord {
  instanceId: string;
  repo: string;
  admitted: boolean;
  runs: Array<{ mode: 'gold' | 'empty'; ok: boolean; outcome: string; testMs: number; reason: string }>;
  /** First failing check, when not admitted. */
  reason?: string;
}

export async function admitInstance(
  datasets: DatasetResolver,
  data: SweData,
  inst: SweInstance,
  opts: { repeats: number; testTimeoutMs?: number; log?: (s: string) => void },
): Promise<AdmissionRecord> {
  const rec: AdmissionRecord = { instanceId: inst.instanceId, repo: inst.repo, admitted: true, runs: [] };
  for (let i = 0; i < opts.repeats && rec.admitted; i++) {
    const gold = await gradePatch(datasets, data, inst, inst.patch, {
      testTimeoutMs: opts.testTimeoutMs,
      log: opts.log,
    });
    const goldOk = gold.outcome === 'resolved';
    rec.runs.push({
      mode: 'gold',
      ok: goldOk,
      outcome: gold.outcome,
      testMs: gold.timings.testMs,
      reason: gold.reason,
    });
    const empty = await gradePatch(datasets, data, inst, '', {
      runEmpty: true,
      testTimeoutMs: opts.testTimeoutMs,
      log: opts.log,
    });
    const emptyOk = empty.grade !== undefined && empty.grade.failToPass.passed.length === 0;
    rec.runs.push({
      mode: 'empty',
      ok: emptyOk,
      outcome: empty.outcome,
      testMs: empty.timings.testMs,
      reason: emptyOk
        ? 'every FAIL_TO_PASS test fails without a patch'
        : `FAIL_TO_PASS passing without a patch: ${empty.grade?.failToPass.passed.join(', ') ?? empty.reason}`,
    });
    if (!goldOk || !emptyOk) {
      rec.admitted = false;
      rec.reason = !goldOk ? `gold: ${gold.reason}` : `empty: ${rec.runs.at(-1)!.reason}`;
    }
  }
  return rec;
}

export async function runAdmission(
  datasets: DatasetResolver,
  data: SweData,
  instances: SweInstance[],
  opts: { repeats: number; out: string; testTimeoutMs?: number; log?: (s: string) => void },
): Promise<AdmissionRecord[]> {
  const out: AdmissionRecord[] = [];
  for (const inst of instances) {
    const t0 = performance.now();
    const rec = await admitInstance(datasets, data, inst, opts);
    appendFileSync(opts.out, JSON.stringify({ ...rec, wallMs: Math.round(performance.now() - t0) }) + '\n');
    opts.log?.(
      `${rec.admitted ? 'admitted' : 'REJECTED'} ${inst.instanceId}${rec.reason ? `: ${rec.reason}` : ''}`,
    );
    out.push(rec);
  }
  return out;
}
