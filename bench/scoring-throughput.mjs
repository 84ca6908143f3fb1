#!/usr/bin/env node
/**
 * Scoring throughput of the sandboxed EvalPlus executor on real model outputs.
 *
 *   npm run build && node bench/scoring-throughput.mjs [--workers 1,2] [--skip-cold]
 *
 * Scores the reference samples in ../shared/reference/evalplus-llama3-8b-base (164 HumanEval+, 378 MBPP+):
 * once with a cold ground-truth cache (ground truth computed), then warm with each worker count. Prints samples/s,
 * test inputs/s and where the time goes (fork cost, test sets stuck at the time-limit floor, comparison in Node),
 * and checks the verdicts against EvalPlus's. Datasets come from EVALKIT_DATA_DIR (default ../shared/datasets).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = resolve(ROOT, '..', 'shared');
process.env.EVALKIT_DATA_DIR ??= join(SHARED, 'datasets');

const dist = join(ROOT, 'dist', 'sandbox', 'index.js');
if (!existsSync(dist)) {
  console.error('dist/ not found: run `npm run build` first');
  process.exit(1);
}
const { createCodeExecutor, loadEvalPlusProblems } = await import(dist);

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const workerCounts = opt('--workers', '1,2').split(',').map(Number);
const skipCold = args.includes('--skip-cold');

const REF = join(SHARED, 'reference', 'evalplus-llama3-8b-base');
function reference(dataset) {
  const dir = join(REF, dataset);
  const file = readdirSync(dir).find((f) => f.endsWith('_eval_results.json'));
  return Object.values(JSON.parse(readFileSync(join(dir, file), 'utf8')).eval).flat();
}

const sets = [];
for (const [dataset, id] of [
  ['humaneval', 'humanevalplus-v0.1.10'],
  ['mbpp', 'mbppplus-v0.2.0'],
]) {
  const problems = new Map((await loadEvalPlusProblems(id)).map((p) => [p.taskId, p]));
  sets.push({ dataset, problems, samples: reference(dataset) });
}

async function forkCost(workers) {
  const ex = createCodeExecutor({ workers, cacheDir: mkdtempSync(join(tmpdir(), 'evalkit-bench-fork-')) });
  const p = {
    taskId: 'Bench/1',
    dataset: 'humaneval',
    entryPoint: 'f',
    groundTruthProgram: 'def f(x):\n    return x\n',
    baseInputs: [[1]],
    plusInputs: [[2]],
    atol: 0,
    datasetHash: 'bench',
  };
  await ex.start();
  await ex.prepare([p]);
  const n = 200;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await ex.evaluateEvalPlus(p, 'def f(x):\n    return x\n');
  const ms = (performance.now() - t0) / n; // one job (base then plus in one process) per evaluation
  await ex.close();
  return ms;
}

async function run(label, workers, cacheDir) {
  const ex = createCodeExecutor({ workers, cacheDir });
  await ex.start();
  const out = { label, workers, datasets: {} };
  for (const { dataset, problems, samples } of sets) {
    const s0 = { ...ex.stats };
    const t0 = performance.now();
    await ex.prepare([...problems.values()]);
    const tPrep = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    let agree = 0;
    const disagreements = [];
    await Promise.all(
      samples.map(async (s) => {
        const r = await ex.evaluateEvalPlus(problems.get(s.task_id), s.solution);
        if (r.base.status === s.base_status && r.plus.status === s.plus_status) agree++;
        else
          disagreements.push(
            `${s.task_id}: ${r.base.status}/${r.plus.status} vs ${s.base_status}/${s.plus_status}`,
          );
      }),
    );
    const tEval = (performance.now() - t1) / 1000;
    const st = ex.stats;
    out.datasets[dataset] = {
      samples: samples.length,
      groundTruthSeconds: +tPrep.toFixed(2),
      groundTruthComputed: st.groundTruthComputed - s0.groundTruthComputed,
      evalSeconds: +tEval.toFixed(2),
      samplesPerSecond: +(samples.length / tEval).toFixed(2),
      inputsExecuted: st.inputsExecuted - s0.inputsExecuted,
      inputsPerSecond: Math.round((st.inputsExecuted - s0.inputsExecuted) / tEval),
      compareSeconds: +((st.compareMs - s0.compareMs) / 1000).toFixed(2),
      inputsAtPerInputLimit: st.perInputTimeouts - s0.perInputTimeouts,
      testSetsOverallTimeout: st.overallTimeouts - s0.overallTimeouts,
      verdictsAgreeWithEvalPlus: `${agree}/${samples.length}`,
      disagreements,
    };
    console.error(`[${label}] ${dataset}: ${JSON.stringify(out.datasets[dataset])}`);
  }
  await ex.close();
  return out;
}

const results = { date: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model, runs: [] };
results.forkMsPerJob = +(await forkCost(1)).toFixed(2);
console.error(`fork+setup per job (1 worker, sequential): ${results.forkMsPerJob} ms`);
const cacheDir = mkdtempSync(join(tmpdir(), 'evalkit-bench-gt-'));
if (!skipCold)
  results.runs.push(await run('cold (ground truth computed)', Math.max(...workerCounts), cacheDir));
for (const w of workerCounts)
  results.runs.push(await run(`warm, ${w} worker${w > 1 ? 's' : ''}`, w, cacheDir));
console.log(JSON.stringify(results, null, 2));
