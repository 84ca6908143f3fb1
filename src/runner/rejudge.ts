/**
 * Re-judge a finished run with other judges, without regenerating: a new run directory (a new run identity, so
 * the original verdicts stay as they are and both runs can be compared) holding the source run's generations, its
 * manifest with the new judges and `rejudgedFrom`, and the new judges' verdicts. Judge calls go through the request
 * cache, so resuming an interrupted re-judging (or re-judging twice) asks the judge server nothing it answered.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { judgeIdentityConflict, judgesIdentity, type JudgeSpec } from '../judge/spec.js';
import { copyRunRecords, newSession, readManifest, RUN_FILES, writeManifest } from '../store/run-dir.js';
import { prepareWritableDir } from '../store/writable-dir.js';
import type { RunManifest, RunOptions, TaskMetrics } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { evalkitGitCommit, evalkitVersion } from '../util/version.js';
import type { ProgressSink } from './progress.js';
import { rescoreRun } from './rescore.js';

export interface RejudgeSpec {
  sourceDir: string;
  outDir: string;
  judges: JudgeSpec[];
  /** Scoring options (seed, sandbox…); the source run's options fill the rest. */
  options: RunOptions;
  tasks?: string[];
  progress?: ProgressSink;
  command?: string;
}

export async function rejudgeRun(spec: RejudgeSpec): Promise<Record<string, TaskMetrics>> {
  const src = resolve(spec.sourceDir);
  const out = resolve(spec.outDir);
  if (src === out)
    throw new EvalkitError(`--out-dir ${out} is the source run; re-judging writes a new run directory`);
  if (!spec.judges.length) throw new EvalkitError('re-judging needs at least one --judge');
  const source = await readManifest(src);
  if (source.rejudgedFrom === undefined && source.status === 'running')
    throw new EvalkitError(`${src}: the run is still running (or was killed); finish it before re-judging`);
  if (judgesIdentity(source.options.judges) === judgesIdentity(spec.judges))
    throw new EvalkitError(
      `${src} was judged by these judges already; \`evalkit score --run-dir ${spec.sourceDir}\` re-scores it in place`,
    );
  const options: RunOptions = { ...spec.options, judges: spec.judges };
  const now = new Date().toISOString();
  const session = newSession(spec.command ?? 'evalkit score --judge');
  const manifestPath = join(out, RUN_FILES.manifest);
  if (existsSync(manifestPath)) {
    const m = await readManifest(out);
    if (m.rejudgedFrom?.runDir !== src)
      throw new EvalkitError(
        `${out} is another run (${m.rejudgedFrom ? `re-judged from ${m.rejudgedFrom.runDir}` : m.runId}); use a new --out-dir`,
      );
    const conflict = judgeIdentityConflict(m.options, options);
    if (conflict) throw new EvalkitError(`${manifestPath}: ${conflict}`);
    m.status = 'running';
    m.endedAt = null;
    m.sessions.push(session);
    await writeManifest(out, m);
  } else {
    prepareWritableDir(out, 'run directory');
    if (readdirSync(out).length)
      throw new EvalkitError(`${out} is not empty and not a run; use a new --out-dir`);
    copyRunRecords(src, out, ['requests', 'generations']);
    const m: RunManifest = {
      ...source,
      evalkit: { version: evalkitVersion(), gitCommit: evalkitGitCommit() },
      runId: basename(out),
      createdAt: now,
      startedAt: now,
      endedAt: null,
      status: 'running',
      options: { ...source.options, judges: spec.judges },
      rejudgedFrom: { runId: source.runId, runDir: src, judges: source.options.judges ?? [] },
      sessions: [session],
    };
    delete m.failure;
    delete m.errors;
    await writeManifest(out, m);
  }
  let metrics: Record<string, TaskMetrics>;
  try {
    metrics = await rescoreRun(out, options, { tasks: spec.tasks, progress: spec.progress });
  } catch (e) {
    const m = await readManifest(out);
    await writeManifest(out, {
      ...m,
      status: 'failed',
      endedAt: new Date().toISOString(),
      failure: (e as Error).message,
    });
    throw e;
  }
  const m = await readManifest(out);
  const ended = new Date().toISOString();
  m.status = 'completed';
  m.endedAt = ended;
  m.sessions[m.sessions.length - 1].endedAt = ended;
  await writeManifest(out, m);
  return metrics;
}
