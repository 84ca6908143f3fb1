import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EvalkitError } from '../util/errors.js';
import { fsErrorLine } from '../store/writable-dir.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per run directory (which must exist: see prepareWritableDir): a second `evalkit run` on the same directory would interleave records.
 * The lock records `host pid`. A lock left by a killed process on this host (pid no longer alive) is taken
 * over; a lock from another host (shared filesystem) cannot be checked and is reported with how to clear it.
 */
export async function acquireRunLock(runDir: string): Promise<() => void> {
  const path = join(runDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${hostname()} ${process.pid}`);
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new EvalkitError(fsErrorLine('cannot lock run directory', runDir, e));
      const [host, pidText] = readFileSync(path, 'utf8').trim().split(/\s+/);
      const pid = Number(pidText);
      if (host !== hostname()) {
        throw new EvalkitError(
          `${runDir} is locked by an evalkit process on host ${host} (pid ${pidText}); if that process is gone, delete ${path}`,
        );
      }
      if (pid && pid !== process.pid && alive(pid)) {
        throw new EvalkitError(
          `${runDir} is in use by another evalkit process (pid ${pid}); wait for it or stop it`,
        );
      }
      unlinkSync(path);
    }
  }
  throw new EvalkitError(`could not lock ${runDir}`);
}
