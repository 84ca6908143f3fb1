// One cache directory for the whole test run (datasets, ground-truth outputs/timings of EvalPlus tasks):
// computing HumanEval+/MBPP+ ground truth once instead of once per test file saves minutes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  if (process.env.EVALKIT_CACHE_DIR) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), 'evalkit-test-cache-'));
  process.env.EVALKIT_CACHE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
