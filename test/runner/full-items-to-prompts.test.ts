/**
 * The runner builds prompts from every item of a task, also under --limit (types.ts: `buildPrompt(item, items)`,
 * items = all items): OLMES's HumanEval 3-shot row draws its exemplars from the whole test set, so the first three
 * prompts of a `--limit 3` run must equal the first three prompts OLMES itself rendered
 * (../shared/reference/olmes-prompts, required: the test fails when it is missing).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runEvaluation } from '../../src/runner/run.js';
import type { GenerationRecord, ModelProvider, RequestRecord } from '../../src/types.js';
import { SHARED_REFERENCE } from '../helpers/paths.js';

/** Answers every sample with an empty completion; the test only looks at the recorded requests. */
class SilentModel implements ModelProvider {
  readonly id = 'silent:model';
  readonly description = {};
  /** One sample per item (the row asks for 20): only the prompts matter here, and scoring 60 programs is slow. */
  sampleCount(): number {
    return 1;
  }
  async generate(req: RequestRecord, indices?: number[]): Promise<GenerationRecord[]> {
    const which = indices ?? Array.from({ length: req.params.n }, (_, i) => i);
    return which.map((sampleIndex) => ({
      requestId: req.requestId,
      task: req.task,
      itemId: req.itemId,
      sampleIndex,
      text: '',
      finishReason: 'stop',
    }));
  }
}

describe('runner: buildPrompt sees all items under --limit', () => {
  it('codex_humaneval:3shot::olmo3 with --limit 3 records the prompts OLMES rendered for those items', async () => {
    const golden = gunzipSync(
      readFileSync(join(SHARED_REFERENCE, 'olmes-prompts', 'codex_humaneval_3shot__olmo3.jsonl.gz')),
    )
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { native_id: string; prompt: string });
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-limit-'));
    const res = await runEvaluation({
      runDir: dir,
      model: { model: 'silent:' },
      provider: new SilentModel(),
      tasks: ['codex_humaneval:3shot::olmo3'],
      options: { limit: 3 },
      progress: { update() {}, done() {} },
    });
    expect(res.status).toBe('completed');
    const requests = readFileSync(join(dir, 'requests.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RequestRecord);
    expect(requests.map((r) => r.itemId)).toEqual(['HumanEval/0', 'HumanEval/1', 'HumanEval/2']);
    for (const r of requests) {
      const g = golden.find((x) => x.native_id === r.itemId)!;
      expect((r.prompt as { text: string }).text).toBe(g.prompt);
    }
  });
});
