/**
 * Ground truth missing from the cache is computed in batches (many tasks per sandboxed process, as EvalPlus does in
 * one process). The expected outputs must be exactly those of one process per task and set, and a task whose
 * canonical solution raises must not take the other tasks of its batch down with it.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalPlusProblem } from '../../src/sandbox/api.js';
import { MBPP_OUTPUT_SET_EQ_TASKS } from '../../src/sandbox/evalplus-check.js';
import { createCodeExecutor, loadEvalPlusProblems } from '../../src/sandbox/index.js';

const executors: { close(): Promise<void> }[] = [];
afterAll(() => Promise.all(executors.map((e) => e.close())));

function executor(cacheDir: string) {
  const ex = createCodeExecutor({ workers: 2, cacheDir });
  executors.push(ex);
  return ex;
}

/** Every cache file's expected outputs, by task id (times differ from run to run; outputs may not). */
function expectedOutputs(dir: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.json')) {
        const c = JSON.parse(readFileSync(join(d, e.name), 'utf8'));
        out.set(c.taskId, { base: c.base.outputs, plus: c.plus.outputs });
      }
    }
  };
  walk(dir);
  return out;
}

describe('ground truth in batches', () => {
  it('computes the same expected outputs as one process per task (HumanEval+ and MBPP+, 40 real tasks)', async () => {
    const problems = [
      ...(await loadEvalPlusProblems('humanevalplus-v0.1.10')).slice(0, 20),
      ...(await loadEvalPlusProblems('mbppplus-v0.2.0')).slice(0, 20),
    ];
    const batchedDir = mkdtempSync(join(tmpdir(), 'evalkit-gt-batched-'));
    const batched = executor(batchedDir);
    await batched.prepare(problems);
    expect(batched.stats.groundTruthComputed).toBe(40);

    // One process per task and set: without prepare(), each evaluation computes its task's ground truth alone.
    const singleDir = mkdtempSync(join(tmpdir(), 'evalkit-gt-single-'));
    const single = executor(singleDir);
    await Promise.all(problems.map((p) => single.evaluateEvalPlus(p, p.groundTruthProgram)));
    expect(single.stats.groundTruthComputed).toBe(40);

    const a = expectedOutputs(batchedDir);
    const b = expectedOutputs(singleDir);
    expect(a.size).toBe(40);
    // Tasks EvalPlus compares as sets return tuple(set(...)) of strings, whose order follows the process's string-hash
    // seed: compare their elements sorted (EvalPlus's own comparison ignores the order too).
    const comparable = (p: EvalPlusProblem, v: unknown): unknown => {
      if (!MBPP_OUTPUT_SET_EQ_TASKS.includes(p.entryPoint)) return v;
      const sorted = (o: string): string => {
        const v = JSON.parse(o) as unknown;
        const items = v && typeof v === 'object' && !Array.isArray(v) ? Object.values(v)[0] : undefined;
        return Array.isArray(items) ? JSON.stringify(items.map((x) => JSON.stringify(x)).sort()) : o;
      };
      const { base, plus } = v as { base: string[]; plus: string[] };
      return { base: base.map(sorted), plus: plus.map(sorted) };
    };
    let setEq = 0;
    for (const p of problems) {
      expect(comparable(p, a.get(p.taskId)), p.taskId).toEqual(comparable(p, b.get(p.taskId)));
      if (MBPP_OUTPUT_SET_EQ_TASKS.includes(p.entryPoint)) setEq++;
    }
    expect(setEq).toBeGreaterThan(0); // Mbpp/2 is among them
  }, 600_000);

  it('a canonical solution that raises fails its own task with its error; the rest of its batch is computed', async () => {
    const task = (i: number, body: string): EvalPlusProblem => ({
      taskId: `Batch/${i}`,
      dataset: 'humaneval',
      entryPoint: 'f',
      groundTruthProgram: `def f(x):\n${body}\n`,
      baseInputs: [[1], [2], [3]],
      plusInputs: [[4]],
      atol: 0,
      datasetHash: 'gt-batch-test',
    });
    const problems = [
      task(0, '    return x * 2'),
      task(1, '    return 10 // (2 - x)'),
      task(2, '    return -x'),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-gt-raise-'));
    const ex = executor(dir);
    await expect(ex.prepare(problems)).rejects.toThrow(
      /ground truth for Batch\/1 \(base inputs\) failed: canonical solution raised on input #1: ZeroDivisionError/,
    );
    const got = expectedOutputs(dir);
    expect([...got.keys()].sort()).toEqual(['Batch/0', 'Batch/2']);
    expect(got.get('Batch/0')).toEqual({ base: ['2', '4', '6'], plus: ['8'] });
    expect(got.get('Batch/2')).toEqual({ base: ['-1', '-2', '-3'], plus: ['-4'] });
  }, 120_000);
});
