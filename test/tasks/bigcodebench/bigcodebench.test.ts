/**
 * BigCodeBench through its real variants, the unittest harness and the Python sandbox. CI runs the ground-truth
 * gate on the 33 Hard tasks that import only the standard library (plus one task whose library Debian lacks);
 * the full Hard gate needs the Debian python3-* libraries (docs/code-benchmarks.md) and runs with
 * `npm run bench:bcb-gate`.
 */
import { aggregateTask } from '../../../src/metrics/aggregate.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getTask } from '../../../src/tasks/registry.js';
import { HARD_TASK_NUMBERS, V014_CHANGED, type BcbData } from '../../../src/tasks/bigcodebench/index.js';
import { parseHarnessResult } from '../../../src/tasks/bigcodebench/unittest-harness.js';
import type { Item, VerdictRecord } from '../../../src/types.js';
import { codeScoringContext, gen } from '../../helpers/code-scoring.js';

const DATA = process.env.EVALKIT_DATA_DIR!;
const { ctx, track } = codeScoringContext();

/** Hard tasks with no third-party import (hard_thirdparty_imports.tsv, empty second column). */
const STDLIB_ONLY = readFileSync(join(DATA, 'bigcodebench', 'hard_thirdparty_imports.tsv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter((l) => l.trim() && l.split('\t')[1] === '')
  .map((l) => l.split('\t')[0]);
/** Of those, the ones whose canonical solution fails here (none, measured: docs/code-benchmarks.md). */
const STDLIB_ONLY_REJECTED: Record<string, RegExp> = {};

describe('BigCodeBench data and prompts', () => {
  it('loads 1140 tasks / 148 Hard, flags the 10 tasks changed by v0.1.4', async () => {
    const full = await (await getTask('bigcodebench:complete')).loadItems(ctx);
    const hard = await (await getTask('bigcodebench-hard:instruct')).loadItems(ctx);
    expect(full.items).toHaveLength(1140);
    expect(hard.items).toHaveLength(148);
    const ids = readFileSync(join(DATA, 'bigcodebench', 'hard_task_ids.txt'), 'utf8')
      .trim()
      .split('\n');
    expect(hard.items.map((i) => i.id)).toEqual(ids);
    expect(HARD_TASK_NUMBERS.map((n) => `BigCodeBench/${n}`)).toEqual(ids);
    const flagged = full.items
      .filter((i) => (i.data as BcbData).changedByV014)
      .map((i) => Number(i.id.split('/')[1]));
    expect(flagged).toEqual([...V014_CHANGED]);
    expect(STDLIB_ONLY).toHaveLength(33);
  });

  it('official prompts: complete_prompt verbatim for base models, instruction prefix for chat', async () => {
    const v = await getTask('bigcodebench-hard:complete');
    const { items } = await v.loadItems(ctx);
    const d = items[0].data as BcbData;
    expect(v.buildPrompt(items[0], items)).toEqual({ kind: 'completion', text: d.completePrompt });
    expect(v.settings.generation.stop).toEqual([
      '<|endoftext|>',
      '<|endofmask|>',
      '</s>',
      '\nif __name__',
      '\ndef main(',
      '\nprint(',
      '\ndef ',
      '\nclass ',
      '\nimport ',
      '\nfrom ',
      '\nassert ',
    ]);
    const chat = (await getTask('bigcodebench-hard:instruct')).buildPrompt(items[0], items);
    expect(chat).toEqual({
      kind: 'chat',
      messages: [
        {
          role: 'user',
          content: `Please provide a self-contained Python script that solves the following problem in a markdown code block:\n${d.instructPrompt.trim()}\n`,
        },
      ],
    });
  });

  it('reads the harness result line only when it carries the marker', () => {
    const ok = 'noise\nM {"tests": 2, "failures": [], "errors": [], "fatal": null}\n';
    expect(parseHarnessResult(ok, 'M')).toMatchObject({ tests: 2 });
    expect(parseHarnessResult('X {"tests": 2, "failures": [], "errors": [], "fatal": null}', 'M')).toBeNull();
    expect(parseHarnessResult(ok + 'trailing output\n', 'M')).toBeNull();
  });
});

describe('BigCodeBench ground-truth gate and scoring (stdlib-only Hard tasks)', () => {
  it('admits the stdlib-only Hard tasks whose canonical solution passes, rejects the rest with reasons; scores on admitted tasks', async () => {
    const v = await getTask('bigcodebench-hard:complete');
    const { items } = await v.loadItems(ctx);
    const chosen = items.filter(
      (i) => STDLIB_ONLY.includes(i.id) || i.id === 'BigCodeBench/418',
    ) as Item<BcbData>[];
    const scorer = track(await v.createScorer(ctx));
    // the canonical body as the model's completion: passes wherever the gate admitted the task
    const verdicts = await Promise.all(
      chosen.map(async (it) => ({ it, r: await scorer.score(it, gen(it, it.data.canonicalSolution), ctx) })),
    );
    for (const { it, r } of verdicts) {
      const expectReject =
        it.id === 'BigCodeBench/418' ? /No module named 'tensorflow'/ : STDLIB_ONLY_REJECTED[it.id];
      if (expectReject) {
        expect(r.details?.admitted, it.id).toBe(false);
        expect(r.reason, it.id).toMatch(expectReject);
      } else {
        expect(r.details?.admitted, `${it.id}: ${r.reason}`).toBe(true);
        expect(r.scores, `${it.id}: ${r.reason}`).toEqual({ pass: 1 });
      }
    }
    // a wrong completion of an admitted task fails with the failing unittest named
    const it13 = chosen.find((i) => i.id === 'BigCodeBench/13')!;
    const wrong = await scorer.score(it13, gen(it13, '    return []\n'), ctx);
    expect(wrong.scores).toEqual({ pass: 0 });
    expect(wrong.reason).toMatch(/tests failed; test_/);
    const records: VerdictRecord[] = verdicts.map(({ it, r }) => ({
      ...r,
      requestId: `b|${it.id}`,
      task: v.name,
      itemId: it.id,
      sampleIndex: 0,
    }));
    const m = aggregateTask(v, chosen, records, { seed: 1 });
    const rejected = Object.keys(STDLIB_ONLY_REJECTED).length + 1;
    expect(m.metrics.admitted_tasks.value).toBe(chosen.length - rejected);
    expect(m.metrics.not_admitted_tasks.value).toBe(rejected);
    expect(m.metrics['pass@1'].value).toBe(1);
    expect(m.metrics['pass@1'].items).toBe(chosen.length - rejected); // rejected tasks carry details.excluded
  }, 900_000);
});
