import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readManifest, readMetrics, RUN_FILES } from '../../store/run-dir.js';
import { formatMetrics } from '../shared-options.js';

export function register(program: Command): void {
  program
    .command('show')
    .description(
      "print a run directory's model, status, tasks and metrics (95% CIs); exit 0 only for a completed run",
    )
    .argument('<run-dir>', 'run directory')
    .option('--json', 'print the manifest summary and metrics.json as JSON')
    .action(async (dirArg: string, o: { json?: boolean }) => {
      const dir = resolve(dirArg);
      const m = await readManifest(dir);
      const metrics = existsSync(join(dir, RUN_FILES.metrics)) ? (await readMetrics(dir)).tasks : undefined;
      const last = m.sessions.at(-1);
      if (o.json) {
        const { runId, status, failure, errors, model, tasks, options } = m;
        process.stdout.write(
          JSON.stringify(
            {
              runDir: dir,
              runId,
              status,
              failure,
              errors,
              model,
              options,
              tasks: tasks.map((t) => ({ name: t.name, items: t.items })),
              metrics,
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        const when = `${m.createdAt}${m.endedAt ? ` → ${m.endedAt}` : ''}, ${m.sessions.length} session(s)`;
        const opts = [
          m.options?.limit ? `--limit ${m.options.limit}` : 'all items',
          `seed ${m.options?.seed ?? 'default'}`,
          ...(m.shard ? [`shard ${m.shard.index}/${m.shard.count}`] : []),
        ].join(', ');
        process.stdout.write(
          `run ${m.runId}  (${dir})\n` +
            `status: ${m.status}${m.failure ? ` — ${m.failure}` : ''}\n` +
            `model: ${m.model.id}\n` +
            `tasks: ${m.tasks.map((t) => `${t.name} (${t.items} items)`).join(', ')}; ${opts}\n` +
            `time: ${when}\n`,
        );
        for (const r of m.errors?.reasons ?? []) process.stdout.write(`errored: ${r.count} × ${r.reason}\n`);
        if (metrics) process.stdout.write('\n' + formatMetrics(metrics));
        else process.stdout.write(`no metrics yet${last ? `; resume with: ${last.command}` : ''}\n`);
      }
      if (m.status !== 'completed') process.exitCode = 1;
    });
}
