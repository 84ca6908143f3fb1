import type { Command } from 'commander';
import { allTasks } from '../../tasks/registry.js';

export function register(program: Command): void {
  const list = program.command('list').description('list things evalkit knows about');
  list
    .command('tasks')
    .description(
      'every task variant with its settings (shots, n, temperature, top_p, max tokens, stops, metric)',
    )
    .option('--json', 'print JSON instead of a table')
    .option('--family <name>', 'only variants of this benchmark family')
    .action(async (opts: { json?: boolean; family?: string }) => {
      const tasks = (await allTasks()).filter((t) => !opts.family || t.family === opts.family);
      if (opts.json) {
        process.stdout.write(
          JSON.stringify(
            tasks.map((t) => ({
              name: t.name,
              family: t.family,
              reproduces: t.reproduces,
              description: t.description,
              settings: t.settings,
            })),
            null,
            2,
          ) + '\n',
        );
        return;
      }
      const rows = tasks.map((t) => {
        const g = t.settings.generation;
        return [
          t.name,
          t.settings.format,
          String(t.settings.shots),
          String(g.n),
          `${g.temperature}/${g.top_p}`,
          String(g.max_tokens),
          t.settings.primaryMetric,
          JSON.stringify(g.stop),
        ];
      });
      const header = ['variant', 'format', 'shots', 'n', 'temp/top_p', 'max_tok', 'primary', 'stop'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i].length, 60))));
      const fmt = (r: string[]) =>
        r.map((c, i) => (c.length > 60 ? c.slice(0, 57) + '...' : c).padEnd(widths[i])).join('  ');
      process.stdout.write([fmt(header), ...rows.map(fmt)].join('\n') + '\n');
      process.stdout.write(
        `\n${tasks.length} variants. \`evalkit list tasks --json\` shows every setting.\n`,
      );
    });
}
