/**
 * Task registry. Every folder under src/tasks/ with an index.ts that exports `variants: TaskVariant[]`
 * is discovered at run time, so adding a benchmark means adding one folder and nothing else.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkDeclaredMetrics } from '../metrics/definitions.js';
import type { TaskVariant } from '../types.js';
import { EvalkitError } from '../util/errors.js';

let cache: Promise<Map<string, TaskVariant>> | undefined;

async function discover(): Promise<Map<string, TaskVariant>> {
  const here = dirname(fileURLToPath(import.meta.url));
  const byName = new Map<string, TaskVariant>();
  const folders = readdirSync(here, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const folder of folders) {
    const entry = ['index.js', 'index.ts'].map((f) => join(here, folder, f)).find((p) => existsSync(p));
    if (!entry) continue;
    const mod = (await import(pathToFileURL(entry).href)) as { variants?: TaskVariant[] };
    for (const v of mod.variants ?? []) {
      if (byName.has(v.name))
        throw new Error(`task variant "${v.name}" registered twice (second in src/tasks/${folder})`);
      // Every variant declares its metrics and names one of them primary (docs/metrics.md).
      if (!Array.isArray(v.metrics))
        throw new Error(
          `task variant "${v.name}" (src/tasks/${folder}) declares no \`metrics\` (see docs/metrics.md)`,
        );
      checkDeclaredMetrics(v.name, v.metrics, v.settings.primaryMetric, !!v.extraMetrics);
      byName.set(v.name, v);
    }
  }
  return byName;
}

export async function allTasks(): Promise<TaskVariant[]> {
  cache ??= discover();
  return [...(await cache).values()];
}

export async function getTask(name: string): Promise<TaskVariant> {
  cache ??= discover();
  const m = await cache;
  const t = m.get(name);
  if (!t) {
    const close = [...m.keys()].filter((k) => k.includes(name) || name.includes(k.split(':')[0])).slice(0, 8);
    throw new EvalkitError(
      `unknown task "${name}"${close.length ? ` (did you mean: ${close.join(', ')}?)` : ''}; see \`evalkit list tasks\``,
    );
  }
  return t;
}
