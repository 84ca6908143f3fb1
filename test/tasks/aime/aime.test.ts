import { aggregateTask } from '../../../src/metrics/aggregate.js';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { variants } from '../../../src/tasks/aime/index.js';
import type { TaskLoadContext, VerdictRecord } from '../../../src/types.js';

const ctx: TaskLoadContext = { datasets: new DatasetResolver(), options: {} };

describe('aime24 / aime25', () => {
  it('loads 30 integer answers each; avg@16 is the primary metric with pass@k', async () => {
    for (const v of variants) {
      const { items } = await v.loadItems(ctx);
      expect(items.length).toBe(30);
      expect(items.every((i) => /^\d+$/.test(i.data.gold))).toBe(true);
      const s = await v.createScorer(ctx);
      const verdicts: VerdictRecord[] = [];
      for (const it of items)
        for (let k = 0; k < 16; k++) {
          const text =
            k < 4 ? `thus \\boxed{${String(it.data.gold).padStart(3, '0')}}` : 'thus \\boxed{1000}';
          const r = await s.score(
            it,
            { requestId: 'r', task: v.name, itemId: it.id, sampleIndex: k, text },
            { options: {} },
          );
          verdicts.push({
            requestId: `${v.name}|${it.id}`,
            task: v.name,
            itemId: it.id,
            sampleIndex: k,
            ...r,
          });
        }
      const m = aggregateTask(v, items, verdicts, {});
      expect(m.primary).toBe('avg@16');
      expect(m.metrics['avg@16'].value).toBeCloseTo(0.25, 10);
      expect(m.metrics['pass@16'].value).toBe(1);
      expect(m.metrics['maj@16'].value).toBe(0);
    }
  });
});
