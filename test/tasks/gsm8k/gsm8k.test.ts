import { aggregateTask } from '../../../src/metrics/aggregate.js';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { variants } from '../../../src/tasks/gsm8k/index.js';
import type { GenerationRecord, TaskLoadContext, VerdictRecord } from '../../../src/types.js';

const ctx: TaskLoadContext = { datasets: new DatasetResolver(), options: {} };
const byName = (n: string) => variants.find((v) => v.name === n)!;
const gen = (text: string | null, i = 0): GenerationRecord => ({
  requestId: 'r',
  task: 't',
  itemId: 'x',
  sampleIndex: i,
  text,
});

describe('gsm8k::olmes', () => {
  it('prompt is byte-exact: 8 shots, blank-line separated, ends with "Answer:"', async () => {
    const v = byName('gsm8k::olmes');
    const { items } = await v.loadItems(ctx);
    expect(items.length).toBe(1319);
    const p = v.buildPrompt(items[0], items);
    expect(p.kind).toBe('completion');
    const text = (p as { text: string }).text;
    expect(text.startsWith('Question: There are 15 trees in the grove.')).toBe(true);
    expect(text.split('\n\nQuestion: ').length).toBe(9);
    expect(text.endsWith(`Question: ${items[0].data.question}\nAnswer:`)).toBe(true);
    expect(text).toContain('So the answer is 8.\n\nQuestion: ' + items[0].data.question);
    expect(v.settings.generation).toMatchObject({
      max_tokens: 512,
      temperature: 0,
      stop: ['Question:', '</s>', '<|im_end|>', '\n\n'],
    });
  });
  it('scores 18.00 wrong and 18 right; errored generation is not scored', async () => {
    const v = byName('gsm8k::olmes');
    const s = await v.createScorer(ctx);
    const item = { id: 'gsm8k/0', data: { question: 'q', answer: '#### 18', gold: '18' } };
    expect((await s.score(item, gen(' She makes $18.00.'), { options: {} })).scores).toEqual({
      exact_match: 0,
    });
    expect((await s.score(item, gen(' 9 * 2 = 18. So the answer is 18.'), { options: {} })).scores).toEqual({
      exact_match: 1,
    });
    const e = await s.score(item, { ...gen(null), error: 'HTTP 500' }, { options: {} });
    expect(e.scores).toBeNull();
  });
});

describe('gsm8k:chat / :n32', () => {
  it('chat scores 18.00 right with a reason when wrong; n32 aggregates pass@k and maj@k', async () => {
    const v = byName('gsm8k:chat:n32');
    const s = await v.createScorer(ctx);
    const item = { id: 'gsm8k/0', data: { question: 'q', answer: '#### 18', gold: '18' } };
    const ok = await s.score(item, gen('so \\boxed{18.00}'), { options: {} });
    expect(ok.scores).toEqual({ exact_match: 1 });
    const bad = await s.score(item, gen('so \\boxed{17}'), { options: {} });
    expect(bad.reason).toBe('extracted 17, expected 18');
    const verdicts: VerdictRecord[] = [];
    for (let i = 0; i < 32; i++) {
      const text = i < 20 ? '\\boxed{18}' : '\\boxed{17}';
      const r = await s.score(item, gen(text, i), { options: {} });
      verdicts.push({
        requestId: 'gsm8k:chat:n32|gsm8k/0',
        task: v.name,
        itemId: 'gsm8k/0',
        sampleIndex: i,
        ...r,
      });
    }
    const m = aggregateTask(v, [item], verdicts, { seed: 1 });
    expect(m.primary).toBe('pass@1');
    expect(m.metrics['pass@1'].value).toBeCloseTo(20 / 32, 10);
    expect(m.metrics['pass@32'].value).toBe(1);
    expect(m.metrics['maj@32'].value).toBe(1);
    expect(Object.keys(m.metrics)).toEqual(
      expect.arrayContaining(['maj@1', 'maj@4', 'maj@8', 'maj@16', 'pass@16', 'avg@32']),
    );
  });
});
