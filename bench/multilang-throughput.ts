// Multi-language sandbox throughput: samples/s per language with cold and warm compile caches.
// Jobs: the real MultiPL-E items HumanEval 0, 13, 23 with our reference (passing) and wrong (failing) completions
// (test/helpers/multipl-e-solutions.ts), repeated; every job is a full compile + run in bubblewrap.
// Cold = no warm cache mounted (each C++ compile parses <bits/stdc++.h>, each Go build compiles testing/fmt);
// warm = the read-only PCH / Go build cache (built once, its build time is reported separately).
// Usage: npm run bench:multilang [-- --workers N] [-- --repeat R]
import { mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetResolver } from '../src/datasets/registry.js';
import { LANGUAGES, MultiLangRunner, ensureWarmCaches, newMarker } from '../src/sandbox/multilang/index.js';
import { assembleProgram } from '../src/tasks/multipl-e/harness.js';
import { loadMultiplE } from '../src/tasks/multipl-e/index.js';
import { referenceCompletions } from '../test/helpers/multipl-e-solutions.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const workers = arg('--workers', availableParallelism());
const repeat = arg('--repeat', 2);
const ctx = { datasets: new DatasetResolver(), options: {} };

const t0 = Date.now();
const warm = await ensureWarmCaches(join(mkdtempSync(join(tmpdir(), 'evalkit-bench-ml-')), 'multilang'));
const warmBuildS = (Date.now() - t0) / 1000;
console.log(
  `warm cache build (C++ PCH + Go build cache): ${warmBuildS.toFixed(1)} s; problems: ${warm.problems.join('; ') || 'none'}`,
);
console.log(
  `workers ${workers}, repeat ${repeat}, load ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(
  '| language | cache | jobs | wall s | samples/s | mean compile ms | mean run ms | pass/fail as expected |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const lang of LANGUAGES) {
  const { items } = await loadMultiplE(ctx, lang);
  const refs = referenceCompletions(lang);
  for (const cache of lang === 'js' || lang === 'java' || lang === 'rs' ? ['none'] : ['cold', 'warm']) {
    const runner = new MultiLangRunner({ workers, warmCacheDir: cache === 'warm' ? warm.dir : null });
    const jobs: Array<Promise<{ ok: boolean; c: number; r: number }>> = [];
    const start = Date.now();
    for (let k = 0; k < repeat; k++)
      for (const [id, [good, bad]] of Object.entries(refs)) {
        const item = items.find((i) => i.id === id)!;
        for (const [completion, want] of [
          [good, 'pass'],
          [bad, 'fail'],
        ] as const) {
          const marker = newMarker();
          const { files } = assembleProgram(
            lang,
            item.data.name,
            item.data.prompt,
            completion,
            item.data.tests,
            marker,
          );
          jobs.push(
            runner.run({ language: lang, files, marker }).then((o) => ({
              ok: o.status === want,
              c: o.compile?.ms ?? 0,
              r: o.run?.ms ?? 0,
            })),
          );
        }
      }
    const res = await Promise.all(jobs);
    const wall = (Date.now() - start) / 1000;
    await runner.close();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `| ${lang} | ${cache} | ${res.length} | ${wall.toFixed(1)} | ${(res.length / wall).toFixed(2)} | ${mean(res.map((x) => x.c)).toFixed(0)} | ${mean(res.map((x) => x.r)).toFixed(0)} | ${res.filter((x) => x.ok).length}/${res.length} |`,
    );
  }
}
console.log(
  `load after: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
