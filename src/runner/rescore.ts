import { join, resolve } from 'node:path';
import { iterJsonl, openRunLogs, readManifest, RUN_FILES, sampleKey } from '../store/run-dir.js';
import type { GenerationRecord, RunOptions, TaskMetrics } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { Limiter } from '../util/limiter.js';
import { computeRunMetrics } from './metrics.js';
import { createProgress, type ProgressSink } from './progress.js';
import { loadTasks, scoreGeneration } from './run.js';
import { acquireRunLock } from './run-lock.js';

/**
 * Re-score the generations of an existing run directory with the current scorers (e.g. after a scorer fix),
 * without any inference. New verdicts are appended and supersede older ones; metrics.json is rewritten.
 */
export async function rescoreRun(
  runDirArg: string,
  options: RunOptions,
  opts: { tasks?: string[]; progress?: ProgressSink; scoreConcurrency?: number } = {},
): Promise<Record<string, TaskMetrics>> {
  const runDir = resolve(runDirArg);
  const manifest = await readManifest(runDir);
  if (options.limit !== undefined && options.limit !== manifest.options?.limit)
    throw new EvalkitError(
      `${runDir} was run with ${manifest.options?.limit ? `--limit ${manifest.options.limit}` : 'no --limit'}; ` +
        `re-scoring uses the run's own items: drop --limit (or evaluate another limit with \`evalkit run\` in a new --run-dir)`,
    );
  const release = await acquireRunLock(runDir);
  const logs = await openRunLogs(runDir);
  try {
    const names = opts.tasks?.length ? opts.tasks : manifest.tasks.map((t) => t.name);
    for (const n of names) {
      if (!manifest.tasks.some((t) => t.name === n))
        throw new EvalkitError(`${runDir}: run has no task "${n}"`);
    }
    const { loaded, ctx } = await loadTasks(names, { ...manifest.options, ...options });
    const byName = new Map(loaded.map((l) => [l.task.name, l]));
    const itemIndex = new Map(loaded.map((l) => [l.task.name, new Map(l.items.map((it) => [it.id, it]))]));
    const latest = new Map<string, GenerationRecord>();
    for await (const g of iterJsonl<GenerationRecord>(join(runDir, RUN_FILES.generations))) {
      if (byName.has(g.task)) latest.set(sampleKey(g.requestId, g.sampleIndex), g);
    }
    const progress = opts.progress ?? createProgress();
    const counts = { total: latest.size, generated: latest.size, scored: 0, errored: 0, skipped: 0 };
    const limiter = new Limiter(opts.scoreConcurrency ?? 64);
    // Every generation must belong to an item of the run before anything is re-scored.
    for (const g of latest.values()) {
      if (!itemIndex.get(g.task)?.has(g.itemId))
        throw new EvalkitError(
          `${join(runDir, RUN_FILES.generations)}: item "${g.itemId}" is not in task ${g.task} as this run defines it ` +
            `(${manifest.options?.limit ? `--limit ${manifest.options.limit}` : 'all items'})`,
        );
    }
    const scorers = new Map(
      await Promise.all(loaded.map(async (l) => [l.task.name, await l.task.createScorer(ctx)] as const)),
    );
    try {
      for (const g of latest.values()) {
        const item = itemIndex.get(g.task)!.get(g.itemId)!;
        await limiter.acquire();
        void scoreGeneration(scorers.get(g.task)!, item, g, options)
          .then((v) => {
            logs.verdicts.append(v);
            counts.scored++;
            if (!v.scores) counts.errored++;
            progress.update(counts, 'score');
          })
          .finally(() => limiter.release());
      }
    } finally {
      // Let in-flight scorings finish before the logs close (they append verdicts).
      await limiter.idle();
      await Promise.allSettled([...scorers.values()].map((s) => s.close?.()));
    }
    progress.done(counts, 'score');
    logs.close();
    return await computeRunMetrics(runDir, loaded, { ...manifest.options, ...options });
  } finally {
    logs.close();
    release();
  }
}
