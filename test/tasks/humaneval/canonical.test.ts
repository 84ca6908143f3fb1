import { aggregateTask } from '../../../src/metrics/aggregate.js';
import { describe, expect, it } from 'vitest';
import { variants } from '../../../src/tasks/humaneval/index.js';
import type { Item, TaskVariant } from '../../../src/types.js';
import { codeScoringContext, gen } from '../../helpers/code-scoring.js';

const { ctx, track } = codeScoringContext();
const options = ctx.options;
const SUBSET = 20; // the full sets are covered by the sandbox engineer's tests
const TIMING_SENSITIVE = ['HumanEval/15', 'HumanEval/18'];

/** What a perfect model would emit for each variant's prompt. */
function perfectOutput(v: TaskVariant, item: Item): string {
  const d = item.data as { prompt: string; canonicalSolution: string };
  if (v.settings.format === 'chat') return d.prompt + d.canonicalSolution + '\n```';
  return d.canonicalSolution;
}

describe.each(variants.map((v) => [v.name, v] as const))('%s: canonical solutions pass', (_name, v) => {
  it(`first ${SUBSET} items`, async () => {
    const { items } = await v.loadItems(ctx);
    const scorer = track(await v.createScorer(ctx));
    const subset = items.slice(0, SUBSET);
    const verdicts = await Promise.all(
      subset.map((it) => scorer.score(it, gen(it, perfectOutput(v, it)), { options })),
    );
    for (const [i, vd] of verdicts.entries()) {
      const expected = v.settings.primaryMetric.startsWith('plus') ? { base: 1, plus: 1 } : { pass: 1 };
      // OLMES runs the HumanEval+ check program under one 20 s alarm: these canonical programs take 10-22 s on
      // a loaded 2-core machine, so they pass or time out depending on load (docs/fidelity.md#olmes-code).
      if (v.name === 'codex_humanevalplus:temp0.8' && TIMING_SENSITIVE.includes(subset[i].id)) {
        expect(vd.scores?.pass === 1 || vd.details?.status === 'timeout').toBe(true);
        continue;
      }
      expect({ id: subset[i].id, scores: vd.scores, reason: vd.reason }).toEqual({
        id: subset[i].id,
        scores: expected,
        reason: undefined,
      });
      expect(vd.extracted).toContain(`def ${(subset[i].data as { entryPoint: string }).entryPoint}`);
    }
    // A wrong answer fails with a reason, and a replayed full solution is executed as-is.
    const bad = await scorer.score(subset[0], gen(subset[0], '    return None\n'), { options });
    expect(Object.values(bad.scores!).every((x) => x === 0)).toBe(true);
    expect(bad.reason).toBeTruthy();
    const d = subset[1].data as { prompt: string; canonicalSolution: string };
    const replayed = await scorer.score(
      subset[1],
      gen(subset[1], d.prompt + d.canonicalSolution, { textIsSolution: true }),
      { options },
    );
    expect(Object.values(replayed.scores!).every((x) => x === 1)).toBe(true);
    const agg = aggregateTask(
      v,
      subset,
      verdicts.map((vd, i) => ({
        ...vd,
        requestId: `t|${subset[i].id}`,
        task: v.name,
        itemId: subset[i].id,
        sampleIndex: 0,
      })),
      {},
    );
    const allPass = verdicts.filter((vd) =>
      Object.values(vd.scores ?? { x: 0 }).every((x) => x === 1),
    ).length;
    expect(agg.metrics[v.settings.primaryMetric.replace('@10', '@1')].value).toBe(allPass / subset.length);
  }, 600_000); // ground truth + 20 sandboxed programs: minutes when CI runs test files in parallel
});
