/**
 * Warm compile caches for the multi-language sandbox, built once per toolchain from trusted input only and then
 * mounted read-only into every compile step, so a sample can read but never change what the next sample sees:
 *   cpp/ — a GCC precompiled header of `<assert.h>` + `<bits/stdc++.h>` (the two headers every MultiPL-E C++
 *          prompt starts with), used via `-include` with the same flags (-std=c++17);
 *   go/  — a Go build cache holding the compiled `testing`, `fmt`, `os` packages (what MultiPL-E Go tests import);
 *          Go needs a writable cache, so each compile step copies it into its private /tmp first.
 * JavaScript, Java and Rust have no cache: node has nothing to compile, javac and rustc compile one file against
 * the prebuilt JDK modules / Rust std.
 *
 * Location: <cacheDir>/multilang/<toolchain fingerprint>/, built in the same bubblewrap sandbox (writable only
 * during the build) and published by an atomic rename, so concurrent runs never see a half-built cache.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir } from '../../datasets/registry.js';
import { CPP_FLAGS, CPP_PRELUDE, CPP_PRELUDE_TEXT, GO_ROOT, type Command } from './languages.js';
import { MultiLangRunner } from './runner.js';

function toolVersion(argv: string[]): string {
  try {
    return execFileSync(argv[0], argv.slice(1), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).split('\n')[0];
  } catch {
    return 'missing';
  }
}

/** Identity of the toolchains the caches are built for: a new compiler version gets a new cache directory. */
export function toolchainFingerprint(): string {
  const v = [
    toolVersion(['/usr/bin/g++', '--version']),
    toolVersion([`${GO_ROOT}/bin/go`, 'version']),
    CPP_FLAGS.join(' '),
  ];
  return createHash('sha256').update(v.join('\n')).digest('hex').slice(0, 16);
}

const GO_WARM_TEST =
  'package warm_test\n\nimport (\n\t"fmt"\n\t"os"\n\t"testing"\n)\n\n' +
  'func TestWarm(t *testing.T) { fmt.Sprint(1) }\n\nfunc TestMain(m *testing.M) { os.Exit(m.Run()) }\n';

/**
 * Return the directory holding the warm caches (building them if needed). Languages whose cache fails to build
 * are simply absent (compiles for them stay cold); the failure is returned for the caller to report.
 */
export async function ensureWarmCaches(
  cacheDir = join(defaultCacheDir(), 'multilang'),
): Promise<{ dir: string; problems: string[] }> {
  const dir = join(cacheDir, toolchainFingerprint());
  if (existsSync(join(dir, 'READY'))) return { dir, problems: [] };
  const staging = `${dir}.build-${process.pid}-${Date.now()}`;
  mkdirSync(join(staging, 'cpp'), { recursive: true });
  mkdirSync(join(staging, 'go'), { recursive: true });
  mkdirSync(join(staging, 'src'), { recursive: true });
  mkdirSync(join(staging, 'out'), { recursive: true });
  writeFileSync(join(staging, 'cpp', CPP_PRELUDE), CPP_PRELUDE_TEXT);
  writeFileSync(join(staging, 'src', 'warm_test.go'), GO_WARM_TEST);
  const runner = new MultiLangRunner({ workers: 1 });
  const problems: string[] = [];
  // The staging dir is the job dir (/sandbox), so the caches are written at /sandbox/cpp and /sandbox/go.
  const env = { PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8', TMPDIR: '/tmp' };
  const steps: Array<[string, Command]> = [
    [
      'cpp',
      {
        argv: [
          '/usr/bin/g++',
          ...CPP_FLAGS,
          '-x',
          'c++-header',
          `/sandbox/cpp/${CPP_PRELUDE}`,
          '-o',
          `/sandbox/cpp/${CPP_PRELUDE}.gch`,
        ],
        env,
      },
    ],
    [
      'go',
      {
        argv: [
          `${GO_ROOT}/bin/go`,
          'test',
          '-c',
          '-o',
          '/sandbox/out/warm.test',
          '/sandbox/src/warm_test.go',
        ],
        env: {
          ...env,
          GOROOT: GO_ROOT,
          GOCACHE: '/sandbox/go',
          GOPATH: '/tmp/gopath',
          GOPROXY: 'off',
          GO111MODULE: 'off',
          CGO_ENABLED: '0',
        },
      },
    ],
  ];
  try {
    for (const [lang, cmd] of steps) {
      const r = await runner.step(
        cmd,
        { timeoutMs: 300_000, addressSpaceMb: 8192 },
        {
          dir: staging,
          writable: true,
          cache: null,
          seccomp: false,
          extraReadOnly: [],
        },
      );
      if (r.exitCode !== 0) {
        problems.push(`${lang} warm cache not built (exit ${r.exitCode}): ${r.stderr.slice(-300)}`);
        rmSync(join(staging, lang), { recursive: true, force: true });
      }
    }
  } finally {
    await runner.close();
  }
  rmSync(join(staging, 'src'), { recursive: true, force: true });
  rmSync(join(staging, 'out'), { recursive: true, force: true });
  writeFileSync(join(staging, 'READY'), new Date().toISOString() + '\n');
  try {
    renameSync(staging, dir);
  } catch {
    // another process published first: use its cache
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, problems };
}
