import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DatasetResolver } from '../datasets/registry.js';
import { writeEvalPlusResults } from '../export/evalplus.js';
import { readLatestVerdicts } from '../runner/metrics.js';
import { loadTasks } from '../runner/run.js';
import { readManifest } from '../store/run-dir.js';
import { EvalkitError } from '../util/errors.js';

/** `--export evalplus`: eval_results.json (EvalPlus schema) for every HumanEval+/MBPP+ task of the run. */
export async function exportResults(format: string, runDir: string): Promise<void> {
  if (format !== 'evalplus') throw new EvalkitError(`--export: unknown format "${format}" (known: evalplus)`);
  const manifest = await readManifest(runDir);
  const verdicts = await readLatestVerdicts(runDir);
  const resolver = new DatasetResolver();
  let written = 0;
  for (const t of manifest.tasks) {
    const vs = verdicts.get(t.name) ?? [];
    const evalplusScored = vs.some((v) => v.scores && 'base' in v.scores && 'plus' in v.scores);
    if (!evalplusScored || (t.family !== 'humaneval' && t.family !== 'mbpp')) continue;
    const plusData = t.datasets.find((d) => /plus/.test(d.id)) ?? t.datasets[0];
    const { text } = await resolver.text(plusData.id);
    const datasetHash = createHash('md5').update(text).digest('hex');
    const { loaded } = await loadTasks([t.name], manifest.options);
    const out = join(runDir, `${t.name.replace(/[^A-Za-z0-9_.+-]/g, '_')}.eval_results.json`);
    await writeEvalPlusResults(out, {
      dataset: t.family as 'humaneval' | 'mbpp',
      datasetHash,
      items: loaded[0].items,
      verdicts: vs,
    });
    process.stdout.write(`wrote ${out}\n`);
    written++;
  }
  if (!written)
    process.stderr.write(
      'evalkit: --export evalplus: no HumanEval+/MBPP+ task with EvalPlus scoring in this run\n',
    );
}
