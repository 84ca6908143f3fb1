/** Write an imported run as an evalkit run directory (manifest, requests, generations, verdicts, metrics). */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  mkdirSync(outDir, { recursive: true });
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
  const lines = (xs: unknown[]) => (xs.length ? xs.map((x) => JSON.stringify(x)).join('\n') + '\n' : '');
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(join(outDir, 'requests.jsonl'), lines(args.tasks.flatMap((t) => t.requests)));
  writeFileSync(join(outDir, 'generations.jsonl'), lines(args.tasks.flatMap((t) => t.generations)));
  writeFileSync(join(outDir, 'verdicts.jsonl'), lines(args.tasks.flatMap((t) => t.verdicts)));
  writeFileSync(
    join(outDir, 'metrics.json'),
    JSON.stringify(
      {
        evalkit: manifest.evalkit,
        runId: args.runId,
        model: args.model,
        computedAt: now,
        tasks: Object.fromEntries(args.tasks.map((t) => [t.name, t.metrics])),
      },
      null,
      2,
    ) + '\n',
  );
}
