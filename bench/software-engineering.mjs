// Software-engineering benchmarks (docs/software-engineering.md): environment build time, per-instance SWE-bench
// grading time, per-exercise Aider polyglot test time per language; with --all it is also the full reference
// sweep (every included exercise: reference passes, stub fails).
//
//   npm run build && node bench/software-engineering.mjs envs                 # build times of the cached rootfs
//   node bench/software-engineering.mjs swebench [instance ...]               # gold + empty grading time
//   node bench/software-engineering.mjs admit-summary admit.jsonl [...]       # per-repo table of `evalkit admit`
//   node bench/software-engineering.mjs aider [--languages go,java] [--per-language N] [--out file.jsonl] [--with-excluded]
//     (with --out, exercises already recorded in that file are not run again: a long sweep resumes)
//
// Needs EVALKIT_DATA_DIR (the offline mirror). Prints one JSON line per measurement and a summary table.
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DatasetResolver } from '../dist/datasets/registry.js';
import { environmentsDir } from '../dist/environments/rootfs.js';
import { loadExercises, LANGUAGES } from '../dist/tasks/aider-polyglot/data.js';
import { EXCLUDED } from '../dist/tasks/aider-polyglot/index.js';
import { referenceFiles, runExerciseTests, stubFiles } from '../dist/tasks/aider-polyglot/run-tests.js';
import { loadSweData } from '../dist/tasks/swebench/data.js';
import { gradePatch } from '../dist/tasks/swebench/grade.js';

const [mode, ...rest] = process.argv.slice(2);
const flag = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const out = flag('--out');
const emit = (o) => {
  const line = JSON.stringify({ ...o, load1: Number(loadavg()[0].toFixed(1)) });
  console.log(line);
  if (out) appendFileSync(out, line + '\n');
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

if (mode === 'envs') {
  const dir = environmentsDir();
  for (const key of existsSync(dir) ? readdirSync(dir) : []) {
    const f = join(dir, key, 'environment.json');
    if (!existsSync(f)) continue;
    const e = JSON.parse(readFileSync(f, 'utf8'));
    emit({
      kind: 'env',
      name: e.recipe.name,
      key,
      buildSeconds: e.buildSeconds,
      packages: e.packages.length,
      builtAt: e.builtAt,
    });
  }
} else if (mode === 'swebench') {
  const datasets = new DatasetResolver();
  const data = await loadSweData(datasets);
  const ids = rest.filter((a) => !a.startsWith('--') && a !== out);
  const chosen = ids.length
    ? data.instances.filter((i) => ids.includes(i.instanceId))
    : data.instances.slice(0, 3);
  for (const inst of chosen) {
    for (const [label, patch] of [
      ['gold', inst.patch],
      ['empty', ''],
    ]) {
      const t0 = performance.now();
      const r = await gradePatch(datasets, data, inst, patch, { runEmpty: true });
      emit({
        kind: 'swebench',
        instance: inst.instanceId,
        patch: label,
        outcome: r.outcome,
        ...r.timings,
        wallMs: Math.round(performance.now() - t0),
      });
    }
  }
} else if (mode === 'aider') {
  const langs = (flag('--languages') ?? LANGUAGES.join(',')).split(',');
  const perLanguage = Number(flag('--per-language') ?? Infinity);
  const { exercises } = await loadExercises(new DatasetResolver(), langs);
  const summary = {};
  const seen = {};
  const done = new Map();
  if (out && existsSync(out))
    for (const line of readFileSync(out, 'utf8').split('\n').filter(Boolean)) {
      const o = JSON.parse(line);
      if (o.kind === 'aider') done.set(o.exercise, o);
    }
  for (const ex of exercises) {
    const id = `${ex.language}/${ex.slug}`;
    if (EXCLUDED[id] && !rest.includes('--with-excluded')) continue;
    seen[ex.language] = (seen[ex.language] ?? 0) + 1;
    if (seen[ex.language] > perLanguage) continue;
    const before = done.get(id);
    if (before) {
      const s = (summary[ex.language] ??= { n: 0, ok: 0, ms: [], bad: [] });
      s.n++;
      s.ok += before.referencePasses && before.stubFails ? 1 : 0;
      s.ms.push(before.referenceMs);
      if (!(before.referencePasses && before.stubFails)) s.bad.push(ex.slug);
      continue;
    }
    const ref = await runExerciseTests(ex, await referenceFiles(ex), { timeoutMs: 900_000 });
    const stub = await runExerciseTests(ex, await stubFiles(ex), { timeoutMs: 900_000 });
    const ok = ref.passed && !stub.passed;
    emit({
      kind: 'aider',
      exercise: id,
      ...(EXCLUDED[id] ? { excluded: EXCLUDED[id] } : {}),
      referencePasses: ref.passed,
      stubFails: !stub.passed,
      referenceMs: ref.durationMs,
      stubMs: stub.durationMs,
      ...(ref.passed ? {} : { referenceTail: ref.output.slice(-1500) }),
    });
    const s = (summary[ex.language] ??= { n: 0, ok: 0, ms: [], bad: [] });
    s.n++;
    s.ok += ok ? 1 : 0;
    s.ms.push(ref.durationMs);
    if (!ok) s.bad.push(ex.slug);
  }
  console.log(
    '\n| language | exercises | reference passes and stub fails | median reference run (s) | exceptions |',
  );
  console.log('|---|---|---|---|---|');
  for (const [l, s] of Object.entries(summary))
    console.log(
      `| ${l} | ${s.n} | ${s.ok}/${s.n} | ${(median(s.ms) / 1000).toFixed(1)} | ${s.bad.join(', ')} |`,
    );
} else if (mode === 'admit-summary') {
  // Per-repo table of `evalkit admit --out` records: admitted / rejected, test-run times, wall time.
  const recs = rest.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  );
  const by = {};
  for (const r of recs) {
    const s = (by[r.repo] ??= { n: 0, ok: 0, gold: [], empty: [], wall: 0, rejected: [] });
    s.n++;
    s.ok += r.admitted ? 1 : 0;
    s.wall += r.wallMs ?? 0;
    for (const run of r.runs) s[run.mode].push(run.testMs);
    if (!r.admitted) s.rejected.push(`${r.instanceId}: ${r.reason}`);
  }
  const max = (xs) => Math.max(...xs);
  console.log(
    '| repo | instances | admitted | rejected | gold test run s (median / max) | empty-patch test run s (median / max) | wall min |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const [repo, s] of Object.entries(by))
    console.log(
      `| ${repo} | ${s.n} | ${s.ok} | ${s.n - s.ok} | ${(median(s.gold) / 1000).toFixed(1)} / ${(max(s.gold) / 1000).toFixed(1)} | ${(median(s.empty) / 1000).toFixed(1)} / ${(max(s.empty) / 1000).toFixed(1)} | ${(s.wall / 60000).toFixed(1)} |`,
    );
  for (const s of Object.values(by)) for (const r of s.rejected) console.log(`rejected ${r}`);
} else {
  console.error(
    'usage: node bench/software-engineering.mjs envs | swebench [instance ...] | admit-summary <admit.jsonl ...> | aider [--languages l1,l2] [--per-language N] [--out file.jsonl]',
  );
  process.exit(2);
}
