/**
 * Per-language toolchain recipes for the multi-language sandbox: which files a job holds, how it is compiled and
 * how the result is run, with which limits. Every path is a Debian package path under /usr (the only host tree the
 * sandbox sees, read-only) or /etc/java-17-openjdk (the JDK's config, read-only); nothing is downloaded.
 *
 * Inside the sandbox: /sandbox/src holds the sources (writable only while compiling), /sandbox/out the build
 * output (writable only while compiling), /tmp is a private tmpfs per step, /cache holds read-only warm caches
 * built from trusted input (src/sandbox/multilang/warm-cache.ts).
 *
 * Compiler commands follow MultiPL-E's evaluators (nuprl/MultiPL-E `evaluation/src/eval_*.py` @ 7bc20f22):
 * g++ -std=c++17; javac -encoding UTF8 + javatuples-1.2.jar, java -ea; rustc file.rs -o bin (edition 2015);
 * go test; node file.js.
 */
import { existsSync, realpathSync } from 'node:fs';

/** The compiled/scripted languages of MultiPL-E. */
export const LANGUAGES = ['js', 'cpp', 'java', 'rs', 'go'] as const;
export type MultiplELanguage = (typeof LANGUAGES)[number];
/** Plus `py`: a Python program under a harness script of the task (BigCodeBench's unittest runner). */
export type LanguageId = MultiplELanguage | 'py';

export interface Command {
  argv: string[];
  env: Record<string, string>;
}

export interface StepLimits {
  /** Wall clock for the step, ms (the process group is SIGKILLed after it). */
  timeoutMs: number;
  /** RLIMIT_AS in MiB (address space; JVM/V8/Go reserve more than they use, so these are generous). */
  addressSpaceMb: number;
}

export interface LanguageSpec {
  id: LanguageId;
  /** Human name for reasons and docs. */
  name: string;
  /** Name of the main source file in /sandbox/src. */
  mainFile: string;
  /** Compile step (absent for JS). `warm` = a warm cache for this language is mounted at /cache. */
  compile?: (warm: boolean) => Command;
  run: (runTimeoutMs: number) => Command;
  compileLimits: StepLimits;
  runLimits: StepLimits;
  /**
   * Processes the program may have in the run step (RLIMIT_NPROC under a per-slot uid); absent = none: the
   * no-fork seccomp filter applies.
   */
  runProcesses?: number;
  /** Extra host paths bound read-only at the same place (besides /usr). */
  extraReadOnly: string[];
  /** Debian packages that provide the toolchain (for messages and scripts/bootstrap). */
  debianPackages: string[];
  /** Host binaries that must exist. */
  requires: string[];
}

