/**
 * Replayed EvalPlus sample files go through the HumanEval+ variant exactly as `evalplus.evaluate` runs them:
 * `prompt + completion` verbatim. Real samples from the speed anchor (CodeGen-16B, n=20) whose own module-level
 * code raises after the function (wrong appended `assert`s, a cut-off string) fail there, as under EvalPlus HEAD;
 * the same text as a live completion is sanitized first (EvalPlus codegen does), which drops that code.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { ReplayProvider } from '../../../src/runner/replay-provider.js';
import { variants } from '../../../src/tasks/humaneval/index.js';
import type { GenerationRecord, RequestRecord, RunOptions, Scorer } from '../../../src/types.js';
import { SHARED_REFERENCE } from '../../helpers/paths.js';

const ANCHOR = join(SHARED_REFERENCE, 'evalplus-speed-anchor');
const gz = (f: string): string => gunzipSync(readFileSync(join(ANCHOR, f))).toString('utf8');

interface Sample {
  task_id: string;
  completion: string;
}
interface RefResult {
  task_id: string;
  solution: string;
  base_status: string;
  plus_status: string;
}

const samples = gz('codegen16b_t0.8_n20.samples.jsonl.gz')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Sample);
const reference = JSON.parse(gz('codegen16b_t0.8_n20.evalplus-head.eval_results.json.gz')).eval as Record<
  string,
  RefResult[]
>;
/** The samples (0-based index within the task, in file order). */
const RAISING = [
  ['HumanEval/27', 5],
  ['HumanEval/116', 8],
  ['HumanEval/151', 2],
] as const;

const options: RunOptions = { cacheDir: mkdtempSync(join(tmpdir(), 'evalkit-replay-')) } as RunOptions;
const variant = variants.find((v) => v.name === 'humanevalplus')!;
let scorer: Scorer | undefined;
afterAll(async () => {
  await scorer?.close?.();
});

/** Samples that import a package EvalPlus's environment lacks (installed here or not, they must fail). */
const FOREIGN_IMPORT = [
  ['HumanEval/27', 11, 'requests'],
  ['HumanEval/48', 4, 'requests'],
] as const;

describe('HumanEval+ replay of EvalPlus completions (module-level code that raises)', () => {
  it('fails the samples whose own trailing code raises, as EvalPlus does; sanitized live text passes', async () => {
    const { items } = await variant.loadItems({ datasets: new DatasetResolver(), options });
    const byId = new Map(items.map((it) => [it.id, it]));
    const picked = RAISING.map(([taskId, k]) => {
      const s = samples.filter((x) => x.task_id === taskId)[k];
      const prompt = (byId.get(taskId)!.data as { prompt: string }).prompt;
      const ref = reference[taskId].find((r) => r.solution === prompt + s.completion)!;
      return { taskId, k, completion: s.completion, ref };
    });
    // EvalPlus HEAD's verdicts on these very programs
    for (const p of picked) expect([p.ref.base_status, p.ref.plus_status]).toEqual(['fail', 'fail']);

    const replay = new ReplayProvider(
      'anchor.jsonl',
      picked.map((p) => ({ taskId: p.taskId, sampleIndex: p.k, completion: p.completion })),
    );
    scorer = variant.createScorer({ datasets: new DatasetResolver(), options });
    for (const p of picked) {
      const req = {
        requestId: `humanevalplus|${p.taskId}`,
        task: 'humanevalplus',
        itemId: p.taskId,
      } as RequestRecord;
      const [g] = await replay.generate(req);
      expect(g.textIsReplayedCompletion).toBe(true);
      const v = await scorer.score(byId.get(p.taskId)!, g, { options });
      expect(v.scores, p.taskId).toEqual({ base: 0, plus: 0 });
      expect(v.details).toMatchObject({ base_status: 'fail', plus_status: 'fail' });
      expect(v.reason).toMatch(/solution failed to load: (AssertionError|SyntaxError)/);

      // The same text as a live completion: sanitized (trailing statements dropped), then it passes base.
      const live: GenerationRecord = { ...g, textIsReplayedCompletion: undefined };
      const l = await scorer.score(byId.get(p.taskId)!, live, { options });
      expect(l.scores.base, p.taskId).toBe(1);
    }
  }, 120_000);

  it("fails the samples that import a package outside EvalPlus's environment, as EvalPlus does", async () => {
    const { items } = await variant.loadItems({ datasets: new DatasetResolver(), options });
    const byId = new Map(items.map((it) => [it.id, it]));
    scorer ??= variant.createScorer({ datasets: new DatasetResolver(), options });
    for (const [taskId, k, module] of FOREIGN_IMPORT) {
      const s = samples.filter((x) => x.task_id === taskId)[k];
      const prompt = (byId.get(taskId)!.data as { prompt: string }).prompt;
      const ref = reference[taskId].find((r) => r.solution === prompt + s.completion)!;
      expect([ref.base_status, ref.plus_status], taskId).toEqual(['fail', 'fail']);
      const replay = new ReplayProvider('anchor.jsonl', [
        { taskId, sampleIndex: k, completion: s.completion },
      ]);
      const [g] = await replay.generate({
        requestId: `humanevalplus|${taskId}`,
        task: 'humanevalplus',
        itemId: taskId,
      } as RequestRecord);
      const v = await scorer.score(byId.get(taskId)!, g, { options });
      expect(v.scores, taskId).toEqual({ base: 0, plus: 0 });
      expect(v.reason).toContain(`No module named '${module}'`);
    }
  }, 120_000);
});
