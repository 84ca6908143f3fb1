import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultsDb } from '../../../src/store/db/results-db.js';
import { writeSyntheticRun } from '../../../src/store/db/synthetic-runs.js';

describe('results database', () => {
  it('indexes run directories, is incremental, keeps the latest record per sample and answers paged queries', async () => {
    const root = mkdtempSync(join(tmpdir(), 'evalkit-db-'));
    writeSyntheticRun(join(root, 'a'), {
      runId: 'a',
      model: 'm-a',
      tasks: [
        { name: 'code', items: 30, n: 3 },
        { name: 'qa', items: 20, n: 1, scoreKey: 'exact_match' },
      ],
    });
    writeSyntheticRun(join(root, 'b'), {
      runId: 'b',
      model: 'm-b',
      sampleSeed: 8,
      tasks: [{ name: 'code', items: 30, n: 3, effect: 0.2 }],
    });
    writeFileSync(join(root, 'not-a-run.txt'), 'x');
    const db = new ResultsDb(join(root, 'index.sqlite'));
    const first = await db.indexRoot(root);
    expect(first.map((r) => [r.runId, r.samples, r.skipped])).toEqual([
      ['a', 110, false],
      ['b', 90, false],
    ]);
    expect((await db.indexRoot(root)).every((r) => r.skipped)).toBe(true);

    // A later verdict line for the same sample supersedes the earlier one (as in the runner), and a re-index picks it up.
    appendFileSync(
      join(root, 'a', 'verdicts.jsonl'),
      JSON.stringify({
        requestId: 'qa|qa/0',
        task: 'qa',
        itemId: 'qa/0',
        sampleIndex: 0,
        scores: null,
        error: 'boom',
      }) + '\n',
    );
    const again = await db.indexRoot(root);
    expect(again.find((r) => r.runId === 'a')!.skipped).toBe(false);
    expect(db.itemSamples('a', 'qa', 'qa/0')[0]).toMatchObject({ status: 'errored', error: 'boom' });
    expect(db.itemOutcomes('a', 'qa', 'exact_match').has('qa/0')).toBe(false);

    // per-item outcomes: pass@1 = c/n; exact_match = mean
    const code = db.itemOutcomes('a', 'code', 'pass@1');
    expect(code.size).toBe(30);
    const s0 = db.itemSamples('a', 'code', 'code/0');
    expect(code.get('code/0')).toEqual({ n: 3, value: s0.filter((s) => s.scores!.pass === 1).length / 3 });
    // only declared metrics can be compared: no guessing from names
    expect(() => db.itemOutcomes('a', 'code', 'nonsense_metric@x')).toThrow(
      'task code does not declare metric "nonsense_metric@x" (it declares: pass@1)',
    );
    expect(db.declaredMetrics('a', 'qa')).toEqual([
      { name: 'exact_match', kind: 'mean', scoreKey: 'exact_match' },
    ]);
    // paging
    expect(db.countSamples('a', { task: 'code' })).toBe(90);
    const p2 = db.samplesPage('a', { task: 'code', offset: 10, limit: 10 });
    expect(p2).toHaveLength(10);
    expect(p2[0]).toMatchObject({ itemId: 'code/11', sampleIndex: 1 }); // ordered by item id (string), sample
    expect(
      db.countSamples('a', { task: 'code', status: 'pass' }) +
        db.countSamples('a', { task: 'code', status: 'fail' }),
    ).toBe(90);
    expect(db.countSamples('a', { search: 'code/1' })).toBe(3 * 11); // code/1, code/10..19
    expect(db.request('a', 'code', 'code/3')!.prompt).toEqual({
      kind: 'completion',
      text: 'def f_3(x):\n    """Return item 3."""\n',
    });
    expect(db.taskMetrics('b').code.primary).toBe('pass@1');

    // a deleted run directory disappears from the index
    rmSync(join(root, 'b'), { recursive: true });
    await db.indexRoot(root);
    expect(db.listRuns().map((r) => r.runId)).toEqual(['a']);
    db.close();
  });

  it('run ids stay unique when two directories share a manifest runId', async () => {
    const root = mkdtempSync(join(tmpdir(), 'evalkit-db-'));
    writeSyntheticRun(join(root, 'x1'), {
      runId: 'same',
      model: 'm',
      tasks: [{ name: 't', items: 2, n: 1 }],
    });
    writeSyntheticRun(join(root, 'x2'), {
      runId: 'same',
      model: 'm',
      tasks: [{ name: 't', items: 2, n: 1 }],
    });
    const db = new ResultsDb(':memory:');
    const r = await db.indexRoot(root);
    expect(r[0].runId).toBe('same');
    expect(r[1].runId).toMatch(/^same~[0-9a-f]{6}$/);
    db.close();
  });
});
