// BigCodeBench ground-truth gate over the Hard subset (or --full): runs every canonical solution in the sandbox
// and prints admitted count + each rejection's reason as a markdown table (pasted into docs/code-benchmarks.md).
// Usage: npm run bench:bcb-gate [-- --full] [-- --workers N]
import { availableParallelism } from 'node:os';
import { DatasetResolver } from '../dist/datasets/registry.js';
import { acquireSharedRunner, releaseSharedRunner } from '../dist/sandbox/multilang/index.js';
import { loadBigCodeBench } from '../dist/tasks/bigcodebench/index.js';
import { GroundTruthGate } from '../dist/tasks/bigcodebench/ground-truth-gate.js';

const full = process.argv.includes('--full');
const wi = process.argv.indexOf('--workers');
const workers = wi > 0 ? Number(process.argv[wi + 1]) : availableParallelism();
const ctx = { datasets: new DatasetResolver(), options: { sandboxWorkers: workers } };
const { items } = await loadBigCodeBench(ctx, !full);
const runner = await acquireSharedRunner(ctx.options);
const gate = new GroundTruthGate(runner, ctx);
const t0 = Date.now();
const results = await Promise.all(items.map(async (it) => ({ it, a: await gate.check(it) })));
await releaseSharedRunner();
const rejected = results.filter((r) => !r.a.admitted);
console.log(
  `BigCodeBench${full ? '' : '-Hard'} ground-truth gate: ${results.length - rejected.length}/${results.length} admitted, ${((Date.now() - t0) / 1000).toFixed(0)} s with ${workers} workers\n`,
);
console.log('| task | v0.1.4 changed | reason |\n|---|---|---|');
for (const { it, a } of rejected)
  console.log(
    `| ${it.id} | ${it.data.changedByV014 ? 'yes' : ''} | ${String(a.reason).replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 220)} |`,
  );
