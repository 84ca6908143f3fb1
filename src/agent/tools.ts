/**
 * The agent's tools: `bash` (one command per turn in the environment), `view_file`, `edit_file` (exact
 * search/replace, or whole-file write), `submit`. Each returns plain text for the model plus structured facts for
 * the trajectory.
 */
import type { AgentSession } from './session.js';
import type { ToolSpec } from './model.js';

export const AGENT_TOOLS: ToolSpec[] = [
  {
    name: 'bash',
    description:
      'Run one shell command in the repository (cwd /testbed; each call is a new shell, so `cd` does not persist; no network). Returns the exit code and output.',
    parameters: {
      type: 'object',
      properties: { command: { type: 'string', description: 'the command line' } },
      required: ['command'],
    },
  },
  {
    name: 'view_file',
    description: 'Show a file with line numbers (optionally a 1-based inclusive line range).',
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        start_line: { type: 'integer' },
        end_line: { type: 'integer' },
      },
      required: ['path'],
    },
  },
  {
    name: 'edit_file',
    description:
      'Replace the exact text old_str (must occur exactly once) with new_str in a file. With old_str empty, write new_str as the whole file (creating it).',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, old_str: { type: 'string' }, new_str: { type: 'string' } },
      required: ['path', 'old_str', 'new_str'],
    },
  },
  {
    name: 'submit',
    description: 'Finish: your current changes to the repository are the answer.',
    parameters: { type: 'object', properties: {} },
  },
];

/** Characters of tool output shown to the model (head and tail kept). */
export const TOOL_OUTPUT_CHARS = 12_000;

export function clip(s: string, n = TOOL_OUTPUT_CHARS): string {
  if (s.length <= n) return s;
  const h = Math.floor(n / 2);
  return `${s.slice(0, h)}\n[… ${s.length - n} characters elided …]\n${s.slice(-h)}`;
}

export interface ToolOutcome {
  output: string;
  /** The call was well-formed and ran (a failing command is still ok). */
  ok: boolean;
  submit?: boolean;
  exitCode?: number | null;
  timedOut?: boolean;
  durationMs: number;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export async function executeTool(
  session: AgentSession,
  name: string,
  args: Record<string, unknown>,
  opts: { commandTimeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ToolOutcome> {
  const t0 = performance.now();
  const done = (o: Omit<ToolOutcome, 'durationMs'>): ToolOutcome => ({
    ...o,
    durationMs: Math.round(performance.now() - t0),
  });
  switch (name) {
    case 'bash': {
      const command = str(args.command);
      if (!command) return done({ ok: false, output: 'error: bash needs a string "command"' });
      const r = await session.run(command, opts.commandTimeoutMs, opts.signal);
      const status = r.timedOut
        ? `killed: the command exceeded its time limit`
        : r.diskExceeded
          ? 'killed: the work directory exceeded its disk quota'
          : `exit code ${r.exitCode ?? `signal ${r.signal}`}`;
      const body = [r.stdout, r.stderr]
        .filter(Boolean)
        .join(r.stdout.endsWith('\n') || !r.stdout ? '' : '\n');
      return done({
        ok: true,
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        output: clip(`${status}\n${body}`),
      });
    }
    case 'view_file': {
      const path = str(args.path);
      if (!path) return done({ ok: false, output: 'error: view_file needs a string "path"' });
      const r = await session.readFile(path);
      if (r.error !== undefined) return done({ ok: true, output: `error: ${r.error}` });
      const lines = r.text!.split('\n');
      const start = Math.max(1, Number(args.start_line ?? 1) || 1);
      const end = Math.min(lines.length, Number(args.end_line ?? lines.length) || lines.length);
      const shown = lines.slice(start - 1, end).map((l, i) => `${String(start + i).padStart(6)}\t${l}`);
      return done({ ok: true, output: clip(shown.join('\n')) });
    }
    case 'edit_file': {
      const path = str(args.path);
      const oldStr = str(args.old_str);
      const newStr = str(args.new_str);
      if (!path || oldStr === undefined || newStr === undefined)
        return done({ ok: false, output: 'error: edit_file needs strings "path", "old_str" and "new_str"' });
      if (oldStr === '') {
        const w = await session.writeFile(path, newStr);
        return done({
          ok: true,
          output: w.error ? `error: ${w.error}` : `wrote ${path} (${newStr.length} characters)`,
        });
      }
      const r = await session.readFile(path);
      if (r.error !== undefined) return done({ ok: true, output: `error: ${r.error}` });
      const count = r.text!.split(oldStr).length - 1;
      if (count !== 1)
        return done({
          ok: true,
          output: `error: old_str occurs ${count} times in ${path}; it must occur exactly once (include more context)`,
        });
      const w = await session.writeFile(
        path,
        r.text!.replace(oldStr, () => newStr),
      );
      return done({ ok: true, output: w.error ? `error: ${w.error}` : `edited ${path}` });
    }
    case 'submit':
      return done({ ok: true, submit: true, output: 'submitted' });
    default:
      return done({
        ok: false,
        output: `error: unknown tool "${name}" (tools: ${AGENT_TOOLS.map((t) => t.name).join(', ')})`,
      });
  }
}
