/**
 * Comparison between checkpoints: resolve run references, pull per-item outcomes from the results
 * database, run the paired tests per task and correct across tasks.
 *
 * With more than two runs (a training line A → B → C) each run is compared to the one before it
 * (consecutive steps: "did SFT help, did RL help"), or to the first with `baseline: 'first'`. The
 * multiple-comparison family is the set of tasks of one pair.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RUN_FILES } from '../store/run-dir.js';
import type { ResultsDb } from '../store/db/results-db.js';
import { adjust, type Correction } from '../stats/multiple.js';
import {
  applyCorrection,
  compareItemOutcomes,
  type CompareOptions,
  type TaskComparison,
} from '../stats/compare-items.js';
import type { TaskMetrics } from '../types.js';
import { findMetric } from '../metrics/definitions.js';
import { EvalkitError } from '../util/errors.js';
import { naturalSort } from '../util/natural-sort.js';
import { DRIFT_COLUMNS, driftCells, driftSide, exclusionText, hasDrift, type TaskDrift } from './drift.js';
import type { ExclusionOptions } from './exclusions.js';

export interface RunInfo {
  runId: string;
  dir: string;
  /** Display label: campaign checkpoint name or run id. */
  label: string;
  model: string;
  /** Manifest status: completed, running, failed, interrupted. */
  status?: string | null;
  metrics: Record<string, TaskMetrics>;
}

/** What was left out of a task's paired statistics (`--exclude-items`, `--truncated-in-reasoning exclude`). */
export interface TaskExclusions {
  /** Flagged items (e.g. contaminated) present in either run and left out. */
  items: number;
  /** Samples that ended inside their reasoning, left out, in A and in B. */
  truncatedInReasoning?: { a: number; b: number };
}

/** One task of a pair: the paired test, plus the drift of both sides and what was excluded. */
export type ComparedTask = TaskComparison & { drift: TaskDrift; excluded?: TaskExclusions };

export interface PairComparison {
  a: string;
  b: string;
  correction: Correction;
  alpha: number;
  tasks: ComparedTask[];
  /** Tasks (within --task) that only one of the two runs has: listed, not compared. */
  onlyInA: string[];
  onlyInB: string[];
}

export interface ComparisonReport {
  generatedAt: string;
  /** Things the reader must know (a run still in progress, …); the CLI prints them to stderr. */
  warnings: string[];
  runs: RunInfo[];
  pairs: PairComparison[];
  options: {
    seed: number;
    resamples: number;
    correction: Correction;
    alpha: number;
    power: number;
    baseline: 'previous' | 'first';
    /** Set when items were excluded: the file they came from and how many were flagged per task. */
    excludeItems?: { source: string; flagged: Record<string, number> };
    truncatedInReasoning: 'fail' | 'exclude';
  };
}

/**
 * Resolve a reference to an indexed run: a run directory (indexed on the fly, incrementally), a run id
 * already in the database, or a checkpoint name mapped by `checkpoints` (campaign).
 */
export async function resolveRun(
  db: ResultsDb,
  ref: string,
  checkpoints: Record<string, string> = {},
): Promise<{ runId: string; label: string }> {
  if (checkpoints[ref]) {
    const dir = resolve(checkpoints[ref]);
    if (!existsSync(join(dir, RUN_FILES.manifest)))
      throw new EvalkitError(
        `checkpoint "${ref}" has no run yet (${dir}); run \`evalkit campaign run\` first`,
      );
    const r = await db.indexRun(dir);
    return { runId: r.runId, label: ref };
  }
  if (existsSync(join(resolve(ref), RUN_FILES.manifest))) {
    const r = await db.indexRun(ref);
    return { runId: r.runId, label: r.runId };
  }
  const row = db.getRun(ref);
  if (row) return { runId: row.runId, label: row.runId };
  throw new EvalkitError(
    `"${ref}" is neither a run directory, a run in the results database, nor a campaign checkpoint`,
  );
}

