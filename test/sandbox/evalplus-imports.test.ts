/**
 * What a solution can import in an EvalPlus job is EvalPlus's environment, not this machine's: the standard library
 * and EvalPlus's own dependencies. sympy is installed here (scripts/bootstrap installs it for MATH grading), so a
 * solution importing it would pass on this machine and fail under EvalPlus; the executor must fail it.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalPlusProblem } from '../../src/sandbox/api.js';
import { executorWithFreshCache } from '../helpers/sandbox.js';

const executor = executorWithFreshCache('imports', { workers: 1 });
afterAll(() => executor.close());

const add: EvalPlusProblem = {
  taskId: 'Imports/1',
  dataset: 'humaneval',
  entryPoint: 'add',
  groundTruthProgram: 'def add(a, b):\n    return a + b\n',
  baseInputs: [[1, 2]],
  plusInputs: [[10, 20]],
  atol: 0,
  datasetHash: 'imports-test',
};

describe('EvalPlus jobs import only what EvalPlus has', () => {
  it('fails a solution that imports a package installed on this machine but not in EvalPlus', async () => {
    // precondition: the package really is importable by this machine's python3 (else the test proves nothing)
    execFileSync('/usr/bin/python3', ['-c', 'import sympy']);
    for (const head of ['import sympy', 'from sympy.core import S']) {
      const r = await executor.evaluateEvalPlus(add, `${head}\ndef add(a, b):\n    return a + b\n`);
      expect([r.base.status, r.plus.status], head).toEqual(['fail', 'fail']);
      expect(r.base.reason, head).toMatch(/ModuleNotFoundError: No module named 'sympy'/);
    }
  }, 60_000);

  it('passes solutions that import the standard library, also inside the function', async () => {
    const sol = [
      'import fractions, xml.dom.minidom, collections.abc',
      'def add(a, b):',
      '    import json, decimal',
      '    return int(fractions.Fraction(a)) + int(decimal.Decimal(b)) + len(json.dumps([]))  - 2',
    ].join('\n');
    const r = await executor.evaluateEvalPlus(add, sol);
    expect([r.base.status, r.plus.status], r.base.reason).toEqual(['pass', 'pass']);
  }, 60_000);
});
