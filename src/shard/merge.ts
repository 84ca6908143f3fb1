/**
 * `mergeRunDirs(shardDirs, outDir)`: combine the run directories of `--shard i/N` runs into one run directory.
 *
 * Checks, each failing with an EvalkitError that names the shard directory (and file:line for records):
 * - every directory is a shard run (manifest.shard set) of the same N, each index 0..N-1 exactly once
 *   (a missing index is named: "shard 3/8 is missing");
 * - every shard completed (manifest.status "completed"), and every request has a generation and a verdict for
 *   each of its samples;
 * - same tasks with identical settings and dataset checksums, same model (see `modelKey`), same
 *   number-affecting options (seed, limit, …);
 * - every record belongs to the shard it was found in (sha1 of the request id, as `--shard` assigns it), and no
 *   request id appears in two shards.
 *
 * Records: the latest record per request / per sample of each shard (later lines supersede earlier ones, as in a
 * resumed run) are written once, ordered by task (manifest order) and request id, so the merged files do not
 * depend on which shard finished first. metrics.json is then recomputed from the merged verdicts by the
 * `recomputeMetrics` hook (the CLI passes evalkit's normal metrics path), because metrics such as pass@k with
 * bootstrap CIs cannot be combined from per-shard metrics.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { modelIdentity } from '../models/spec.js';
import { shardOfRequest } from '../runner/shard.js';
import {
  iterJsonl,
  readManifest,
  RUN_FILES,
  sampleKey,
  writeManifest,
  writeRunRecords,
} from '../store/run-dir.js';
import type { GenerationRecord, RequestRecord, RunManifest, VerdictRecord } from '../types.js';
import { EvalkitError } from '../util/errors.js';

export interface MergeOptions {
  /** Recompute metrics.json of the merged run directory (e.g. loadTasks + computeRunMetrics). */
  recomputeMetrics?: (outDir: string) => Promise<void>;
  /** Allow shards whose manifest status is not "completed" (their records are still checked for completeness). */
  allowIncomplete?: boolean;
}

export interface MergeSummary {
  outDir: string;
  shards: number;
  requests: number;
  generations: number;
  verdicts: number;
  /** Samples whose generation errored (kept, as in any run; `evalkit run` on the shard would retry them). */
  erroredSamples: number;
}

/** Options that differ between machines without changing any number. */
const MACHINE_LOCAL_OPTIONS = new Set(['cacheDir', 'sandboxWorkers', 'quiet', 'export']);

function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function taskIdentity(t: RunManifest['tasks'][number]): string {
  return stable({
    name: t.name,
    settings: t.settings,
    datasets: t.datasets.map((d) => ({ id: d.id, version: d.version, sha256: d.sha256 })),
    items: t.items,
  });
}

function numberAffectingOptions(m: RunManifest): string {
  return stable(
    Object.fromEntries(Object.entries(m.options ?? {}).filter(([k]) => !MACHINE_LOCAL_OPTIONS.has(k))),
  );
}

const collator = new Intl.Collator('en', { numeric: true });

/** What must agree between shards about the model: see `modelIdentity` (the location may differ per shard). */
export const modelKey = modelIdentity;

interface ShardData {
  dir: string;
  manifest: RunManifest;
  requests: Map<string, RequestRecord>;
  generations: Map<string, GenerationRecord>;
  verdicts: Map<string, VerdictRecord>;
}

