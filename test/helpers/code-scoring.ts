/** Shared fixtures for tests that score code through a task variant's real scorer (real sandbox). */
import { afterAll } from 'vitest';
import { DatasetResolver } from '../../src/datasets/registry.js';
import type { GenerationRecord, Item, Scorer, TaskLoadContext } from '../../src/types.js';

/** A load/score context with 2 sandbox workers; scorers passed to `track` are closed after the file. */
export function codeScoringContext(): { ctx: TaskLoadContext; track: (s: Scorer) => Scorer } {
  const options = { sandboxWorkers: 2 };
  const ctx: TaskLoadContext = { datasets: new DatasetResolver(), options };
  const scorers: Scorer[] = [];
  afterAll(async () => {
    await Promise.all(scorers.map((s) => s.close?.()));
  });
  return { ctx, track: (s) => (scorers.push(s), s) };
}

/** A generation record for sample 0 of `item`. */
export const gen = (item: Item, text: string, extra: Partial<GenerationRecord> = {}): GenerationRecord => ({
  requestId: `t|${item.id}`,
  task: 't',
  itemId: item.id,
  sampleIndex: 0,
  text,
  ...extra,
});
