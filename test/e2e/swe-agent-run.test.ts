/**
 * End to end through `runEvaluation` (the code path of `evalkit run`) against a real OpenAI-protocol server on
 * 127.0.0.1 playing the model:
 *  - SWE-bench agent variant on pallets__flask-5014 in its Debian environment: the scripted model greps and
 *    views the real source, edits it, runs the real tests, submits; the run grades the diff with SWE-bench's rules
 *    and records the trajectory;
 *  - Aider polyglot whole-file variant: a wrong first answer, the test output fed back, a correct second answer
 *    (pass_1 = 0, pass_2 = 1).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../src/datasets/registry.js';
import { runEvaluation } from '../../src/runner/run.js';
import { loadExercises } from '../../src/tasks/aider-polyglot/data.js';
import { referenceFiles } from '../../src/tasks/aider-polyglot/run-tests.js';
import type { StubReply, StubRespondContext } from '../../src/testing/openai-stub-server.js';
import { stub, useCleanups } from '../helpers/stub-provider.js';

useCleanups();
const quiet = { update() {}, done() {} };
const readJsonl = (p: string) =>
  readFileSync(p, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const call = (name: string, args: unknown): StubReply => ({
  tool_calls: [{ name, arguments: JSON.stringify(args) }],
});
const lastContent = (ctx: StubRespondContext) => String(ctx.messages?.at(-1)?.content ?? '');

describe('evalkit run with repository-level tasks', () => {
  it('SWE-bench agent: real tool calls in the environment, graded resolved, trajectory recorded', async () => {
    const seen: string[] = [];
    const DOT = `        if "." in name:\n            raise ValueError("'name' may not contain a dot '.' character.")\n`;
    const server = await stub({
      respond: (ctx) => {
        const turn = (ctx.messages ?? []).filter((m) => m.role === 'assistant').length;
        if (turn > 0) seen.push(lastContent(ctx));
        switch (turn) {
          case 0:
            return call('bash', { command: 'grep -n "may not contain a dot" src/flask/blueprints.py' });
          case 1:
            return call('view_file', { path: 'src/flask/blueprints.py', start_line: 185, end_line: 196 });
          case 2:
            return call('edit_file', {
              path: 'src/flask/blueprints.py',
              old_str: DOT,
              new_str: `        if not name:\n            raise ValueError("'name' may not be empty.")\n\n${DOT}`,
            });
          case 3:
            return call('bash', {
              command: 'python3 -m pytest -q -p no:cacheprovider tests/test_blueprints.py 2>&1 | tail -2',
            });
          default:
            return call('submit', {});
        }
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-swe-run-'));
    const res = await runEvaluation({
      runDir: dir,
      model: { model: `openai:${server.url}`, maxRetries: 1 },
      tasks: ['swebench-verified-offline:agent'],
      options: { limit: 1 },
      progress: quiet,
    });
    expect(res.status).toBe('completed');
    expect(seen[0]).toMatch(/^exit code 0\n194:/);
    expect(seen[1]).toContain('   194\t            raise ValueError');
    expect(seen[2]).toBe('edited src/flask/blueprints.py');
    expect(seen[3]).toMatch(/passed/);
    const m = res.metrics['swebench-verified-offline:agent'];
    expect(m.metrics.resolved.value).toBe(1);
    expect(m.metrics.submitted.value).toBe(1);
    expect(m.breakdowns!.repo['pallets/flask'].resolved.value).toBe(1);
    const [v] = readJsonl(join(dir, 'verdicts.jsonl'));
    expect(v).toMatchObject({
      itemId: 'pallets__flask-5014',
      scores: { resolved: 1 },
      details: { outcome: 'resolved', agentExit: 'submitted' },
    });
    const [g] = readJsonl(join(dir, 'generations.jsonl'));
    expect(g.text).toContain(`+            raise ValueError("'name' may not be empty.")`);
    const traj = readJsonl(
      join(dir, 'trajectories', 'swebench-verified-offline_agent', 'pallets__flask-5014__0.jsonl'),
    );
    expect(traj.map((s) => s.kind)).toEqual(['start', 'step', 'step', 'step', 'step', 'step', 'end']);
    expect(traj[4].tools[0]).toMatchObject({ name: 'bash', exitCode: 0 });
  }, 1_800_000);

  it('Aider polyglot: the second try after test feedback passes (pass_1 0, pass_2 1)', async () => {
    const { exercises } = await loadExercises(new DatasetResolver(), ['python']);
    const ex = exercises[0];
    const ref = await referenceFiles(ex);
    const file = ex.solutionFiles[0];
    let feedback = '';
    const server = await stub({
      respond: (ctx) => {
        const last = lastContent(ctx);
        if (!last.includes('See the testing errors above'))
          return `${file}\n\`\`\`python\ndef encode(a, b, c):\n    return None\n\`\`\`\n`;
        feedback = last;
        return `Fixed:\n\n${file}\n\`\`\`python\n${ref[file]}\`\`\`\n`;
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-aider-run-'));
    const res = await runEvaluation({
      runDir: dir,
      model: { model: `openai:${server.url}`, maxRetries: 1 },
      tasks: ['aider-polyglot:whole'],
      options: { limit: 1, languages: 'python' },
      progress: quiet,
    });
    expect(res.status).toBe('completed');
    expect(feedback).toMatch(/failed|Error/);
    const m = res.metrics['aider-polyglot:whole'];
    expect([m.metrics.pass_1.value, m.metrics.pass_2.value, m.metrics.well_formed.value]).toEqual([0, 1, 1]);
    expect(m.breakdowns!.language.python.pass_2.value).toBe(1);
    const [g] = readJsonl(join(dir, 'generations.jsonl'));
    expect(JSON.parse(g.text).responses).toHaveLength(2);
  }, 1_800_000);
});
