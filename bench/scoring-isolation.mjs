#!/usr/bin/env node
/**
 * Cost of the sandbox's isolation per job (issue #10): one worker, trivial EvalPlus samples scored one after
 * another, so what is measured is the per-job overhead (fork from the zygote, per-job user/mount/IPC namespaces and
 * tmpfs mounts, seccomp, EvalPlus's guard, relay, comparison), not the code under test. A job is one sample: one
 * sandboxed process running its base and plus test sets (one input each).
 *
 *   npm run build && node bench/scoring-isolation.mjs [--jobs 200] [--compare-dist /path/to/other/dist]
 *
 * (Until 2026-11-28 this bench scored --jobs/2 samples and divided by --jobs, a leftover of one process per test
 * set: its "per job" figures before that date are per half sample, i.e. half of a process's cost.)
 *
 * Prints, per configuration: wall ms per job and CPU ms per job (user+sys of Node and of every process under it,
 * including the jobs they reaped). Configurations: this build sandboxed; this build with
 * unsafeNoSandbox (zygote + seccomp, no namespaces: the difference is the namespace cost); and, with
 * --compare-dist, another build's dist/ (e.g. the commit before #10, built in a scratch checkout) sandboxed.
 * The machine may be shared: run configurations alternately (--rounds) and read the medians.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execSync } from 'node:child_process';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const jobs = Number(opt('--jobs', '200'));
const rounds = Number(opt('--rounds', '3'));
const compareDist = opt('--compare-dist', null);

const TICK_MS = 1000 / Number(execSync('getconf CLK_TCK').toString().trim() || 100);
/**
 * CPU time (ms) of this process and every live descendant, each with the CPU of the children it has reaped
 * (utime, stime, cutime, cstime: fields 14..17 of /proc/<pid>/stat). Reaped jobs are counted once, in their reaper.
 */
function cpuMs() {
  const stats = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      stats.set(Number(d), st.slice(st.lastIndexOf(')') + 2).split(' '));
    } catch {
      /* exited */
    }
  }
  let ticks = 0;
  for (const [pid, f] of stats) {
    let p = pid;
    while (p && p !== process.pid) p = Number(stats.get(p)?.[1] ?? 0);
    if (p !== process.pid) continue;
    ticks += Number(f[11]) + Number(f[12]) + (pid === process.pid ? 0 : Number(f[13]) + Number(f[14]));
  }
  return ticks * TICK_MS;
}

const problem = {
  taskId: 'Bench/isolation',
  dataset: 'humaneval',
  entryPoint: 'f',
  groundTruthProgram: 'def f(x):\n    return x\n',
  baseInputs: [[1]],
  plusInputs: [[2]],
  atol: 0,
  datasetHash: 'bench-isolation',
};

async function measure(dist, unsafe) {
  const { createCodeExecutor } = await import(join(dist, 'sandbox', 'index.js'));
  const ex = createCodeExecutor({
    workers: 1,
    unsafeNoSandbox: unsafe,
    cacheDir: mkdtempSync(join(tmpdir(), 'evalkit-bench-iso-')),
  });
  await ex.start();
  await ex.prepare([problem]);
  for (let i = 0; i < 5; i++) await ex.evaluateEvalPlus(problem, 'def f(x):\n    return x\n'); // warm
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < jobs; i++) {
    const r = await ex.evaluateEvalPlus(problem, 'def f(x):\n    return x\n');
    if (r.base.status !== 'pass' || r.plus.status !== 'pass')
      throw new Error(`unexpected verdict ${JSON.stringify(r)}`);
  }
  const wall = (performance.now() - t0) / jobs;
  const cpu = (cpuMs() - c0) / jobs; // before close: the workers are alive and hold their jobs' CPU time
  await ex.close();
  return { wallMsPerJob: wall, cpuMsPerJob: cpu };
}

const configs = [
  { name: 'this build, sandboxed', dist: join(ROOT, 'dist'), unsafe: false },
  { name: 'this build, unsafeNoSandbox (no namespaces)', dist: join(ROOT, 'dist'), unsafe: true },
];
if (compareDist)
  configs.push({ name: `compare: ${compareDist}, sandboxed`, dist: resolve(compareDist), unsafe: false });

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const results = Object.fromEntries(configs.map((c) => [c.name, []]));
console.error(`jobs per measurement: ${jobs}, rounds: ${rounds}, load before: ${load()}`);
for (let r = 0; r < rounds; r++) {
  for (const c of configs) {
    const m = await measure(c.dist, c.unsafe);
    results[c.name].push(m);
    console.error(
      `[round ${r + 1}] ${c.name}: ${m.wallMsPerJob.toFixed(2)} ms wall/job, ${m.cpuMsPerJob.toFixed(2)} ms CPU/job (load ${load()})`,
    );
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = Object.fromEntries(
  Object.entries(results).map(([k, ms]) => [
    k,
    {
      medianWallMsPerJob: +median(ms.map((m) => m.wallMsPerJob)).toFixed(2),
      medianCpuMsPerJob: +median(ms.map((m) => m.cpuMsPerJob)).toFixed(2),
    },
  ]),
);
console.log(JSON.stringify({ date: new Date().toISOString(), load: load(), jobs, rounds, summary }, null, 2));
