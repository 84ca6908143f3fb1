/**
 * An agent's workspace: a fresh writable copy of the repository in an environment. Every operation on it —
 * shell commands, reading and writing files, taking the diff — runs *inside* the sandbox, so nothing the model
 * wrote (symlinks to host files, git hooks/config, fsmonitor commands) is ever followed or executed by the host.
 */
import { type CommandResult, type ResourceLimits, runCommand } from '../environments/run-command.js';
import type { Workspace } from '../environments/workspace.js';

export interface AgentSession {
  run(command: string, timeoutMs?: number, signal?: AbortSignal): Promise<CommandResult>;
  readFile(path: string): Promise<{ text?: string; error?: string }>;
  writeFile(path: string, text: string): Promise<{ error?: string }>;
  /** The model's change as a unified diff against the base commit (new files included, binary as git binary). */
  diff(): Promise<string>;
  dispose(): Promise<void>;
}

export interface EnvironmentSessionOptions {
  root: string | 'host';
  workspace: Workspace;
  env?: Record<string, string>;
  limits?: ResourceLimits;
  /** Per-command wall clock (default 120 s). */
  commandTimeoutMs?: number;
}

export const DIFF_SCRIPT =
  'git add -A >/dev/null 2>&1; git -c core.fsmonitor= -c core.hooksPath=/dev/null diff --cached --no-ext-diff --no-textconv --no-color --binary HEAD';

export function environmentSession(o: EnvironmentSessionOptions): AgentSession {
  const exec = (argv: string[], timeoutMs: number, stdin?: string, signal?: AbortSignal) =>
    runCommand({
      root: o.root,
      workdir: o.workspace.work,
      argv,
      env: o.env,
      stdin,
      limits: o.limits,
      timeoutMs,
      signal,
      maxOutputBytes: 8 << 20,
    });
  return {
    run: (command, timeoutMs, signal) =>
      exec(['/bin/bash', '-c', command], timeoutMs ?? o.commandTimeoutMs ?? 120_000, undefined, signal),
    async readFile(path) {
      const r = await exec(['/bin/cat', '--', path], 30_000);
      if (r.exitCode !== 0) return { error: (r.stderr || `cat exited ${r.exitCode}`).trim() };
      if (r.truncated) return { error: `${path} is larger than 8 MiB` };
      return { text: r.stdout };
    },
    async writeFile(path, text) {
      const r = await exec(
        ['/bin/sh', '-c', 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"', 'sh', path],
        30_000,
        text,
      );
      return r.exitCode === 0 ? {} : { error: (r.stderr || `write exited ${r.exitCode}`).trim() };
    },
    async diff() {
      const r = await exec(['/bin/sh', '-c', DIFF_SCRIPT], 120_000);
      return r.exitCode === 0 ? r.stdout : '';
    },
    dispose: () => o.workspace.dispose(),
  };
}
