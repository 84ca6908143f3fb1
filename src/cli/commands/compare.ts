import type { Command } from 'commander';
import { compareIndexedRuns, formatComparison } from '../../report/compare.js';
import type { Correction } from '../../stats/multiple.js';
import { EvalkitError } from '../../util/errors.js';
import { addExclusionOptions, exclusionOptionsFrom } from '../../report/exclusions.js';
import { openAndResolveRuns } from '../resolve-runs.js';
import { nonNegativeInt, positiveInt } from '../shared-options.js';

export function register(program: Command): void {
  const cmd = program
    .command('compare')
    .description(
      'paired comparison of checkpoints on the same items: per task the metric of each run, the difference with a\n' +
        '95% CI (paired bootstrap), McNemar (0/1 outcomes) or paired permutation (n>1) test, Holm correction across\n' +
        'tasks, verdict, minimum detectable effect, and the items that flipped',
    )
    .argument(
      '<runs...>',
      'run directories, run ids in the results database, or checkpoint names (with --campaign)',
    )
    .option('--campaign <file>', 'campaign config whose checkpoint names may be used as runs')
    .option('--runs-root <dir>', 'runs root (for the default database location)', 'runs')
    .option('--db <path>', 'results database file')
    .option('--metric <name>', "compare this metric instead of each task's primary metric")
    .option('--task <name...>', 'only these tasks')
    .option(
      '--baseline <mode>',
      'with 3+ runs compare each to the "previous" run or to the "first"',
      'previous',
    )
    .option('--correction <method>', 'multiple-comparison correction across tasks: holm | bh | none', 'holm')
    .option('--alpha <a>', 'significance level', (v) => Number(v), 0.05)
    .option('--seed <n>', 'seed for bootstrap and permutations', nonNegativeInt('--seed'), 1234)
    .option('--resamples <n>', 'bootstrap resamples', positiveInt('--resamples'), 2000)
    .option('--max-flips <n>', 'flipped items listed per task in the table', positiveInt('--max-flips'), 10)
    .option('--json', 'print the full comparison as JSON');
  addExclusionOptions(cmd).action(async (refs: string[], o: Record<string, any>, command: Command) => {
    if (!['holm', 'bh', 'none'].includes(o.correction))
      throw new EvalkitError(`--correction must be holm, bh or none (got "${o.correction}")`);
    if (!['previous', 'first'].includes(o.baseline))
      throw new EvalkitError(`--baseline must be previous or first (got "${o.baseline}")`);
    const exclusions = exclusionOptionsFrom(o);
    const { db, runs } = await openAndResolveRuns('compare', refs, o, command);
    try {
      const rep = compareIndexedRuns(db, runs, {
        seed: o.seed,
        resamples: o.resamples,
        correction: o.correction as Correction,
        alpha: o.alpha,
        baseline: o.baseline,
        metric: o.metric,
        tasks: o.task,
        ...exclusions,
      });
      for (const w of rep.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(
        o.json ? JSON.stringify(rep, null, 2) + '\n' : formatComparison(rep, { maxFlips: o.maxFlips }),
      );
    } finally {
      db.close();
    }
  });
}
