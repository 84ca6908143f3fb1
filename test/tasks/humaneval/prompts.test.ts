import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { variants } from '../../../src/tasks/humaneval/index.js';
import type { TaskVariant } from '../../../src/types.js';

const ctx = { datasets: new DatasetResolver(), options: {} };
const byName = (n: string) => variants.find((v) => v.name === n) as TaskVariant;

/**
 * Every OLMES-row prompt is compared with OLMES's own rendering in test/tasks/olmes-golden-prompts.test.ts; this
 * file keeps what that test cannot show.
 */
describe('HumanEval prompts', () => {
  // That 3-shot prompts do not depend on --limit is checked where it is decided, in the runner (it passes every
  // item to buildPrompt): test/runner/full-items-to-prompts.test.ts, against OLMES's own prompts.

  it('EvalPlus chat prompt: instruction + assistant prefill (evalplus make_raw_chat_prompt texts)', async () => {
    const v = byName('humanevalplus:chat');
    const { items } = await v.loadItems(ctx);
    const p = (items[0].data as { prompt: string }).prompt;
    expect(v.buildPrompt(items[0], items)).toEqual({
      kind: 'chat',
      messages: [
        {
          role: 'user',
          content: `Please provide a self-contained Python script that solves the following problem in a markdown code block:\n\`\`\`\n${p.trim()}\n\`\`\``,
        },
        {
          role: 'assistant',
          content:
            'Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:\n```python\n',
        },
      ],
    });
  });
});
