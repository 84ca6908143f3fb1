import type { Command } from 'commander';
import { resolve } from 'node:path';
import { readSamples } from '../../models/replay/evalplus-samples.js';
import { formatErrorSummary, summarizeErrors } from '../../runner/error-summary.js';
import { createProgress } from '../../runner/progress.js';
import { ReplayProvider } from '../../runner/replay-provider.js';
import { addJudgeOptions, judgeRunOptions } from '../../judge/cli-options.js';
import { judgesIdentity } from '../../judge/spec.js';
import { rejudgeRun } from '../../runner/rejudge.js';
import { rescoreRun } from '../../runner/rescore.js';
import { readManifest } from '../../store/run-dir.js';
import { loadTasks, runEvaluation } from '../../runner/run.js';
import { EvalkitError } from '../../util/errors.js';
import { exportResults } from '../export.js';
import { addScoringOptions, collect, formatMetrics, runOptionsFrom } from '../shared-options.js';

export function register(program: Command): void {
  const cmd = program
    .command('score')
    .summary('score pre-generated samples, or re-score a run directory without inference')
    .description(
      'score pre-generated samples (EvalPlus sample files: .jsonl with task_id + solution|completion, or\n' +
        'the <task>/<n>.py directory form) into a run directory; without --samples, re-score the generations\n' +
        'already in --run-dir with the current scorers (no inference).\n' +
        "With --judge and --out-dir: re-judge the run's generations with other judges into a new run directory\n" +
        '(docs/judges.md)',
    )
    .option(
      '--task <variant>',
      'task variant (repeatable); for --samples exactly one, e.g. humanevalplus or mbppplus',
      collect,
    )
    .option('--samples <path>', 'samples file or directory to score')
    .requiredOption('--run-dir <dir>', 'run directory to write (or to re-score)')
    .option(
      '--out-dir <dir>',
      'with --judge: the new run directory for the re-judged run (--run-dir is not changed)',
    );
  addJudgeOptions(cmd);
  addScoringOptions(cmd).action(async (o: Record<string, any>) => {
    const options = { ...runOptionsFrom(o), ...judgeRunOptions(o) };
    const progress = createProgress(process.stderr, o.quiet);
    const command = ['evalkit', ...process.argv.slice(2)].join(' ');
    let metrics;
    let runDir = o.runDir as string;
    if (o.outDir && (o.samples || !options.judges))
      throw new EvalkitError(
        '--out-dir is for re-judging a run: use it with --run-dir and --judge, without --samples',
      );
    if (options.judges && !o.samples && !o.outDir) {
      const recorded = (await readManifest(resolve(o.runDir))).options.judges;
      if (judgesIdentity(recorded) !== judgesIdentity(options.judges))
        throw new EvalkitError(
          `${o.runDir} was judged by ${recorded?.length ? judgesIdentity(recorded) : 'no judge'}; re-judging with other judges writes a new run: add --out-dir <dir>`,
        );
    }
    if (o.outDir) {
      metrics = await rejudgeRun({
        sourceDir: o.runDir,
        outDir: o.outDir,
        judges: options.judges!,
        options,
        tasks: o.task,
        progress,
        command,
      });
      runDir = o.outDir;
    } else if (o.samples) {
      if (!o.task || o.task.length !== 1)
        throw new EvalkitError('score --samples needs exactly one --task (e.g. humanevalplus)');
      const { samples, source } = await readSamples(resolve(o.samples));
      const provider = new ReplayProvider(source, samples);
      const { loaded } = await loadTasks(o.task, options);
      const known = new Set(loaded[0].items.map((it) => it.id));
      const unknown = provider.taskIds.filter((id) => !known.has(id));
      if (unknown.length) {
        throw new EvalkitError(
          `${source}: ${unknown.length} task ids are not in ${o.task[0]} (first: ${unknown.slice(0, 3).join(', ')}); wrong --task?`,
        );
      }
      const missing = loaded[0].items.filter((it) => provider.sampleCount(o.task[0], it.id) === 0);
      if (missing.length) {
        process.stderr.write(
          `evalkit: ${source} covers ${loaded[0].items.length - missing.length} of ${loaded[0].items.length} tasks; ` +
            `${missing.length} missing (e.g. ${missing
              .slice(0, 3)
              .map((m) => m.id)
              .join(', ')}) are reported, not scored\n`,
        );
      }
      const result = await runEvaluation({
        runDir: o.runDir,
        model: { model: `replay:${source}` },
        provider,
        tasks: o.task,
        options,
        progress,
        command,
        maxErrorRate: o.maxErrorRate,
      });
      metrics = result.metrics;
    } else {
      metrics = await rescoreRun(o.runDir, options, { tasks: o.task, progress });
    }
    process.stdout.write(formatMetrics(metrics));
    if (o.export) await exportResults(o.export, resolve(runDir));
    process.stdout.write(`run directory: ${resolve(runDir)}\n`);
    const errors = await summarizeErrors(resolve(runDir), Object.keys(metrics), o.maxErrorRate);
    process.stderr.write(formatErrorSummary(errors));
    if (errors.failed) process.exitCode = 1;
  });
}
