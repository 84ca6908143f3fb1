/**
 * Grade one patch on one instance with SWE-bench's evaluation order (facts from SWE-bench's eval scripts and
 * swebench/harness/grading.py): in a fresh copy of the repository at the base commit, apply the model patch
 * (`git apply -v`, falling back to `patch --batch --fuzz=5 -p1 -i`), reset the files touched by the test patch
 * to the base commit, apply the test patch, run the instance's test command, parse only that command's output
 * with the repo's log parser, and grade FAIL_TO_PASS / PASS_TO_PASS.
 *
 * Everything that reads or runs repository content happens inside the environment (bubblewrap, no network,
 * rlimits): the model patch and test patch are data, mounted read-only at /evalkit.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetResolver } from '../../datasets/registry.js';
import { ensureRootfs } from '../../environments/rootfs.js';
import { type CommandResult, runCommand } from '../../environments/run-command.js';
import { createWorkspace } from '../../environments/workspace.js';
import { environmentOf, instanceTemplate, type SweData, type SweInstance } from './data.js';
import { gradeTests, parserFor, type TestGrade } from './log-parsers.js';

export type SweOutcome =
  | 'resolved'
  | 'unresolved'
  | 'empty_patch'
  | 'patch_apply_failed'
  | 'test_patch_failed'
  | 'timeout'
  | 'sandbox_error';

export interface GradeResult {
  outcome: SweOutcome;
  resolved: boolean;
  grade?: TestGrade;
  /** Paths the model patch touched that look like tests: reported, and reset to the base commit before grading. */
  testFilesTouched: string[];
  /** How the model patch went in: 'git apply', 'patch --fuzz=5', or none. */
  appliedWith?: string;
  /** Tail of the test command's output (for the verdict's reason and the viewer). */
  logTail?: string;
  timings: { prepareMs: number; applyMs: number; testMs: number; totalMs: number };
  reason: string;
}

export interface GradeOptions {
  /** Run the tests even when the patch is empty (the admission gate does, to check that F2P fails). */
  runEmpty?: boolean;
  testTimeoutMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** SWE-bench's per-instance limit (1800 s). */
export const SWEBENCH_TEST_TIMEOUT_MS = 1_800_000;

const TEST_PATH = /(^|\/)(tests?|testing)\/|(^|\/)test_[^/]*\.py$|_tests?\.py$|(^|\/)conftest\.py$/;

/** Paths (b/ side, or a/ for deletions) touched by a unified diff. */
export function patchPaths(patch: string): string[] {
  const out = new Set<string>();
  for (const m of patch.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)) out.add(m[2]);
  for (const m of patch.matchAll(/^\+\+\+ b\/(\S+)/gm)) out.add(m[1]);
  for (const m of patch.matchAll(/^--- a\/(\S+)/gm)) out.add(m[1]);
  return [...out].sort();
}

export function looksLikeTestFile(path: string): boolean {
  return TEST_PATH.test(path);
}

const tail = (s: string, n = 4000) => (s.length > n ? '…' + s.slice(-n) : s);

