/**
 * Run an exercise's own test suite in a sandboxed environment, the way aider's benchmark does
 * (benchmark/benchmark.py, cpp-test.sh, npm-test.sh in Aider-AI/aider; facts only): the original test files
 * are restored first, then one command per language decides pass (exit 0) or fail. The environment is the
 * host's read-only toolchain view (Debian packages: g++/cmake, golang, openjdk + junit5/assertj jars, cargo,
 * Node) under the same bubblewrap isolation as every environment command (docs/software-engineering.md).
 *
 * Differences from aider's Docker image, all documented in docs/fidelity.md#aider-polyglot: Java compiles with
 * javac against Debian's JUnit 5 / AssertJ jars and runs the JUnit console launcher (no Gradle offline);
 * JavaScript runs the Jest-style specs with Vitest (`--globals`, Jest-compatible API) instead of Jest;
 * Rust/Go/C++ use Debian's toolchains (rustc 1.63, Go 1.19, g++ 12).
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type CommandResult, runCommand } from '../../environments/run-command.js';
import { createWorkspace } from '../../environments/workspace.js';
import type { Exercise, Language } from './data.js';

/** aider's per-test-run timeout (180 s). */
export const AIDER_TEST_TIMEOUT_MS = 180_000;

const JAVA_CP = [
  '/usr/share/java/junit-platform-console-standalone.jar',
  '/usr/share/java/assertj-core.jar',
].join(':');

interface LanguageRunner {
  argv: string[];
  env?: Record<string, string>;
  memoryMb?: number;
  /** Rewrite a restored test file the way aider does before running. */
  prepareTest?: (text: string) => string;
}

function nodeModulesDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(dirname(require.resolve('vitest/package.json')));
}

export const LANGUAGE_RUNNERS: Record<Language, LanguageRunner> = {
  python: {
    argv: ['python3', '-m', 'pytest', '-q', '-p', 'no:cacheprovider'],
    env: { PYTHONDONTWRITEBYTECODE: '1' },
  },
  javascript: {
    argv: [
      'node',
      '/work/node_modules/vitest/vitest.mjs',
      'run',
      '--globals',
      '--no-cache',
      '--reporter=dot',
    ],
    memoryMb: 32768, // V8 reserves large virtual ranges
    // npm-test.sh: sed -i 's/\bxtest(/test(/g' *.spec.js. Jest's global `xit` (a skipped test; grep.spec.js
    // uses it) does not exist in Vitest's globals: it becomes `it.skip`, so those tests stay skipped as under Jest.
    prepareTest: (t) => t.replace(/\bxtest\(/g, 'test(').replace(/\bxit\(/g, 'it.skip('),
  },
  cpp: {
    // cpp-test.sh; the CMakeLists' ALL target runs the tests, so make's exit code is the verdict
    argv: [
      '/bin/sh',
      '-c',
      'mkdir -p build && cd build && cmake -DEXERCISM_RUN_ALL_TESTS=1 -G "Unix Makefiles" .. && make',
    ],
  },
  go: {
    argv: ['go', 'test', './...'],
    env: {
      GOCACHE: '/tmp/go-cache',
      GOPATH: '/tmp/go',
      GOFLAGS: '-mod=mod',
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
    },
  },
  java: {
    argv: [
      '/bin/sh',
      '-c',
      `javac -nowarn -d /tmp/classes -cp ${JAVA_CP} $(find src -name '*.java') && ` +
        `java -jar /usr/share/java/junit-platform-console-standalone.jar --class-path /tmp/classes:${JAVA_CP} ` +
        '--scan-class-path --disable-banner --details=summary --fail-if-no-tests',
    ],
    env: {
      JAVA_TOOL_OPTIONS: '-Xmx1g -Xss8m -XX:ReservedCodeCacheSize=64m -XX:CompressedClassSpaceSize=128m',
    },
    memoryMb: 16384,
    // aider strips @Disabled(...) lines: re.sub(r"@Disabled\([^)]*\)\s*\n", "", text)
    prepareTest: (t) => t.replace(/@Disabled\([^)]*\)\s*\n/g, ''),
  },
  rust: {
    argv: ['cargo', 'test', '--offline', '--', '--include-ignored'],
    env: { CARGO_HOME: '/tmp/cargo', CARGO_TARGET_DIR: '/tmp/target', CARGO_TERM_COLOR: 'never' },
    memoryMb: 16384,
  },
};

export interface TestRun {
  passed: boolean;
  output: string;
  timedOut: boolean;
  durationMs: number;
  exitCode: number | null;
}

/**
 * Copy the exercise (without .meta/.docs), write the candidate solution files, restore and prepare the
 * original test and editor files, run the language's test command in the sandbox.
 */
export async function runExerciseTests(
  ex: Exercise,
  solution: Record<string, string>,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<TestRun> {
  const ws = await createWorkspace();
  try {
    const work = ws.work;
    const runner = LANGUAGE_RUNNERS[ex.language];
    const { execFile } = await import('node:child_process');
    await new Promise<void>((res, rej) =>
      execFile(
        'sh',
        [
          '-c',
          'cd "$1" && tar -c --exclude=./.meta --exclude=./.docs . | tar -x -C "$2"',
          'sh',
          ex.dir,
          work,
        ],
        (e) => (e ? rej(e) : res()),
      ),
    );
    for (const [path, text] of Object.entries(solution)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), text);
    }
    for (const path of [...ex.testFiles, ...ex.editorFiles]) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      if (runner.prepareTest) {
        const text = await readFile(join(ex.dir, path), 'utf8');
        await writeFile(join(work, path), runner.prepareTest(text));
      } else await copyFile(join(ex.dir, path), join(work, path));
    }
    const r: CommandResult = await runCommand({
      root: 'host',
      workdir: work,
      workdirMount: `/work/${ex.slug}`,
      argv: ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', ...runner.argv],
      env: runner.env,
      readOnlyBinds:
        ex.language === 'javascript' ? [{ host: nodeModulesDir(), dest: '/work/node_modules' }] : [],
      timeoutMs: opts.timeoutMs ?? AIDER_TEST_TIMEOUT_MS,
      limits: { memoryMb: runner.memoryMb, tmpMb: 2048, diskMb: 2048 },
      maxOutputBytes: 1 << 20,
      signal: opts.signal,
    });
    return {
      passed: r.exitCode === 0 && !r.timedOut && !r.diskExceeded,
      output: r.timedOut ? `${r.stdout}\n[evalkit: tests timed out]` : r.stdout,
      timedOut: r.timedOut,
      durationMs: r.durationMs,
      exitCode: r.exitCode,
    };
  } finally {
    await ws.dispose();
  }
}

/** The exercise's stub files (what the model is given). */
export async function stubFiles(ex: Exercise): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of ex.solutionFiles) out[p] = await readFile(join(ex.dir, p), 'utf8');
  return out;
}

/** The reference solution mapped onto the solution files (stub kept where there is no reference), plus helper files. */
export async function referenceFiles(ex: Exercise): Promise<Record<string, string>> {
  const out = await stubFiles(ex);
  for (const [sol, ref] of Object.entries(ex.reference)) out[sol] = await readFile(join(ex.dir, ref), 'utf8');
  return out;
}
