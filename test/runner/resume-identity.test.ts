/**
 * Resuming a run directory: a task's identity is its data and its value settings, not its prose. Rewording a
 * free-text setting resumes; changing an answer key, a generation parameter or the data is refused.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meanMetric } from '../../src/metrics/definitions.js';
import { runEvaluation, taskIdentity } from '../../src/runner/run.js';
import type {
  GenerationRecord,
  ModelProvider,
  RequestRecord,
  TaskVariant,
  VariantSettings,
} from '../../src/types.js';
import { EvalkitError } from '../../src/util/errors.js';

const quiet = { update() {}, done() {} };

function task(settings: Partial<VariantSettings>): TaskVariant<{ answer: string }> {
  return {
    name: 'toy-identity',
    family: 'toy',
    description: 'echo',
    settings: {
      format: 'completion',
      shots: 0,
      generation: { n: 1, temperature: 0, top_p: 1, max_tokens: 4, stop: ['\n'] },
      primaryMetric: 'accuracy',
      answerKey: '2024-10',
      scoring: 'exact match of the echoed answer',
      ...settings,
    },
    async loadItems() {
      return { items: [0, 1, 2].map((i) => ({ id: `toy/${i}`, data: { answer: String(i) } })), datasets: [] };
    },
    buildPrompt: (item) => ({ kind: 'completion', text: `Say ${item.data.answer}: ` }),
    createScorer: () => ({
      async score(item, g) {
        return { scores: { correct: g.text === item.data.answer ? 1 : 0 } };
      },
    }),
    metrics: [meanMetric('correct', 'accuracy')],
  };
}

class Echo implements ModelProvider {
  readonly id = 'echo:model';
  readonly description = {};
  async generate(req: RequestRecord, indices?: number[]): Promise<GenerationRecord[]> {
    const text = (req.prompt as { text: string }).text.slice(4, 5);
    return (indices ?? [0]).map((sampleIndex) => ({
      requestId: req.requestId,
      task: req.task,
      itemId: req.itemId,
      sampleIndex,
      text,
      finishReason: 'stop',
    }));
  }
}

const run = (dir: string, settings: Partial<VariantSettings>) =>
  runEvaluation({
    runDir: dir,
    model: { model: 'echo:' },
    provider: new Echo(),
    tasks: [task(settings)],
    options: {},
    progress: quiet,
  });

describe('resume identity', () => {
  it('rewording prose resumes; a changed answer key or generation parameter is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-identity-'));
    expect((await run(dir, {})).status).toBe('completed');
    expect((await run(dir, { scoring: 'exact match (reworded description)' })).status).toBe('completed');
    await expect(run(dir, { answerKey: '2024-05' })).rejects.toThrow(EvalkitError);
    await expect(run(dir, { answerKey: '2024-05' })).rejects.toThrow(/different settings or data/);
    await expect(
      run(dir, { generation: { n: 1, temperature: 0.7, top_p: 1, max_tokens: 4, stop: ['\n'] } }),
    ).rejects.toThrow(/different settings or data/);
  });

  it('data checksums are part of the identity; whitespace inside structured settings (stops) is kept', () => {
    const base = { name: 't', settings: task({}).settings, datasets: [{ sha256: 'a' }] } as never;
    const other = { name: 't', settings: task({}).settings, datasets: [{ sha256: 'b' }] } as never;
    expect(taskIdentity(base)).not.toBe(taskIdentity(other));
    const stops = (stop: string[]) =>
      taskIdentity({
        name: 't',
        settings: task({ generation: { n: 1, temperature: 0, top_p: 1, max_tokens: 4, stop } }).settings,
        datasets: [],
      } as never);
    expect(stops(['\n'])).not.toBe(stops(['\n\n']));
  });
});
