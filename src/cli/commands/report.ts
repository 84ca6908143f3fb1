import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadCampaign } from '../../campaign/config.js';
import { RUN_FILES } from '../../store/run-dir.js';
import { EvalkitError } from '../../util/errors.js';
import { addExclusionOptions, exclusionOptionsFrom } from '../../report/exclusions.js';
import { compareIndexedRuns } from '../../report/compare.js';
import type { Correction } from '../../stats/multiple.js';
import { prepareWritableDir } from '../../store/writable-dir.js';
import { openAndResolveRuns } from '../resolve-runs.js';
import { nonNegativeInt, positiveInt } from '../shared-options.js';

export function register(program: Command): void {
  const cmd = program
    .command('report')
    .description(
      'self-contained HTML report + Markdown summary: one run, or a checkpoint line (checkpoint × task matrix with CIs and significance, trend charts, settings, paired tests, k-curves, breakdowns, flipped items with question, gold and answers)',
    )
    .argument(
      '[runs...]',
      'one run, or several in training order: run directories, run ids, or checkpoint names (with --campaign; none = every evaluated checkpoint in the campaign order)',
    )
    .requiredOption('--out <dir>', 'output directory (report.html, summary.md, comparison.json)')
    .option('--campaign <file>', 'campaign config whose checkpoint names may be used as runs')
    .option('--runs-root <dir>', 'runs root (for the default database location)', 'runs')
    .option('--db <path>', 'results database file')
    .option('--baseline <mode>', 'compare each run to the "previous" one or to the "first"', 'previous')
    .option('--correction <method>', 'holm | bh | none', 'holm')
    .option('--seed <n>', 'seed for bootstrap and permutations', nonNegativeInt('--seed'), 1234)
    .option('--viewer-url <url>', 'base URL of `evalkit view`, to link flipped items to the viewer')
    .option(
      '--max-items <n>',
      'flipped (or failing) items shown per task and direction',
      positiveInt('--max-items'),
      25,
    )
    .option('--title <text>', 'page title');
  addExclusionOptions(cmd).action(async (refs: string[], o: Record<string, any>, command: Command) => {
    prepareWritableDir(o.out, 'report folder'); // before any work: one clear line if it cannot be written
    const exclusions = exclusionOptionsFrom(o);
    if (!refs.length && o.campaign) {
      const c = loadCampaign(o.campaign);
      refs = c.checkpoints
        .filter((cp) => existsSync(join(cp.runDir, RUN_FILES.manifest)))
        .map((cp) => cp.name);
      if (!refs.length)
        throw new EvalkitError(
          `${o.campaign}: no checkpoint has a run yet; run \`evalkit campaign run\` first`,
        );
    }
    const { db, runs } = await openAndResolveRuns('report', refs, o, command, 1);
    try {
      const rep = compareIndexedRuns(db, runs, {
        seed: o.seed,
        correction: o.correction as Correction,
        baseline: o.baseline,
        ...exclusions,
      });
      // Loaded on use: the chart renderer (ECharts) takes seconds to import, and every CLI start imports this file.
      const { writeReport } = await import('../../report/report.js');
      const files = await writeReport(db, rep, o.out, {
        viewerUrl: o.viewerUrl,
        title: o.title,
        maxFlips: o.maxItems,
      });
      process.stdout.write(`${files.html}\n${files.markdown}\n${files.json}\n`);
    } finally {
      db.close();
    }
  });
}
