/**
 * Campaign state and execution: which (checkpoint, task) cells are done, and evaluating the missing ones.
 * State is read from the run directories themselves (metrics.json, verdicts.jsonl), never from a separate
 * ledger, so it cannot drift from the data.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint, Campaign } from './config.js';
import { iterJsonl, readManifest, readMetrics, RUN_FILES } from '../store/run-dir.js';
import type { RunOptions, TaskMetrics, VerdictRecord } from '../types.js';

export type CellState = 'done' | 'partial' | 'missing' | 'unavailable';

export interface Cell {
  checkpoint: string;
  task: string;
  state: CellState;
  /** Primary metric value when done. */
  value?: number;
  metric?: string;
  samples?: number;
}

export async function campaignStatus(c: Campaign): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const cp of c.checkpoints) {
    const hasRun = existsSync(join(cp.runDir, RUN_FILES.manifest));
    const metrics: Record<string, TaskMetrics> =
      hasRun && existsSync(join(cp.runDir, RUN_FILES.metrics)) ? (await readMetrics(cp.runDir)).tasks : {};
    const verdictCounts = new Map<string, number>();
    if (hasRun)
      for await (const v of iterJsonl<VerdictRecord>(join(cp.runDir, RUN_FILES.verdicts)))
        verdictCounts.set(v.task, (verdictCounts.get(v.task) ?? 0) + 1);
    const manifest = hasRun ? await readManifest(cp.runDir) : undefined;
    for (const task of c.suite) {
      if (!cp.tasks.includes(task)) continue;
      const m = metrics[task];
      const running = manifest?.status === 'running' && manifest.tasks.some((t) => t.name === task);
      if (m && !running)
        cells.push({
          checkpoint: cp.name,
          task,
          state: 'done',
          value: m.metrics[m.primary]?.value,
          metric: m.primary,
          samples: m.counts.scored,
        });
      else if (verdictCounts.get(task))
        cells.push({ checkpoint: cp.name, task, state: 'partial', samples: verdictCounts.get(task) });
      else cells.push({ checkpoint: cp.name, task, state: cp.kind === 'run' ? 'unavailable' : 'missing' });
    }
  }
  return cells;
}

export function formatStatus(c: Campaign, cells: Cell[]): string {
  const tasks = c.suite;
  const header = ['checkpoint', ...tasks];
  const rows = c.checkpoints.map((cp) => [
    cp.name + (cp.kind === 'run' ? ' (run dir)' : ''),
    ...tasks.map((t) => {
      const cell = cells.find((x) => x.checkpoint === cp.name && x.task === t);
      if (!cell) return '—';
      if (cell.state === 'done')
        return `done ${cell.value !== undefined ? (100 * cell.value).toFixed(1) : ''} ${cell.metric ?? ''}`.trim();
      if (cell.state === 'partial') return `partial (${cell.samples} samples)`;
      return cell.state;
    }),
  ]);
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((x, i) => x.padEnd(w[i]))
      .join('  ')
      .trimEnd();
  const done = cells.filter((x) => x.state === 'done').length;
  return (
    [
      `campaign ${c.name} (${c.file})`,
      fmt(header),
      w.map((x) => '-'.repeat(x)).join('  '),
      ...rows.map(fmt),
      '',
      `${done}/${cells.length} cells done`,
    ].join('\n') + '\n'
  );
}

export type RunEvaluationFn = (spec: {
  runDir: string;
  model: NonNullable<Checkpoint['model']>;
  tasks: string[];
  options: RunOptions;
}) => Promise<unknown>;

/**
 * Evaluate what is missing: for each evaluable checkpoint, the tasks not done (partial ones resume inside
 * the runner). Checkpoints backed by an existing run directory are never modified. Returns what ran.
 */
export async function runCampaign(
  c: Campaign,
  opts: {
    only?: string[];
    runEvaluation?: RunEvaluationFn;
    log?: (s: string) => void;
    /** Called after each evaluated checkpoint with its position in the campaign (e.g. post to MLflow). */
    afterCheckpoint?: (cp: Checkpoint, step: number) => Promise<void>;
  } = {},
): Promise<Array<{ checkpoint: string; tasks: string[] }>> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const run: RunEvaluationFn =
    opts.runEvaluation ??
    (async (spec) => {
      const { runEvaluation } = await import('../runner/run.js');
      // A campaign adds the tasks a checkpoint's directory does not hold yet (the config may gain tasks).
      return runEvaluation({ ...spec, addTasks: true });
    });
  const cells = await campaignStatus(c);
  const done: Array<{ checkpoint: string; tasks: string[] }> = [];
  for (const cp of c.checkpoints) {
    if (opts.only && !opts.only.includes(cp.name)) continue;
    const todo = cells.filter((x) => x.checkpoint === cp.name && x.state !== 'done').map((x) => x.task);
    if (cp.kind === 'run') {
      if (todo.length)
        log(
          `campaign: ${cp.name}: run directory ${cp.runDir} lacks ${todo.join(', ')} (not evaluable: no model settings); skipped`,
        );
      continue;
    }
    if (!todo.length) {
      log(`campaign: ${cp.name}: all ${cp.tasks.length} tasks done, skipped`);
      continue;
    }
    log(`campaign: ${cp.name}: evaluating ${todo.join(', ')} → ${cp.runDir}`);
    const options = cp.olmesParity === undefined ? c.options : { ...c.options, olmesParity: cp.olmesParity };
    await run({ runDir: cp.runDir, model: cp.model!, tasks: todo, options });
    done.push({ checkpoint: cp.name, tasks: todo });
    await opts.afterCheckpoint?.(cp, c.checkpoints.indexOf(cp));
  }
  return done;
}

/** checkpoint name → run directory, for `evalkit compare --campaign`. */
export function checkpointDirs(c: Campaign): Record<string, string> {
  return Object.fromEntries(c.checkpoints.map((cp) => [cp.name, cp.runDir]));
}
