import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../src/datasets/registry.js';
import {
  buildEvalPlusResults,
  writeEvalPlusResults,
  type EvalPlusResultsFile,
} from '../../src/export/evalplus.js';
import { variants } from '../../src/tasks/humaneval/index.js';
import type { VerdictRecord } from '../../src/types.js';
import { SHARED_REFERENCE } from '../helpers/paths.js';

const refDir = join(SHARED_REFERENCE, 'evalplus-llama3-8b-base', 'humaneval');

describe('EvalPlus eval_results.json export', () => {
  it('reference verdicts → evalkit verdicts → eval_results.json reproduces the reference schema and content', async () => {
    const ref = JSON.parse(readFileSync(join(refDir, readdirSync(refDir)[0]), 'utf8')) as EvalPlusResultsFile;
    const v = variants.find((x) => x.name === 'humanevalplus')!;
    const { items } = await v.loadItems({ datasets: new DatasetResolver(), options: {} });
    const byId = new Map(items.map((it) => [it.id, it]));
    // Convert the reference into evalkit verdicts (input values → indices, as the executor reports them).
    const verdicts: VerdictRecord[] = Object.values(ref.eval)
      .flat()
      .map((r) => {
        const d = byId.get(r.task_id)!.data as { baseInputs: unknown[]; plusInputs: unknown[] };
        const idx = (inputs: unknown[], fails: unknown[]) =>
          fails.map((f) => inputs.findIndex((x) => JSON.stringify(x) === JSON.stringify(f)));
        const base = r.base_status === 'pass' ? 1 : 0;
        return {
          requestId: `humanevalplus|${r.task_id}`,
          task: 'humanevalplus',
          itemId: r.task_id,
          sampleIndex: 0,
          scores: { base, plus: base && r.plus_status === 'pass' ? 1 : 0 },
          extracted: r.solution,
          details: {
            base_status: r.base_status,
            plus_status: r.plus_status,
            base_fail_tests: idx(d.baseInputs, r.base_fail_tests),
            plus_fail_tests: idx(d.plusInputs, r.plus_fail_tests),
          },
        };
      });
    const out = join(mkdtempSync(join(tmpdir(), 'evalkit-export-')), 'eval_results.json');
    const hash = (items[0].data as { datasetHash: string }).datasetHash;
    expect(hash).toBe(ref.hash); // md5 of the uncompressed dataset, as EvalPlus computes it
    await writeEvalPlusResults(out, { dataset: 'humaneval', datasetHash: hash, items, verdicts });
    const got = JSON.parse(readFileSync(out, 'utf8')) as EvalPlusResultsFile;
    expect(Object.keys(got).sort()).toEqual(['date', 'eval', 'hash', 'pass_at_k']);
    expect(got.date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(got.hash).toBe(ref.hash);
    expect(Object.keys(got.eval).sort()).toEqual(Object.keys(ref.eval).sort());
    for (const id of Object.keys(ref.eval)) expect(got.eval[id]).toEqual(ref.eval[id]);
    // README: base 45/164, plus (base and plus) 39/164.
    expect(got.pass_at_k!.base['pass@1']).toBeCloseTo(45 / 164, 12);
    expect(got.pass_at_k!.plus['pass@1']).toBeCloseTo(39 / 164, 12);
    expect(got.pass_at_k!.base['pass@10']).toBeUndefined(); // n=1: only pass@1, as EvalPlus
  });

  it('skips errored samples and tasks without samples; pass@k over the covered tasks', () => {
    const items = [
      { id: 'HumanEval/0', data: { baseInputs: [[1], [2]], plusInputs: [[3]] } },
      { id: 'HumanEval/1', data: { baseInputs: [[1]], plusInputs: [] } },
      { id: 'HumanEval/2', data: { baseInputs: [[1]], plusInputs: [] } },
    ];
    const mk = (
      itemId: string,
      sampleIndex: number,
      scores: VerdictRecord['scores'],
      details?: Record<string, unknown>,
    ): VerdictRecord => ({
      requestId: `x|${itemId}`,
      task: 'x',
      itemId,
      sampleIndex,
      scores,
      extracted: `code ${itemId} ${sampleIndex}`,
      details,
    });
    const file = buildEvalPlusResults({
      dataset: 'humaneval',
      datasetHash: 'h',
      items,
      verdicts: [
        mk(
          'HumanEval/0',
          1,
          { base: 0, plus: 0 },
          { base_status: 'fail', plus_status: 'pass', base_fail_tests: [1], plus_fail_tests: [] },
        ),
        mk(
          'HumanEval/0',
          0,
          { base: 1, plus: 1 },
          { base_status: 'pass', plus_status: 'pass', base_fail_tests: [], plus_fail_tests: [] },
        ),
        mk('HumanEval/1', 0, null),
      ],
    });
    expect(Object.keys(file.eval)).toEqual(['HumanEval/0']);
    expect(file.eval['HumanEval/0'].map((s) => s.solution)).toEqual([
      'code HumanEval/0 0',
      'code HumanEval/0 1',
    ]);
    expect(file.eval['HumanEval/0'][1]).toMatchObject({
      base_status: 'fail',
      plus_status: 'pass',
      base_fail_tests: [[2]],
    });
    expect(file.pass_at_k).toEqual({ base: { 'pass@1': 0.5 }, plus: { 'pass@1': 0.5 } });
  });
});
