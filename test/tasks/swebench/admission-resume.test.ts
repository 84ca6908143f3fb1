/**
 * `evalkit admit` resumes: instances already decided in --out (admitted with enough repeats, or rejected) are not
 * graded again and count in the summary. Real dataset and records: runAdmission returns the decided records and
 * appends nothing (grading would append a line per instance); a malformed --out line is one clear error naming it.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { runAdmission, type AdmissionRecord } from '../../../src/tasks/swebench/admission.js';
import { loadSweData } from '../../../src/tasks/swebench/data.js';

const pair = (ok: boolean): AdmissionRecord['runs'] => [
  { mode: 'gold', ok, outcome: ok ? 'resolved' : 'unresolved', testMs: 1000, reason: '' },
  { mode: 'empty', ok: true, outcome: 'unresolved', testMs: 900, reason: 'every FAIL_TO_PASS test fails' },
];

describe('evalkit admit resumes from its --out file', () => {
  it('returns the decided records without grading, and counts them', async () => {
    const datasets = new DatasetResolver();
    const data = await loadSweData(datasets);
    const [a, b] = data.instances.filter((i) => i.repo === 'sympy/sympy');
    const out = join(mkdtempSync(join(tmpdir(), 'evalkit-admit-')), 'admit.jsonl');
    const admitted: AdmissionRecord = {
      instanceId: a.instanceId,
      repo: a.repo,
      admitted: true,
      runs: [...pair(true), ...pair(true)],
    };
    const rejected: AdmissionRecord = {
      instanceId: b.instanceId,
      repo: b.repo,
      admitted: false,
      runs: pair(false),
      reason: 'gold: x',
    };
    writeFileSync(
      out,
      [admitted, rejected].map((r) => JSON.stringify({ ...r, wallMs: 5 })).join('\n') + '\n',
    );
    const before = readFileSync(out, 'utf8');
    const logs: string[] = [];
    const recs = await runAdmission(datasets, data, [a, b], { repeats: 2, out, log: (s) => logs.push(s) });
    expect(recs.map((r) => [r.instanceId, r.admitted])).toEqual([
      [a.instanceId, true],
      [b.instanceId, false],
    ]);
    expect(readFileSync(out, 'utf8')).toBe(before); // nothing appended
    expect(logs).toContain(`2 instance(s) already decided in ${out}: not graded again`);
  });

  it('a malformed line in --out is one error naming the file and line', async () => {
    const datasets = new DatasetResolver();
    const data = await loadSweData(datasets);
    const out = join(mkdtempSync(join(tmpdir(), 'evalkit-admit-')), 'admit.jsonl');
    appendFileSync(out, '{"instanceId":"x","runs":[]}\n{not json\n');
    await expect(
      runAdmission(datasets, data, data.instances.slice(0, 1), { repeats: 1, out }),
    ).rejects.toThrow(
      new RegExp(`${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: not an admission record`),
    );
  });
});
