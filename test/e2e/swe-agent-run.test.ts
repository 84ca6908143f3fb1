/**
 * End to end through `runEvaluation` (the code path of `evalkit run`) against a real OpenAI-protocol server on
 * 127.0.0.1 playing the model:
 *  - SWE-bench agent variant on pallets__flask-5014 in its Debian environment: the scripted model greps and
 *    views the real source, edits it, runs the real tests, submits; the run grades the diff with SWE-bench's rules
 *    and records the trajectory;
 *  - Aider polyglot whole-file variant: a wrong first answer, the test output fed back, a correct second answer
 *    (pass_1 = 0, pass_2 = 1); the generation record keeps the whole conversation;
 *  - both samples in the viewer's trajectory page, in a real headless browser (Debian /usr/bin/chromium +
 *    playwright-core): every turn, tool call, tool output, the budgets used, the verdict and the hidden tests'
 *    results, checked against the trajectory file, the verdicts and the dataset's test lists.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../src/datasets/registry.js';
import { runEvaluation } from '../../src/runner/run.js';
import { loadSweData } from '../../src/tasks/swebench/data.js';
import { startViewer } from '../../src/viewer/server.js';
import { REPO_ROOT } from '../helpers/paths.js';
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
/** Both runs live under one runs root, which the viewer indexes in the last test. */
const runsRoot = mkdtempSync(join(tmpdir(), 'evalkit-swe-runs-'));
const sweDir = join(runsRoot, 'swe-agent');
const aiderDir = join(runsRoot, 'aider');
const SWE_TASK = 'swebench-verified-offline:agent';
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

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
    const dir = sweDir;
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
    const dir = aiderDir;
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
    const responses = JSON.parse(g.text).responses as string[];
    expect(responses).toHaveLength(2);
    // the conversation as the model saw it: system, task, reply 1, the test feedback, reply 2 (with its request)
    expect(g.conversation.map((t: any) => `${t.source}:${t.role}`)).toEqual([
      'script:system',
      'script:user',
      'model:assistant',
      'script:user',
      'model:assistant',
    ]);
    expect(g.conversation[2].content).toBe(responses[0]);
    expect(g.conversation[3].content).toBe(feedback);
    expect(g.conversation[4].content).toBe(responses[1]);
    expect(g.conversation[4].request.prompt.messages.map((m: any) => m.content)).toEqual(
      g.conversation.slice(0, 4).map((t: any) => t.content),
    );
    const [v] = readJsonl(join(dir, 'verdicts.jsonl'));
    expect(v.details.attempts.map((a: any) => a.passed)).toEqual([false, true]);
    expect(feedback).toContain(v.details.attempts[0].testOutputTail.trim().split('\n').at(-1));
  }, 1_800_000);

  it('the viewer shows both samples turn by turn (real headless browser)', async () => {
    const viewer = await startViewer({
      runsRoot,
      dbPath: join(mkdtempSync(join(tmpdir(), 'evalkit-swe-db-')), 'results.sqlite'),
    });
    closers.push(() => viewer.close());
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    closers.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const out = resolve(REPO_ROOT, 'test-output', 'viewer');
    mkdirSync(out, { recursive: true });
    const sweRun = viewer.db.listRuns().find((r) => r.dir === sweDir)!.runId;
    const aiderRun = viewer.db.listRuns().find((r) => r.dir === aiderDir)!.runId;

    // SWE-bench agent: reached from the run page's "turns" link
    await page.goto(`${viewer.url}/run/${encodeURIComponent(sweRun)}`);
    await page.locator('#items tr[data-item="pallets__flask-5014"] a.turns-link').click();
    await page.waitForSelector('#turns');
    expect(new URL(page.url()).searchParams.get('sample')).toBe('0');
    const traj = readJsonl(
      join(sweDir, 'trajectories', 'swebench-verified-offline_agent', 'pallets__flask-5014__0.jsonl'),
    );
    const steps = traj.filter((r) => r.kind === 'step');
    const end = traj.at(-1);
    expect(await page.locator('li.turn').count()).toBe(steps.length);
    for (const s of steps) {
      const li = page.locator(`li.turn[data-turn="${s.turn}"]`);
      expect(await li.locator('pre.model').textContent()).toBe(s.response.content ?? '(no text)');
      expect(await li.locator('h3 .used').innerText()).toContain(`turn ${s.turn} of 30`);
      const tools = li.locator('.tool');
      expect(await tools.count()).toBe(s.tools.length);
      for (let i = 0; i < s.tools.length; i++) {
        const t = s.tools[i];
        expect(await tools.nth(i).getAttribute('data-tool')).toBe(t.name);
        expect(await tools.nth(i).locator('pre.output').textContent()).toBe(t.output);
        const args = JSON.parse(t.arguments);
        const shown = (await tools.nth(i).locator('pre.args').textContent())!;
        if (t.name === 'bash') expect(shown).toBe(`$ ${args.command}`);
        else expect(JSON.parse(shown)).toEqual(args);
        if (t.exitCode !== undefined && t.exitCode !== null)
          expect(await tools.nth(i).locator('.label').nth(1).innerText()).toContain(
            `exit code ${t.exitCode}`,
          );
      }
    }
    const budget = async (name: string) =>
      (await page.locator(`#budgets tr[data-budget="${name}"] td`).allInnerTexts()).slice(1);
    expect(await budget('turns')).toEqual([String(end.turns), '30']);
    expect(await budget('tokens')).toEqual([
      String(end.usage.promptTokens + end.usage.completionTokens),
      '2000000',
    ]);
    expect(await budget('tool calls')).toEqual([String(end.toolCalls), '–']);
    expect(await page.locator('#exit b').innerText()).toBe('submitted');
    expect(await page.locator('#patch').textContent()).toBe(end.patch);
    const [v] = readJsonl(join(sweDir, 'verdicts.jsonl'));
    expect(await page.locator('#verdict .pass').innerText()).toBe('pass');
    expect(await page.locator('#verdict [data-score="resolved"]').innerText()).toBe('resolved 1');
    expect(await page.locator('#outcome').innerText()).toBe(v.details.outcome);
    const inst = (await loadSweData(new DatasetResolver())).instances.find(
      (i) => i.instanceId === 'pallets__flask-5014',
    )!;
    const f2p = page.locator('#hidden-tests tr[data-kind="FAIL_TO_PASS"] td');
    expect(await f2p.nth(1).locator('li.pass').allInnerTexts()).toEqual(inst.failToPass);
    expect(await f2p.nth(2).locator('li').count()).toBe(0);
    const p2p = page.locator('#hidden-tests tr[data-kind="PASS_TO_PASS"] td');
    expect(await p2p.nth(1).innerText()).toBe(String(inst.passToPass.length));
    expect(await page.locator('#test-log').textContent()).toBe(v.details.testLogTail);
    await page.screenshot({ path: join(out, 'trajectory-swebench.png'), fullPage: true });
    // the image in docs/tracking.md (then shrink it: pngquant --quality 70-95 --force --ext .png)
    if (process.env.EVALKIT_UPDATE_DOC_IMAGES === '1')
      copyFileSync(
        join(out, 'trajectory-swebench.png'),
        join(REPO_ROOT, 'docs', 'img', 'viewer-trajectory.png'),
      );

    // Aider: reached from the item page's "Turn by turn" link; the conversation and both tries' test runs
    const [g] = readJsonl(join(aiderDir, 'generations.jsonl'));
    const [av] = readJsonl(join(aiderDir, 'verdicts.jsonl'));
    await page.goto(
      `${viewer.url}/item?${new URLSearchParams({ task: 'aider-polyglot:whole', item: g.itemId, runs: aiderRun })}`,
    );
    await page.locator('#trajectories a.turns-link').first().click();
    await page.waitForSelector('#turns');
    const turns = page.locator('li.turn');
    expect(await turns.count()).toBe(3);
    expect(await turns.nth(0).getAttribute('data-source')).toBe('model');
    expect(await turns.nth(0).locator('pre').textContent()).toBe(g.conversation[2].content);
    expect(await turns.nth(1).getAttribute('data-source')).toBe('script');
    expect(await turns.nth(1).locator('pre').textContent()).toBe(g.conversation[3].content);
    expect(await turns.nth(2).locator('pre').textContent()).toBe(g.conversation[4].content);
    expect(await turns.nth(2).locator('h3').innerText()).toContain('Model turn 2 of 2');
    expect(await budget('model turns')).toEqual(['2', '2']);
    expect(await page.locator('#hidden-tests tr[data-try="1"] td').nth(2).innerText()).toBe('fail');
    expect(await page.locator('#hidden-tests tr[data-try="2"] td').nth(2).innerText()).toBe('pass');
    expect(await page.locator('#hidden-tests tr[data-try="2"] pre').textContent()).toBe(
      av.details.attempts[1].testOutputTail,
    );
    expect(await page.locator('#verdict [data-score="pass_2"]').innerText()).toBe('pass_2 1');
    await page.screenshot({ path: join(out, 'trajectory-aider.png'), fullPage: true });

    // a sample that does not exist is a 404 page, not an empty trajectory
    const missing = await page.goto(
      `${viewer.url}/trajectory?${new URLSearchParams({ run: sweRun, task: SWE_TASK, item: 'nope', sample: '0' })}`,
    );
    expect(missing!.status()).toBe(404);
  }, 600_000);
});
