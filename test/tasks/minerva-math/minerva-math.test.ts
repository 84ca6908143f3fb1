import { aggregateTask } from '../../../src/metrics/aggregate.js';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { variants } from '../../../src/tasks/minerva-math/index.js';
import type { TaskLoadContext, VerdictRecord } from '../../../src/types.js';

const ctx: TaskLoadContext = { datasets: new DatasetResolver(), options: {} };
const byName = (n: string) => variants.find((v) => v.name === n)!;

describe('minerva_math_500::olmes', () => {
  it('byte-exact 4-shot prompt and OLMES generation settings', async () => {
    const v = byName('minerva_math_500::olmes');
    const { items } = await v.loadItems(ctx);
    expect(items.length).toBe(500);
    const text = (v.buildPrompt(items[0], items) as { text: string }).text;
    expect(
      text.startsWith(
        'Problem:\nFind the domain of the expression  $\\frac{\\sqrt{x-2}}{\\sqrt{5-x}}$.}\n\nSolution: The expressions',
      ),
    ).toBe(true);
    expect(text.split('\n\nProblem:\n').length).toBe(5);
    expect(text.endsWith(`Problem:\n${items[0].data.problem}\n\nSolution:`)).toBe(true);
    expect(v.settings.generation).toMatchObject({
      max_tokens: 1024,
      temperature: 0,
      stop: ['Problem:', '\n\n'],
    });
  });
  it('strict vs flex, breakdowns by subject and level', async () => {
    const v = byName('minerva_math_500::olmes');
    const { items } = await v.loadItems(ctx);
    const s = await v.createScorer(ctx);
    const verdicts: VerdictRecord[] = [];
    for (const [i, it] of items.slice(0, 20).entries()) {
      const text =
        i % 2
          ? `Final Answer: The final answer is $${it.data.answer}$. I hope it is correct.`
          : `So it is $\\boxed{${it.data.answer}}$.`;
      const r = await s.score(
        it,
        { requestId: 'r', task: v.name, itemId: it.id, sampleIndex: 0, text },
        { options: {} },
      );
      verdicts.push({ requestId: `${v.name}|${it.id}`, task: v.name, itemId: it.id, sampleIndex: 0, ...r });
    }
    // boxed-only answers miss the strict Minerva line but count under flex.
    expect(
      verdicts
        .filter((x, i) => i % 2 === 0)
        .every((x) => x.scores!.exact_match === 0 && x.scores!.exact_match_flex === 1),
    ).toBe(true);
    const m = aggregateTask(v, items.slice(0, 20), verdicts, {});
    expect(m.metrics.exact_match_flex.value).toBe(1);
    expect(m.metrics.exact_match.value).toBeLessThanOrEqual(0.5);
    expect(m.metrics.exact_match.ci95).toBeDefined();
    expect(Object.keys(m.breakdowns!.subject).length).toBeGreaterThan(1);
    expect(Object.keys(m.breakdowns!.level).length).toBeGreaterThan(1);
  });
});
