/**
 * The whole scenario set through the real CLI with two different judges: two local OpenAI-protocol servers that
 * grade with different deterministic rules (one also needs a retry on some scenarios: its first reply has no
 * verdict line), a third plays the assistant (kind and complete on half of the scenarios, curt and incomplete on
 * the other half). Checks: every scenario judged by both judges, every dimension with a CI, the judges' agreement
 * reported and equal to the agreement recomputed from the per-judge scores in verdicts.jsonl, and both judges
 * ranking the kind answers above the curt ones.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pearsonCorrelation, spearmanCorrelation } from '../../../src/judge/judged-metrics.js';
import { DIMENSIONS } from '../../../src/tasks/empathy/index.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';
import type { TaskMetrics, VerdictRecord } from '../../../src/types.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { assistant, judge1, judge2, kind, scenarios } from './stub-roles.js';

const CLI = join(REPO_ROOT, 'bin', 'evalkit.js');
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let model: StubServer;
let j1: StubServer;
let j2: StubServer;
beforeAll(async () => {
  model = await startStubServer({ modelName: 'cand', respond: assistant });
  j1 = await startStubServer({ modelName: 'judge-one', respond: judge1 });
  j2 = await startStubServer({ modelName: 'judge-two', respond: judge2 });
});
afterAll(async () => {
  await Promise.all([model, j1, j2].map((s) => s?.close()));
});

describe('empathy scenarios judged by two judges', () => {
  it('runs the whole set; every dimension with a CI; agreement reported and correct', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'empathy-two-judges-'));
    // The stub server counts a token per byte; the two judges' replies are short, the assistant's too.
    const r = await cli([
      'run',
      '--model',
      `openai:${model.url}`,
      '--model-name',
      'cand',
      '--task',
      'empathy',
      '--run-dir',
      runDir,
      '--judge',
      `openai:${j1.url}`,
      '--judge-model-name',
      'judge-one',
      '--judge-label',
      'rules',
      '--judge',
      `openai:${j2.url}`,
      '--judge-model-name',
      'judge-two',
      '--judge-label',
      'strict',
      '--quiet',
    ]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const m = (
      JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')).tasks as Record<string, TaskMetrics>
    ).empathy;
    expect(m.counts).toMatchObject({ items: scenarios.length, scored: scenarios.length, errored: 0 });
    for (const k of ['overall', ...DIMENSIONS, 'facts_coverage']) {
      const v = m.metrics[k];
      expect(v.ci95![0], k).toBeLessThanOrEqual(v.value);
      expect(v.ci95![1], k).toBeGreaterThanOrEqual(v.value);
      expect(v.method).toMatch(/95% CI: Wilson/); // declared metric: judge mean per scenario, clustered CI
    }
    expect(m.metrics.overall_judge_bootstrap.method).toMatch(/2 judge\(s\)/);
    expect(m.metrics.judge_parse_rate.value).toBe(1);

    const verdicts = readFileSync(join(runDir, 'verdicts.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as VerdictRecord);
    expect(verdicts).toHaveLength(scenarios.length);
    const retried = verdicts.filter((v) =>
      (v.details!.judgeCalls as Array<{ attempt: number }>).some((c) => c.attempt > 0),
    );
    expect(retried.length).toBeGreaterThan(0);
    for (const dim of ['overall', ...DIMENSIONS]) {
      const a = verdicts.map((v) => v.scores![`${dim}@rules`]);
      const b = verdicts.map((v) => v.scores![`${dim}@strict`]);
      expect(m.metrics[`judge_agreement_${dim}_pearson`].value, dim).toBeCloseTo(
        pearsonCorrelation(a, b),
        12,
      );
      expect(m.metrics[`judge_agreement_${dim}_spearman`].value, dim).toBeCloseTo(
        spearmanCorrelation(a, b),
        12,
      );
      expect(m.metrics[`judge_agreement_${dim}_exact`].value).toBeCloseTo(
        a.filter((x, i) => x === b[i]).length / a.length,
        12,
      );
    }
    // Both judges rank the kind, complete answers above the curt ones.
    for (const label of ['rules', 'strict']) {
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      const good = mean(
        verdicts
          .filter((v) => kind(v.itemId.slice('empathy/'.length)))
          .map((v) => v.scores![`overall@${label}`]),
      );
      const bad = mean(
        verdicts
          .filter((v) => !kind(v.itemId.slice('empathy/'.length)))
          .map((v) => v.scores![`overall@${label}`]),
      );
      expect(good, label).toBeGreaterThan(bad + 2);
    }
    // Multi-turn scenarios carry the scripted follow-ups in the conversation.
    const gens = readFileSync(join(runDir, 'generations.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const multi = scenarios.filter((s) => s.followUps?.length);
    for (const s of multi) {
      const g = gens.find((x: { itemId: string }) => x.itemId === `empathy/${s.id}`);
      expect(g.conversation.filter((t: { role: string }) => t.role === 'assistant')).toHaveLength(
        1 + s.followUps!.length,
      );
    }
    process.stdout.write(
      `empathy two-judge run: ${JSON.stringify(Object.fromEntries(Object.entries(m.metrics).map(([k, v]) => [k, [Number(v.value.toFixed(3)), v.ci95?.map((x) => Number(x.toFixed(3)))]])))}\n`,
    );
  });
});