const BASE_ENV = { PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8', TMPDIR: '/tmp' };
export const JAVATUPLES_JAR = '/usr/share/java/javatuples-1.2.jar';
export const JAVA_HOME = '/usr/lib/jvm/java-17-openjdk-amd64';
export const GO_ROOT = '/usr/lib/go-1.19';
/** Forced include for the C++ precompiled header: the two headers every MultiPL-E C++ prompt starts with. */
export const CPP_PRELUDE = 'evalkit-prelude.h';
export const CPP_PRELUDE_TEXT = '#include<assert.h>\n#include<bits/stdc++.h>\n';
export const CPP_FLAGS = ['-std=c++17'];

/** Resolve /usr/bin/<tool> through /etc/alternatives on the host (the sandbox has an empty /etc). */
function tool(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export const LANGUAGE_SPECS: Record<LanguageId, LanguageSpec> = {
  py: {
    id: 'py',
    name: "Python 3 (Debian, with the distribution's python3-* libraries)",
    mainFile: 'harness.py',
    run: () => ({
      argv: ['/usr/bin/python3', '-I', '-B', '-u', '/sandbox/src/harness.py'],
      env: {
        ...BASE_ENV,
        MPLBACKEND: 'Agg',
        MPLCONFIGDIR: '/tmp/.mpl',
        OPENBLAS_NUM_THREADS: '1',
        OMP_NUM_THREADS: '1',
        PYTHONHASHSEED: '0',
      },
    }),
    compileLimits: { timeoutMs: 0, addressSpaceMb: 0 },
    // BigCodeBench: BIGCODEBENCH_TIMEOUT_PER_TASK default 240 s; callers pass their own.
    runLimits: { timeoutMs: 240_000, addressSpaceMb: 4096 },
    // BigCodeBench tasks may run subprocesses (tests of `subprocess`-based functions): allow a few.
    runProcesses: 16,
    // Debian resolves BLAS/LAPACK through /etc/alternatives; ctypes.util.find_library reads /etc/ld.so.cache;
    // requests needs the CA bundle path even when mocked; Debian's matplotlib reads /etc/matplotlibrc. All public,
    // read-only.
    extraReadOnly: ['/etc/alternatives', '/etc/ld.so.cache', '/etc/ssl/certs', '/etc/matplotlibrc'],
    debianPackages: ['python3'],
    requires: ['/usr/bin/python3'],
  },
  js: {
    id: 'js',
    name: 'JavaScript (Node)',
    mainFile: 'prog.js',
    run: () => ({
      argv: [
        process.execPath.startsWith('/usr/') ? process.execPath : '/usr/bin/node',
        '--max-old-space-size=1024',
        '/sandbox/src/prog.js',
      ],
      env: { ...BASE_ENV },
    }),
    compileLimits: { timeoutMs: 0, addressSpaceMb: 0 },
    // MultiPL-E eval_js.py: 5 s per program (we give 15 s: the machine is shared; see docs/code-benchmarks.md)
    runLimits: { timeoutMs: 15_000, addressSpaceMb: 4096 },
    extraReadOnly: [],
    debianPackages: ['nodejs'],
    requires: ['/usr/bin/node'],
  },
  cpp: {
    id: 'cpp',
    name: 'C++ (g++ 12)',
    mainFile: 'prog.cpp',
    compile: (warm) => ({
      argv: [
        tool('/usr/bin/g++'),
        ...CPP_FLAGS,
        ...(warm ? ['-include', `/cache/cpp/${CPP_PRELUDE}`] : []),
        '/sandbox/src/prog.cpp',
        '-o',
        '/sandbox/out/prog',
      ],
      env: { ...BASE_ENV },
    }),
    run: () => ({ argv: ['/sandbox/out/prog'], env: { ...BASE_ENV } }),
    compileLimits: { timeoutMs: 60_000, addressSpaceMb: 4096 },
    runLimits: { timeoutMs: 15_000, addressSpaceMb: 2048 },
    extraReadOnly: [],
    debianPackages: ['g++'],
    requires: ['/usr/bin/g++'],
  },
  java: {
    id: 'java',
    name: 'Java (OpenJDK 17)',
    mainFile: 'Problem.java',
    compile: () => ({
      argv: [
        `${JAVA_HOME}/bin/javac`,
        '-J-Xmx512m',
        '-encoding',
        'UTF8',
        '-proc:none',
        '-cp',
        JAVATUPLES_JAR,
        '-d',
        '/sandbox/out',
        '/sandbox/src/Problem.java',
        '/sandbox/src/EvalkitMain.java',
      ],
      env: { ...BASE_ENV, JAVA_HOME },
    }),
    run: () => ({
      argv: [
        `${JAVA_HOME}/bin/java`,
        '-ea',
        '-Xmx512m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-cp',
        `/sandbox/out:${JAVATUPLES_JAR}`,
        'EvalkitMain',
      ],
      env: { ...BASE_ENV, JAVA_HOME },
    }),
    compileLimits: { timeoutMs: 60_000, addressSpaceMb: 6144 },
    runLimits: { timeoutMs: 15_000, addressSpaceMb: 6144 },
    extraReadOnly: ['/etc/java-17-openjdk'],
    debianPackages: ['openjdk-17-jdk-headless', 'libjavatuples-java'],
    requires: [`${JAVA_HOME}/bin/javac`, JAVATUPLES_JAR],
  },
  rs: {
    id: 'rs',
    name: 'Rust (rustc 1.63)',
    mainFile: 'prog.rs',
    compile: () => ({
      // the linker is named explicitly: /usr/bin/cc goes through /etc/alternatives, which the sandbox lacks
      argv: [
        '/usr/bin/rustc',
        '-C',
        `linker=${tool('/usr/bin/gcc')}`,
        '/sandbox/src/prog.rs',
        '-o',
        '/sandbox/out/prog',
      ],
      env: { ...BASE_ENV },
    }),
    run: () => ({ argv: ['/sandbox/out/prog'], env: { ...BASE_ENV } }),
    // MultiPL-E eval_rs.py: 15 s compile timeout
    compileLimits: { timeoutMs: 60_000, addressSpaceMb: 4096 },
    runLimits: { timeoutMs: 15_000, addressSpaceMb: 2048 },
    extraReadOnly: [],
    debianPackages: ['rustc'],
    requires: ['/usr/bin/rustc'],
  },
  go: {
    id: 'go',
    name: 'Go 1.19',
    mainFile: 'prog_test.go',
    compile: (warm) => {
      const build = `${GO_ROOT}/bin/go test -c -o /sandbox/out/prog.test /sandbox/src/prog_test.go /sandbox/src/evalkit_main_test.go`;
      return {
        // A warm build cache is copied into this step's private /tmp: samples never write to a shared cache.
        argv: warm
          ? ['/bin/sh', '-c', `cp -r /cache/go /tmp/gocache && exec ${build}`]
          : ['/bin/sh', '-c', `exec ${build}`],
        env: {
          ...BASE_ENV,
          GOROOT: GO_ROOT,
          GOCACHE: '/tmp/gocache',
          GOPATH: '/tmp/gopath',
          GOPROXY: 'off',
          GO111MODULE: 'off',
          CGO_ENABLED: '0',
        },
      };
    },
    run: (runTimeoutMs) => ({
      // -test.paniconexit0: os.Exit(0) inside a test is a failure (what `go test` passes to the binary).
      argv: [
        '/sandbox/out/prog.test',
        '-test.paniconexit0',
        `-test.timeout=${Math.max(1, Math.floor(runTimeoutMs / 1000))}s`,
      ],
      env: { ...BASE_ENV },
    }),
    // MultiPL-E eval_go.py: 30 s for go test (build + run)
    compileLimits: { timeoutMs: 90_000, addressSpaceMb: 8192 },
    runLimits: { timeoutMs: 15_000, addressSpaceMb: 4096 },
    extraReadOnly: [],
    debianPackages: ['golang-go'],
    requires: [`${GO_ROOT}/bin/go`],
  },
};

/** Which toolchains are missing on this host (empty = all present). */
export function missingToolchains(langs: readonly LanguageId[] = [...LANGUAGES]): string[] {
  const out: string[] = [];
  for (const l of langs) {
    const s = LANGUAGE_SPECS[l];
    const miss = s.requires.filter((p) => !existsSync(p));
    if (miss.length)
      out.push(`${s.name}: missing ${miss.join(', ')} (Debian: ${s.debianPackages.join(' ')})`);
  }
  return out;
}
