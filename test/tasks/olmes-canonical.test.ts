/**
 * Canonical solutions under OLMES's execution rules (FACTS.md A7, C7, C8 in ../shared/reference/olmes-prompts):
 * the whole HumanEval (164) and MBPP test split (500) through the OLMES rows' own scorers, in the real sandbox.
 * Every canonical program passes except the items OLMES itself fails, listed here and in docs/fidelity.md#olmes-code.
 * A 3 s whole-program alarm is load-dependent on a shared machine: an item that times out must pass when run
 * again alone with a 60 s alarm (so a timeout can never hide a wrong verdict), and is printed.
 */
import { describe, expect, it } from 'vitest';
import { createCheckScorer, OLMES_PRELOADED_MODULES } from '../../src/scoring/code/scorers.js';
import { getTask } from '../../src/tasks/registry.js';
import type { Item, VerdictRecord } from '../../src/types.js';
import { codeScoringContext, gen } from '../helpers/code-scoring.js';

const { ctx, track } = codeScoringContext();
const options = ctx.options;

/** Items whose canonical program fails under OLMES's rules, with the reason (deterministic, not timing). */
const OLMES_FAILS: Record<string, Record<string, RegExp>> = {
  'codex_humaneval::starcoder_pass@1': {},
  // Its asserts use `root`, defined only in test_setup_code, which OLMES does not execute (mbpp.py L271-309).
  'mbpp::starcoder_pass@1': { 'Mbpp/367': /NameError: name 'root' is not defined/ },
};

type Verdict = Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'>;

describe.each(Object.keys(OLMES_FAILS))('%s: canonical solutions under OLMES rules', (alias) => {
  it('every item passes except the ones OLMES fails', async () => {
    const v = await getTask(alias);
    const { items } = await v.loadItems(ctx);
    const scorer = track(await v.createScorer(ctx));
    const perfect = (it: Item) => {
      const d = it.data as { code?: string; canonicalSolution?: string };
      return d.code ?? d.canonicalSolution!; // MBPP: the whole function; HumanEval: the body after the prompt
    };
    const verdicts: Verdict[] = await Promise.all(
      items.map((it) => scorer.score(it, gen(it, perfect(it)), { options })),
    );
    const failed = new Map<string, string>();
    const timedOut: Item[] = [];
    verdicts.forEach((vd, i) => {
      if (vd.scores?.pass === 1) return;
      if (vd.details?.status === 'timeout') timedOut.push(items[i]);
      else failed.set(items[i].id, vd.reason ?? '');
    });
    // A timeout is re-run alone with a 60 s alarm: it must pass (it was load, not a wrong program).
    const patient = track(
      createCheckScorer({
        ctx,
        buildProgram: async (it, g) => programOf(it, g.text ?? ''),
        testCode: testOf,
        timeoutMs: 60_000,
        preload: OLMES_PRELOADED_MODULES,
      }),
    );
    for (const it of timedOut) {
      const again = await patient.score(it, gen(it, perfect(it)), { options });
      expect({ id: it.id, pass: again.scores?.pass, reason: again.reason }).toEqual({
        id: it.id,
        pass: 1,
        reason: undefined,
      });
    }
    const expected = OLMES_FAILS[alias];
    console.log(
      `${alias}: ${items.length - failed.size - timedOut.length}/${items.length} canonical programs pass under OLMES rules; ` +
        `OLMES-failing: ${[...failed.keys()].join(', ') || 'none'}; timed out under load then passed with 60 s: ${timedOut.map((t) => t.id).join(', ') || 'none'}`,
    );
    expect([...failed.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [id, re] of Object.entries(expected)) expect(failed.get(id)).toMatch(re);
  }, 1_200_000);
});

/** The program and test code the OLMES rows execute (the rows' scorers build the same; see the task modules). */
function programOf(it: Item, text: string): string {
  const d = it.data as { prompt?: string; code?: string };
  return d.code !== undefined ? text : d.prompt! + text;
}
function testOf(it: Item): string {
  const d = it.data as { testProgram?: string; test?: string; entryPoint?: string };
  return d.testProgram ?? `${d.test}\ncheck(${d.entryPoint})`;
}
