/**
 * The admission gate, re-run on the user's machine: for each instance, `repeats` times, the gold patch must
 * resolve and the empty patch must leave every FAIL_TO_PASS test failing (SWE-bench grading semantics, in the
 * instance's Debian environment, no network). The record is appended as JSON lines (one per instance, written
 * as soon as it is decided) and summarised per repo.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { EvalkitError } from '../../util/errors.js';
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
  // Resume: an instance already decided in --out with at least this many repeats is not graded again.
  const decided = decidedRecords(opts.out, opts.repeats);
  const skipped = instances.filter((i) => decided.has(i.instanceId)).length;
  if (skipped) opts.log?.(`${skipped} instance(s) already decided in ${opts.out}: not graded again`);
  for (const inst of instances) {
    const earlier = decided.get(inst.instanceId);
    if (earlier) {
      out.push(earlier);
      continue;
    }
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

/**
 * Records of --out that decide their instance for `repeats`: admitted after `repeats` gold/empty pairs, or rejected
 * (a rejection is final at its first failing repeat). The last record of an instance wins.
 */
function decidedRecords(file: string, repeats: number): Map<string, AdmissionRecord> {
  const decided = new Map<string, AdmissionRecord>();
  if (!existsSync(file)) return decided;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rec: AdmissionRecord;
    try {
      rec = JSON.parse(line) as AdmissionRecord;
      if (typeof rec.instanceId !== 'string' || !Array.isArray(rec.runs))
        throw new Error('not an admission record');
    } catch (e) {
      throw new EvalkitError(`${file}:${i + 1}: not an admission record (${(e as Error).message})`);
    }
    const pairs = rec.runs.filter((r) => r.mode === 'gold').length;
    if (!rec.admitted || pairs >= repeats) decided.set(rec.instanceId, rec);
  });
  return decided;
}
