/**
 * Sample-by-sample agreement with EvalPlus's own verdicts on real model outputs (Meta-Llama-3-8B base, greedy,
 * ../shared/reference/evalplus-llama3-8b-base). Every disagreement is listed; the set must equal the documented
 * allowlist (docs/fidelity.md#evalplus), and pass@1 must match the published numbers after accounting for it.
 */
import { readFileSync, readdirSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCodeExecutor, loadEvalPlusProblems } from '../../src/sandbox/index.js';
import { hasSharedData, SHARED_REFERENCE } from '../helpers/paths.js';

interface RefSample {
  task_id: string;
  solution: string;
  base_status: string;
  plus_status: string;
}

const REF_DIR = join(SHARED_REFERENCE, 'evalplus-llama3-8b-base');
const available = hasSharedData && existsSync(REF_DIR);

/**
 * Documented disagreements: "<task_id> <base|plus>: <ours> vs <evalplus>" (see docs/fidelity.md#evalplus).
 * `timing: true` marks verdicts that hinge on a per-input time limit (solution within a factor ~4 of the ground
 * truth's time, measured on a loaded machine): they may agree or disagree from run to run; all others must disagree
 * exactly as listed.
 */
const ALLOWLIST: Record<'humaneval' | 'mbpp', { key: string; timing: boolean }[]> = {
  humaneval: [
    // trial division of the prime 123456791: ~2.7 s of CPython here against the 4 s per-input floor; EvalPlus
    // recorded a timeout; we pass on a quiet machine and time out under heavy load (docs/fidelity.md#evalplus).
    { key: 'HumanEval/31 plus: pass vs fail', timing: true },
  ],
  mbpp: [
    // EvalPlus failed input 10**100 of a 101-deep recursive digit sum; it passes in plain CPython 3.11 and here.
    { key: 'Mbpp/566 plus: pass vs fail', timing: false },
    // naive recursive Catalan(15): ~3.5x the ground truth's time, under EvalPlus's 4x rule only on a quiet machine.
    { key: 'Mbpp/583 plus: pass vs fail', timing: true },
    // a Python loop to 99,999,999 vs sum(range()): ~7x the ground-truth time here; EvalPlus measured a slower ground truth.
    { key: 'Mbpp/599 plus: fail vs pass', timing: true },
  ],
};

const EXPECTED = {
  humaneval: { n: 164, base: 27.4, plus: 23.8 },
  mbpp: { n: 378, base: 60.3, plus: 48.7 },
};

function loadReference(dataset: 'humaneval' | 'mbpp'): RefSample[] {
  const dir = join(REF_DIR, dataset);
  const file = readdirSync(dir).find((f) => f.endsWith('_eval_results.json'));
  if (!file) throw new Error(`no *_eval_results.json in ${dir}`);
  const data = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { eval: Record<string, RefSample[]> };
  return Object.values(data.eval).flat();
}

const executor = createCodeExecutor({ workers: 2, cacheDir: mkdtempSync(join(tmpdir(), 'evalkit-gt-ref-')) });
afterAll(() => executor.close());

describe('EvalPlus reference verdicts (needs ../shared/reference)', () => {
  it('the reference data is present (CI always has ../shared: a missing mirror fails, never skips)', () => {
    expect(available).toBe(true);
  });

  for (const [dataset, id] of [
    ['humaneval', 'humanevalplus-v0.1.10'],
    ['mbpp', 'mbppplus-v0.2.0'],
  ] as const) {
    it(`${dataset}: verdicts agree sample by sample`, async () => {
      const problems = new Map((await loadEvalPlusProblems(id)).map((p) => [p.taskId, p]));
      const samples = loadReference(dataset);
      expect(samples).toHaveLength(EXPECTED[dataset].n);
      await executor.prepare([...problems.values()]);
      const disagreements: string[] = [];
      const ours = new Map<RefSample, { base: string; plus: string }>();
      await Promise.all(
        samples.map(async (s) => {
          const problem = problems.get(s.task_id);
          if (!problem) throw new Error(`reference task ${s.task_id} not in ${id}`);
          const r = await executor.evaluateEvalPlus(problem, s.solution);
          ours.set(s, { base: r.base.status, plus: r.plus.status });
          if (r.base.status !== s.base_status) {
            disagreements.push(
              `${s.task_id} base: ${r.base.status} vs ${s.base_status} (${r.base.reason ?? ''})`,
            );
          }
          if (r.plus.status !== s.plus_status) {
            disagreements.push(
              `${s.task_id} plus: ${r.plus.status} vs ${s.plus_status} (${r.plus.reason ?? ''})`,
            );
          }
        }),
      );
      disagreements.sort();
      if (disagreements.length) console.log(`${dataset} disagreements:\n  ${disagreements.join('\n  ')}`);
      const keys = disagreements.map((d) => d.replace(/ \(.*$/s, ''));
      const allowed = ALLOWLIST[dataset];
      // every disagreement is allowlisted, and every non-timing allowlist entry occurs
      // timing entries accept any of our statuses for that sample and test set (fail or timeout under load)
      const covers = (a: { key: string; timing: boolean }, k: string): boolean =>
        a.timing ? k.split(':')[0] === a.key.split(':')[0] : a.key === k;
      expect(keys.filter((k) => !allowed.some((a) => covers(a, k)))).toEqual([]);
      expect(allowed.filter((a) => !a.timing && !keys.includes(a.key)).map((a) => a.key)).toEqual([]);

      // pass@1 after accounting for exactly the allowlisted samples (their EvalPlus verdict is used).
      const n = EXPECTED[dataset].n;
      let adjBase = 0;
      let adjPlus = 0;
      for (const s of samples) {
        const o = { ...ours.get(s)! };
        if (ALLOWLIST[dataset].some((a) => a.key.startsWith(`${s.task_id} base:`))) o.base = s.base_status;
        if (ALLOWLIST[dataset].some((a) => a.key.startsWith(`${s.task_id} plus:`))) o.plus = s.plus_status;
        if (o.base === 'pass') adjBase++;
        if (o.base === 'pass' && o.plus === 'pass') adjPlus++;
      }
      expect(Math.round((1000 * adjBase) / n) / 10).toBe(EXPECTED[dataset].base);
      expect(Math.round((1000 * adjPlus) / n) / 10).toBe(EXPECTED[dataset].plus);
    }, 1_800_000);
  }
});