/** Read the latest records of one shard, checking every record belongs to that shard. */
async function readShard(dir: string, manifest: RunManifest): Promise<ShardData> {
  const { index, count } = manifest.shard!;
  const check = (file: string, line: number, requestId: unknown) => {
    if (typeof requestId !== 'string')
      throw new EvalkitError(`${join(dir, file)}:${line}: field "requestId" missing or not a string`);
    const belongs = shardOfRequest(requestId, count);
    if (belongs !== index)
      throw new EvalkitError(
        `${join(dir, file)}:${line}: request "${requestId}" belongs to shard ${belongs}/${count}, not ${index}/${count} (directory mislabelled?)`,
      );
  };
  const requests = new Map<string, RequestRecord>();
  let line = 0;
  for await (const r of iterJsonl<RequestRecord>(join(dir, RUN_FILES.requests))) {
    line++;
    check(RUN_FILES.requests, line, r.requestId);
    requests.set(r.requestId, r);
  }
  const generations = new Map<string, GenerationRecord>();
  line = 0;
  for await (const g of iterJsonl<GenerationRecord>(join(dir, RUN_FILES.generations))) {
    line++;
    check(RUN_FILES.generations, line, g.requestId);
    generations.set(sampleKey(g.requestId, g.sampleIndex), g);
  }
  const verdicts = new Map<string, VerdictRecord>();
  line = 0;
  for await (const v of iterJsonl<VerdictRecord>(join(dir, RUN_FILES.verdicts))) {
    line++;
    check(RUN_FILES.verdicts, line, v.requestId);
    verdicts.set(sampleKey(v.requestId, v.sampleIndex), v);
  }
  return { dir, manifest, requests, generations, verdicts };
}

