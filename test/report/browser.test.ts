/**
 * The report and the viewer in a real headless browser (Debian /usr/bin/chromium driven by playwright-core),
 * on a real checkpoint line: pre-sft → sft → rl evaluated through the real pipeline (campaign, runner, OpenAI
 * provider against stub servers, sandboxed code scoring, metrics, results database; test/report/checkpoint-line.ts).
 * Reports are made by the real CLI (`evalkit report`, dist/: `npm test` builds first).
 *
 * Every check compares what the page shows with an independent source: the runs' metrics.json and verdicts,
 * comparison.json, the datasets (question, gold), and the scripted ground truth of which checkpoint solves
 * which item. Screenshots go to test-output/report/; with EVALKIT_UPDATE_DOC_IMAGES=1 the ones shown in the
 * docs are also written to docs/img/ (then shrink them: `pngquant --quality 70-95 --force --ext .png docs/img/*.png`).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { writeSyntheticRun } from '../../src/store/db/synthetic-runs.js';
import { naturalSort } from '../../src/util/natural-sort.js';
import { startViewer, type Viewer } from '../../src/viewer/server.js';
import { REPO_ROOT } from '../helpers/paths.js';
import {
  buildCheckpointLine,
  CHECKPOINTS,
  LINE_LIMIT,
  solves,
  type CheckpointLine,
} from './checkpoint-line.js';

const CHROMIUM = '/usr/bin/chromium';
const CLI = join(REPO_ROOT, 'bin', 'evalkit.js');
const OUT = resolve(REPO_ROOT, 'test-output', 'report');
const DOC_IMG = resolve(REPO_ROOT, 'docs', 'img');
/** The screenshots shown in docs/tracking.md and the README (committed after `pngquant --quality 70-95`). */
const DOC_IMAGES = new Set([
  'report-campaign',
  'report-flip-n32',
  'report-single-run',
  'viewer-run',
  'viewer-compare',
  'viewer-item',
]);

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => ok({ status, stdout, stderr }));
  });
}

/** Screenshot to test-output/report/<name>.png, and to docs/img/ when asked to refresh the docs' images. */
async function shot(target: Page | Locator, name: string, opts: { fullPage?: boolean } = {}) {
  const path = join(OUT, `${name}.png`);
  if ('goto' in target) await target.screenshot({ path, fullPage: opts.fullPage });
  else await target.screenshot({ path });
  if (process.env.EVALKIT_UPDATE_DOC_IMAGES === '1' && DOC_IMAGES.has(name))
    copyFileSync(path, join(DOC_IMG, `${name}.png`));
}

const jsonl = (p: string) =>
  readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const pct = (x: number) => (100 * x).toFixed(1);

/** Pairs of neighbouring category labels of a bar chart (right-aligned y-axis texts) that overlap vertically. */
async function axisLabelsOverlap(chart: Locator): Promise<number> {
  return chart.evaluate((el) => {
    const boxes = [...el.querySelectorAll('svg text[text-anchor="end"]')]
      .map((t) => t.getBoundingClientRect())
      .filter((b) => b.height > 0)
      .sort((a, b) => a.top - b.top);
    let overlaps = 0;
    for (let i = 1; i < boxes.length; i++) if (boxes[i].top < boxes[i - 1].bottom - 1) overlaps++;
    return boxes.length < 2 ? -1 : overlaps;
  });
}

let line: CheckpointLine;
let browser: Browser;
let viewer: Viewer;
let campaignReport = '';
let singleReport = '';
let comparison: { pairs: Array<{ a: string; b: string; tasks: Array<Record<string, any>> }> };
const metricsOf = (cp: string) =>
  JSON.parse(readFileSync(join(line.runDirs[cp], 'metrics.json'), 'utf8')).tasks as Record<string, any>;
