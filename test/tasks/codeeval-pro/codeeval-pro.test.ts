/**
 * HumanEval Pro / MBPP Pro through the real variants and the Python sandbox: every reference solution
 * (raw_problem + raw_solution + new_problem + new_solution, as the official harness's ground truth) passes
 * its official tests — 164/164 and 378/378 — and a self-invoking function that ignores the base function fails.
 */
import { aggregateTask } from '../../../src/metrics/aggregate.js';
import { describe, expect, it } from 'vitest';
import { getTask } from '../../../src/tasks/registry.js';
import { createProScorer, cutAtFence, type ProData } from '../../../src/tasks/codeeval-pro/index.js';
import type { Item } from '../../../src/types.js';
import { codeScoringContext, gen } from '../../helpers/code-scoring.js';

const { ctx, track } = codeScoringContext();

describe('HumanEval Pro / MBPP Pro', () => {
  it('builds the official instruction + response prefix prompt (Magicoder wrapper)', async () => {
    const v = await getTask('humaneval_pro');
    const { items } = await v.loadItems(ctx);
    const d = items[0].data as ProData;
    const p = v.buildPrompt(items[0], items);
    expect(p.kind).toBe('completion');
    const text = (p as { text: string }).text;
    expect(text.startsWith('You are an exceptionally intelligent coding assistant')).toBe(true);
    expect(text).toContain(
      '@@ Instruction\nWrite a solution of python file to the following problems, the solution of the second problem requires single or multiple calls to the first solution.\n```python\n' +
        d.rawProblem.trim() +
        '\n' +
        d.newProblem.trim() +
        '\n```\n\n@@ Response\n```python\n' +
        d.rawProblem.trim() +
        '\n',
    );
    expect(text.endsWith(d.rawProblem.trim() + '\n')).toBe(true);
    expect(cutAtFence('  return 1\n```\nmore')).toBe('  return 1\n');
    const chat = (await getTask('mbpp_pro:chat')).buildPrompt(items[0], items);
    expect(chat.kind).toBe('chat');
  });

  it.each([
    ['humaneval_pro', 164],
    ['mbpp_pro', 378],
  ] as const)(
    '%s: every reference solution passes (%i), a wrong answer fails',
    async (name, count) => {
      const v = await getTask(name);
      const { items } = await v.loadItems(ctx);
      expect(items).toHaveLength(count);
      // The variant's limit is code_eval's 3 s; on a heavily shared machine a reference solution can exceed it
      // in wall time, so the ground-truth sweep runs the same scorer with a 60 s limit (timing is not under test).
      const scorer = track(createProScorer(ctx, 'completion', 60_000));
      const verdicts = await Promise.all(
        (items as Item<ProData>[]).map((it) =>
          scorer.score(it, gen(it, it.data.rawSolution + it.data.newProblem + it.data.newSolution), ctx),
        ),
      );
      const failed = verdicts
        .map((r, i) => [items[i].id, r] as const)
        .filter(([, r]) => r.scores?.pass !== 1);
      expect(failed.map(([id, r]) => `${id}: ${r.reason}`)).toEqual([]);
      const m = aggregateTask(
        v,
        items,
        verdicts.map((r, i) => ({
          ...r,
          requestId: `${name}|${items[i].id}`,
          task: name,
          itemId: items[i].id,
          sampleIndex: 0,
        })),
        {},
      );
      expect(m.metrics['pass@1'].value).toBe(1);
      // The self-invoking function returns None instead of calling the base function: the tests catch it.
      const it0 = items[0] as Item<ProData>;
      const header = it0.data.newProblem.trimEnd();
      const wrong = await scorer.score(
        it0,
        gen(it0, it0.data.rawSolution + header + '\n    return None\n'),
        ctx,
      );
      expect(wrong.scores).toEqual({ pass: 0 });
      expect(wrong.reason).toBeTruthy();
    },
    600_000,
  );

  it('chat variant: the last python block of the answer is the program', async () => {
    const v = await getTask('humaneval_pro:chat');
    const { items } = await v.loadItems(ctx);
    const it0 = items[0] as Item<ProData>;
    const scorer = track(await v.createScorer(ctx));
    const code = it0.data.rawProblem + it0.data.rawSolution + it0.data.newProblem + it0.data.newSolution;
    const r = await scorer.score(it0, gen(it0, 'Here you go:\n```python\n' + code + '\n```\nDone.'), ctx);
    expect(r.scores, r.reason).toEqual({ pass: 1 });
  }, 120_000);
});
