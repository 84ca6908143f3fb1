import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeExecutorOptions } from '../../src/sandbox/api.js';
import { createCodeExecutor } from '../../src/sandbox/index.js';

/** A sandbox executor with its own empty ground-truth cache (`evalkit-gt-<name>-*` under the temp dir). */
export function executorWithFreshCache(name: string, opts: Omit<CodeExecutorOptions, 'cacheDir'> = {}) {
  return createCodeExecutor({
    workers: 2,
    ...opts,
    cacheDir: mkdtempSync(join(tmpdir(), `evalkit-gt-${name}-`)),
  });
}
