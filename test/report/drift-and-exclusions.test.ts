/**
 * Post-RL comparison, end to end: an "SFT" checkpoint that answers GSM8K briefly and an "RL" checkpoint that
 * thinks at length (and runs out of tokens inside its reasoning on some items), both served by real
 * OpenAI-protocol servers on 127.0.0.1 and run through the real pipeline. The real CLI then compares them:
 *  - the drift (cap hits, ended-in-reasoning, no-answer rate, answer/reasoning length) is shown next to the
 *    score change, in `compare` and in `report` (HTML and Markdown);
 *  - `--exclude-items` with a report written by the real `evalkit contamination` (planted copies of five
 *    questions in the "training data") recomputes the metric and the paired test without them;
 *  - `--truncated-in-reasoning exclude` leaves the samples cut inside their reasoning out instead of scoring
 *    them as failures.
 * Every expected number is counted by hand from the script below. Needs `npm run build` (dist/).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../src/datasets/registry.js';
import { runEvaluation } from '../../src/runner/run.js';
import { getTask } from '../../src/tasks/registry.js';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import type { Item } from '../../src/types.js';
import { cli } from '../helpers/cli.js';

const quiet = { update() {}, done() {} };
const N = 20;
let items: Item<{ question: string; answer: string; gold: string }>[];
const servers: StubServer[] = [];
let root: string;
let sft: string;
let rl: string;
let contamination: string;

/** SFT: right on items 0–9; items 10–14 a wrong number, 15–19 no number at all. */
function sftAnswer(k: number, gold: string): string {
  if (k < 10) return `The answer is \\boxed{${gold}}.`;
  if (k < 15) return `The answer is \\boxed{${Number(gold) + 1}}.`;
  return 'I am not sure how to solve this.';
}
/** RL: thinks first; right on items 0–15 (a wrong number inside the thinking); 16–19 never stop thinking. */
function rlAnswer(k: number, gold: string): string {
  if (k >= 16) return `<think>${'Let me reconsider the problem once more. '.repeat(400)}`;
  return `<think>First guess \\boxed{${Number(gold) + 7}}. ${'Check. '.repeat(40)}Fixed.</think>\n\nThe answer is \\boxed{${gold}}.`;
}

async function run(name: string, answer: (k: number, gold: string) => string): Promise<string> {
  const server = await startStubServer({
    respond: (ctx) => {
      const text = String(ctx.messages?.at(-1)?.content ?? '');
      const k = items.findIndex((it) => text.includes(it.data.question));
      return k < 0 ? 'unknown prompt' : answer(k, items[k].data.gold);
    },
  });
  servers.push(server);
  const dir = join(root, name);
  const res = await runEvaluation({
    runDir: dir,
    model: { model: `openai:${server.url}`, maxRetries: 0 },
    tasks: ['gsm8k:chat'],
    options: { limit: N },
    progress: quiet,
  });
  expect(res.status).toBe('completed');
  return dir;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'evalkit-drift-'));
  const task = await getTask('gsm8k:chat');
  items = (await task.loadItems({ datasets: new DatasetResolver({}), options: {} })).items.slice(0, N);
  sft = await run('sft', sftAnswer);
  rl = await run('rl', rlAnswer);
  // "Training data": items 0, 2, 4, 11 and 17 (question and worked solution) copied into documents, among
  // clean filler.
  const docs = [
    ...[0, 2, 4, 11, 17].map((k) => ({
      text: `Exercise. ${items[k].data.question}\nSolution: ${items[k].data.answer}`,
    })),
    ...Array.from({ length: 50 }, (_, i) => ({ text: `Unrelated document ${i} about gardening.` })),
  ];
  const data = join(root, 'train.jsonl');
  writeFileSync(data, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  contamination = join(root, 'contamination.json');
  const c = await cli([
    'contamination',
    '--data',
    data,
    '--task',
    'gsm8k:chat',
    '--ngram',
    '8',
    '--workers',
    '1',
    '--quiet',
    '--out',
    contamination,
  ]);
  expect(c.status, c.stderr).toBe(0);
}, 300_000);
afterAll(async () => {
  for (const s of servers) await s.close();
});

const db = () => join(root, 'index.sqlite');
const ids = (ks: number[]) => ks.map((k) => items[k].id);

