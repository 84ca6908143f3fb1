/**
 * Attempt work directories: a fresh writable copy per attempt, in a directory the unprivileged sandbox uid can
 * traverse (mode 0711: enterable, not listable), removed afterwards.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface Workspace {
  /** The attempt's root (holds `work/` and any private inputs). */
  root: string;
  /** The writable tree mounted into the environment. */
  work: string;
  dispose(): Promise<void>;
}

/** A new attempt directory; with `template`, `work/` is a copy of it (modes, symlinks and .git kept). */
export async function createWorkspace(template?: string, prefix = 'evalkit-attempt-'): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await chmod(root, 0o711);
  const work = join(root, 'work');
  if (template) await execFileP('cp', ['-a', '--no-preserve=ownership', template, work]);
  else await execFileP('mkdir', ['-m', '0755', work]);
  return {
    root,
    work,
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}
