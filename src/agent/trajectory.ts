/**
 * Where an agent episode's trajectory lives and how it is read back. The loop (loop.ts) appends one JSON object
 * a line to `<run>/trajectories/<task>/<item>__<sample>.jsonl`: a `start` record, one `step` per model turn,
 * an `error` record when the model call failed, an `end` record (missing when the run was killed mid-episode).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EvalkitError } from '../util/errors.js';
import type { AgentBudgets, AgentResult, TrajectoryStep } from './loop.js';
import type { AgentMessage } from './model.js';

/** Where a sample's agent trajectory is written (the stem; the loop appends `.jsonl`). */
export function trajectoryStem(runDir: string, task: string, itemId: string, sampleIndex: number): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return join(runDir, 'trajectories', safe(task), `${safe(itemId)}__${sampleIndex}`);
}

/** The `end` record: the episode's result without its messages (those are the `step` records), and when. */
export type TrajectoryEnd = Omit<AgentResult, 'messages'> & { at: string };

export interface Trajectory {
  path: string;
  start?: { at: string; protocol: string; budgets: AgentBudgets; messages: AgentMessage[] };
  steps: TrajectoryStep[];
  /** Model-call failures (the episode ends with `model_error` or `wall_time`). */
  errors: Array<{ turn: number; at: string; error: string }>;
  /** Absent when the episode did not finish (the run was killed). */
  end?: TrajectoryEnd;
}

/** The trajectory of one sample, or undefined when none was recorded. A damaged line names file and line. */
export async function readTrajectory(
  runDir: string,
  task: string,
  itemId: string,
  sampleIndex: number,
): Promise<Trajectory | undefined> {
  const path = `${trajectoryStem(runDir, task, itemId, sampleIndex)}.jsonl`;
  if (!existsSync(path)) return undefined;
  const t: Trajectory = { path, steps: [], errors: [] };
  const lines = (await readFile(path, 'utf8')).split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    let rec: Record<string, any>;
    try {
      rec = JSON.parse(lines[i]);
    } catch {
      // the last line of a killed run may be cut short: keep what came before
      if (i >= lines.length - 2) break;
      throw new EvalkitError(`${path}:${i + 1}: not a JSON line`);
    }
    if (rec.kind === 'start') t.start = rec as Trajectory['start'];
    else if (rec.kind === 'step') t.steps.push(rec as unknown as TrajectoryStep);
    else if (rec.kind === 'error') t.errors.push(rec as Trajectory['errors'][number]);
    else if (rec.kind === 'end') t.end = rec as unknown as TrajectoryEnd;
  }
  return t;
}
