/** Run the real evalkit CLI (bin/evalkit.js → dist/) as a child process, for black-box tests. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

export const CLI = join(REPO_ROOT, 'bin', 'evalkit.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Async (the test's own stub servers must keep answering meanwhile). `unprivileged`: run as uid/gid 65534
 * when the tests run as root, so permission errors (EACCES) happen as they would for a normal user.
 */
export function cli(
  args: string[],
  env: Record<string, string> = {},
  opts: { unprivileged?: boolean; onSpawn?: (pid: number) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const asNobody = opts.unprivileged && process.getuid?.() === 0;
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
    });
    if (child.pid) opts.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Records of a JSONL file ([] when it does not exist). */
export const jsonl = (p: string): any[] =>
  existsSync(p)
    ? readFileSync(p, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

export const readJsonFile = (p: string): any => JSON.parse(readFileSync(p, 'utf8'));

/** A user-facing error is one line, without a stack trace. */
export function expectOneLineError(r: CliResult): string {
  const lines = r.stderr.trim().split('\n');
  const err = lines.filter((l) => l.startsWith('evalkit: error: '));
  if (err.length !== 1 || /\n\s+at /.test(r.stderr))
    throw new Error(`expected one "evalkit: error:" line and no stack, got:\n${r.stderr}`);
  return err[0];
}
