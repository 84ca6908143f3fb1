import type { Command } from 'commander';
import { resolve } from 'node:path';
import { formatConfigCheck } from '../../import/config-check.js';
import { importEvalPlus } from '../../import/evalplus.js';
import { importOlmes } from '../../import/olmes.js';
import { defaultDbPath, openResultsDb } from '../../store/db/results-db.js';

const pct = (x: number | undefined) =>
  typeof x === 'number' && Number.isFinite(x) ? (100 * x).toFixed(2) : 'n/a';

export function register(program: Command): void {
  const cmd = program
    .command('import')
    .description('bring results of other tools in as evalkit runs (per-item outcomes kept for paired tests)');
  const index = async (out: string, db?: string) => {
    const d = openResultsDb(db ?? defaultDbPath(resolve(out, '..')));
    try {
      await d.indexRun(out);
    } finally {
      d.close();
    }
  };
  cmd
    .command('olmes')
    .description(
      'an OLMES output directory (task-NNN-<task>-{metrics.json,predictions.jsonl,requests.jsonl}, metrics.json)',
    )
    .argument('<dir>', 'OLMES --output-dir')
    .requiredOption('--out <dir>', 'evalkit run directory to create')
    .option('--run-id <id>', 'run id (default: the --out folder name)')
    .option('--model <name>', 'model name to record (default: from OLMES model_config)')
    .option('--force', 'write into a non-empty --out')
    .option('--db <path>', 'also index into this results database (default: <out>/../.evalkit-index.sqlite)')
    .action(
      async (
        dir: string,
        o: { out: string; runId?: string; model?: string; force?: boolean; db?: string },
      ) => {
        const r = await importOlmes(dir, o.out, o);
        for (const t of r.tasks) {
          process.stdout.write(
            `${t.task}: ${t.items} items, ${t.samples} samples, ${t.primary} ${pct(t.value)} (OLMES reported ${pct(t.reported)})\n`,
          );
          process.stdout.write(formatConfigCheck(t.configCheck) + '\n');
        }
        await index(o.out, o.db);
        process.stdout.write(`run directory: ${resolve(o.out)}\n`);
      },
    );
  cmd
    .command('evalplus')
    .description('an EvalPlus eval_results.json (per-sample base/plus verdicts)')
    .argument('<file>', 'eval_results.json')
    .requiredOption('--out <dir>', 'evalkit run directory to create')
    .option('--task <name>', 'evalkit task name (default: humanevalplus or mbppplus from the task ids)')
    .option('--run-id <id>', 'run id (default: the --out folder name)')
    .option('--model <name>', 'model name to record')
    .option('--force', 'write into a non-empty --out')
    .option('--db <path>', 'also index into this results database')
    .action(
      async (
        file: string,
        o: { out: string; task?: string; runId?: string; model?: string; force?: boolean; db?: string },
      ) => {
        const r = await importEvalPlus(file, o.out, o);
        const m = r.metrics.metrics;
        process.stdout.write(
          `${r.task}: ${r.metrics.counts.items} problems, base pass@1 ${pct(m['base_pass@1']?.value)}, plus pass@1 ${pct(m['plus_pass@1']?.value)}\n`,
        );
        process.stdout.write(formatConfigCheck(r.configCheck) + '\n');
        await index(o.out, o.db);
        process.stdout.write(`run directory: ${resolve(o.out)}\n`);
      },
    );
}
