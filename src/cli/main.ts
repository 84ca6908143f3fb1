/**
 * evalkit command-line entry point. Each file in src/cli/commands/ exports
 * `register(program: Command): void` and adds one command (run, score, list, compare, …).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { EvalkitError } from '../util/errors.js';
import { evalkitVersion } from '../util/version.js';

export async function buildProgram(): Promise<Command> {
  const program = new Command();
  program
    .name('evalkit')
    .description(
      'Evaluate LLM checkpoints (code generation, reasoning, instruction following) with byte-exact prompts,\n' +
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
  return program;
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
    throw e;
  }
}