describe('compare and report after RL', () => {
  it('the contamination report flags exactly the five planted items', () => {
    const rep = JSON.parse(readFileSync(contamination, 'utf8'));
    const t = rep.tasks.find((x: { task: string }) => x.task === 'gsm8k:chat');
    expect(t.contaminatedItems.map((c: { itemId: string }) => c.itemId).sort()).toEqual(
      ids([0, 2, 4, 11, 17]).sort(),
    );
  });

  it('compare shows drift next to the score change', async () => {
    const r = await cli(['compare', sft, rl, '--json', '--db', db()]);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    const t = rep.pairs[0].tasks[0];
    expect(t).toMatchObject({ task: 'gsm8k:chat', paired: N, meanA: 10 / N, meanB: 16 / N });
    expect(t.excluded).toBeUndefined();
    expect(rep.options.truncatedInReasoning).toBe('fail');
    // SFT: no reasoning, no cap hit, 5 of 20 without a number. RL: 4 of 20 cut at the cap inside the thinking.
    expect(t.drift.a).toMatchObject({
      lengthRate: 0,
      truncatedInReasoningRate: 0,
      noAnswerRate: 5 / N,
      reasoningCharsP50: null,
    });
    expect(t.drift.b).toMatchObject({ lengthRate: 4 / N, truncatedInReasoningRate: 4 / N, noAnswerRate: 0 });
    expect(t.drift.b.reasoningCharsP50).toBeGreaterThan(300);
    expect(t.drift.b.answerCharsP50).toBeLessThan(60); // the answer after the thinking only

    const text = await cli(['compare', sft, rl, '--db', db()]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/drift sft→rl\s+cap hit\s+ended in reasoning\s+no answer/);
    expect(text.stdout).toMatch(/gsm8k:chat\s+0\.0%→20\.0%\s+0\.0%→20\.0%\s+25\.0%→0\.0%/);
  });

  it('--exclude-items recomputes the metric and the paired test without the contaminated items', async () => {
    const r = await cli(['compare', sft, rl, '--json', '--exclude-items', contamination, '--db', db()]);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    const t = rep.pairs[0].tasks[0];
    // Left: 15 items. SFT right on 1,3,5–9 (7); RL right on 1,3,5–10,12–15 (12).
    expect(t).toMatchObject({ paired: 15, meanA: 7 / 15, meanB: 12 / 15, excluded: { items: 5 } });
    // flips: fail→pass on 10, 12, 13, 14, 15; no pass→fail (17 was excluded, 16/18/19 were failing in both)
    expect(t.flips.failToPass.map((f: { itemId: string }) => f.itemId)).toEqual(ids([10, 12, 13, 14, 15]));
    expect(t.flips.passToFail).toEqual([]);
    expect(t.test.detail).toMatchObject({ b: 0, c: 5 });
    expect(rep.options.excludeItems.flagged['gsm8k:chat']).toBe(5);
    const text = await cli(['compare', sft, rl, '--exclude-items', contamination, '--db', db()]);
    expect(text.stdout).toContain('gsm8k:chat: 5 flagged item(s) excluded (');
    expect(text.stdout).toContain('; 15 items paired');
  });

  it('--truncated-in-reasoning exclude leaves the samples cut inside the reasoning out', async () => {
    const r = await cli(['compare', sft, rl, '--json', '--truncated-in-reasoning', 'exclude', '--db', db()]);
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout).pairs[0].tasks[0];
    // RL's items 16–19 have no scored sample left: 16 items paired; SFT right on 0–9, RL on 0–15.
    expect(t).toMatchObject({
      paired: 16,
      meanA: 10 / 16,
      meanB: 16 / 16,
      excluded: { items: 0, truncatedInReasoning: { a: 0, b: 4 } },
    });
    const bad = await cli(['compare', sft, rl, '--truncated-in-reasoning', 'skip', '--db', db()]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--truncated-in-reasoning must be fail or exclude (got "skip")');
  });

  it('bad --exclude-items input is one clear line', async () => {
    const junk = join(root, 'junk.json');
    writeFileSync(junk, '{"gsm8k:chat": [1, 2]}');
    const r = await cli(['compare', sft, rl, '--exclude-items', junk, '--db', db()]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`--exclude-items ${junk}: "gsm8k:chat" must be a list of item ids (strings)`);
    const missing = await cli(['compare', sft, rl, '--exclude-items', join(root, 'nope.json'), '--db', db()]);
    expect(missing.stderr).toContain('cannot read (ENOENT)');
  });

  it('report shows the drift table, the truncation rate next to the score, and the exclusions', async () => {
    const out = join(root, 'report');
    const r = await cli(['report', sft, rl, '--out', out, '--exclude-items', contamination, '--db', db()]);
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<table class="drift" data-pair="sft→rl">/);
    expect(html).toContain('<td class="num">0.0%→20.0%</td>');
    expect(html).toContain('cap hit 20.0% · in reasoning 20.0%');
    expect(html).toContain('gsm8k:chat: 5 flagged item(s) excluded');
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('| drift sft → rl | cap hit | ended in reasoning | no answer |');
    expect(md).toMatch(/\| gsm8k:chat \| 0\.0%→20\.0% \| 0\.0%→20\.0% \| 25\.0%→0\.0% \|/);
    const json = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8'));
    expect(json.pairs[0].tasks[0].meanB).toBeCloseTo(12 / 15, 12);
  });
});