const verdictsOf = (cp: string) => jsonl(join(line.runDirs[cp], 'verdicts.jsonl'));
const gsmIds = () => line.items['gsm8k:chat'].map((x) => x.id);

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  if (process.env.EVALKIT_UPDATE_DOC_IMAGES === '1') mkdirSync(DOC_IMG, { recursive: true });
  line = await buildCheckpointLine();
  const campaignOut = join(line.dir, 'report-campaign');
  // No checkpoint names: every evaluated checkpoint of the campaign, in the campaign's order.
  const made = await cli(['report', '--campaign', line.configFile, '--out', campaignOut]);
  expect(made.status, made.stderr).toBe(0);
  campaignReport = join(campaignOut, 'report.html');
  comparison = JSON.parse(readFileSync(join(campaignOut, 'comparison.json'), 'utf8'));
  const singleOut = join(line.dir, 'report-single');
  const one = await cli(['report', line.runDirs.rl, '--db', line.dbPath, '--out', singleOut]);
  expect(one.status, one.stderr).toBe(0);
  singleReport = join(singleOut, 'report.html');
  viewer = await startViewer({ runsRoot: join(line.dir, 'runs', 'line'), dbPath: line.dbPath });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  await line?.close();
});

describe('report of a checkpoint line (pre-sft → sft → rl)', () => {
  it('matrix, trend, settings, k-curves and breakdowns show the runs’ numbers; nothing is fetched', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(campaignReport).href);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);

    // Matrix: rows in the campaign's order; each cell = the run's metrics.json primary value and CI; the
    // marker agrees with comparison.json's verdict against the previous checkpoint.
    const rows = page.locator('#matrix tr[data-checkpoint]');
    expect(await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-checkpoint')))).toEqual([
      ...CHECKPOINTS,
    ]);
    const markers: string[] = [];
    for (const cp of CHECKPOINTS) {
      const m = metricsOf(cp);
      for (const task of Object.keys(m)) {
        const cell = page.locator(`#matrix tr[data-checkpoint="${cp}"] td[data-task="${task}"]`);
        const p = m[task].metrics[m[task].primary];
        expect(await cell.locator('.v').innerText()).toBe(pct(p.value));
        expect(await cell.locator('.ci').innerText()).toBe(`[${pct(p.ci95[0])}, ${pct(p.ci95[1])}]`);
        expect(await cell.innerText()).toContain(`${LINE_LIMIT} of`);
        expect(await cell.locator('.subset').count()).toBe(1);
        const cmp = comparison.pairs.find((x) => x.b === cp)?.tasks.find((t) => t.task === task);
        if (!cmp) {
          expect(await cell.locator('.sig').count()).toBe(0);
          continue;
        }
        const sig = await cell.locator('.sig').innerText();
        const mark = cmp.verdict === 'improved' ? '▲' : cmp.verdict === 'regressed' ? '▼' : '=';
        expect(sig.startsWith(mark)).toBe(true);
        markers.push(mark);
      }
    }
    // The scripted skills (0.15 → 0.6 → 0.85) are large enough for the 32-sample MATH task to be significant.
    expect(markers).toContain('▲');
    await shot(page, 'report-campaign');

    // Trend: one chart per task, x axis in the campaign's order, a shaded CI band (a filled area path).
    const trend = page.locator('#trend .chart');
    expect(await trend.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      const texts = await trend.nth(i).locator('svg text').allTextContents();
      const order = CHECKPOINTS.map((c) => texts.indexOf(c));
      expect(order.every((x, j) => x >= 0 && (j === 0 || x > order[j - 1]))).toBe(true);
      expect(await trend.nth(i).locator('svg path[fill-opacity]').count()).toBeGreaterThan(0);
    }

    // Settings: stated once per task; the n = 32 sampling task and its subset flag.
    const math = page.locator('#settings tr[data-task="minerva_math_500:chat:n32"]');
    expect(await math.locator('td[data-setting="n (samples per item)"]').innerText()).toBe('32');
    expect(await math.locator('td[data-setting="sampling"]').innerText()).toBe('T 0.6 · top_p 0.95');
    expect(await math.locator('td[data-setting="items"]').innerText()).toMatch(
      new RegExp(`^${LINE_LIMIT} of 500 items \\(--limit ${LINE_LIMIT}\\)\\s*subset$`),
    );

    // k-curves: pass@k and maj@k of the n = 32 task, one line per checkpoint, k in numeric order.
    for (const family of ['pass', 'maj']) {
      const chart = page.locator(`.kcurve[data-task="minerva_math_500:chat:n32"][data-family="${family}"]`);
      expect(await chart.count()).toBe(1);
      const texts = await chart.locator('svg text').allTextContents();
      const ks = ['1', '4', '8', '16', '32'].map((k) => texts.indexOf(k));
      expect(ks.every((x, j) => x >= 0 && (j === 0 || x > ks[j - 1]))).toBe(true);
      for (const cp of CHECKPOINTS) expect(texts).toContain(cp);
    }
    await shot(page.locator('#kcurves'), 'report-kcurves');

    // Breakdowns: horizontal, labels carry item counts (from metrics.json) and do not overlap.
    const bySubject = page.locator(
      '.breakdown[data-task="minerva_math_500:chat:n32"][data-dimension="subject"]',
    );
    const subjects = metricsOf('rl')['minerva_math_500:chat:n32'].breakdowns.subject as Record<string, any>;
    const labels = (await bySubject.locator('svg text').allTextContents()).join('\n');
    for (const [name, v] of Object.entries(subjects))
      expect(labels).toContain(`${name} · ${v.count.value} item${v.count.value === 1 ? '' : 's'}`);
    for (const dim of ['subject', 'level']) {
      const chart = page.locator(
        `.breakdown[data-task="minerva_math_500:chat:n32"][data-dimension="${dim}"]`,
      );
      expect(await axisLabelsOverlap(chart)).toBe(0);
    }
    await shot(bySubject, 'report-breakdown');
    await page.close();
  });

  it('flipped items show question, gold and each side’s answer; code shows the program the model wrote', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(pathToFileURL(campaignReport).href);
    // GSM8K pre-sft → sft: the fail → pass items are exactly the scripted ones.
    const expected = gsmIds().filter((id) => !solves('pre-sft', id) && solves('sft', id));
    const pair = comparison.pairs[0].tasks.find((t) => t.task === 'gsm8k:chat')!;
    expect(naturalSort(pair.flips.failToPass.map((f: { itemId: string }) => f.itemId))).toEqual(expected);
    const link = page
      .locator('table.comparison')
      .first()
      .locator('tr[data-task="gsm8k:chat"] td')
      .nth(12)
      .locator('a');
    expect(await link.innerText()).toBe(String(expected.length));
    await link.click();
    const first = page.locator(`.item[data-item="${pair.flips.failToPass[0].itemId}"]`).first();
    const truth = line.items['gsm8k:chat'].find((x) => x.id === pair.flips.failToPass[0].itemId)!;
    expect(await first.locator('pre.question').innerText()).toBe(truth.question);
    expect(await first.locator('pre.gold').innerText()).toBe(truth.gold);
    const before = first.locator('.answer[data-run="pre-sft"]');
    const after = first.locator('.answer[data-run="sft"]');
    expect(await after.locator('.extracted').innerText()).toBe(truth.gold);
    expect(await before.locator('.extracted').innerText()).not.toBe(truth.gold);
    expect(await after.locator('pre.full-answer').innerText()).toContain('step by step');
    await shot(first, 'report-flip-gsm8k');

    // HumanEval+: the program shown is the model's body; the prompt's signature/docstring is folded away.
    const code = comparison.pairs[0].tasks.find((t) => t.task === 'humanevalplus')!;
    const id = code.flips.failToPass[0].itemId as string;
    const item = page.locator(`.item[data-item="${id}"]`).first();
    const canonical = line.items.humanevalplus.find((x) => x.id === id)!.gold;
    const firstBodyLine = canonical
      .split('\n')
      .find((l) => l.trim())!
      .trim();
    expect(await item.locator('.answer[data-run="sft"] pre.program').innerText()).toContain(firstBodyLine);
    expect(await item.locator('.answer[data-run="pre-sft"] pre.program').innerText()).toContain(
      'return None',
    );
    expect(await item.locator('.answer[data-run="sft"] pre.program').innerText()).not.toContain('def ');
    expect(await item.locator('.answer[data-run="sft"] pre.given').textContent()).toContain('def ');
    expect(await item.locator('pre.question').innerText()).toContain('def ');

    // MATH n = 32: per-item pass rate from the verdicts and a vote histogram over the 32 samples.
    const mt = comparison.pairs[0].tasks.find((t) => t.task === 'minerva_math_500:chat:n32')!;
    const mid = mt.flips.failToPass[0].itemId as string;
    const mItem = page.locator(`.item[data-item="${mid}"]`).first();
    for (const cp of ['pre-sft', 'sft']) {
      const vs = verdictsOf(cp).filter((v) => v.task === 'minerva_math_500:chat:n32' && v.itemId === mid);
      const c = vs.filter((v) => v.scores?.exact_match === 1).length;
      const side = mItem.locator(`.answer[data-run="${cp}"]`);
      expect(await side.locator('.passrate').innerText()).toBe(`${c}/32 samples pass`);
      const counts = await side.locator('table.votes td.num').allInnerTexts();
      expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(32);
    }
    await shot(mItem, 'report-flip-n32');
    await page.close();
  });

  it('a single-run report: one row, no trend, the first failing items of each task in natural order', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(pathToFileURL(singleReport).href);
    expect(await page.locator('h1').innerText()).toBe('evalkit report: rl');
    expect(await page.locator('#matrix tr[data-checkpoint]').count()).toBe(1);
    expect(await page.locator('#trend').count()).toBe(0);
    const m = metricsOf('rl')['gsm8k:chat'];
    expect(await page.locator('#matrix td[data-task="gsm8k:chat"] .v').innerText()).toBe(
      pct(m.metrics[m.primary].value),
    );
    const failing = gsmIds().filter((id) => !solves('rl', id));
    expect(failing.length).toBeGreaterThan(0);
    const shown = await page
      .locator('.item[data-item^="gsm8k/"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-item')));
    expect(shown).toEqual(failing.slice(0, 10));
    await shot(page, 'report-single-run');
    await page.close();
  });
});

