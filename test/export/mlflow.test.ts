/**
 * MLflow export, end to end: real runs (GSM8K through the real pipeline against local OpenAI-protocol
 * servers) exported by the real CLI to a local MLflow REST stand-in that enforces MLflow's documented
 * request rules (test/helpers/mlflow-server.ts), then read back through `runs/get` and compared with
 * metrics.json value by value. A campaign posts each checkpoint as it finishes (step = its position).
 * Needs `npm run build` (dist/).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLFLOW_LIMITS, mlflowKey, mlflowRequests, postToMlflow } from '../../src/export/mlflow.js';
import { runEvaluation } from '../../src/runner/run.js';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import type { RunManifest, TaskMetrics } from '../../src/types.js';
import { cli } from '../helpers/cli.js';
import { startMlflowStub, type MlflowStub } from '../helpers/mlflow-server.js';

const quiet = { update() {}, done() {} };
let model: StubServer;
let mlflow: MlflowStub;
let root: string;
let runDir: string;

/** Answers GSM8K item "Janet…" right after thinking, everything else wrong. */
function respond(ctx: { messages?: Array<{ content?: unknown }> }): string {
  const q = String(ctx.messages?.at(-1)?.content ?? '');
  return q.includes('Janet') ? '<think>16 - 3 - 4 = 9; 9 * 2</think>\\boxed{18}' : 'It is \\boxed{1}.';
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'evalkit-mlflow-'));
  model = await startStubServer({ respond });
  mlflow = await startMlflowStub();
  runDir = join(root, 'run');
  const res = await runEvaluation({
    runDir,
    model: { model: `openai:${model.url}`, maxRetries: 0 },
    tasks: ['gsm8k:chat'],
    options: { limit: 4 },
    progress: quiet,
  });
  expect(res.status).toBe('completed');
}, 120_000);
afterAll(async () => {
  await model.close();
  await mlflow.close();
});

const byKey = <T extends { key: string }>(xs: T[]) => new Map(xs.map((x) => [x.key, x]));

