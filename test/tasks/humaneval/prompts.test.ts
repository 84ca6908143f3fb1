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
  it('3-shot prompt does not depend on --limit (shots chosen over the full test set)', async () => {
    const v = byName('codex_humaneval:3shot::olmo3');
    const { items } = await v.loadItems(ctx);
    const full = v.buildPrompt(items[5], items);
    expect(v.buildPrompt(items[5], items.slice(0, 10))).toEqual(full);
  });

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