export async function gradePatch(
  datasets: DatasetResolver,
  data: SweData,
  inst: SweInstance,
  patch: string,
  opts: GradeOptions = {},
): Promise<GradeResult> {
  const t0 = performance.now();
  const timings = { prepareMs: 0, applyMs: 0, testMs: 0, totalMs: 0 };
  const done = (r: Omit<GradeResult, 'timings' | 'testFilesTouched'> & { testFilesTouched?: string[] }) => {
    timings.totalMs = Math.round(performance.now() - t0);
    return { testFilesTouched: [], ...r, timings };
  };
  const touched = patchPaths(patch).filter(looksLikeTestFile);
  if (!patch.trim() && !opts.runEmpty)
    return done({ outcome: 'empty_patch', resolved: false, reason: 'empty patch: nothing to apply' });

  const { env, run } = environmentOf(data, inst.instanceId);
  const rootfs = await ensureRootfs(env.recipe, { log: opts.log });
  const template = await instanceTemplate(datasets, data, inst);
  const ws = await createWorkspace(template);
  try {
    const input = join(ws.root, 'input');
    await mkdir(input, { mode: 0o755 });
    await writeFile(join(input, 'model.patch'), patch, { mode: 0o644 });
    await writeFile(join(input, 'test.patch'), inst.testPatch, { mode: 0o644 });
    timings.prepareMs = Math.round(performance.now() - t0);
    const inEnv = (script: string, timeoutMs = 120_000): Promise<CommandResult> =>
      runCommand({
        root: rootfs.rootfs,
        workdir: ws.work,
        readOnlyBinds: [{ host: input, dest: '/evalkit' }],
        argv: ['/bin/sh', '-c', script],
        env: { PYTHONDONTWRITEBYTECODE: '1', ...env.env },
        timeoutMs,
        signal: opts.signal,
      });

    let appliedWith: string | undefined;
    const ta = performance.now();
    if (patch.trim()) {
      const git = await inEnv('git apply -v /evalkit/model.patch 2>&1');
      if (git.exitCode === 0) appliedWith = 'git apply';
      else {
        const fuzz = await inEnv('patch --batch --fuzz=5 -p1 -i /evalkit/model.patch 2>&1');
        if (fuzz.exitCode === 0) appliedWith = 'patch --fuzz=5';
        else {
          timings.applyMs = Math.round(performance.now() - ta);
          return done({
            outcome: 'patch_apply_failed',
            resolved: false,
            testFilesTouched: touched,
            reason: `patch did not apply: ${tail(git.stdout.trim(), 600)}`,
            logTail: tail(git.stdout + '\n' + fuzz.stdout),
          });
        }
      }
    }
    // Reset the test patch's files to the base commit (or remove them if they are new), then apply it. Test-like
    // files the model edited (conftest.py, tests/…) are reset too: stricter than SWE-bench, which resets only the
    // test patch's files; no gold patch of the subset touches such a path (docs/fidelity.md#swe-bench).
    const files = [...new Set([...patchPaths(inst.testPatch), ...touched])]
      .map((f) => `'${f.replaceAll("'", "'\\''")}'`)
      .join(' ');
    const reset = await inEnv(
      `for f in ${files}; do if git cat-file -e "HEAD:$f" 2>/dev/null; then git checkout -q HEAD -- "$f"; else rm -f -- "$f"; fi; done; git apply -v /evalkit/test.patch 2>&1`,
    );
    timings.applyMs = Math.round(performance.now() - ta);
    if (reset.exitCode !== 0)
      return done({
        outcome: 'test_patch_failed',
        resolved: false,
        appliedWith,
        testFilesTouched: touched,
        reason: `the test patch did not apply after the model patch: ${tail(reset.stdout.trim(), 600)}`,
      });

    const tt = performance.now();
    const test = await runCommand({
      root: rootfs.rootfs,
      workdir: ws.work,
      argv: ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', ...run.argv],
      env: { PYTHONDONTWRITEBYTECODE: '1', ...env.env, ...run.env },
      timeoutMs: opts.testTimeoutMs ?? SWEBENCH_TEST_TIMEOUT_MS,
      maxOutputBytes: 32 << 20,
      signal: opts.signal,
    });
    timings.testMs = Math.round(performance.now() - tt);
    if (test.timedOut)
      return done({
        outcome: 'timeout',
        resolved: false,
        appliedWith,
        testFilesTouched: touched,
        reason: `test command exceeded ${Math.round((opts.testTimeoutMs ?? SWEBENCH_TEST_TIMEOUT_MS) / 1000)} s`,
        logTail: tail(test.stdout),
      });
    const grade = gradeTests(parserFor(run.logParser)(test.stdout), inst.failToPass, inst.passToPass);
    const failed = [...grade.failToPass.failed, ...grade.passToPass.failed];
    const empty = !patch.trim();
    return done({
      outcome: empty ? 'empty_patch' : grade.resolved ? 'resolved' : 'unresolved',
      resolved: !empty && grade.resolved,
      grade,
      appliedWith,
      testFilesTouched: touched,
      logTail: tail(test.stdout),
      reason: grade.resolved
        ? `all ${inst.failToPass.length} FAIL_TO_PASS and ${inst.passToPass.length} PASS_TO_PASS tests pass`
        : `${grade.failToPass.failed.length}/${inst.failToPass.length} FAIL_TO_PASS and ${grade.passToPass.failed.length}/${inst.passToPass.length} PASS_TO_PASS tests fail (first: ${failed[0]})`,
    });
  } finally {
    await ws.dispose();
  }
}
