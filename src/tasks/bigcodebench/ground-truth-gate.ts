/**
 * BigCodeBench ground-truth gate: before a task is scored, its canonical solution (complete_prompt +
 * canonical_solution, the official ground truth) runs in the same sandbox and Python environment as model
 * solutions. A task whose canonical solution fails is "not admitted", with the reason (missing module, a failing
 * test and its message, timeout). Results are cached per environment (harness + Python + the installed python3-*
 * Debian package versions) and task content, under <cacheDir>/bigcodebench-gate/.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir } from '../../datasets/registry.js';
import { LANGUAGE_SPECS } from '../../sandbox/multilang/languages.js';
import { newMarker, type MultiLangRunner } from '../../sandbox/multilang/runner.js';
import type { Item, TaskLoadContext } from '../../types.js';
import type { BcbData } from './index.js';
import { BCB_HARNESS_PY, parseHarnessResult } from './unittest-harness.js';

export interface BcbRun {
  pass: boolean;
  status: 'pass' | 'fail' | 'timeout' | 'error';
  reason?: string;
  failed: string[];
}

/** Run solution + "\n" + test under the unittest harness in the sandbox; the verdict is computed here. */
export async function runBcbProgram(
  runner: MultiLangRunner,
  solution: string,
  test: string,
  timeoutMs: number,
): Promise<BcbRun> {
  const marker = newMarker();
  const out = await runner.run({
    language: 'py',
    files: { 'harness.py': BCB_HARNESS_PY, 'program.py': solution + '\n' + test },
    stdin: marker + '\n',
    runTimeoutMs: timeoutMs,
  });
  if (out.status === 'timeout') return { pass: false, status: 'timeout', reason: out.reason, failed: [] };
  const res = out.run ? parseHarnessResult(out.run.stdout, marker) : null;
  if (!res)
    return {
      pass: false,
      status: 'error',
      reason: `no result from the test harness (${out.reason ?? 'program ended early'})`,
      failed: [],
    };
  if (res.fatal)
    return { pass: false, status: 'fail', reason: `could not load the tests: ${res.fatal}`, failed: [] };
  const bad = [...res.failures, ...res.errors];
  if (bad.length === 0) return { pass: true, status: 'pass', failed: [] };
  const [first, trace] = bad[0];
  const lastLine = trace.trim().split('\n').slice(-1)[0];
  return {
    pass: false,
    status: 'fail',
    reason: `${bad.length}/${res.tests} tests failed; ${first}: ${lastLine}`,
    failed: bad.map(([t]) => t),
  };
}

export interface Admission {
  admitted: boolean;
  reason?: string;
  ms?: number;
}

let envFingerprint: string | undefined;
/** Python version + installed python3-* packages + the harness + the sandbox recipe: a change re-runs the gate. */
export function pythonEnvironmentFingerprint(): string {
  if (envFingerprint) return envFingerprint;
  let pkgs = '';
  try {
    pkgs = execFileSync('dpkg-query', ['-W', '-f', '${Package} ${Version}\n', 'python3*'], {
      encoding: 'utf8',
    });
  } catch {
    pkgs = 'dpkg-query unavailable';
  }
  const py = execFileSync('/usr/bin/python3', ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' });
  const spec = LANGUAGE_SPECS.py;
  const sandbox = JSON.stringify([spec.run(0), spec.runLimits, spec.runProcesses, spec.extraReadOnly]);
  envFingerprint = createHash('sha256')
    .update(py)
    .update(pkgs)
    .update(BCB_HARNESS_PY)
    .update(sandbox)
    .digest('hex')
    .slice(0, 16);
  return envFingerprint;
}

export class GroundTruthGate {
  private readonly memo = new Map<string, Promise<Admission>>();
  private readonly dir: string;

  constructor(
    private readonly runner: MultiLangRunner,
    ctx: TaskLoadContext,
    private readonly timeoutMs = 241_000,
  ) {
    const root = typeof ctx.options.cacheDir === 'string' ? ctx.options.cacheDir : defaultCacheDir();
    this.dir = join(root, 'bigcodebench-gate', pythonEnvironmentFingerprint());
  }

  check(item: Item<BcbData>): Promise<Admission> {
    let p = this.memo.get(item.id);
    if (!p) {
      p = this.compute(item);
      this.memo.set(item.id, p);
    }
    return p;
  }

  private async compute(item: Item<BcbData>): Promise<Admission> {
    const solution = item.data.completePrompt + item.data.canonicalSolution;
    const key = createHash('sha256')
      .update(solution)
      .update('\0')
      .update(item.data.test)
      .digest('hex')
      .slice(0, 16);
    const file = join(this.dir, `${item.id.replace(/\W+/g, '_')}-${key}.json`);
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as Admission;
      } catch {
        /* recompute */
      }
    }
    const t0 = Date.now();
    const r = await runBcbProgram(this.runner, solution, item.data.test, this.timeoutMs);
    const a: Admission = { admitted: r.pass, ...(r.pass ? {} : { reason: r.reason }), ms: Date.now() - t0 };
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(a) + '\n');
    renameSync(tmp, file);
    return a;
  }
}
