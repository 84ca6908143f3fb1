#!/usr/bin/env node
/**
 * Like-for-like scoring benchmark against EvalPlus (issue #14) on the two anchor sets in
 * ../shared/reference/evalplus-speed-anchor: 164 greedy Llama-3.1-70B-Instruct samples and 3,280 CodeGen-16B
 * samples (n=20), with EvalPlus HEAD's own verdicts.
 *
 *   npm run build && node bench/scoring-anchor.mjs [--runs 3] [--gt-runs 3] [--sets greedy,n20] [--skip-gt]
 *        [--evalplus-python /usr/bin/python3 --evalplus-src /path/to/dir/containing/evalplus] [--workers 2]
 *
 * Per run and set: wall time of scoring with a warm ground-truth cache, verdicts against EvalPlus's (listing every
 * disagreement), peak RSS (sum over evalkit's process tree, sampled every 100 ms; also the largest single process),
 * the load average, and the profile (where the time goes). Ground truth: cold computation time (empty cache).
 * With --evalplus-python, EvalPlus's `evalplus.evaluate --parallel <workers>` runs on the same samples in the same
 * session, alternating with evalkit, and the ratio is printed (EvalPlus is never part of this repository: point
 * --evalplus-src at a scratch checkout; see bench/RESULTS.md#anchor for how it was prepared).
 *
 * The program of each sample is exactly what EvalPlus executed: `solution` if present, else prompt + completion
 * (evalplus/evaluate.py: no sanitizing).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = resolve(ROOT, '..', 'shared');
process.env.EVALKIT_DATA_DIR ??= join(SHARED, 'datasets');
const ANCHOR = join(SHARED, 'reference', 'evalplus-speed-anchor');
const DATASET_GZ = join(process.env.EVALKIT_DATA_DIR, 'humanevalplus', 'HumanEvalPlus.jsonl.gz');

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
const runs = Number(opt('--runs', '3'));
const workers = Number(opt('--workers', '2'));
const setNames = opt('--sets', 'greedy,n20').split(',');
// cold ground-truth runs (each one empties the cache); --skip-gt = one cold run, not reported
const skipGt = args.includes('--skip-gt');
const gtRuns = Number(opt('--gt-runs', String(runs)));
const evalplusPython = opt('--evalplus-python', null);
const evalplusSrc = opt('--evalplus-src', null);

const SETS = {
  greedy: {
    samples: 'llama31_70b_greedy.samples.jsonl.gz',
    results: 'llama31_70b_greedy.evalplus-head.eval_results.json.gz',
  },
  n20: {
    samples: 'codegen16b_t0.8_n20.samples.jsonl.gz',
    results: 'codegen16b_t0.8_n20.evalplus-head.eval_results.json.gz',
  },
};
/** Verdicts that hinge on a 4 s limit under load (anchor README): HumanEval/31 samples #1, #3, #18. */
const TIMING_SENSITIVE = new Set(['HumanEval/31#1', 'HumanEval/31#3', 'HumanEval/31#18']);

const gz = (f) => gunzipSync(readFileSync(join(ANCHOR, f))).toString('utf8');
const problems = new Map((await loadEvalPlusProblems('humanevalplus-v0.1.10')).map((p) => [p.taskId, p]));
const prompts = new Map(
  gunzipSync(readFileSync(DATASET_GZ))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .map((r) => [r.task_id, r.prompt]),
);

