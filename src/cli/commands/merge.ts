/**
 * `evalkit merge <shard dirs…> --out <dir>`: combine the run directories of `evalkit run --shard i/N` into one
 * run directory and recompute its metrics from the merged verdicts (identical to an unsharded run).
 */
import type { Command } from 'commander';
import { readManifest } from '../../store/run-dir.js';
import { computeRunMetrics } from '../../runner/metrics.js';
import { loadTasks } from '../../runner/run.js';
import { mergeRunDirs } from '../../shard/merge.js';
import { formatMetrics } from '../shared-options.js';

/** Recompute metrics.json of a merged run with the task definitions recorded in its manifest. */
export async function recomputeMergedMetrics(outDir: string): Promise<string> {
  const manifest = await readManifest(outDir);
  const { loaded } = await loadTasks(
    manifest.tasks.map((t) => t.name),
    manifest.options,
  );
  const metrics = await computeRunMetrics(outDir, loaded, manifest.options);
  return formatMetrics(metrics);
}

export function register(program: Command): void {
  program
    .command('merge')
    .summary('combine the shard directories of `evalkit run --shard i/N` into one run')
    .description(
      'combine the run directories of `evalkit run --shard i/N` (all N shards, completed) into one run directory;\n' +
        'checks that tasks, settings, data and model agree and that no shard is missing, then recomputes metrics',
    )
    .argument('<shardDirs...>', 'shard run directories (any order)')
    .requiredOption('--out <dir>', 'merged run directory to create (must not exist or be empty)')
    .option(
      '--no-metrics',
      'only merge the records; compute metrics later with `evalkit score --run-dir <out>`',
    )
    .option(
      '--allow-incomplete',
      'accept shards whose manifest status is not "completed" (records are still checked)',
    )
    .action(async (shardDirs: string[], o: { out: string; metrics: boolean; allowIncomplete?: boolean }) => {
      let table = '';
      const summary = await mergeRunDirs(shardDirs, o.out, {
        allowIncomplete: o.allowIncomplete,
        recomputeMetrics: o.metrics
          ? async (dir) => {
              table = await recomputeMergedMetrics(dir);
            }
          : undefined,
      });
      process.stderr.write(
        `evalkit: merged ${summary.shards} shards: ${summary.requests} requests, ${summary.generations} samples` +
          `${summary.erroredSamples ? ` (${summary.erroredSamples} errored)` : ''}\n`,
      );
      if (table) process.stdout.write(table);
      process.stdout.write(`run directory: ${summary.outDir}\n`);
    });
}
