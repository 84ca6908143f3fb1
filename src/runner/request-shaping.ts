/**
 * The user's override of OLMES request shaping (`--olmes-parity` / `--no-olmes-parity`, campaign
 * `options.olmesParity`), applied once: it rewrites the generation params of the task variants a run loads, so
 * the requests built from them, requests.jsonl, the request cache key, the manifest's task settings (resume
 * identity) and the provider (which shapes a request iff it is a completion prompt with `params.shaping ===
 * 'olmes'`, src/models/olmes-shaping.ts) all see one fact.
 *
 *  - absent: each variant decides (the OLMES-alias variants set `shaping: 'olmes'`);
 *  - true: every completion-format variant is shaped;
 *  - false: no variant is shaped.
 */
import type { TaskVariant } from '../types.js';

export function withShapingOverride(task: TaskVariant, olmesParity: boolean | undefined): TaskVariant {
  const g = task.settings.generation;
  if (olmesParity === undefined) return task;
  if (olmesParity && task.settings.format === 'completion') {
    if (g.shaping === 'olmes') return task;
    return { ...task, settings: { ...task.settings, generation: { ...g, shaping: 'olmes' } } };
  }
  if (!olmesParity && g.shaping !== undefined) {
    const { shaping: _dropped, ...unshaped } = g;
    return { ...task, settings: { ...task.settings, generation: unshaped } };
  }
  return task;
}

/** Names of the variants whose requests are OLMES-shaped (for the run's notice on stderr). */
export function olmesShapedVariants(tasks: TaskVariant[]): string[] {
  return tasks
    .filter((t) => t.settings.format === 'completion' && t.settings.generation.shaping === 'olmes')
    .map((t) => t.name);
}
