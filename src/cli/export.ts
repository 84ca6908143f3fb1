import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DatasetResolver } from '../datasets/registry.js';
import { writeEvalPlusResults } from '../export/evalplus.js';
import { readLatestVerdicts } from '../runner/metrics.js';
import { loadTasks } from '../runner/run.js';
import { readManifest, readMetrics } from '../store/run-dir.js';
import { everyEvalEverRecord } from '../export/every-eval-ever.js';
import { writeFileSync } from 'node:fs';
import { EvalkitError } from '../util/errors.js';
import { mlflowRequests, postToMlflow } from '../export/mlflow.js';

export const EXPORT_FORMATS = ['evalplus', 'every-eval-ever', 'mlflow'] as const;

export interface MlflowTarget {
  /** Tracking server URL (default $MLFLOW_TRACKING_URI); without one only the request file is written. */
  uri?: string;
  experiment?: string;
  runName?: string;
  /** Position of the checkpoint in a campaign (the MLflow metric step). */
  step?: number;
}

/**
 * `mlflow`: mlflow-requests.json (the REST request bodies) in the run directory, posted to the tracking
 * server when one is given (`--mlflow-uri` or $MLFLOW_TRACKING_URI). Returns the MLflow run id when posted.
 */
export async function exportMlflow(
  runDir: string,
  target: MlflowTarget = {},
  out?: string,
): Promise<string | undefined> {
  const manifest = await readManifest(runDir);
  const metrics = await readMetrics(runDir);
  const req = mlflowRequests(manifest, metrics.tasks, {
    experiment: target.experiment ?? 'evalkit',
    runName: target.runName,
    step: target.step,
    computedAt: metrics.computedAt,
  });
  const file = out ?? join(runDir, 'mlflow-requests.json');
  try {
    writeFileSync(file, JSON.stringify(req, null, 2) + '\n');
  } catch (e) {
    throw new EvalkitError(
      `--export: cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  process.stdout.write(`wrote ${file}\n`);
  const uri = target.uri ?? process.env.MLFLOW_TRACKING_URI;
  if (!uri || !/^https?:\/\//.test(uri)) return undefined;
  const { runId } = await postToMlflow(uri, req);
  process.stdout.write(`posted to MLflow ${uri}: experiment "${req.experimentName}", run ${runId}\n`);
  return runId;
}

/**
 * `--export evalplus`: eval_results.json (EvalPlus schema) for every HumanEval+/MBPP+ task of the run.
 * `--export every-eval-ever`: every-eval-ever.json (Every Eval Ever schema v0.3.0) with every metric and its CI.
 */
export async function exportResults(
  format: string,
  runDir: string,
  out?: string,
  mlflow?: MlflowTarget,
): Promise<void> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new EvalkitError(`--export: unknown format "${format}" (known: ${EXPORT_FORMATS.join(', ')})`);
  if (format === 'mlflow') {
    await exportMlflow(runDir, mlflow, out);
    return;
  }
  if (format === 'every-eval-ever') {
    const manifest = await readManifest(runDir);
    const { tasks } = await readMetrics(runDir);
    const file = out ?? join(runDir, 'every-eval-ever.json');
    try {
      writeFileSync(file, JSON.stringify(everyEvalEverRecord(manifest, tasks), null, 2) + '\n');
    } catch (e) {
      throw new EvalkitError(
        `--export: cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    process.stdout.write(`wrote ${file}\n`);
    return;
  }
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
