import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXPORT_FORMATS, exportResults } from '../export.js';

export function register(program: Command): void {
  program
    .command('export')
    .description(
      "write a finished run's results in another tool's format: every-eval-ever (Every Eval Ever schema v0.3.0:\n" +
        'every metric with its 95% CI and generation settings) or evalplus (eval_results.json per HumanEval+/MBPP+ task)',
    )
    .argument('<run-dir>', 'run directory')
    .requiredOption('--format <name>', `one of: ${EXPORT_FORMATS.join(', ')}`)
    .option('--out <file>', 'output file (every-eval-ever; default <run-dir>/every-eval-ever.json)')
    .action(async (runDir: string, o: { format: string; out?: string }) => {
      await exportResults(o.format, resolve(runDir), o.out);
    });
}