function loadSet(name) {
  const s = SETS[name];
  const records = gz(s.samples)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const ref = JSON.parse(gz(s.results)).eval;
  // EvalPlus's verdicts per program text (several samples may share a program; verdicts are per text)
  const byProgram = new Map();
  for (const list of Object.values(ref))
    for (const r of list) byProgram.set(`${r.task_id}\0${r.solution}`, r);
  const perTask = new Map();
  const samples = records.map((r) => {
    const k = perTask.get(r.task_id) ?? 0;
    perTask.set(r.task_id, k + 1);
    const candidates = [r.solution, prompts.get(r.task_id) + (r.completion ?? ''), r.completion];
    const hit = candidates.map((c) => byProgram.get(`${r.task_id}\0${c}`)).find(Boolean);
    if (!hit) throw new Error(`${name}: no EvalPlus verdict for ${r.task_id} #${k}`);
    // `candidates`: the texts an EvalPlus version may record as `solution` for this sample (versions differ:
    // the anchor's HEAD recorded the completion of these full-program samples, other versions prompt + completion)
    return { key: `${r.task_id}#${k}`, taskId: r.task_id, program: hit.solution, ref: hit, candidates };
  });
  return { name, samples, file: join(ANCHOR, s.samples) };
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Sum of RSS over `rootPid` and all its descendants (and the largest single one), in MiB. */
function treeRss(rootPid) {
  const parent = new Map();
  const rss = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      rss.set(Number(d), (Number(f[21]) * 4096) / 2 ** 20);
    } catch {
      /* exited */
    }
  }
  let sum = 0;
  let max = 0;
  for (const [pid, r] of rss) {
    let p = pid;
    while (p && p !== rootPid) p = parent.get(p) ?? 0;
    if (p === rootPid) {
      sum += r;
      max = Math.max(max, r);
    }
  }
  return { sum, max };
}