export async function mergeRunDirs(
  shardDirs: string[],
  outDir: string,
  opts: MergeOptions = {},
): Promise<MergeSummary> {
  if (shardDirs.length === 0) throw new EvalkitError('merge: no shard directories given');
  const dirs = shardDirs.map((d) => resolve(d));
  const out = resolve(outDir);
  if (dirs.includes(out)) throw new EvalkitError(`merge: --out ${out} is one of the shard directories`);
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new EvalkitError(`merge: output directory ${out} exists and is not empty; choose a new --out`);

  // ── manifests: shard labels, completeness, compatibility ──
  const manifests: RunManifest[] = [];
  for (const d of dirs) manifests.push(await readManifest(d));
  const first = manifests[0];
  const byIndex = new Map<number, string>();
  manifests.forEach((m, i) => {
    const where = join(dirs[i], RUN_FILES.manifest);
    if (!m.shard)
      throw new EvalkitError(`${where}: not a shard run (no "shard" field; was it run with --shard i/N?)`);
    if (m.shard.count !== first.shard?.count)
      throw new EvalkitError(
        `${where}: shard ${m.shard.index}/${m.shard.count} does not match ${dirs[0]} (shard count ${first.shard?.count})`,
      );
    const seen = byIndex.get(m.shard.index);
    if (seen)
      throw new EvalkitError(
        `merge: shard ${m.shard.index}/${m.shard.count} given twice: ${seen} and ${dirs[i]}`,
      );
    byIndex.set(m.shard.index, dirs[i]);
    if (m.status !== 'completed' && !opts.allowIncomplete)
      throw new EvalkitError(
        `${where}: shard ${m.shard.index}/${m.shard.count} is not complete (status "${m.status}"); resume it with its evalkit run command`,
      );
    if (modelKey(m.model) !== modelKey(first.model))
      throw new EvalkitError(
        `${where}: model ${m.model.id} (${modelKey(m.model)}) differs from ${first.model.id} (${modelKey(first.model)}) in ${dirs[0]}`,
      );
    const names = m.tasks.map((t) => t.name).sort();
    const firstNames = first.tasks.map((t) => t.name).sort();
    if (stable(names) !== stable(firstNames))
      throw new EvalkitError(
        `${where}: tasks [${names.join(', ')}] differ from [${firstNames.join(', ')}] in ${dirs[0]}`,
      );
    for (const t of m.tasks) {
      const f = first.tasks.find((x) => x.name === t.name)!;
      if (taskIdentity(t) !== taskIdentity(f))
        throw new EvalkitError(
          `${where}: task "${t.name}" has different settings, data or item count than in ${dirs[0]}`,
        );
    }
    if (numberAffectingOptions(m) !== numberAffectingOptions(first))
      throw new EvalkitError(
        `${where}: options ${numberAffectingOptions(m)} differ from ${numberAffectingOptions(first)} in ${dirs[0]}`,
      );
  });
  const count = first.shard!.count;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new EvalkitError(
      `merge: ${missing.map((i) => `shard ${i}/${count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (given: ${[
        ...byIndex.keys(),
      ]
        .sort((a, b) => a - b)
        .map((i) => `${i}/${count}`)
        .join(', ')})`,
    );

  // ── records ──
  const shards: ShardData[] = [];
  for (let i = 0; i < dirs.length; i++) shards.push(await readShard(dirs[i], manifests[i]));
  const owner = new Map<string, string>();
  const taskOrder = new Map(first.tasks.map((t, i) => [t.name, i]));
  const requests: RequestRecord[] = [];
  const generations: GenerationRecord[] = [];
  const verdicts: VerdictRecord[] = [];
  let erroredSamples = 0;
  for (const s of shards) {
    for (const r of s.requests.values()) {
      const other = owner.get(r.requestId);
      if (other)
        throw new EvalkitError(
          `merge: request "${r.requestId}" appears in two shards: ${other} and ${s.dir}`,
        );
      owner.set(r.requestId, s.dir);
      if (!taskOrder.has(r.task))
        throw new EvalkitError(
          `${join(s.dir, RUN_FILES.requests)}: request "${r.requestId}" has task "${r.task}", not in the manifest`,
        );
      requests.push(r);
      for (let k = 0; k < r.params.n; k++) {
        const key = sampleKey(r.requestId, k);
        const g = s.generations.get(key);
        const v = s.verdicts.get(key);
        if (!g || !v)
          throw new EvalkitError(
            `${s.dir}: request "${r.requestId}" sample ${k} has no ${g ? 'verdict' : 'generation'} (shard ${s.manifest.shard!.index}/${count} incomplete; resume it with its evalkit run command)`,
          );
        if (g.error || g.text === null) erroredSamples++;
        generations.push(g);
        verdicts.push(v);
      }
    }
    // records for samples beyond n or for unknown requests would be silently dropped: refuse instead
    for (const [key, g] of s.generations)
      if (!s.requests.has(g.requestId) || g.sampleIndex >= s.requests.get(g.requestId)!.params.n)
        throw new EvalkitError(
          `${join(s.dir, RUN_FILES.generations)}: generation ${key} has no matching request in ${RUN_FILES.requests}`,
        );
  }
  const order = (a: { task: string; requestId: string; sampleIndex?: number }, b: typeof a) =>
    taskOrder.get(a.task)! - taskOrder.get(b.task)! ||
    collator.compare(a.requestId, b.requestId) ||
    (a.sampleIndex ?? 0) - (b.sampleIndex ?? 0);
  requests.sort(order);
  generations.sort(order);
  verdicts.sort(order);

  // ── write ──
  writeRunRecords(out, { requests, generations, verdicts });

  const sorted = [...shards].sort((a, b) => a.manifest.shard!.index - b.manifest.shard!.index);
  const times = (f: (m: RunManifest) => string | null) =>
    sorted
      .map((s) => f(s.manifest))
      .filter((x): x is string => !!x)
      .sort();
  const { shard: _drop, ...base } = first;
  const merged: RunManifest & { mergedFrom: unknown[] } = {
    ...base,
    runId: basename(out),
    createdAt: times((m) => m.createdAt)[0] ?? first.createdAt,
    startedAt: times((m) => m.startedAt)[0] ?? first.startedAt,
    endedAt: times((m) => m.endedAt).pop() ?? null,
    status: 'completed',
    sessions: sorted.flatMap((s) => s.manifest.sessions),
    mergedFrom: sorted.map((s) => ({
      dir: s.dir,
      runId: s.manifest.runId,
      shard: s.manifest.shard,
      status: s.manifest.status,
      modelId: s.manifest.model.id,
      endpoint: s.manifest.model.endpoint,
      requests: s.requests.size,
    })),
  };
  await writeManifest(out, merged);
  if (opts.recomputeMetrics) await opts.recomputeMetrics(out);
  return {
    outDir: out,
    shards: count,
    requests: requests.length,
    generations: generations.length,
    verdicts: verdicts.length,
    erroredSamples,
  };
}
