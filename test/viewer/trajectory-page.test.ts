/**
 * The viewer's trajectory page on the edge cases a real agent run leaves behind (the full page is checked in a
 * real browser by test/e2e/swe-agent-run.test.ts): an episode killed mid-run (no end record, a torn last
 * line), a model-call failure, and a sample of a single-turn task (nothing to show turn by turn).
 */
import { appendFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUDGETS } from '../../src/agent/loop.js';
import { readTrajectory, trajectoryStem } from '../../src/agent/trajectory.js';
import { writeSyntheticRun } from '../../src/store/db/synthetic-runs.js';
import { startViewer, type Viewer } from '../../src/viewer/server.js';

const root = mkdtempSync(join(tmpdir(), 'evalkit-traj-page-'));
const runDir = join(root, 'runs', 'r1');
const TASK = 'toy-agent';
writeSyntheticRun(runDir, { runId: 'r1', model: 'm', tasks: [{ name: TASK, items: 2, n: 1 }] });
const item = `${TASK}/0`;
const stem = trajectoryStem(runDir, TASK, item, 0);
mkdirSync(dirname(stem), { recursive: true });
const line = (o: unknown) => appendFileSync(`${stem}.jsonl`, JSON.stringify(o) + '\n');
line({
  kind: 'start',
  at: '2026-11-28T10:00:00.000Z',
  protocol: 'text',
  budgets: DEFAULT_BUDGETS,
  messages: [
    { role: 'system', content: 'be an agent' },
    { role: 'user', content: 'fix <the> bug' },
  ],
});
line({
  kind: 'step',
  turn: 1,
  startedAt: '2026-11-28T10:00:01.000Z',
  response: {
    content: 'I will look & see',
    toolCalls: [{ id: 'text_0', name: 'bash', arguments: '{"command":"cat a.py"}' }],
    finishReason: 'stop',
    usage: { promptTokens: 100, completionTokens: 20 },
    latencyMs: 500,
  },
  tools: [
    {
      callId: 'text_0',
      name: 'bash',
      arguments: '{"command":"cat a.py"}',
      output: '\nx = 1 < 2\n',
      exitCode: 0,
      durationMs: 40,
    },
  ],
});
line({ kind: 'error', turn: 2, at: '2026-11-28T10:00:03.000Z', error: 'server said 500' });
appendFileSync(`${stem}.jsonl`, '{"kind":"step","turn":3,"resp'); // killed while writing

let viewer: Viewer;
afterAll(async () => viewer?.close());

const get = async (q: Record<string, string>) => {
  viewer ??= await startViewer({ runsRoot: join(root, 'runs'), dbPath: join(root, 'results.sqlite') });
  const r = await fetch(`${viewer.url}/trajectory?${new URLSearchParams(q)}`);
  return { status: r.status, html: await r.text() };
};

describe('trajectory page', () => {
  it('reads a killed episode: the steps before the torn line, the model error, no end record', async () => {
    const t = (await readTrajectory(runDir, TASK, item, 0))!;
    expect(t.steps.map((s) => s.turn)).toEqual([1]);
    expect(t.errors).toEqual([
      { kind: 'error', turn: 2, at: '2026-11-28T10:00:03.000Z', error: 'server said 500' },
    ]);
    expect(t.end).toBeUndefined();
    const { status, html } = await get({ run: 'r1', task: TASK, item, sample: '0' });
    expect(status).toBe(200);
    expect(html).toContain('unfinished (no end record: the run was interrupted)');
    expect(html).toContain('I will look &amp; see'); // escaped, not markup
    expect(html).toContain('$ cat a.py');
    // the output's leading newline survives HTML's rule that drops one newline after <pre>
    expect(html).toContain('<pre class="output">\n\nx = 1 &lt; 2\n</pre>');
    expect(html).toContain('turn 1 of 30 · 120 tokens (100 prompt + 20 completion), 120 of 2000000 so far');
    expect(html).toMatch(/<li class="turn error" data-turn="2">.*server said 500/s);
    expect(html).not.toContain('Final patch');
  });

  it('a single-turn sample says so; an unknown sample is a 404', async () => {
    const one = await get({ run: 'r1', task: TASK, item: `${TASK}/1`, sample: '0' });
    expect(one.status).toBe(200);
    expect(one.html).toContain('id="no-trajectory"');
    expect((await get({ run: 'r1', task: TASK, item: 'nope', sample: '0' })).status).toBe(404);
    expect((await get({ run: 'r2', task: TASK, item, sample: '0' })).status).toBe(404);
  });
});