describe('evalkit export --format mlflow', () => {
  it('posts an MLflow run whose metrics, CIs, drift and params read back equal to metrics.json', async () => {
    const r = await cli([
      'export',
      runDir,
      '--format',
      'mlflow',
      '--mlflow-uri',
      mlflow.uri,
      '--experiment',
      'checkpoints',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/posted to MLflow .*: experiment "checkpoints", run (run\d+)/);
    const runId = /run (run\d+)/.exec(r.stdout)![1];
    expect(mlflow.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      'GET experiments/get-by-name',
      'POST experiments/create',
      'POST runs/create',
      'POST runs/log-batch',
      'POST runs/update',
    ]);
    const res = await fetch(`${mlflow.uri}/api/2.0/mlflow/runs/get?run_id=${runId}`);
    const { run } = (await res.json()) as any;
    expect(run.info.status).toBe('FINISHED');
    const m = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')).tasks[
      'gsm8k:chat'
    ] as TaskMetrics;
    const got = byKey(run.data.metrics as Array<{ key: string; value: number; step: number }>);
    const em = m.metrics.exact_match;
    expect(em.value).toBe(0.25);
    expect(got.get('gsm8k_chat/exact_match')?.value).toBe(em.value);
    expect(got.get('gsm8k_chat/exact_match/ci_low')?.value).toBe(em.ci95![0]);
    expect(got.get('gsm8k_chat/exact_match/ci_high')?.value).toBe(em.ci95![1]);
    expect(got.get('gsm8k_chat/counts/scored')?.value).toBe(4);
    expect(got.get('gsm8k_chat/generation/length_rate')?.value).toBe(0);
    expect(got.get('gsm8k_chat/generation/reasoning_chars_p50')?.value).toBe(
      m.generation!.reasoningChars!.p50,
    );
    expect(got.get('gsm8k_chat/exact_match')?.step).toBe(0);
    const params = byKey(run.data.params as Array<{ key: string; value: string }>);
    expect(JSON.parse(params.get('gsm8k_chat/generation')!.value)).toMatchObject({ n: 1, temperature: 0 });
    const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(params.get('model')?.value).toBe(manifest.model.id);
    const tags = byKey(run.data.tags as Array<{ key: string; value: string }>);
    expect(tags.get('evalkit.run_id')?.value).toBe('run');
    // the request bodies are kept next to the run, for posting later or by other means
    const file = JSON.parse(readFileSync(join(runDir, 'mlflow-requests.json'), 'utf8'));
    expect(file.experimentName).toBe('checkpoints');
    expect(file.batches[0].metrics.length).toBe(run.data.metrics.length);
  });

  it('splits large runs into log-batch requests within MLflow limits (the stand-in refuses anything over)', async () => {
    const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as RunManifest;
    const base = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')).tasks[
      'gsm8k:chat'
    ] as TaskMetrics;
    // 150 tasks × (exact_match + CI + counts + drift) ≈ 1500 metrics and 450 params
    const tasks = Array.from({ length: 150 }, (_, i) => `task${i}`);
    const big: RunManifest = { ...manifest, tasks: tasks.map((name) => ({ ...manifest.tasks[0], name })) };
    const metrics = Object.fromEntries(tasks.map((t) => [t, { ...base, task: t }]));
    const req = mlflowRequests(big, metrics, { experiment: 'big' });
    const nMetrics = req.batches.reduce((s, b) => s + b.metrics.length, 0);
    const nParams = req.batches.reduce((s, b) => s + b.params.length, 0);
    expect(nMetrics).toBeGreaterThan(1500);
    const perTask = req.batches.flatMap((b) => b.params).filter((p) => /^task\d+\//.test(p.key));
    expect(perTask).toHaveLength(3 * 150); // primary metric, generation settings, items
    for (const b of req.batches) {
      expect(b.metrics.length).toBeLessThanOrEqual(MLFLOW_LIMITS.metricsPerBatch);
      expect(b.params.length).toBeLessThanOrEqual(MLFLOW_LIMITS.paramsPerBatch);
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(1000);
    }
    const { runId } = await postToMlflow(mlflow.uri, req);
    const stored = mlflow.runs.get(runId)!;
    expect(stored.metrics).toHaveLength(nMetrics);
    expect(stored.params.size).toBe(nParams);
  });

  it('keys follow MLflow rules; a refusal or an unreachable server is one clear line, the file is kept', async () => {
    expect(mlflowKey('humaneval:3shot::olmo3/pass@10')).toBe('humaneval_3shot__olmo3/pass_at_10');
    const closed = await startMlflowStub();
    await closed.close(); // a port nobody listens on
    const dead = await cli(['export', runDir, '--format', 'mlflow', '--mlflow-uri', closed.uri]);
    expect(dead.status).not.toBe(0);
    expect(dead.stderr).toContain(`MLflow ${closed.uri}: cannot reach the tracking server (ECONNREFUSED)`);
    expect(existsSync(join(runDir, 'mlflow-requests.json'))).toBe(true);
    // A server that already holds a different value for a param refuses (params are immutable in MLflow).
    const req = mlflowRequests(
      JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')),
      {},
      {
        experiment: 'x',
      },
    );
    const { runId } = await postToMlflow(mlflow.uri, req);
    const again = await fetch(`${mlflow.uri}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      body: JSON.stringify({ run_id: runId, params: [{ key: 'model', value: 'other' }] }),
    });
    expect(again.status).toBe(400);
  });
});

describe('campaign posts each checkpoint when it finishes', () => {
  it('two checkpoints → two MLflow runs, step = position in the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-mlflow-campaign-'));
    const config = join(dir, 'evalkit.campaign.yaml');
    writeFileSync(
      config,
      [
        'name: line',
        'suite: [gsm8k:chat]',
        'options: { limit: 2 }',
        `tracking: { mlflow: { uri: "${mlflow.uri}", experiment: olmo-line } }`,
        'checkpoints:',
        `  - { name: sft, model: { model: "openai:${model.url}", maxRetries: 0 } }`,
        `  - { name: rl, model: { model: "openai:${model.url}", maxRetries: 0 } }`,
      ].join('\n') + '\n',
    );
    const before = mlflow.runs.size;
    const r = await cli(['campaign', 'run', '--config', config]);
    expect(r.status, r.stderr).toBe(0);
    const posted = [...mlflow.runs.values()].slice(before);
    expect(posted.map((p) => p.info.run_name)).toEqual(['line/sft', 'line/rl']);
    expect(posted.map((p) => p.metrics.find((m) => m.key === 'gsm8k_chat/exact_match')?.step)).toEqual([
      0, 1,
    ]);
    expect(posted.every((p) => p.info.experiment_id === mlflow.experiments.get('olmo-line'))).toBe(true);
    expect(posted.map((p) => p.metrics.find((m) => m.key === 'gsm8k_chat/exact_match')?.value)).toEqual([
      0.5, 0.5,
    ]);
  });
});
