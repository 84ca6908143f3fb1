/**
 * Every Eval Ever export: a real run (GSM8K chat against a local OpenAI-compatible server) exported with
 * `evalkit export --format every-eval-ever`, validated against the published schema (v0.3.0, fixture with
 * attribution) by an independent validator (ajv, draft-07), and checked value by value against metrics.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { runEvaluation } from '../../src/runner/run.js';
import { REPO_ROOT, SHARED_DATASETS } from '../helpers/paths.js';
import { provider, stub, useCleanups } from '../helpers/stub-provider.js';

useCleanups();
const CLI = join(REPO_ROOT, 'bin', 'evalkit.js');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('export every-eval-ever', () => {
  it('a real run exports to a record that the published schema accepts, with every metric and its CI', async () => {
    // a model that answers the even-numbered questions right and the others wrong
    const gsm = readFileSync(join(SHARED_DATASETS, 'gsm8k', 'test.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, 6)
      .map((l) => JSON.parse(l) as { question: string; answer: string });
    const server = await stub({
      respond: (ctx) => {
        const text = (ctx.messages ?? []).map((m) => m.content).join('\n');
        const i = gsm.findIndex((r) => text.includes(r.question));
        const gold = gsm[i]!.answer.split('####')[1]!.trim();
        return i % 2 === 0 ? `The answer is \\boxed{${gold}}.` : `I think \\boxed{${gold}1}.`;
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-eee-'));
    const res = await runEvaluation({
      runDir: dir,
      model: { model: `openai:${server.url}`, modelName: 'stub-model' },
      provider: await provider({ baseUrl: server.url, modelName: 'stub-model' }),
      tasks: ['gsm8k:chat'],
      options: { limit: 6 },
      progress: { update() {}, done() {} },
    });
    expect(res.status).toBe('completed');

    const out = join(dir, 'exported.json');
    const r = await runCli(['export', dir, '--format', 'every-eval-ever', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const record = JSON.parse(readFileSync(out, 'utf8'));

    const schema = JSON.parse(
      readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'every-eval-ever', 'eval.schema.json'), 'utf8'),
    );
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(record);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);

    const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).tasks['gsm8k:chat'];
    const names = Object.keys(metrics.metrics).filter((k) => Number.isFinite(metrics.metrics[k].value));
    expect(record.evaluation_results.map((e: any) => e.metric_config.metric_name).sort()).toEqual(
      names.sort(),
    );
    const primary = record.evaluation_results.find(
      (e: any) => e.metric_config.metric_name === metrics.primary,
    );
    expect(primary.evaluation_name).toBe('gsm8k:chat');
    expect(primary.score_details.score).toBe(metrics.metrics[metrics.primary].value);
    expect(primary.score_details.score).toBe(0.5);
    expect(primary.score_details.uncertainty.confidence_interval).toMatchObject({
      lower: metrics.metrics[metrics.primary].ci95[0],
      upper: metrics.metrics[metrics.primary].ci95[1],
      confidence_level: 0.95,
    });
    expect(primary.generation_config.generation_args.temperature).toBe(0);
    expect(record.model_info.name).toBe('stub-model');
    expect(record.eval_library.name).toBe('evalkit');

    // a schema violation is caught by the validator (the check can fail)
    const broken = {
      ...record,
      evaluation_results: [{ ...record.evaluation_results[0], score_details: {} }],
    };
    expect(validate(broken)).toBe(false);
  });

  it('an unknown format is one clear error', async () => {
    const r = await runCli(['export', tmpdir(), '--format', 'wandb-offline']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'evalkit: error: --export: unknown format "wandb-offline" (known: evalplus, every-eval-ever, mlflow)',
    );
  });
});
