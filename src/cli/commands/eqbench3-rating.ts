import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DatasetResolver } from '../../datasets/registry.js';
import { addJudgeOptions, judgeRunOptions } from '../../judge/cli-options.js';
import { createJudges } from '../../judge/judge.js';
import {
  RATING_PROCEDURES,
  rateModels,
  readPairwiseJudgments,
  type PairwiseJudgment,
} from '../../tasks/eqbench3/leaderboard-rating.js';
import {
  judgeRunPairs,
  loadPairwiseResources,
  loadScenarios,
  readEqb3Run,
} from '../../tasks/eqbench3/pairwise-judging.js';
import { EvalkitError } from '../../util/errors.js';

export function register(program: Command): void {
  const cmd = program
    .command('eqbench3-rating')
    .summary('EQ-Bench 3 leaderboard ratings (TrueSkill → Elo scale) from pairwise judgments')
    .description(
      'rate models from EQ-Bench 3 pairwise judgments with the official procedure: TrueSkill over margin-expanded\n' +
        'pair results, normalised so that o3 = 1500 and meta-llama/llama-3.2-1b-instruct = 200 when both are rated\n' +
        '(docs/judges.md). The judgments come from a file (--judgments: the harness Elo archive, .json or .json.gz,\n' +
        'or a JSON array) or are made now between evalkit eqbench3 runs (--runs A B … with --judge)',
    )
    .option('--judgments <path>', 'pairwise judgments file')
    .option(
      '--runs <dirs...>',
      'eqbench3 run directories to judge pairwise against each other (needs --judge)',
    )
    .option('--judgments-out <path>', 'with --runs: also write the judgments (JSON array) here')
    .option(
      '--procedure <name>',
      `rating procedure: ${Object.keys(RATING_PROCEDURES).join(' | ')}`,
      'release',
    )
    .option(
      '--stored-ladder',
      'take the rank-window ladder from the ratings stored in the archive (as the pre-release recalculation did)',
    )
    .option('--json', 'print JSON');
  addJudgeOptions(cmd).action(async (o: Record<string, any>) => {
    const proc = RATING_PROCEDURES[o.procedure];
    if (!proc)
      throw new EvalkitError(
        `--procedure ${o.procedure}: unknown (known: ${Object.keys(RATING_PROCEDURES).join(', ')})`,
      );
    if (!o.judgments === !o.runs)
      throw new EvalkitError('give either --judgments <file> or --runs <dir> <dir> …');
    let judgments: PairwiseJudgment[];
    let storedRatings: Map<string, number> | undefined;
    if (o.judgments) {
      ({ judgments, storedRatings } = await readPairwiseJudgments(o.judgments));
      if (o.storedLadder && !storedRatings)
        throw new EvalkitError(`${o.judgments}: --stored-ladder needs an archive with stored model ratings`);
    } else {
      const { judges } = judgeRunOptions(o);
      if (judges?.length !== 1) throw new EvalkitError('--runs needs exactly one --judge');
      if ((o.runs as string[]).length < 2)
        throw new EvalkitError('--runs needs at least two run directories');
      const datasets = new DatasetResolver({});
      const scenarios = await loadScenarios({ datasets });
      const resources = await loadPairwiseResources({ datasets });
      const runs = await Promise.all((o.runs as string[]).map((d) => readEqb3Run(resolve(d), scenarios)));
      const [judge] = await createJudges(judges, 'eqbench3 pairwise');
      try {
        judgments = await judgeRunPairs(runs, scenarios, judge, resources);
      } finally {
        await judge.close();
      }
      if (o.judgmentsOut) await writeFile(o.judgmentsOut, JSON.stringify(judgments, null, 1) + '\n');
      const failed = judgments.filter((j) => j.error).length;
      if (failed)
        process.stderr.write(`evalkit: ${failed} of ${judgments.length} pairwise judgments unparseable\n`);
    }
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
