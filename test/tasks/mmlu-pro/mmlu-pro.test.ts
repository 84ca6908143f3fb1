import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { extractMmluProLetter, mmluProFallbackGuess } from '../../../src/scoring/choice/extract.js';
import { variants } from '../../../src/tasks/mmlu-pro/index.js';
import type { TaskLoadContext } from '../../../src/types.js';

const ctx: TaskLoadContext = { datasets: new DatasetResolver(), options: {} };

describe('mmlu_pro', () => {
  it('two data versions with their own identity; 5-shot prompt of the same category', async () => {
    const [v24, v26] = variants;
    expect(v24.settings.dataVersion).toBe('2024-10');
    expect(v26.settings.dataVersion).toBe('2026-02');
    const { items, datasets } = await v24.loadItems(ctx);
    expect(items.length).toBe(12032);
    expect(datasets.map((d) => d.id)).toEqual(['mmlu-pro-validation', 'mmlu-pro-test-2024-10']);
    const it0 = items[0];
    const text = (v24.buildPrompt(it0, items) as { text: string }).text;
    expect(
      text.startsWith(
        `The following are multiple choice questions (with answers) about ${it0.data.category}. Think step by step`,
      ),
    ).toBe(true);
    expect(
      text.split('\nQuestion:\n').length + (text.includes('.\nQuestion:\n') ? 0 : 0),
    ).toBeGreaterThanOrEqual(2);
    expect(text.match(/Answer: Let's think step by step\./g)!.length).toBe(6);
    expect(text.endsWith("Answer: Let's think step by step.")).toBe(true);
    expect(text).not.toContain('N/A\n');
    expect((await v26.loadItems(ctx)).items.length).toBe(12030);
  });
  it('upstream extraction chain and the seeded fallback guess', () => {
    expect(extractMmluProLetter('so the answer is (C). Later the answer is (D).')).toBe('C');
    expect(extractMmluProLetter('Final Answer: B')).toBe('B');
    expect(extractMmluProLetter('I pick E maybe')).toBe('E');
    expect(extractMmluProLetter('no letters here')).toBe(null);
    // random.seed(12345); random.randint(0, 9) in CPython
    // values measured with /usr/bin/python3: random.seed(12345); random.randint(0, n-1)
    expect(mmluProFallbackGuess(10)).toBe(6);
    expect(mmluProFallbackGuess(4)).toBe(3);
  });
});