export function compareIndexedRuns(
  db: ResultsDb,
  runs: Array<{ runId: string; label: string }>,
  opts: CompareOptions & {
    correction?: Correction;
    baseline?: 'previous' | 'first';
    metric?: string;
    tasks?: string[];
  } & ExclusionOptions = {},
): ComparisonReport {
  if (runs.length < 1) throw new EvalkitError('nothing to compare: no run given');
  const seed = opts.seed ?? 1234;
  const resamples = opts.resamples ?? 2000;
  const correction = opts.correction ?? 'holm';
  const alpha = opts.alpha ?? 0.05;
  const power = opts.power ?? 0.8;
  const baseline = opts.baseline ?? 'previous';
  const truncatedPolicy = opts.truncatedInReasoning ?? 'fail';
  const warnings: string[] = [];
  const infos: RunInfo[] = runs.map((r) => {
    const row = db.getRun(r.runId)!;
    return {
      runId: r.runId,
      dir: row.dir,
      label: r.label,
      model: row.modelName ?? row.modelId ?? '',
      status: row.status,
      metrics: db.taskMetrics(r.runId),
    };
  });
  for (const r of runs) {
    const row = db.getRun(r.runId)!;
    if (row.status === 'running')
      warnings.push(
        `run ${r.label} is still in progress (or was killed without finishing): its numbers may change; compare again when it is completed`,
      );
  }
  const allTasks = new Set(infos.flatMap((r) => db.tasks(r.runId)));
  const unknown = (opts.tasks ?? []).filter((t) => !allTasks.has(t));
  if (unknown.length)
    throw new EvalkitError(
      `--task ${unknown.join(', ')}: not in any of the compared runs (they have: ${naturalSort(allTasks).join(', ') || 'no tasks'})`,
    );
  if (opts.excludeItems && ![...opts.excludeItems.byTask.keys()].some((t) => allTasks.has(t)))
    warnings.push(
      `--exclude-items ${opts.excludeItems.source}: none of its tasks (${naturalSort(opts.excludeItems.byTask.keys()).join(', ') || 'none'}) is in the compared runs; nothing excluded`,
    );
  const pairs: PairComparison[] = [];
  for (let i = 1; i < infos.length; i++) {
    const A = baseline === 'first' ? infos[0] : infos[i - 1];
    const B = infos[i];
    const wanted = (t: string) => !opts.tasks || opts.tasks.includes(t);
    const tasksA = db.tasks(A.runId).filter(wanted);
    const tasksB = db.tasks(B.runId).filter(wanted);
    const common = naturalSort(tasksB.filter((t) => tasksA.includes(t)));
    if (!common.length)
      throw new EvalkitError(
        `${A.label} and ${B.label} have no task in common${opts.tasks ? ' among --task ' + opts.tasks.join(', ') : ''} (${A.label}: ${naturalSort(tasksA).join(', ') || 'none'}; ${B.label}: ${naturalSort(tasksB).join(', ') || 'none'})`,
      );
    const rows: ComparedTask[] = [];
    for (const task of common) {
      let metric = opts.metric ?? B.metrics[task]?.primary ?? A.metrics[task]?.primary;
      if (!metric) {
        warnings.push(`${task}: neither ${A.label} nor ${B.label} has metrics yet; not compared`);
        continue;
      }
      const declaredB = db.declaredMetrics(B.runId, task);
      if (!opts.metric && !declaredB.some((d) => d.name === metric)) {
        // The headline is a reported aggregate with no per-item outcome: pair the first declared metric.
        warnings.push(
          `${task}: primary metric "${metric}" has no per-item outcome; comparing its declared metric "${declaredB[0].name}"`,
        );
        metric = declaredB[0].name;
      }
      const specA = findMetric(db.declaredMetrics(A.runId, task), metric, task);
      const specB = findMetric(db.declaredMetrics(B.runId, task), metric, task);
      if (JSON.stringify(specA) !== JSON.stringify(specB))
        throw new EvalkitError(
          `${task}: metric "${metric}" is defined differently in ${A.label} (${JSON.stringify(specA)}) and ${B.label} (${JSON.stringify(specB)})`,
        );
      const flagged = opts.excludeItems?.byTask.get(task);
      const filter = {
        excludeItems: flagged,
        excludeOutcome: truncatedPolicy === 'exclude' ? 'truncated-in-reasoning' : undefined,
      };
      const oa = db.itemOutcomes(A.runId, task, specA, filter);
      const ob = db.itemOutcomes(B.runId, task, specB, filter);
      const row: ComparedTask = {
        ...compareItemOutcomes(task, metric, oa, ob, {
          seed,
          resamples,
          permutations: opts.permutations,
          alpha,
          power,
        }),
        drift: { a: driftSide(A.metrics[task]), b: driftSide(B.metrics[task]) },
      };
      if (flagged || truncatedPolicy === 'exclude') {
        const present = (ids: Set<string>) => [...(flagged ?? [])].filter((id) => ids.has(id));
        row.excluded = {
          items: new Set([...present(db.itemIds(A.runId, task)), ...present(db.itemIds(B.runId, task))]).size,
          ...(truncatedPolicy === 'exclude'
            ? {
                truncatedInReasoning: {
                  a: db.countOutcome(A.runId, task, 'truncated-in-reasoning'),
                  b: db.countOutcome(B.runId, task, 'truncated-in-reasoning'),
                },
              }
            : {}),
        };
      }
      rows.push(row);
    }
    applyCorrection(
      rows,
      adjust(
        rows.map((r) => (r.paired ? r.test.p : NaN)),
        correction,
      ),
      alpha,
    );
    pairs.push({
      a: A.label,
      b: B.label,
      correction,
      alpha,
      tasks: rows,
      onlyInA: naturalSort(tasksA.filter((t) => !tasksB.includes(t))),
      onlyInB: naturalSort(tasksB.filter((t) => !tasksA.includes(t))),
    });
  }
  return {
    generatedAt: new Date().toISOString(),
    warnings,
    runs: infos,
    pairs,
    options: {
      seed,
      resamples,
      correction,
      alpha,
      power,
      baseline,
      ...(opts.excludeItems
        ? {
            excludeItems: {
              source: opts.excludeItems.source,
              flagged: Object.fromEntries([...opts.excludeItems.byTask].map(([t, ids]) => [t, ids.size])),
            },
          }
        : {}),
      truncatedInReasoning: truncatedPolicy,
    },
  };
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a');
const signed = (x: number) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + (100 * x).toFixed(1) : 'n/a');
const pfmt = (p: number) => (!Number.isFinite(p) ? 'n/a' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/** Under a pair's table: what was excluded per task, then the drift table (A→B per column). */
function formatDriftAndExclusions(pair: PairComparison, source: string | undefined): string[] {
  const out = pair.tasks.filter((t) => t.excluded).map((t) => `  ${exclusionText(t, pair, source)}`);
  const withDrift = pair.tasks.filter((t) => hasDrift(t.drift));
  if (!withDrift.length) return out;
  const header = ['drift ' + pair.a + '→' + pair.b, ...DRIFT_COLUMNS.map((c) => c.header)];
  const rows = withDrift.map((t) => [t.task, ...driftCells(t.drift)]);
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => ('  ' + r.map((c, i) => c.padEnd(w[i])).join('  ')).trimEnd();
  out.push(fmt(header), ...rows.map(fmt));
  return out;
}

/** Terminal table, one block per compared pair. Values in percentage points. */
export function formatComparison(rep: ComparisonReport, opts: { maxFlips?: number } = {}): string {
  const out: string[] = [];
  const maxFlips = opts.maxFlips ?? 10;
  for (const pair of rep.pairs) {
    out.push(
      `${pair.a} → ${pair.b}   (paired tests on common items; ${pair.correction === 'holm' ? 'Holm' : pair.correction === 'bh' ? 'Benjamini–Hochberg' : 'no'} correction across ${pair.tasks.length} tasks, alpha ${pair.alpha})`,
    );
    const header = [
      'task',
      'metric',
      pair.a,
      pair.b,
      'Δ (pp)',
      '95% CI',
      'test',
      'p',
      'p adj',
      'MDE',
      'items',
      'flips ↓/↑',
      'verdict',
    ];
    const rows = pair.tasks.map((t) => [
      t.task,
      t.metric,
      pct(t.meanA),
      pct(t.meanB),
      signed(t.diff),
      `[${signed(t.ci95[0])}, ${signed(t.ci95[1])}]`,
      t.binary ? 'McNemar mid-p' : 'permutation',
      pfmt(t.test.p),
      pfmt(t.pAdjusted),
      t.mde > 1 ? '>100' : `±${pct(t.mde)}`,
      String(t.paired),
      `${t.flips.passToFail.length}/${t.flips.failToPass.length}`,
      t.verdict.toUpperCase(),
    ]);
    const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const fmt = (r: string[]) =>
      r
        .map((c, i) => c.padEnd(w[i]))
        .join('  ')
        .trimEnd();
    out.push(fmt(header), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(fmt));
    out.push(...formatDriftAndExclusions(pair, rep.options.excludeItems?.source));
    if (pair.onlyInA.length) out.push(`  only in ${pair.a} (not compared): ${pair.onlyInA.join(', ')}`);
    if (pair.onlyInB.length) out.push(`  only in ${pair.b} (not compared): ${pair.onlyInB.join(', ')}`);
    for (const t of pair.tasks) {
      if (!t.flips.passToFail.length && !t.flips.failToPass.length) continue;
      const list = (fs: typeof t.flips.passToFail) =>
        fs
          .slice(0, maxFlips)
          .map((f) => (t.binary ? f.itemId : `${f.itemId} (${pct(f.a)}→${pct(f.b)})`))
          .join(', ') + (fs.length > maxFlips ? `, … ${fs.length - maxFlips} more` : '');
      if (t.flips.passToFail.length)
        out.push(`  ${t.task} pass→fail (${t.flips.passToFail.length}): ${list(t.flips.passToFail)}`);
      if (t.flips.failToPass.length)
        out.push(`  ${t.task} fail→pass (${t.flips.failToPass.length}): ${list(t.flips.failToPass)}`);
    }
    out.push('');
  }
  out.push(
    'MDE: smallest true difference detectable with 80% power at alpha 0.05 with this many paired items.',
  );
  if (rep.pairs.some((p) => p.tasks.some((t) => hasDrift(t.drift))))
    out.push(
      `drift: share of samples at the token cap, ended inside their reasoning (${rep.options.truncatedInReasoning === 'exclude' ? 'left out of the paired tests' : 'scored as failures'}), with no extractable answer; median answer/reasoning length and completion tokens; samples with reward-hacking patterns. Over all samples of each run (metrics.json), before any exclusion.`,
    );
  return out.join('\n') + '\n';
}
