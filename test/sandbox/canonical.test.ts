/**
 * The canonical solutions of HumanEval+ and MBPP+ must pass 100% of base and plus inputs: this checks the whole
 * path (inputs as EvalPlus feeds them, MBPP+ deserialisation, ground-truth cache, comparison, special oracles).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCodeExecutor, loadEvalPlusProblems } from '../../src/sandbox/index.js';
import { hasSharedData } from '../helpers/paths.js';

const executor = createCodeExecutor({ workers: 2, cacheDir: mkdtempSync(join(tmpdir(), 'evalkit-gt-')) });
afterAll(() => executor.close());

describe('canonical solutions (needs ../shared/datasets)', () => {
  it('the dataset mirror is present (a missing mirror fails, never skips)', () => {
    expect(hasSharedData).toBe(true);
  });

  for (const [id, count] of [
    ['humanevalplus-v0.1.10', 164],
    ['mbppplus-v0.2.0', 378],
  ] as const) {
    it(`${id}: all ${count} canonical solutions pass base and plus`, async () => {
      const problems = await loadEvalPlusProblems(id);
      expect(problems).toHaveLength(count);
      await executor.prepare(problems);
      const failures: string[] = [];
      let inputs = 0;
      await Promise.all(
        problems.map(async (p) => {
          const program = p.groundTruthProgram;
          const r = await executor.evaluateEvalPlus(p, program);
          inputs += r.base.executed + r.plus.executed;
          if (r.base.status !== 'pass') failures.push(`${p.taskId} base: ${r.base.status} ${r.base.reason}`);
          if (r.plus.status !== 'pass') failures.push(`${p.taskId} plus: ${r.plus.status} ${r.plus.reason}`);
        }),
      );
      expect(failures).toEqual([]);
      const total = problems.reduce((a, p) => a + p.baseInputs.length + p.plusInputs.length, 0);
      expect(inputs).toBe(total);
    }, 900_000);
  }
});
