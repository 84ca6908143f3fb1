/**
 * Directories evalkit writes into (run directories, report folders, the index database's folder): checked and
 * created up front, so a path that cannot be used is one clear line naming it, before anything is written.
 *
 * Parents are created one level at a time with a plain mkdir(2): Node's recursive mkdir loops forever on some
 * pseudo filesystems (`/proc/x`), and one level at a time also tells which component was the problem.
 */
import { accessSync, constants, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EvalkitError } from '../util/errors.js';

const WHY: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a parent is a file, not a directory',
  EEXIST: 'exists and is not a directory',
  ENOENT: 'the parent does not accept new directories',
  ENOSPC: 'no space left on the device',
};

/** Why a filesystem call failed, in words: "permission denied (EACCES)". */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  const why = WHY[code] ?? (e as Error)?.message ?? String(e);
  return `${why}${code ? ` (${code})` : ''}`;
}

/** One line for a failed filesystem call on `path`: "<what> <path>: <reason> (<CODE>)". */
export function fsErrorLine(what: string, path: string, e: unknown): string {
  return `${what} ${path}: ${fsReason(e)}`;
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return 'notdir' as const;
    throw e;
  }
}

/**
 * Make sure `dir` is a writable directory, creating it and its missing parents. `what` names it for the
 * user ("run directory", "report folder"). Returns the topmost directory this call created (undefined when
 * `dir` already existed), so a failed start can remove what it made (`removeCreatedDirs`).
 */
export function prepareWritableDir(dirArg: string, what: string): { dir: string; created?: string } {
  const dir = resolve(dirArg);
  const missing: string[] = [];
  let p = dir;
  for (;;) {
    const st = statOrUndefined(p);
    if (st === 'notdir') {
      missing.unshift(p);
      p = dirname(p);
      continue;
    }
    if (st) {
      if (!st.isDirectory()) {
        const code = p === dir ? 'EEXIST' : 'ENOTDIR';
        throw new EvalkitError(
          p === dir
            ? `${what} ${dir}: exists and is not a directory (EEXIST)`
            : `${what} ${dir}: ${p} is a file, not a directory (${code})`,
        );
      }
      try {
        accessSync(p, constants.W_OK | constants.X_OK);
      } catch (e) {
        throw new EvalkitError(
          p === dir ? fsErrorLine(what, dir, e) : `${what} ${dir}: cannot create it in ${p}: ${fsReason(e)}`,
        );
      }
      break;
    }
    missing.unshift(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const now = code === 'EEXIST' ? statOrUndefined(m) : undefined;
      if (now && now !== 'notdir' && now.isDirectory()) continue; // made by someone else meanwhile
      // Undo what this call made before reporting.
      removeCreatedDirs(dirname(m), missing[0]);
      throw new EvalkitError(
        m === dir
          ? fsErrorLine(`cannot create ${what}`, dir, e)
          : `cannot create ${what} ${dir}: ${fsErrorLine('cannot create', m, e)}`,
      );
    }
  }
  return { dir, created: missing[0] };
}

/** Remove `dir` and its parents up to and including `top` while they are empty (undo of prepareWritableDir). */
export function removeCreatedDirs(dirArg: string, top: string | undefined): void {
  if (!top) return;
  let p = resolve(dirArg);
  const stop = resolve(top);
  while (p.startsWith(stop)) {
    try {
      if (readdirSync(p).length) return;
      rmdirSync(p);
    } catch {
      return;
    }
    if (p === stop) return;
    p = dirname(p);
  }
}
