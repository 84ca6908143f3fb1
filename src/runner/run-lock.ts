import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EvalkitError } from '../util/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per run directory: a second `evalkit run` on the same directory would interleave records.
 * A lock left by a killed process (pid no longer alive) is taken over.
 */
export async function acquireRunLock(runDir: string): Promise<() => void> {
  await mkdir(runDir, { recursive: true });
  const path = join(runDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new EvalkitError(`${runDir} is in use by another evalkit process (pid ${pid}); wait for it or stop it`);
      }
      unlinkSync(path);
    }
  }
  throw new EvalkitError(`could not lock ${runDir}`);
}
