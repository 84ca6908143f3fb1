import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOlmes } from '../../src/import/olmes.js';
import { ResultsDb } from '../../src/store/db/results-db.js';
import { compareIndexedRuns } from '../../src/report/compare.js';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'olmes-output');

describe('OLMES importer (fixture following OUTPUT_FORMATS.md)', () => {
  it('writes an evalkit run with per-item outcomes, metrics with CIs and config checks', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'evalkit-olmes-')), 'pre-sft');
    const r = await importOlmes(FIXTURE, out);
    const byTask = Object.fromEntries(r.tasks.map((t) => [t.task, t]));
    expect(Object.keys(byTask)).toEqual(['codex_humaneval:3shot::olmo3', 'gsm8k::olmes', 'made_up_task::v1']);
    // code: c of n recovered; value equals OLMES's reported pass@1
    expect(byTask['codex_humaneval:3shot::olmo3'].value).toBeCloseTo(7 / 12, 12);
    expect(byTask['codex_humaneval:3shot::olmo3'].reported).toBeCloseTo(7 / 12, 12);
    expect(byTask['codex_humaneval:3shot::olmo3'].samples).toBe(12);
    expect(byTask['gsm8k::olmes'].value).toBe(0.75);
    // config check against evalkit's variants
    const he = byTask['codex_humaneval:3shot::olmo3'].configCheck;
    expect(he.status).toBe('differs');
    expect(he.differences).toEqual([{ field: 'generation.n', imported: 4, evalkit: 20 }]);
    expect(byTask['gsm8k::olmes'].configCheck).toMatchObject({ status: 'match', differences: [] });
    expect(byTask['made_up_task::v1'].configCheck.status).toBe('unknown-alias');

    const verdicts = readFileSync(join(out, 'verdicts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const he0 = verdicts.filter((v) => v.itemId === 'HumanEval/0');
    expect(he0.map((v) => v.scores.pass)).toEqual([1, 1, 1, 0]);
    expect(he0[0].details.sampleOrderUnknown).toBe(true);
    const he2 = verdicts.filter((v) => v.itemId === 'HumanEval/2');
    expect(he2.every((v) => v.scores.pass === 1 && !v.details.sampleOrderUnknown)).toBe(true);
    const requests = readFileSync(join(out, 'requests.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(requests.find((q) => q.itemId === '1' && q.task === 'gsm8k::olmes').prompt).toEqual({
      kind: 'completion',
      text: 'Question: problem 1\nAnswer:',
    });
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.tasks['codex_humaneval:3shot::olmo3'].primary).toBe('pass@1');
    expect(metrics.tasks['gsm8k::olmes'].metrics.exact_match.ci95).toHaveLength(2);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.model.name).toBe('olmo2-7b-base');
    expect(manifest.imported.from).toBe('olmes');

    // The imported baseline takes part in paired tests: index it with a copy and compare.
    const db = new ResultsDb(':memory:');
    const a = await db.indexRun(out);
    expect(a.samples).toBe(12 + 4 + 2);
    const outcomes = db.itemOutcomes(a.runId, 'codex_humaneval:3shot::olmo3', 'pass@1');
    expect(outcomes.get('HumanEval/0')).toEqual({ n: 4, value: 0.75 });
    const out2 = join(mkdtempSync(join(tmpdir(), 'evalkit-olmes-')), 'post-sft');
    await importOlmes(FIXTURE, out2);
    const b = await db.indexRun(out2);
    const rep = compareIndexedRuns(db, [
      { runId: a.runId, label: 'pre' },
      { runId: b.runId, label: 'post' },
    ]);
    expect(rep.pairs[0].tasks.map((t) => t.verdict)).toEqual([
      'no detectable change',
      'no detectable change',
      'no detectable change',
    ]);
    db.close();
  });

  it('bad input names the file and field', async () => {
    await expect(importOlmes('/nonexistent', '/tmp/x')).rejects.toThrow(/not found/);
    await expect(importOlmes(__dirname, join(tmpdir(), 'evalkit-x'))).rejects.toThrow(
      /not an OLMES output directory/,
    );
  });
});
