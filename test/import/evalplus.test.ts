import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importEvalPlus } from '../../src/import/evalplus.js';
import { ResultsDb } from '../../src/store/db/results-db.js';
import { SHARED_REFERENCE } from '../helpers/paths.js';

const HE = join(
  SHARED_REFERENCE,
  'evalplus-llama3-8b-base/humaneval/meta-llama--Meta-Llama-3-8B_vllm_temp_0.0-sanitized_eval_results.json',
);
const MBPP = join(
  SHARED_REFERENCE,
  'evalplus-llama3-8b-base/mbpp/meta-llama--Meta-Llama-3-8B_vllm_temp_0.0-sanitized_eval_results.json',
);

describe('EvalPlus importer on the real reference eval_results.json', () => {
  it('HumanEval+: 164 problems, base 45 / plus 39 passes, per-sample verdicts indexed', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'evalkit-ep-')), 'llama3-8b');
    const r = await importEvalPlus(HE, out, { model: 'Meta-Llama-3-8B' });
    expect(r.task).toBe('humanevalplus');
    expect(r.metrics.counts.items).toBe(164);
    expect(r.metrics.metrics['base_pass@1'].value).toBeCloseTo(45 / 164, 12);
    expect(r.metrics.metrics['plus_pass@1'].value).toBeCloseTo(39 / 164, 12);
    expect(r.configCheck.status).toBe('match'); // evalkit's humanevalplus variant is greedy n=1 as well
    const db = new ResultsDb(':memory:');
    const idx = await db.indexRun(out);
    expect(idx.samples).toBe(164);
    const plus = db.itemOutcomes(idx.runId, 'humanevalplus', 'plus_pass@1');
    expect([...plus.values()].filter((o) => o.value === 1).length).toBe(39);
    expect(db.countSamples(idx.runId, { status: 'pass' })).toBe(39);
    const failing = db.samplesPage(idx.runId, { status: 'fail', limit: 5 });
    expect(failing[0].reason).toMatch(/tests (fail|timeout)/);
    db.close();
  });

  it('MBPP+: 378 problems, base 228 / plus 184', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'evalkit-ep-')), 'mbpp');
    const r = await importEvalPlus(MBPP, out);
    expect(r.task).toBe('mbppplus');
    expect(r.metrics.metrics['base_pass@1'].value).toBeCloseTo(228 / 378, 12);
    expect(r.metrics.metrics['plus_pass@1'].value).toBeCloseTo(184 / 378, 12);
  });
});
