import type { Command } from 'commander';
import { defaultDbPath } from '../../store/db/results-db.js';

export function register(program: Command): void {
  program
    .command('view')
    .description(
      'local web page to browse runs and samples (prompt, generation, extracted answer/program, verdict, reason; side by side across runs)',
    )
    .option('--runs-root <dir>', 'directory holding run directories (indexed incrementally at start)', 'runs')
    .option('--db <path>', 'results database file (default: <runs-root>/.evalkit-index.sqlite)')
    .option('--port <n>', 'port (0 = any free port)', (v) => Number(v), 0)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .action(async (o: { runsRoot: string; db?: string; port: number; host: string }) => {
      // Loaded on use: the viewer pulls in the chart renderer, seconds to import on every CLI start otherwise.
      const { startViewer } = await import('../../viewer/server.js');
      const v = await startViewer({
        runsRoot: o.runsRoot,
        dbPath: o.db ?? defaultDbPath(o.runsRoot),
        port: o.port,
        host: o.host,
      });
      process.stdout.write(`evalkit view: ${v.url}  (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          void v.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
