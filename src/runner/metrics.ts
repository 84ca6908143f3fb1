import { existsSync } from 'node:fs';
import { aggregateTask } from '../metrics/aggregate.js';
import { join } from 'node:path';
import {
  iterJsonl,
  readManifest,
  readMetrics,
  metricsDocument,
  RUN_FILES,
  sampleKey,
  writeMetrics,
} from '../store/run-dir.js';
import { computeGenerationStats } from '../reasoning/generation-stats.js';
import type { GenerationRecord, RunOptions, TaskMetrics, VerdictRecord } from '../types.js';
import { evalkitGitCommit, evalkitVersion } from '../util/version.js';
import type { LoadedTask } from './run.js';

/** Latest verdict per sample (later lines supersede earlier ones), grouped by task. */
export async function readLatestVerdicts(
  runDir: string,
  tasks?: Set<string>,
): Promise<Map<string, VerdictRecord[]>> {
  const latest = new Map<string, VerdictRecord>();
  for await (const v of iterJsonl<VerdictRecord>(join(runDir, RUN_FILES.verdicts))) {
    if (tasks && !tasks.has(v.task)) continue;
    latest.set(sampleKey(v.requestId, v.sampleIndex), v);
  }
  const byTask = new Map<string, VerdictRecord[]>();
  for (const v of latest.values()) {
    let arr = byTask.get(v.task);
    if (!arr) byTask.set(v.task, (arr = []));
    arr.push(v);
  }
  return byTask;
}

/** Latest generation per sample, grouped by task (for the length/format drift summary). */
async function readLatestGenerations(
  runDir: string,
  tasks: Set<string>,
): Promise<Map<string, GenerationRecord[]>> {
  const latest = new Map<string, GenerationRecord>();
  for await (const g of iterJsonl<GenerationRecord>(join(runDir, RUN_FILES.generations))) {
    if (!tasks.has(g.task)) continue;
    latest.set(sampleKey(g.requestId, g.sampleIndex), g);
  }
  const byTask = new Map<string, GenerationRecord[]>();
  for (const g of latest.values()) {
    let arr = byTask.get(g.task);
    if (!arr) byTask.set(g.task, (arr = []));
    arr.push(g);
  }
  return byTask;
}

/**
 * Aggregate verdicts.jsonl into metrics.json for the given tasks (other tasks already in metrics.json are
 * kept). Deterministic: the same verdicts give the same metrics, whatever order they were written in.
 */
export async function computeRunMetrics(
  runDir: string,
  loaded: LoadedTask[],
  options: RunOptions,
): Promise<Record<string, TaskMetrics>> {
  const byTask = await readLatestVerdicts(runDir, new Set(loaded.map((l) => l.task.name)));
  const gensByTask = await readLatestGenerations(runDir, new Set(loaded.map((l) => l.task.name)));
  const manifest = await readManifest(runDir);
  const previous: Record<string, TaskMetrics> = existsSync(join(runDir, RUN_FILES.metrics))
    ? (await readMetrics(runDir)).tasks
    : {};
  const out: Record<string, TaskMetrics> = { ...previous };
  for (const l of loaded) {
    const verdicts = (byTask.get(l.task.name) ?? []).sort((a, b) =>
      a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : a.sampleIndex - b.sampleIndex,
    );
    const items = manifest.shard ? l.items.filter((it) => verdicts.some((v) => v.itemId === it.id)) : l.items;
    out[l.task.name] = {
      ...aggregateTask(l.task, items, verdicts, options),
      generation: computeGenerationStats(gensByTask.get(l.task.name) ?? [], verdicts, options),
    };
  }
  await writeMetrics(
    runDir,
    metricsDocument(manifest, out, {
      evalkit: { version: evalkitVersion(), gitCommit: evalkitGitCommit() },
      computedAt: new Date().toISOString(),
    }),
  );
  return out;
}
