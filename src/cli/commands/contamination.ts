import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DatasetResolver } from '../../datasets/registry.js';
import { buildItemIndex } from '../../contamination/item-index.js';
import { buildReport, listDataFiles, scanData } from '../../contamination/scan.js';
import { allTasks, getTask } from '../../tasks/registry.js';
import { EvalkitError } from '../../util/errors.js';
import { collect, positiveInt } from '../shared-options.js';

export function register(program: Command): void {
  program
    .command('contamination')
    .description(
      'n-gram overlap of training data (JSONL/text files or folders, optionally .gz) against every item of the\n' +
        'task variants (prompts, answers, tests); streams data of any size; writes a report that compare and\n' +
        'report can use to exclude contaminated items (--exclude-items)',
    )
    .requiredOption('--data <path>', 'training data file or folder (repeatable)', collect)
    .option('--task <name>', 'task variant to check (repeatable; default: every variant)', collect)
    .option('--family <name>', 'only variants of this benchmark family')
    .option('--ngram <n>', 'n-gram size in normalised tokens', positiveInt('--ngram'), 13)
    .option(
      '--threshold <fraction>',
      'an item is contaminated when this share of its tokens is covered by n-grams found in the data',
      (v: string) => {
        const x = Number(v);
        if (!(x > 0 && x <= 1)) throw new EvalkitError(`--threshold must be in (0, 1], got "${v}"`);
        return x;
      },
      0.5,
    )
    .option('--workers <n>', 'scan threads (default: CPU count)', positiveInt('--workers'))
    .option('--out <file>', 'write the JSON report here', 'contamination.json')
    .option('--quiet', 'no progress output')
    .action(async (o: Record<string, any>) => {
      const files = listDataFiles(o.data as string[]);
      if (files.length === 0) throw new EvalkitError('--data: no data files found');
      let variants = o.task
        ? await Promise.all((o.task as string[]).map((t) => getTask(t)))
        : await allTasks();
      if (o.family) variants = variants.filter((v) => v.family === o.family);
      if (variants.length === 0) throw new EvalkitError('no task variants selected');
      const log = (s: string) => {
        if (!o.quiet) process.stderr.write(s);
      };
      log(`evalkit: indexing ${variants.length} task variants (${o.ngram}-grams)…\n`);
      const index = await buildItemIndex(variants, o.ngram, new DatasetResolver());
      log(
        `evalkit: ${index.items.length} distinct items, ${index.table.size} distinct n-grams; scanning ${files.length} files\n`,
      );
      let lastPrint = 0;
      const { stats, units } = await scanData(index, files, {
        workers: o.workers,
        onProgress: (done, total) => {
          const now = Date.now();
          if (now - lastPrint < 1000) return;
          lastPrint = now;
          log(`\r  ${(done / 2 ** 30).toFixed(2)}/${(total / 2 ** 30).toFixed(2)} GiB`);
        },
      });
      log('\n');
      const report = buildReport(index, files, units, stats, o.threshold);
      try {
        writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
      } catch (e) {
        throw new EvalkitError(
          `--out ${o.out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        );
      }
      const rate = stats.bytes / 2 ** 30 / (stats.seconds / 60);
      const lines = [
        `scanned ${(stats.bytes / 2 ** 30).toFixed(2)} GiB in ${stats.seconds.toFixed(1)} s (${rate.toFixed(2)} GiB/min, ${stats.workers} threads)`,
        `${'task'.padEnd(36)} ${'items'.padStart(6)} ${'contaminated'.padStart(12)} ${'partial'.padStart(8)}`,
        ...report.tasks.map(
          (t) =>
            `${t.task.padEnd(36)} ${String(t.items).padStart(6)} ${String(t.contaminated).padStart(12)} ${String(t.partial).padStart(8)}`,
        ),
        `report: ${o.out} (contaminated = at least ${Math.round(o.threshold * 100)}% of an item's tokens covered by ${o.ngram}-grams in the data)`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
