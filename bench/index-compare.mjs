#!/usr/bin/env node
// Indexing + paired comparison of two synthetic runs of 50,000 samples each (imports dist/: `npm run build` first).
//
//   node bench/index-compare.mjs [--samples 50000] [--text 400] [--keep]
//
// Each run: task "code" (items × 5 samples, pass@1 → paired permutation test) holding half the samples and task
// "qa" (one sample per item, exact_match → McNemar) holding the other half; run B has a +3 pp effect on code.
// Measured: writing the run directories (not part of evalkit's work), indexing both into a fresh SQLite file
// (streaming JSONL, batched transactions), an incremental re-index (unchanged runs), the comparison
// (per-item outcomes via SQL + bootstrap CI + tests + Holm), the HTML/Markdown report, and a viewer page query.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const imp = (p) => import(pathToFileURL(resolve(ROOT, 'dist', p)).href);
const { writeSyntheticRun } = await imp('store/db/synthetic-runs.js');
const { ResultsDb } = await imp('store/db/results-db.js');
const { compareIndexedRuns } = await imp('report/compare.js');
const { writeReport } = await imp('report/report.js');
const { runPage, itemPage } = await imp('viewer/pages.js');

const samples = Number(arg('--samples', '50000'));
const textLength = Number(arg('--text', '400'));
const half = samples / 2;
const dir = mkdtempSync(join(tmpdir(), 'evalkit-bench-index-'));
const tasks = (effect) => [
  { name: 'code', items: half / 5, n: 5, effect },
  { name: 'qa', items: half, n: 1, scoreKey: 'exact_match' },
];
const time = async (f) => {
  const t0 = process.hrtime.bigint();
  const r = await f();
  return [Number(process.hrtime.bigint() - t0) / 1e6, r];
};
const out = {
  samplesPerRun: samples,
  textLength,
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model}`,
  memGiB: +(totalmem() / 2 ** 30).toFixed(1),
};
[out.writeMs] = await time(() => {
  writeSyntheticRun(join(dir, 'runs', 'A'), {
    runId: 'A',
    model: 'a',
    tasks: tasks(0),
    sampleSeed: 1,
    textLength,
  });
  writeSyntheticRun(join(dir, 'runs', 'B'), {
    runId: 'B',
    model: 'b',
    tasks: tasks(0.03),
    sampleSeed: 2,
    textLength,
  });
});
out.runDirBytes = ['requests.jsonl', 'generations.jsonl', 'verdicts.jsonl'].reduce(
  (s, f) => s + statSync(join(dir, 'runs', 'A', f)).size,
  0,
);
const db = new ResultsDb(join(dir, 'index.sqlite'));
let indexed;
[out.indexMs, indexed] = await time(() => db.indexRoot(join(dir, 'runs')));
out.indexedSamples = indexed.map((r) => r.samples);
[out.reindexUnchangedMs] = await time(() => db.indexRoot(join(dir, 'runs')));
let rep;
[out.compareMs, rep] = await time(() =>
  compareIndexedRuns(db, [
    { runId: 'A', label: 'A' },
    { runId: 'B', label: 'B' },
  ]),
);
out.comparison = rep.pairs[0].tasks.map((t) => ({
  task: t.task,
  test: t.test.name,
  diffPP: +(100 * t.diff).toFixed(2),
  ci95PP: t.ci95.map((x) => +(100 * x).toFixed(2)),
  pAdj: t.pAdjusted,
  verdict: t.verdict,
  mdePP: +(100 * t.mde).toFixed(2),
  paired: t.paired,
}));
[out.reportMs] = await time(() => writeReport(db, rep, join(dir, 'report')));
[out.viewerPageQueryMs] = await time(() => {
  db.countSamples('B', { task: 'qa', status: 'fail' });
  return db.samplesPage('B', { task: 'qa', status: 'fail', offset: 20000, limit: 50 });
});
// The viewer's run page (one row per item: the task's samples grouped in SQL, ids in natural order, page 400 of
// 25,000 items) and an item page (with previous/next through the task's 25,000 ids).
[out.viewerRunPageMs] = await time(() => runPage(db, 'B', { task: 'qa', page: 400, size: 50 }, new Map()));
[out.viewerItemPageMs] = await time(() => itemPage(db, 'qa', 'qa/12345', ['A', 'B'], undefined, undefined));
out.dbBytes = statSync(join(dir, 'index.sqlite')).size;
db.close();
out.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(out, null, 2));
if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
else console.error(`kept ${dir}`);
