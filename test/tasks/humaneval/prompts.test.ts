import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { variants } from '../../../src/tasks/humaneval/index.js';
import type { Item, TaskVariant } from '../../../src/types.js';

const ctx = { datasets: new DatasetResolver(), options: {} };
const byName = (n: string) => variants.find((v) => v.name === n) as TaskVariant;

/** OLMES selection computed by CPython itself: Random(1234).sample(test_docs, 4) minus the doc, first 3. */
function pythonShots(n: number, docIndex: number): number[] {
  const out = execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      `import random, json\nidx = random.Random(1234).sample(range(${n}), 4)\nprint(json.dumps([i for i in idx if i != ${docIndex}][:3]))`,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as number[];
}

describe('HumanEval OLMES prompts', () => {
  it('codex_humaneval:3shot::olmo3 is byte-exact: ```python shots from Python-seeded test-set sampling', async () => {
    const v = byName('codex_humaneval:3shot::olmo3');
    const { items } = await v.loadItems(ctx);
    expect(items).toHaveLength(164);
    const sampled = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import random;print(random.Random(1234).sample(range(164),4))'],
      { encoding: 'utf8' },
    );
    const first4 = JSON.parse(sampled) as number[];
    // Items checked: an ordinary item, and an item that is itself among the 4 sampled (must be skipped).
    for (const idx of [0, first4[0], first4[3], 163]) {
      const item = items[idx] as Item<{ prompt: string; canonicalSolution: string }>;
      const shots = pythonShots(164, idx).map(
        (i) => items[i].data as { prompt: string; canonicalSolution: string },
      );
      const expected =
        shots.map((s) => '```python\n' + s.prompt + s.canonicalSolution + '```').join('\n\n') +
        '\n\n```python\n' +
        item.data.prompt;
      const got = v.buildPrompt(item, items);
      expect(got).toEqual({ kind: 'completion', text: expected });
      // shots never include the item itself
      expect(shots.map((s) => s.prompt)).not.toContain(item.data.prompt);
    }
    // settings as recorded in the manifest
    expect(v.settings.generation).toEqual({
      shaping: 'olmes',
      n: 20,
      temperature: 0.8,
      top_p: 0.95,
      max_tokens: 1024,
      stop: ['\nclass', '\nif', '\nprint', '\n#', '\n```', '\n```\n\n', '<|eot_id|>'],
    });
  });

  it('3-shot prompt does not depend on --limit (shots chosen over the full test set)', async () => {
    const v = byName('codex_humaneval:3shot::olmo3');
    const { items } = await v.loadItems(ctx);
    const full = v.buildPrompt(items[5], items);
    expect(v.buildPrompt(items[5], items.slice(0, 10))).toEqual(full);
  });

  it('starcoder rows and codex_humanevalplus use the raw prompt', async () => {
    for (const name of ['codex_humaneval::starcoder_pass@1', 'codex_humaneval::starcoder_pass@10']) {
      const v = byName(name);
      const { items } = await v.loadItems(ctx);
      for (const idx of [0, 81, 163]) {
        expect(v.buildPrompt(items[idx], items)).toEqual({
          kind: 'completion',
          text: (items[idx].data as { prompt: string }).prompt,
        });
      }
    }
    expect(byName('codex_humaneval::starcoder_pass@1').settings.generation).toMatchObject({
      n: 20,
      temperature: 0.2,
      top_p: 0.95,
      max_tokens: 512,
    });
    expect(byName('codex_humaneval::starcoder_pass@10').settings).toMatchObject({
      primaryMetric: 'pass@10',
      generation: { n: 20, temperature: 0.8 },
    });
    const plus = byName('codex_humanevalplus:temp0.8');
    const { items } = await plus.loadItems(ctx);
    expect(plus.buildPrompt(items[3], items)).toEqual({
      kind: 'completion',
      text: (items[3].data as { prompt: string }).prompt,
    });
    expect(plus.settings.generation).toMatchObject({ n: 1, temperature: 0.8, top_p: 0.95, max_tokens: 512 });
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
