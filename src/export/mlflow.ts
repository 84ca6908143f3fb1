/**
 * A run's results as an MLflow run, through MLflow's public REST API (`/api/2.0/mlflow/…`, the API every
 * MLflow tracking server and Databricks serve; request and field names from the MLflow REST API reference):
 *
 *   experiments/get-by-name → (experiments/create) → runs/create → runs/log-batch × k → runs/update FINISHED
 *
 * Metrics: `<task>/<metric>` with `…/ci_low`, `…/ci_high`, the drift (`<task>/generation/length_rate`,
 * `truncated_in_reasoning_rate`, `no_answer_rate`, `reward_hacking_rate`, answer/reasoning p50 characters) and
 * sample counts; `step` is the checkpoint's position in a campaign (0 for a lone run), `timestamp` when the
 * metrics were computed. Params: the model and each task's generation settings. Tags: run id, directory, status.
 *
 * MLflow's documented limits are respected: keys of letters, digits, `_ - . / space` (evalkit's `@` and `:`
 * are spelled `_at_` and `_`), at most 1000 metrics, 100 params, 100 tags and 1000 entities per log-batch,
 * param values of at most 6000 characters, tag values of at most 5000. `mlflowRequests` builds the bodies
 * (written as a file by `evalkit export --format mlflow`); `postToMlflow` sends them.
 */
import type { GenerationStats } from '../reasoning/generation-stats.js';
import type { RunManifest, TaskMetrics } from '../types.js';
import { EvalkitError } from '../util/errors.js';

export const MLFLOW_LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
} as const;

export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface MlflowKeyValue {
  key: string;
  value: string;
}

export interface MlflowRequests {
  experimentName: string;
  /** Body of runs/create (experiment_id is filled in when posting). */
  create: { run_name: string; start_time: number; tags: MlflowKeyValue[] };
  /** Bodies of runs/log-batch (run_id is filled in when posting). */
  batches: Array<{ metrics: MlflowMetric[]; params: MlflowKeyValue[]; tags: MlflowKeyValue[] }>;
  /** Body of runs/update. */
  update: { status: 'FINISHED' | 'FAILED' | 'KILLED'; end_time: number };
}

/** An evalkit name as an MLflow key: `pass@1` → `pass_at_1`, `gsm8k:chat` → `gsm8k_chat`. */
export function mlflowKey(name: string): string {
  return name
    .replace(/@/g, '_at_')
    .replace(/[^A-Za-z0-9_\-./ ]/g, '_')
    .slice(0, MLFLOW_LIMITS.keyLength);
}

const clip = (s: string, n: number) => (s.length <= n ? s : s.slice(0, n - 1) + '…');

function driftMetrics(g: GenerationStats): Record<string, number | null | undefined> {
  return {
    length_rate: g.lengthRate,
    truncated_in_reasoning_rate: g.truncatedInReasoningRate,
    no_answer_rate: g.answerExtraction === false ? undefined : g.noAnswerRate,
    reward_hacking_rate: g.rewardHacking.rate,
    answer_chars_p50: g.answerChars.p50,
    reasoning_chars_p50: g.reasoningChars?.p50,
    completion_tokens_p50: g.completionTokens?.p50,
  };
}

