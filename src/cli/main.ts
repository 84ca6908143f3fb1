/**
 * evalkit command-line entry point. Each file in src/cli/commands/ exports
 * `register(program: Command): void` and adds one command (run, score, list, compare, …).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { fsErrorLine } from '../store/writable-dir.js';
import { EvalkitError } from '../util/errors.js';
import { evalkitVersion } from '../util/version.js';

export async function buildProgram(): Promise<Command> {
  const program = new Command();
  program
    .name('evalkit')
    .description(
      'Evaluate LLM checkpoints (code generation, software engineering, reasoning, instruction following,\n' +
        'helpfulness and empathy with judges) with byte-exact prompts,\n' +
        'sandboxed code execution, resumable runs, 95% CIs and paired tests between checkpoints.\n' +
        'Datasets: $EVALKIT_DATA_DIR (offline mirror) or downloaded with checksums into $EVALKIT_CACHE_DIR.',
    )
    .version(evalkitVersion())
    .showHelpAfterError();
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.map'))
    .sort();
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { register?: (p: Command) => void };
    mod.register?.(program);
  }
  reflowHelp(program);
  return program;
}

/**
 * Help texts are written in the source as wrapped lines; commander wraps them again to the terminal's width, so a
 * hard line break inside a paragraph gives ragged help. Join such breaks; keep blank lines (paragraphs) and lines
 * that start with whitespace (indented lists).
 */
export function reflowHelpText(text: string): string {
  return text.replace(/([^\n])\n(?=[^\s])/g, '$1 ');
}

function reflowHelp(cmd: Command): void {
  cmd.description(reflowHelpText(cmd.description()));
  for (const option of cmd.options) option.description = reflowHelpText(option.description);
  for (const sub of cmd.commands) reflowHelp(sub);
}

/**
 * One line for the operating-system and database failures a user can cause and fix (a path that cannot be
 * written, a port in use, a read-only database); undefined for anything else (a bug: its stack is shown).
 */
export function userFacingSystemError(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (!err || typeof err !== 'object') return undefined;
  if (err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL')
    return (
      `port ${err.port ?? '?'} on ${err.address ?? 'this host'} ` +
      `${err.code === 'EADDRINUSE' ? 'is already in use' : 'is not available'} (${err.code}); choose another --port (0 = any free port)`
    );
  if (
    typeof err.code === 'string' &&
    /^(EACCES|EPERM|EROFS|ENOTDIR|EEXIST|EISDIR|ENOSPC|ENOENT|EMFILE)$/.test(err.code) &&
    err.path
  )
    return fsErrorLine(`cannot ${err.syscall ?? 'use'}`, err.path, err);
  if (err.name === 'SqliteError' && typeof err.code === 'string')
    return `results database: ${err.message} (${err.code}); check the file's permissions or pass --db <file>`;
  return undefined;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof EvalkitError) {
      process.stderr.write(`evalkit: error: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    const line = userFacingSystemError(e);
    if (line) {
      process.stderr.write(`evalkit: error: ${line}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}
