import type { Command } from 'commander';
import { defaultDbPath, openResultsDb } from '../../store/db/results-db.js';

export function register(program: Command): void {
  program
    .command('index')
    .description(
      '(re)build the results database from run directories (the run directories stay the source of truth)',
    )
    .option('--runs-root <dir>', 'directory holding run directories', 'runs')
    .option('--db <path>', 'results database file (default: <runs-root>/.evalkit-index.sqlite)')
    .option('--force', 're-index every run even if its files did not change')
    .option('--json', 'print JSON')
    .action(async (o: { runsRoot: string; db?: string; force?: boolean; json?: boolean }) => {
      const dbPath = o.db ?? defaultDbPath(o.runsRoot);
      const db = openResultsDb(dbPath);
      try {
        const t0 = Date.now();
        const res = await db.indexRoot(o.runsRoot, { force: o.force });
        if (o.json) {
          process.stdout.write(
            JSON.stringify({ db: dbPath, runs: res, ms: Date.now() - t0 }, null, 2) + '\n',
          );
          return;
        }
        for (const r of res)
          process.stdout.write(
            `${r.skipped ? 'unchanged' : 'indexed  '}  ${r.runId}  ${r.tasks} tasks, ${r.samples} samples  (${r.dir})\n`,
          );
        process.stdout.write(`${res.length} runs in ${dbPath} (${Date.now() - t0} ms)\n`);
      } finally {
        db.close();
      }
    });
}
