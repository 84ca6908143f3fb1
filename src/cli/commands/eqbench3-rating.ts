import type { Command } from 'commander';
import {
  RATING_PROCEDURES,
  rateModels,
  readPairwiseJudgments,
} from '../../tasks/eqbench3/leaderboard-rating.js';
import { EvalkitError } from '../../util/errors.js';

export function register(program: Command): void {
  program
    .command('eqbench3-rating')
    .summary('EQ-Bench 3 leaderboard ratings (TrueSkill → Elo scale) from pairwise judgments')
    .description(
      'rate models from EQ-Bench 3 pairwise judgments (the harness Elo archive, .json or .json.gz, or a JSON\n' +
        'array of judgments) with the official procedure: TrueSkill over margin-expanded pair results, normalised\n' +
        'so that o3 = 1500 and meta-llama/llama-3.2-1b-instruct = 200 (docs/judges.md)',
    )
    .requiredOption('--judgments <path>', 'pairwise judgments file')
    .option(
      '--procedure <name>',
      `rating procedure: ${Object.keys(RATING_PROCEDURES).join(' | ')}`,
      'release',
    )
    .option(
      '--stored-ladder',
      'take the rank-window ladder from the ratings stored in the archive (as the pre-release recalculation did)',
    )
    .option('--json', 'print JSON')
    .action(async (o: { judgments: string; procedure: string; storedLadder?: boolean; json?: boolean }) => {
      const proc = RATING_PROCEDURES[o.procedure];
      if (!proc)
        throw new EvalkitError(
          `--procedure ${o.procedure}: unknown (known: ${Object.keys(RATING_PROCEDURES).join(', ')})`,
        );
      const { judgments, storedRatings } = await readPairwiseJudgments(o.judgments);
      if (o.storedLadder && !storedRatings)
        throw new EvalkitError(`${o.judgments}: --stored-ladder needs an archive with stored model ratings`);
      const r = rateModels(judgments, proc, o.storedLadder ? storedRatings : undefined);
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const w = Math.max(5, ...r.rows.map((x) => x.model.length));
      process.stdout.write(`${'model'.padEnd(w)}  elo_norm  95% CI              elo_raw   sigma\n`);
      for (const x of r.rows)
        process.stdout.write(
          `${x.model.padEnd(w)}  ${x.elo_norm.toFixed(1).padStart(8)}  ` +
            `[${x.ci_low_norm.toFixed(1)}, ${x.ci_high_norm.toFixed(1)}]`.padEnd(20) +
            `${x.elo.toFixed(1).padStart(7)}  ${x.sigma.toFixed(2).padStart(6)}\n`,
        );
      process.stdout.write(
        `\n${r.rows.length} models, ${r.pairedResults} pair results, procedure ${r.procedure}` +
          (r.skippedUpdates ? `, ${r.skippedUpdates} updates rejected by the numerics (skipped)` : '') +
          '\n',
      );
    });
}
