/** Write an imported run as an evalkit run directory (manifest, requests, generations, verdicts, metrics). */
import { existsSync, readdirSync } from 'node:fs';
import { writeCompleteRunDir } from '../store/run-dir.js';
import type { GenerationRecord, RequestRecord, RunManifest, TaskMetrics, VerdictRecord } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import type { ConfigCheck } from './config-check.js';

export interface ImportedTask {
  name: string;
  family: string;
  settings: RunManifest['tasks'][number]['settings'];
  requests: RequestRecord[];
  generations: GenerationRecord[];
  verdicts: VerdictRecord[];
  metrics: TaskMetrics;
  configCheck: ConfigCheck;
}

export function writeImportedRun(
  outDir: string,
  args: {
    runId: string;
    model: RunManifest['model'];
    from: string;
    source: string;
    createdAt?: string;
    tasks: ImportedTask[];
    extra?: Record<string, unknown>;
    force?: boolean;
  },
): void {
  if (existsSync(outDir) && readdirSync(outDir).length && !args.force) {
    throw new EvalkitError(`${outDir} exists and is not empty; choose another --out or pass --force`);
  }
  const now = new Date().toISOString();
  const manifest: RunManifest & { imported: Record<string, unknown> } = {
    evalkit: { version: 'import', gitCommit: null },
    runId: args.runId,
    createdAt: args.createdAt ?? now,
    startedAt: args.createdAt ?? now,
    endedAt: now,
    status: 'completed',
    model: args.model,
    tasks: args.tasks.map((t) => ({
      name: t.name,
      family: t.family,
      reproduces: `${args.from} import`,
      settings: t.settings,
      datasets: [],
      items: t.metrics.counts.items,
    })),
    options: {},
    sessions: [],
    imported: {
      from: args.from,
      source: args.source,
      importedAt: now,
      configChecks: args.tasks.map((t) => t.configCheck),
      ...(args.extra ?? {}),
    },
  };
  writeCompleteRunDir(outDir, {
    manifest,
    requests: args.tasks.flatMap((t) => t.requests),
    generations: args.tasks.flatMap((t) => t.generations),
    verdicts: args.tasks.flatMap((t) => t.verdicts),
    tasks: Object.fromEntries(args.tasks.map((t) => [t.name, t.metrics])),
    computedAt: now,
  });
}