function rssSampler(rootPid) {
  const peak = { sum: 0, max: 0 };
  const tick = () => {
    const r = treeRss(rootPid);
    peak.sum = Math.max(peak.sum, r.sum);
    peak.max = Math.max(peak.max, r.max);
  };
  tick();
  const timer = setInterval(tick, 100);
  return () => {
    clearInterval(timer);
    tick();
    return { peakTreeMiB: Math.round(peak.sum), peakProcessMiB: Math.round(peak.max) };
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => Math.round(x);

async function groundTruthCold() {
  const cacheDir = mkdtempSync(join(tmpdir(), 'evalkit-anchor-gt-'));
  const ex = createCodeExecutor({ workers, cacheDir });
  const stop = rssSampler(process.pid);
  const l0 = load();
  const t0 = performance.now();
  await ex.prepare([...problems.values()]);
  const seconds = (performance.now() - t0) / 1000;
  await ex.close();
  const rss = stop();
  return { cacheDir, seconds: +seconds.toFixed(2), load: `${l0} → ${load()}`, ...rss };
}

async function scoreSet(set, cacheDir) {
  const ex = createCodeExecutor({ workers, cacheDir });
  await ex.prepare([...problems.values()]); // warm cache: loads only
  const stop = rssSampler(process.pid);
  const s0 = { ...ex.stats };
  const l0 = load();
  const t0 = performance.now();
  const disagreements = [];
  let timingFlips = 0;
  await Promise.all(
    set.samples.map(async (s) => {
      const r = await ex.evaluateEvalPlus(problems.get(s.taskId), s.program);
      if (r.base.status !== s.ref.base_status || r.plus.status !== s.ref.plus_status) {
        if (TIMING_SENSITIVE.has(s.key)) timingFlips++;
        else
          disagreements.push(
            `${s.key}: ${r.base.status}/${r.plus.status} vs EvalPlus ${s.ref.base_status}/${s.ref.plus_status} (${r.base.reason ?? r.plus.reason ?? ''})`.slice(
              0,
              300,
            ),
          );
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const st = ex.stats;
  await ex.close();
  const d = (k) => st[k] - s0[k];
  return {
    seconds: +seconds.toFixed(2),
    load: `${l0} → ${load()}`,
    ...stop(),
    verdictsEqual: `${set.samples.length - disagreements.length - timingFlips}/${set.samples.length}`,
    timingSensitiveFlips: timingFlips,
    disagreements,
    profile: {
      jobs: d('jobs'),
      inputsExecuted: d('inputsExecuted'),
      queueWaitMs: ms(d('queueMs')),
      jobWallMs: ms(d('jobMs')),
      processStartMs: ms(d('processStartMs')),
      childLoadMs: ms(d('childLoadMs')),
      childRunInputsMs: ms(d('childRunMs')),
      childEncodeSendMs: ms(d('childEncodeSendMs')),
      compareInNodeMs: ms(d('compareMs')),
      inputsAtPerInputLimit: d('perInputTimeouts'),
      waitingAtFloorMs: ms(d('floorMs')),
      overallTimeouts: d('overallTimeouts'),
      mbFromSandbox: +(d('bytesFromSandbox') / 2 ** 20).toFixed(1),
    },
  };
}

async function runEvalPlus(set) {
  const dir = mkdtempSync(join(tmpdir(), 'evalplus-anchor-'));
  const dataset = join(dir, 'HumanEvalPlus.jsonl');
  writeFileSync(dataset, gunzipSync(readFileSync(DATASET_GZ)));
  const samples = join(dir, 'samples.jsonl');
  writeFileSync(samples, gunzipSync(readFileSync(set.file)));
  const l0 = load();
  const t0 = performance.now();
  const child = spawn(
    evalplusPython,
    [
      '-m',
      'evalplus.evaluate',
      '--dataset',
      'humaneval',
      '--samples',
      samples,
      '--parallel',
      String(workers),
      '--i-just-wanna-run',
    ],
    {
      cwd: dir,
      env: {
        PATH: '/usr/bin:/bin',
        HOME: homedir(),
        PYTHONPATH: evalplusSrc,
        HUMANEVAL_OVERRIDE_PATH: dataset,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const stop = rssSampler(child.pid);
  const code = await new Promise((r) => child.on('close', r));
  const seconds = (performance.now() - t0) / 1000;
  const rss = stop();
  if (code !== 0) throw new Error(`EvalPlus exited with ${code}: ${stderr}`);
  const resultFile = readdirSync(dir).find((f) => f.endsWith('eval_results.json'));
  const res = JSON.parse(readFileSync(join(dir, resultFile), 'utf8')).eval;
  const byProgram = new Map();
  for (const list of Object.values(res))
    for (const r of list) byProgram.set(`${r.task_id}\0${r.solution}`, r);
  const differFromAnchor = [];
  for (const s of set.samples) {
    const r = [s.program, ...s.candidates].map((c) => byProgram.get(`${s.taskId}\0${c}`)).find(Boolean);
    if (!r || r.base_status !== s.ref.base_status || r.plus_status !== s.ref.plus_status)
      differFromAnchor.push(
        `${s.key}: ${r ? `${r.base_status}/${r.plus_status}` : 'missing'} vs anchor ${s.ref.base_status}/${s.ref.plus_status}`,
      );
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    seconds: +seconds.toFixed(2),
    load: `${l0} → ${load()}`,
    ...rss,
    differFromAnchorVerdicts: differFromAnchor.length,
    differFromAnchor,
  };
}

const results = {
  date: new Date().toISOString(),
  machine: `${cpus().length} x ${cpus()[0]?.model}`,
  workers,
  groundTruth: [],
  sets: {},
};
let cacheDir;
if (!skipGt) {
  for (let i = 0; i < gtRuns; i++) {
    const g = await groundTruthCold();
    console.error(`[ground truth, cold] ${JSON.stringify(g)}`);
    results.groundTruth.push(g);
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    cacheDir = g.cacheDir;
  }
} else {
  const g = await groundTruthCold();
  cacheDir = g.cacheDir;
}
for (const name of setNames) {
  const set = loadSet(name);
  const rows = { evalkit: [], evalplus: [] };
  for (let i = 0; i < runs; i++) {
    const r = await scoreSet(set, cacheDir);
    console.error(`[${name} #${i + 1}] evalkit ${JSON.stringify(r)}`);
    rows.evalkit.push(r);
    if (evalplusPython) {
      const e = await runEvalPlus(set);
      console.error(`[${name} #${i + 1}] EvalPlus ${JSON.stringify(e)}`);
      rows.evalplus.push(e);
    }
  }
  const med = (xs, k) => (xs.length ? median(xs.map((x) => x[k])) : null);
  results.sets[name] = {
    samples: set.samples.length,
    evalkitMedianSeconds: med(rows.evalkit, 'seconds'),
    evalkitMedianPeakTreeMiB: med(rows.evalkit, 'peakTreeMiB'),
    evalplusMedianSeconds: med(rows.evalplus, 'seconds'),
    evalplusMedianPeakTreeMiB: med(rows.evalplus, 'peakTreeMiB'),
    ratio: rows.evalplus.length
      ? +(med(rows.evalplus, 'seconds') / med(rows.evalkit, 'seconds')).toFixed(2)
      : null,
    runs: rows,
  };
}
if (results.groundTruth.length)
  results.groundTruthMedianSeconds = median(results.groundTruth.map((g) => g.seconds));
if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
console.log(JSON.stringify(results, null, 2));