describe('viewer', () => {
  it('compare page: paired table and the scripted flips, linked to the item page with gold and programs', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(viewer.url + '/');
    expect(await page.locator('#runs tr[data-run]').count()).toBe(3);
    await page.selectOption('#compare-form select[name="a"]', 'pre-sft');
    await page.selectOption('#compare-form select[name="b"]', 'sft');
    await page.click('#compare-form button');
    const verdict = await page
      .locator('#comparison tr[data-task="minerva_math_500:chat:n32"] td')
      .last()
      .innerText();
    expect(verdict).toBe(
      comparison.pairs[0].tasks.find((t) => t.task === 'minerva_math_500:chat:n32')!.verdict,
    );
    const flips = await page
      .locator('ul.flips[data-task="gsm8k:chat"][data-direction="failToPass"] a')
      .allInnerTexts();
    expect(flips).toEqual(gsmIds().filter((id) => !solves('pre-sft', id) && solves('sft', id)));
    await shot(page, 'viewer-compare');
    await page.locator('ul.flips[data-task="humanevalplus"] a').first().click();
    expect(await page.locator('.answer[data-run]').count()).toBe(2);
    expect(await page.locator('pre.gold').innerText()).toContain('return');
    expect(await page.locator('.label', { hasText: 'gold reference solution' }).count()).toBe(1);
    expect(await page.locator('.answer[data-run="sft"] pre.program').innerText()).not.toContain('"""');
    await page.close();
  });

  it('run page: metrics with CIs and settings, items one per row in natural order, paged', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${viewer.url}/run/sft?task=humanevalplus&size=10`);
    const m = metricsOf('sft')['humanevalplus'];
    const primary = m.metrics[m.primary];
    expect(await page.locator('#metrics tr[data-task="humanevalplus"] td').nth(1).innerText()).toBe(
      `${m.primary} ${pct(primary.value)} [${pct(primary.ci95[0])}, ${pct(primary.ci95[1])}]`,
    );
    expect(await page.locator('#metrics tr[data-task="minerva_math_500:chat:n32"] .n').innerText()).toBe(
      'n=32',
    );
    expect(await page.locator('#total').first().innerText()).toBe(String(LINE_LIMIT));
    const ids = await page
      .locator('#items tr[data-item]')
      .evaluateAll((r) => r.map((x) => x.getAttribute('data-item')));
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => `HumanEval/${i}`));
    await page.locator('a[rel="next"]').first().click();
    const ids2 = await page
      .locator('#items tr[data-item]')
      .evaluateAll((r) => r.map((x) => x.getAttribute('data-item')));
    expect(ids2).toEqual(Array.from({ length: LINE_LIMIT - 10 }, (_, i) => `HumanEval/${i + 10}`));
    // Code rows preview the code the model wrote, not the prompt.
    expect(await page.locator('#items tr[data-item] code').first().innerText()).not.toMatch(
      /^from typing|^def /,
    );
    await page.goto(`${viewer.url}/run/sft?task=minerva_math_500:chat:n32`);
    await shot(page, 'viewer-run');
    await page.close();
  });

  it('n = 32 item: pass rate, vote histogram, every sample folded, previous/next through the task', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const ids = naturalSort(line.items['minerva_math_500:chat:n32'].map((x) => x.id));
    const id = ids[1];
    await page.goto(
      `${viewer.url}/item?task=minerva_math_500:chat:n32&item=${encodeURIComponent(id)}&runs=pre-sft,sft,rl`,
    );
    const gold = line.items['minerva_math_500:chat:n32'].find((x) => x.id === id)!.gold;
    expect(await page.locator('pre.gold').innerText()).toBe(gold);
    for (const cp of CHECKPOINTS) {
      const vs = verdictsOf(cp).filter((v) => v.task === 'minerva_math_500:chat:n32' && v.itemId === id);
      const c = vs.filter((v) => v.scores?.exact_match === 1).length;
      const side = page.locator(`.answer[data-run="${cp}"]`);
      expect(await side.locator('.passrate').innerText()).toBe(`${c}/32 samples pass`);
      expect(await side.locator('details.sample').count()).toBe(32);
      if (c)
        expect(
          await side.locator('table.votes tr', { hasText: '✓ correct' }).locator('td.num').innerText(),
        ).toBe(String(c));
    }
    await shot(page, 'viewer-item');
    await page.locator('a[rel="next"]').first().click();
    expect(await page.locator('h1').innerText()).toContain(ids[2]);
    await page.locator('a[rel="prev"]').first().click();
    await page.locator('a[rel="prev"]').first().click();
    expect(await page.locator('h1').innerText()).toContain(ids[0]);
    expect(await page.locator('a[rel="prev"]').count()).toBe(0);
    await page.close();
  });

  it('a run written after the viewer started appears without a manual re-index', async () => {
    writeSyntheticRun(join(line.dir, 'runs', 'line', 'late-run'), {
      runId: 'late-run',
      model: 'late',
      tasks: [{ name: 'late-task', items: 5, n: 1 }],
    });
    const page = await browser.newPage();
    await page.goto(viewer.url + '/');
    expect(await page.locator('#runs tr[data-run]').count()).toBe(4);
    await page.locator('#runs tr[data-run="late-run"] a', { hasText: 'late-run' }).click();
    expect(await page.locator('#total').first().innerText()).toBe('5');
    await page.close();
  });
});
