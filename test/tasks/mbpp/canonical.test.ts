import { describe, expect, it } from 'vitest';
import { variants } from '../../../src/tasks/mbpp/index.js';
import type { Item, TaskVariant } from '../../../src/types.js';
import { codeScoringContext, gen } from '../../helpers/code-scoring.js';

const { ctx, track } = codeScoringContext();
const options = ctx.options;
const SUBSET = 20;

function perfectOutput(v: TaskVariant, item: Item): string {
  const d = item.data as { code?: string; signature?: string; canonicalSolution?: string; prompt?: string };
  if (d.code !== undefined) return d.code; // OLMES MBPP rows: the prompt ends in ```python, the model writes the whole function
  if (v.settings.format === 'chat') return d.canonicalSolution! + '\n```';
  return d.canonicalSolution!; // OLMES mbppplus::none: whole script; EvalPlus completion: after the docstring prompt
}

describe.each(variants.map((v) => [v.name, v] as const))('%s: canonical solutions pass', (_name, v) => {
  it(`first ${SUBSET} items`, async () => {
    const { items } = await v.loadItems(ctx);
    const scorer = track(await v.createScorer(ctx));
    const subset = items.slice(0, SUBSET);
    const verdicts = await Promise.all(
      subset.map((it) => scorer.score(it, gen(it, perfectOutput(v, it)), { options })),
    );
    const expected = v.settings.primaryMetric.startsWith('plus') ? { base: 1, plus: 1 } : { pass: 1 };
    for (const [i, vd] of verdicts.entries()) {
      expect({ id: subset[i].id, scores: vd.scores, reason: vd.reason }).toEqual({
        id: subset[i].id,
        scores: expected,
        reason: undefined,
      });
    }
    const bad = await scorer.score(subset[0], gen(subset[0], 'def nothing():\n    return 42\n'), { options });
    expect(Object.values(bad.scores!).every((x) => x === 0)).toBe(true);
    expect(bad.reason).toBeTruthy();
  }, 600_000); // ground truth + 20 sandboxed programs: minutes when CI runs test files in parallel
});

describe('OLMES MBPP executed program is the raw continuation (codex_mbpp.py _process_code_results)', () => {
  it('a body-only continuation (signature left in the prompt) fails; the full function passes', async () => {
    const v = variants.find((x) => x.name === 'mbpp::starcoder_pass@1')!;
    const { items } = await v.loadItems(ctx);
    const scorer = track(await v.createScorer(ctx));
    const item = items[0];
    const d = item.data as { code: string; signature: string };
    const body = await scorer.score(item, gen(item, d.code.slice(d.signature.length)), { options });
    expect(body.scores).toEqual({ pass: 0 });
    const full = await scorer.score(item, gen(item, d.code), { options });
    expect(full.scores).toEqual({ pass: 1 });
    expect(full.extracted).toBe(d.code);
  });
});
