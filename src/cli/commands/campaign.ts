import type { Command } from 'commander';
import { campaignStatus, formatStatus, runCampaign } from '../../campaign/campaign.js';
import { loadCampaign } from '../../campaign/config.js';
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
    .action(async (o: { config: string; checkpoint?: string[]; db?: string }) => {
      const c = loadCampaign(o.config);
      const ran = await runCampaign(c, { only: o.checkpoint });
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
    });
}
