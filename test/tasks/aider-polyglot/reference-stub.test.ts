/**
 * Aider polyglot, per language, in the sandboxed toolchain environment: the reference solution passes the
 * exercise's own tests and the untouched stub fails them (two exercises per language here; the full sweep over
 * every included exercise is `npm run bench:aider-polyglot`, recorded in docs/software-engineering.md).
 */
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { type Language, LANGUAGES, loadExercises } from '../../../src/tasks/aider-polyglot/data.js';
import { EXCLUDED } from '../../../src/tasks/aider-polyglot/index.js';
import { referenceFiles, runExerciseTests, stubFiles } from '../../../src/tasks/aider-polyglot/run-tests.js';

const HANDFUL: Record<Language, string[]> = {
  python: ['bowling', 'zipper'],
  javascript: ['bowling', 'react'],
  cpp: ['all-your-base', 'bank-account'],
  go: ['bowling', 'forth'],
  java: ['bowling', 'affine-cipher'],
  rust: ['acronym', 'forth'],
};

const datasets = new DatasetResolver();

describe('Aider polyglot exercises: reference passes, stub fails', () => {
  it('loads 225 exercises with config-declared files', async () => {
    const { exercises } = await loadExercises(datasets);
    const per: Record<string, number> = {};
    for (const e of exercises) per[e.language] = (per[e.language] ?? 0) + 1;
    expect(per).toEqual({ python: 34, javascript: 49, cpp: 26, go: 39, java: 47, rust: 30 });
    for (const e of exercises) {
      expect(e.solutionFiles.length).toBeGreaterThan(0);
      expect(e.testFiles.length).toBeGreaterThan(0);
      if (!EXCLUDED[`${e.language}/${e.slug}`]) expect(Object.keys(e.reference).length).toBeGreaterThan(0);
    }
    expect(Object.keys(EXCLUDED).length).toBe(7);
  });

  for (const language of LANGUAGES) {
    it(`${language}: ${HANDFUL[language].join(', ')}`, async () => {
      const { exercises } = await loadExercises(datasets, [language]);
      for (const slug of HANDFUL[language]) {
        const ex = exercises.find((e) => e.slug === slug)!;
        const ref = await runExerciseTests(ex, await referenceFiles(ex), { timeoutMs: 900_000 });
        expect({ slug, passed: ref.passed, tail: ref.passed ? '' : ref.output.slice(-2000) }).toEqual({
          slug,
          passed: true,
          tail: '',
        });
        const stub = await runExerciseTests(ex, await stubFiles(ex), { timeoutMs: 900_000 });
        expect({ slug, passed: stub.passed }).toEqual({ slug, passed: false });
      }
    }, 1_800_000);
  }
});
