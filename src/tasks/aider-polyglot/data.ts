/**
 * Aider polyglot benchmark data (Aider-AI/polyglot-benchmark@7e0611e7; exercises © Exercism, MIT): the six
 * language archives from the dataset registry, extracted once per archive checksum into the cache; every
 * exercise described by its `.meta/config.json` (solution, test, example, editor files: never file-name
 * guessing), its instructions, and the mapping from reference files to solution files.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type DatasetResolver, defaultCacheDir } from '../../datasets/registry.js';
import type { DatasetUse } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';

const execFileP = promisify(execFile);

export const LANGUAGES = ['python', 'javascript', 'cpp', 'go', 'java', 'rust'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The `--languages` option (comma-separated): every name must be one of LANGUAGES, else one error naming them. */
export function parseLanguages(value: string): Language[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(LANGUAGES as readonly string[]).includes(n));
  if (!names.length || unknown.length)
    throw new EvalkitError(
      `--languages: ${unknown.length ? `unknown language(s) ${unknown.map((n) => `"${n}"`).join(', ')}` : 'empty list'} (known: ${LANGUAGES.join(', ')})`,
    );
  return [...new Set(names)] as Language[];
}

export interface Exercise {
  language: Language;
  slug: string;
  /** Extracted exercise directory (read-only source; attempts copy it). */
  dir: string;
  instructions: string;
  solutionFiles: string[];
  testFiles: string[];
  /** Read-only helper files the tests need (Go cases_test.go …), restored like tests. */
  editorFiles: string[];
  /**
   * Reference solution: target path → example path. Every solution file with a matching example, plus examples
   * without a solution counterpart (Java helper classes) placed next to the solution file of the same extension.
   */
  reference: Record<string, string>;
  /** `.meta/.skip_tests` marks exercises whose tests the benchmark does not run. */
  skipTests: boolean;
}

async function extracted(
  datasets: DatasetResolver,
  language: Language,
): Promise<{ root: string; use: DatasetUse }> {
  const r = await datasets.resolve(`aider-polyglot-${language}`);
  const root = join(defaultCacheDir(), 'aider-polyglot', `${language}-${r.use.sha256.slice(0, 12)}`);
  if (!existsSync(join(root, '.complete'))) {
    const staging = `${root}.tmp-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    await execFileP('tar', ['-xzf', r.path, '-C', staging, '--no-same-owner']);
    await writeFile(join(staging, '.complete'), r.use.sha256 + '\n');
    await rm(root, { recursive: true, force: true });
    await rename(staging, root);
  }
  return { root, use: r.use };
}

/** Reference file for each solution file: same base name, else the only example with the same extension. */
function mapReference(solution: string[], example: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const ext = (p: string) => p.slice(p.lastIndexOf('.'));
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  for (const s of solution) {
    const byName = example.find((e) => base(e) === base(s));
    const byExt = example.filter((e) => ext(e) === ext(s));
    const hit = byName ?? (byExt.length === 1 ? byExt[0] : undefined);
    if (hit) out[s] = hit;
  }
  const used = new Set(Object.values(out));
  for (const e of example) {
    if (used.has(e)) continue;
    const sibling = solution.find((s) => ext(s) === ext(e));
    if (!sibling) continue;
    const dir = sibling.includes('/') ? sibling.slice(0, sibling.lastIndexOf('/') + 1) : '';
    out[dir + base(e)] = e;
  }
  return out;
}

/** Instructions as aider's benchmark assembles them: introduction, instructions, instructions.append. */
function instructionsOf(dir: string): string {
  const parts = ['introduction.md', 'instructions.md', 'instructions.append.md']
    .map((f) => join(dir, '.docs', f))
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p, 'utf8'));
  return parts.join('\n\n');
}

export async function loadExercises(
  datasets: DatasetResolver,
  languages: readonly Language[] = LANGUAGES,
): Promise<{ exercises: Exercise[]; datasets: DatasetUse[] }> {
  const exercises: Exercise[] = [];
  const uses: DatasetUse[] = [];
  for (const language of languages) {
    const { root, use } = await extracted(datasets, language);
    uses.push(use);
    const practice = join(root, language, 'exercises', 'practice');
    for (const slug of readdirSync(practice).sort()) {
      const dir = join(practice, slug);
      const cfgPath = join(dir, '.meta', 'config.json');
      let cfg: any;
      try {
        cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
      } catch (e) {
        throw new EvalkitError(`${cfgPath}: unreadable exercise config (${(e as Error).message})`);
      }
      const files = cfg.files ?? {};
      if (!Array.isArray(files.solution) || !Array.isArray(files.test))
        throw new EvalkitError(`${cfgPath}: files.solution and files.test must be lists`);
      exercises.push({
        language,
        slug,
        dir,
        instructions: instructionsOf(dir),
        solutionFiles: files.solution,
        testFiles: files.test,
        editorFiles: files.editor ?? [],
        reference: mapReference(files.solution, files.example ?? []),
        skipTests: existsSync(join(dir, '.meta', '.skip_tests')),
      });
    }
  }
  return { exercises, datasets: uses };
}

export const exerciseId = (e: Pick<Exercise, 'language' | 'slug'>) => `${e.language}/${e.slug}`;
