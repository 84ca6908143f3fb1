/**
 * An answer without code (or without the function under test) fails with a reason a person understands,
 * not the harness's `KeyError: 'has_close_elements'`. Real chat variant, real sanitizer, real sandbox.
 */
import { describe, expect, it } from 'vitest';
import { variants } from '../../../src/tasks/humaneval/index.js';
import { codeScoringContext, gen } from '../../helpers/code-scoring.js';

const { ctx, track } = codeScoringContext();

describe('no code in the answer', () => {
  it('humanevalplus:chat: "no code found in the answer"; code without the function names it', async () => {
    const v = variants.find((x) => x.name === 'humanevalplus:chat')!;
    const { items } = await v.loadItems(ctx);
    const scorer = track(await v.createScorer(ctx));
    const item = items[0]; // HumanEval/0, has_close_elements
    const none = await scorer.score(item, gen(item, "I'm sorry, I can't write that function."), {
      options: ctx.options,
    });
    expect(none.scores).toEqual({ base: 0, plus: 0 });
    expect(none.reason).toBe('no code found in the answer');
    const other = await scorer.score(item, gen(item, '```python\ndef helper(x):\n    return x\n```'), {
      options: ctx.options,
    });
    expect(other.scores).toEqual({ base: 0, plus: 0 });
    expect(other.reason).toMatch(/^the answer does not define has_close_elements\(\)/);
  });
});
