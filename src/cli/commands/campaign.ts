import type { Command } from 'commander';
import { campaignStatus, formatStatus, runCampaign } from '../../campaign/campaign.js';
import { loadCampaign } from '../../campaign/config.js';
import { exportMlflow } from '../export.js';
import { openResultsDb, defaultDbPath } from '../../store/db/results-db.js';

export function register(program: Command): void {
  const cmd = program
    .command('campaign')
    .description('checkpoints of a training line × a task suite (evalkit.campaign.yaml)');
  cmd
    .command('status')
    .description('matrix of checkpoints × tasks with their state (done / partial / missing)')
    .option('--config <file>', 'campaign config', 'evalkit.campaign.yaml')
    .option('--json', 'print JSON')
    .action(async (o: { config: string; json?: boolean }) => {
      const c = loadCampaign(o.config);
      const cells = await campaignStatus(c);
      process.stdout.write(
        o.json
          ? JSON.stringify({ campaign: c.name, checkpoints: c.checkpoints, cells }, null, 2) + '\n'
          : formatStatus(c, cells),
      );
    });
  cmd
    .command('run')
    .description(
      'evaluate every missing (checkpoint, task) cell; finished cells are skipped, partial ones resume',
    )
    .option('--config <file>', 'campaign config', 'evalkit.campaign.yaml')
    .option('--checkpoint <name...>', 'only these checkpoints')
    .option(
      '--db <path>',
      'results database to update afterwards (default: <runsRoot>/.evalkit-index.sqlite)',
    )
    .option(
      '--mlflow-uri <url>',
      'post each checkpoint to this MLflow tracking server when it finishes (overrides tracking.mlflow.uri)',
    )
    .option(
      '--mlflow-experiment <name>',
      'MLflow experiment (default: tracking.mlflow.experiment or the campaign name)',
    )
    .action(
      async (o: {
        config: string;
        checkpoint?: string[];
        db?: string;
        mlflowUri?: string;
        mlflowExperiment?: string;
      }) => {
        const c = loadCampaign(o.config);
        const uri = o.mlflowUri ?? c.tracking?.mlflow?.uri;
        const experiment = o.mlflowExperiment ?? c.tracking?.mlflow?.experiment ?? c.name;
        const ran = await runCampaign(c, {
          only: o.checkpoint,
          // A checkpoint that cannot be posted is reported and the command fails at the end; the runs are kept.
          afterCheckpoint: uri
            ? async (cp, step) => {
                try {
                  await exportMlflow(cp.runDir, { uri, experiment, runName: `${c.name}/${cp.name}`, step });
                } catch (e) {
                  process.stderr.write(`evalkit: campaign ${c.name}: ${cp.name}: ${(e as Error).message}\n`);
                  process.exitCode = 1;
                }
              }
            : undefined,
        });
        const cells = await campaignStatus(c);
        process.stdout.write(formatStatus(c, cells));
        if (ran.length) {
          const db = openResultsDb(o.db ?? defaultDbPath(c.runsRoot));
          try {
            for (const cp of c.checkpoints)
              if (ran.some((r) => r.checkpoint === cp.name)) await db.indexRun(cp.runDir);
          } finally {
            db.close();
          }
        }
      },
    );
}
