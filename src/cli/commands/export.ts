import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXPORT_FORMATS, exportResults } from '../export.js';

export function register(program: Command): void {
  program
    .command('export')
    .description(
      "write a finished run's results in another tool's format: every-eval-ever (Every Eval Ever schema v0.3.0:\n" +
        'every metric with its 95% CI and generation settings), evalplus (eval_results.json per HumanEval+/MBPP+ task)\n' +
        'or mlflow (REST request bodies in mlflow-requests.json; posted as an MLflow run with --mlflow-uri)',
    )
    .argument('<run-dir>', 'run directory')
    .requiredOption('--format <name>', `one of: ${EXPORT_FORMATS.join(', ')}`)
    .option(
      '--out <file>',
      'output file (every-eval-ever: default <run-dir>/every-eval-ever.json; mlflow: <run-dir>/mlflow-requests.json)',
    )
    .option('--mlflow-uri <url>', 'mlflow: tracking server to post to (default $MLFLOW_TRACKING_URI)')
    .option('--experiment <name>', 'mlflow: experiment name (created if missing)', 'evalkit')
    .option('--run-name <name>', 'mlflow: run name (default: the evalkit run id)')
    .action(
      async (
        runDir: string,
        o: { format: string; out?: string; mlflowUri?: string; experiment: string; runName?: string },
      ) => {
        await exportResults(o.format, resolve(runDir), o.out, {
          uri: o.mlflowUri,
          experiment: o.experiment,
          runName: o.runName,
        });
      },
    );
}