export function mlflowRequests(
  manifest: RunManifest,
  metrics: Record<string, TaskMetrics>,
  opts: { experiment: string; runName?: string; step?: number; computedAt?: string },
): MlflowRequests {
  const timestamp = Date.parse(opts.computedAt ?? manifest.endedAt ?? manifest.createdAt) || Date.now();
  const step = opts.step ?? 0;
  const out: MlflowMetric[] = [];
  const metric = (key: string, value: number | null | undefined) => {
    if (typeof value === 'number' && Number.isFinite(value))
      out.push({ key: mlflowKey(key), value, timestamp, step });
  };
  for (const t of manifest.tasks) {
    const m = metrics[t.name];
    if (!m) continue;
    for (const [name, v] of Object.entries(m.metrics)) {
      metric(`${t.name}/${name}`, v.value);
      metric(`${t.name}/${name}/ci_low`, v.ci95?.[0]);
      metric(`${t.name}/${name}/ci_high`, v.ci95?.[1]);
    }
    metric(`${t.name}/counts/items`, m.counts.items);
    metric(`${t.name}/counts/scored`, m.counts.scored);
    metric(`${t.name}/counts/errored`, m.counts.errored);
    if (m.generation)
      for (const [k, v] of Object.entries(driftMetrics(m.generation))) metric(`${t.name}/generation/${k}`, v);
  }
  const params: MlflowKeyValue[] = [];
  const param = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    params.push({
      key: mlflowKey(key),
      value: clip(typeof value === 'string' ? value : JSON.stringify(value), MLFLOW_LIMITS.paramValueLength),
    });
  };
  param('model', manifest.model.name ?? manifest.model.id);
  param('model_provider', manifest.model.provider);
  param('evalkit_version', manifest.evalkit.version);
  param('seed', manifest.options.seed);
  param('limit', manifest.options.limit);
  for (const t of manifest.tasks) {
    const g = t.settings.generation;
    param(`${t.name}/primary_metric`, t.settings.primaryMetric);
    param(`${t.name}/generation`, {
      n: g.n,
      temperature: g.temperature,
      top_p: g.top_p,
      max_tokens: g.max_tokens,
      ...(g.reasoning_budget ? { reasoning_budget: g.reasoning_budget } : {}),
      ...(g.reasoning_effort ? { reasoning_effort: g.reasoning_effort } : {}),
    });
    param(`${t.name}/items`, t.items);
  }
  const tag = (key: string, value: string | undefined | null): MlflowKeyValue[] =>
    value ? [{ key, value: clip(value, MLFLOW_LIMITS.tagValueLength) }] : [];
  const runName = opts.runName ?? manifest.runId;
  const tags = [
    ...tag('mlflow.runName', runName),
    ...tag('mlflow.source.name', 'evalkit'),
    ...tag('evalkit.run_id', manifest.runId),
    ...tag('evalkit.status', manifest.status),
    ...tag('evalkit.git_commit', manifest.evalkit.gitCommit),
    ...tag('evalkit.tasks', manifest.tasks.map((t) => t.name).join(', ')),
  ];
  // Split into log-batch requests within MLflow's per-request limits.
  const batches: MlflowRequests['batches'] = [];
  let m = 0;
  let p = 0;
  while (m < out.length || p < params.length || batches.length === 0) {
    const ps = params.slice(p, p + MLFLOW_LIMITS.paramsPerBatch);
    const bt = batches.length === 0 ? tags.slice(0, MLFLOW_LIMITS.tagsPerBatch) : [];
    const room = MLFLOW_LIMITS.entitiesPerBatch - ps.length - bt.length;
    const ms = out.slice(m, m + Math.min(MLFLOW_LIMITS.metricsPerBatch, room));
    batches.push({ metrics: ms, params: ps, tags: bt });
    m += ms.length;
    p += ps.length;
  }
  const start = Date.parse(manifest.startedAt ?? manifest.createdAt) || timestamp;
  return {
    experimentName: opts.experiment,
    create: { run_name: runName, start_time: start, tags },
    batches,
    update: {
      status:
        manifest.status === 'completed' ? 'FINISHED' : manifest.status === 'failed' ? 'FAILED' : 'KILLED',
      end_time: timestamp,
    },
  };
}

/** Headers for the tracking server: the official client's MLFLOW_TRACKING_TOKEN / _USERNAME + _PASSWORD. */
function authHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.MLFLOW_TRACKING_TOKEN) return { authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` };
  if (env.MLFLOW_TRACKING_USERNAME)
    return {
      authorization: `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD ?? ''}`).toString('base64')}`,
    };
  return {};
}

/** Post the requests to a tracking server; returns the MLflow run id. One clear error on any refusal. */
export async function postToMlflow(
  trackingUri: string,
  req: MlflowRequests,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ experimentId: string; runId: string }> {
  const base = trackingUri.replace(/\/+$/, '');
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const url = `${base}/api/2.0/mlflow/${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', ...authHeaders(env) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new EvalkitError(
        `MLflow ${trackingUri}: cannot reach the tracking server (${(e as { cause?: { code?: string; message?: string } }).cause?.code ?? (e as { cause?: Error }).cause?.message ?? (e as Error).message})`,
      );
    }
    const text = await res.text();
    let json: Record<string, any> = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      /* not JSON: reported below */
    }
    return { status: res.status, json, text };
  };
  const fail = (what: string, r: { status: number; json: Record<string, any>; text: string }) =>
    new EvalkitError(
      `MLflow ${trackingUri}: ${what} failed: HTTP ${r.status} ${r.json.error_code ?? ''} ${r.json.message ?? r.text.slice(0, 200)}`.trim(),
    );
  let got = await call(
    'GET',
    `experiments/get-by-name?experiment_name=${encodeURIComponent(req.experimentName)}`,
  );
  let experimentId: string;
  if (got.status === 200) experimentId = String(got.json.experiment?.experiment_id);
  else if (got.json.error_code === 'RESOURCE_DOES_NOT_EXIST') {
    got = await call('POST', 'experiments/create', { name: req.experimentName });
    if (got.status !== 200) throw fail(`experiments/create "${req.experimentName}"`, got);
    experimentId = String(got.json.experiment_id);
  } else throw fail(`experiments/get-by-name "${req.experimentName}"`, got);
  const created = await call('POST', 'runs/create', { experiment_id: experimentId, ...req.create });
  if (created.status !== 200) throw fail('runs/create', created);
  const runId = String(created.json.run?.info?.run_id ?? created.json.run?.info?.run_uuid);
  for (const [i, b] of req.batches.entries()) {
    const r = await call('POST', 'runs/log-batch', { run_id: runId, ...b });
    if (r.status !== 200) throw fail(`runs/log-batch ${i + 1}/${req.batches.length}`, r);
  }
  const upd = await call('POST', 'runs/update', { run_id: runId, ...req.update });
  if (upd.status !== 200) throw fail('runs/update', upd);
  return { experimentId, runId };
}
