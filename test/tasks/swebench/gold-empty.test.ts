/**
 * SWE-bench Verified offline-admitted, graded by evalkit's own harness in the real Debian environments
 * (mmdebstrap rootfs, built once per machine and cached): for a handful of admitted instances across three
 * environments and three log parsers, the gold patch resolves, the empty patch does not (every FAIL_TO_PASS
 * test fails), and a patch that games the tests is contained and reported. The full sweep over all admitted
 * instances is `evalkit admit` (docs/software-engineering.md, recorded result there).
 */
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { loadSweData } from '../../../src/tasks/swebench/data.js';
import { gradePatch } from '../../../src/tasks/swebench/grade.js';

const datasets = new DatasetResolver();
const HANDFUL = ['pallets__flask-5014', 'psf__requests-1142', 'sympy__sympy-15349'];
const LONG = 1_800_000;

describe('SWE-bench offline-admitted: gold resolves, empty does not', () => {
  it('loads the 133 admitted instances with their environments', async () => {
    const data = await loadSweData(datasets);
    expect(data.instances.length).toBe(133);
    expect(data.admitted.size).toBe(133);
    const repos = new Map<string, number>();
    for (const i of data.instances) repos.set(i.repo, (repos.get(i.repo) ?? 0) + 1);
    expect(Object.fromEntries(repos)).toEqual({
      'pallets/flask': 1,
      'psf/requests': 2,
      'pytest-dev/pytest': 19,
      'sphinx-doc/sphinx': 37,
      'sympy/sympy': 74,
    });
  });

  for (const id of HANDFUL) {
    it(
      `${id}: gold patch resolved, empty patch not resolved`,
      async () => {
        const data = await loadSweData(datasets);
        const inst = data.instances.find((i) => i.instanceId === id)!;
        const gold = await gradePatch(datasets, data, inst, inst.patch);
        expect(gold.reason).toMatch(/FAIL_TO_PASS/);
        expect(gold.outcome).toBe('resolved');
        expect(gold.grade!.failToPass.failed).toEqual([]);
        expect(gold.grade!.passToPass.failed).toEqual([]);
        const empty = await gradePatch(datasets, data, inst, '', { runEmpty: true });
        expect(empty.outcome).toBe('empty_patch');
        expect(empty.resolved).toBe(false);
        // every FAIL_TO_PASS test fails without the fix (the admission criterion)
        expect(empty.grade!.failToPass.passed).toEqual([]);
        const skipped = await gradePatch(datasets, data, inst, '');
        expect(skipped.outcome).toBe('empty_patch');
      },
      LONG,
    );
  }

  it(
    'a patch that edits the tests to pass is contained and reported',
    async () => {
      const data = await loadSweData(datasets);
      const inst = data.instances.find((i) => i.instanceId === 'pallets__flask-5014')!;
      // A root conftest.py that rewrites every test report to "passed", and a neutered F2P test.
      const hook = [
        'import pytest',
        '@pytest.hookimpl(hookwrapper=True)',
        'def pytest_runtest_makereport(item, call):',
        '    outcome = yield',
        '    outcome.get_result().outcome = "passed"',
      ];
      const hack =
        `diff --git a/conftest.py b/conftest.py\nnew file mode 100644\n--- /dev/null\n+++ b/conftest.py\n@@ -0,0 +1,${hook.length} @@\n` +
        hook.map((l) => `+${l}\n`).join('');
      const r = await gradePatch(datasets, data, inst, hack);
      expect(r.testFilesTouched).toEqual(['conftest.py']);
      expect(r.outcome).toBe('unresolved');
      expect(r.grade!.failToPass.failed.length).toBeGreaterThan(0);
    },
    LONG,
  );

  it(
    'a patch that does not apply is its own outcome',
    async () => {
      const data = await loadSweData(datasets);
      const inst = data.instances.find((i) => i.instanceId === 'pallets__flask-5014')!;
      const bad =
        'diff --git a/src/flask/nope.py b/src/flask/nope.py\n--- a/src/flask/nope.py\n+++ b/src/flask/nope.py\n@@ -1,1 +1,1 @@\n-x\n+y\n';
      const r = await gradePatch(datasets, data, inst, bad);
      expect(r.outcome).toBe('patch_apply_failed');
      expect(r.resolved).toBe(false);
    },
    LONG,
  );
});
