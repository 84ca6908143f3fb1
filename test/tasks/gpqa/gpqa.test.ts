import { aggregateTask } from '../../../src/metrics/aggregate.js';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { extractGpqaLetter } from '../../../src/scoring/choice/extract.js';
import { variants } from '../../../src/tasks/gpqa/index.js';
import type { TaskLoadContext, VerdictRecord } from '../../../src/types.js';

const ctx: TaskLoadContext = { datasets: new DatasetResolver(), options: {} };

describe('gpqa_diamond', () => {
  it('decrypts in memory: 198 questions, options shuffled reproducibly, gold letters spread over A–D', async () => {
    const v = variants[0];
    const a = await v.loadItems(ctx);
    const b = await v.loadItems(ctx);
    expect(a.items.length).toBe(198);
    expect(a.items.map((i) => i.data.options)).toEqual(b.items.map((i) => i.data.options));
    const counts = Object.fromEntries(
      ['A', 'B', 'C', 'D'].map((l) => [l, a.items.filter((i) => i.data.gold === l).length]),
    );
    for (const l of 'ABCD') expect(counts[l]).toBeGreaterThan(25);
    const p = v.buildPrompt(a.items[0], a.items);
    expect((p as { messages: { content: string }[] }).messages[0].content).toContain("'Answer: $LETTER'");
    const s = await v.createScorer(ctx);
    const verdicts: VerdictRecord[] = [];
    for (const it of a.items) {
      const r = await s.score(
        it,
        {
          requestId: 'r',
          task: v.name,
          itemId: it.id,
          sampleIndex: 0,
          text: `Reasoning...\nAnswer: ${it.data.gold}`,
        },
        { options: {} },
      );
      verdicts.push({ requestId: `${v.name}|${it.id}`, task: v.name, itemId: it.id, sampleIndex: 0, ...r });
    }
    const m = aggregateTask(v, a.items, verdicts, {});
    expect(m.metrics.acc.value).toBe(1);
    expect(Object.keys(m.breakdowns!.domain).sort()).toEqual(['Biology', 'Chemistry', 'Physics']);
  });
  it('letter extraction', () => {
    expect(extractGpqaLetter('so...\nAnswer: C')).toBe('C');
    expect(extractGpqaLetter('The answer is (B).')).toBe('B');
    expect(extractGpqaLetter('**Answer:** D')).toBe('D');
    expect(extractGpqaLetter('nothing here')).toBe(null);
  });
});
