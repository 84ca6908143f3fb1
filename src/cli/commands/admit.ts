import type { Command } from 'commander';
import { resolve } from 'node:path';
import { DatasetResolver } from '../../datasets/registry.js';
import { runAdmission } from '../../tasks/swebench/admission.js';
import { loadSweData } from '../../tasks/swebench/data.js';
import { EvalkitError } from '../../util/errors.js';
import { collect, positiveInt } from '../shared-options.js';

export function register(program: Command): void {
  program
    .command('admit')
    .summary('re-run the SWE-bench offline admission gate (gold resolves, empty fails) on this machine')
    .description(
      "re-run the SWE-bench Verified offline admission gate in evalkit's own harness: for each instance, --repeats\n" +
        'times, the gold patch must resolve and the empty patch must leave every FAIL_TO_PASS test failing, in the\n' +
        "instance's Debian environment (built with mmdebstrap on first use) without network. One JSON line per\n" +
        'instance goes to --out as soon as it is decided, and instances already decided there (with at least\n' +
        '--repeats repeats) are not graded again, so an interrupted sweep resumes; exits 1 if any instance is not\n' +
        'admitted.',
    )
    .option('--instance <id>', 'only this instance (repeatable)', collect)
    .option('--repo <owner/name>', 'only instances of this repository (repeatable)', collect)
    .option('--repeats <n>', 'repeats of each gold/empty check (default 3)', positiveInt('--repeats'), 3)
    .option(
      '--test-timeout <s>',
      'per test run, seconds (SWE-bench: 1800)',
      positiveInt('--test-timeout'),
      1800,
    )
    .requiredOption('--out <file.jsonl>', 'where the admission record is appended')
    .action(
      async (o: {
        instance?: string[];
        repo?: string[];
        repeats: number;
        testTimeout: number;
        out: string;
      }) => {
        const datasets = new DatasetResolver();
        const data = await loadSweData(datasets);
        let instances = data.instances;
        if (o.instance?.length) {
          const unknown = o.instance.filter((id) => !instances.some((i) => i.instanceId === id));
          if (unknown.length)
            throw new EvalkitError(`--instance: unknown instance id(s): ${unknown.join(', ')}`);
          instances = instances.filter((i) => o.instance!.includes(i.instanceId));
        }
        if (o.repo?.length) {
          const repos = [...new Set(data.instances.map((i) => i.repo))].sort();
          const unknown = o.repo.filter((r) => !repos.includes(r));
          if (unknown.length)
            throw new EvalkitError(
              `--repo: no instance of ${unknown.map((r) => `"${r}"`).join(', ')} in the subset (repositories: ${repos.join(', ')})`,
            );
          instances = instances.filter((i) => o.repo!.includes(i.repo));
        }
        if (!instances.length) throw new EvalkitError('no instance selected');
        const log = (s: string) => process.stderr.write(`evalkit admit: ${s}\n`);
        log(`${instances.length} instances × ${o.repeats} repeats → ${resolve(o.out)}`);
        const recs = await runAdmission(datasets, data, instances, {
          repeats: o.repeats,
          out: resolve(o.out),
          testTimeoutMs: o.testTimeout * 1000,
          log,
        });
        const per = new Map<string, [number, number]>();
        for (const r of recs) {
          const c = per.get(r.repo) ?? [0, 0];
          c[0] += r.admitted ? 1 : 0;
          c[1]++;
          per.set(r.repo, c);
        }
        for (const [repo, [a, n]] of per) process.stdout.write(`${repo}: ${a}/${n} admitted\n`);
        const admitted = recs.filter((r) => r.admitted).length;
        process.stdout.write(
          `SWE-bench Verified, offline: ${admitted}/${recs.length} admitted on this machine\n`,
        );
        if (admitted < recs.length) process.exitCode = 1;
      },
    );
}
