/**
 * Judged metrics in `evalkit compare` like any other metric: two checkpoints (one kind on half of the scenarios,
 * one curt everywhere) judged by the same judge; compare pairs the scenarios on the per-dimension scores and
 * reports the kind checkpoint as improved on `overall` and `respect`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/runner/run.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { assistant, curtAssistant, judge1 } from './stub-roles.js';

let good: StubServer;
let curt: StubServer;
let judge: StubServer;
beforeAll(async () => {
  good = await startStubServer({ modelName: 'm', respond: assistant });
  curt = await startStubServer({ modelName: 'm', respond: curtAssistant });
  judge = await startStubServer({ modelName: 'judge', respond: judge1 });
});
afterAll(async () => {
  await Promise.all([good, curt, judge].map((s) => s?.close()));
});

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'evalkit.js'), ...args], {
      env: process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('judged metrics in compare', () => {
  it('pairs scenarios on the judged dimensions', async () => {
    const root = mkdtempSync(join(tmpdir(), 'empathy-compare-'));
    const judges = [{ model: `openai:${judge.url}`, modelName: 'judge' }];
    for (const [name, server] of [
      ['curt', curt],
      ['kind', good],
    ] as const) {
      await runEvaluation({
        runDir: join(root, name),
        model: { model: `openai:${server.url}`, modelName: 'm' },
        tasks: ['empathy'],
        options: { seed: 1234, limit: 20, judges },
        progress: { update() {}, done() {} },
      });
    }
    const db = join(root, 'index.sqlite');
    for (const metric of ['overall', 'respect']) {
      const r = await cli([
        'compare',
        join(root, 'curt'),
        join(root, 'kind'),
        '--db',
        db,
        '--metric',
        metric,
        '--json',
      ]);
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.status).toBe(0);
      const out = JSON.stringify(JSON.parse(r.stdout));
      expect(out, metric).toMatch(/"verdict":"improved"/);
    }
  });
});
