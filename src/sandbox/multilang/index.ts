/**
 * Multi-language sandbox (JavaScript, C++, Java, Rust, Go): public surface. See docs/code-benchmarks.md.
 * `acquireSharedRunner` hands every task variant of a run the same runner (one worker budget and one warm cache
 * for all languages) and closes it when the last user releases it.
 */
import type { RunOptions } from '../../types.js';
import { MultiLangRunner } from './runner.js';
import { ensureWarmCaches } from './warm-cache.js';

export {
  LANGUAGES,
  LANGUAGE_SPECS,
  missingToolchains,
  type LanguageId,
  type MultiplELanguage,
} from './languages.js';
export {
  MultiLangRunner,
  newMarker,
  type MultiLangJob,
  type MultiLangOutcome,
  type MultiLangStatus,
} from './runner.js';
export { ensureWarmCaches } from './warm-cache.js';

let shared: { runner: Promise<MultiLangRunner>; users: number } | null = null;

export function acquireSharedRunner(options: RunOptions): Promise<MultiLangRunner> {
  if (!shared) {
    const cacheRoot = typeof options.cacheDir === 'string' ? `${options.cacheDir}/multilang` : undefined;
    const runner = Promise.resolve(
      new MultiLangRunner({
        workers: options.sandboxWorkers,
        // built on the first compile only (Python-only tasks never need it)
        warmCacheDir: async () => {
          const warm = await ensureWarmCaches(cacheRoot);
          for (const p of warm.problems) process.stderr.write(`multi-language sandbox: ${p}\n`);
          return warm.dir;
        },
        unsafeNoSandbox: options.unsafeNoSandbox,
      }),
    );
    shared = { runner, users: 0 };
  }
  shared.users++;
  return shared.runner;
}

export async function releaseSharedRunner(): Promise<void> {
  if (!shared) return;
  if (--shared.users > 0) return;
  const r = shared.runner;
  shared = null;
  await (await r).close();
}
