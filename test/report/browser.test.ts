/**
 * Headless Chromium (Debian /usr/bin/chromium) driven by playwright-core: opens the generated report file and
 * the live viewer, checks that charts (SVG) and tables render with the right numbers, and saves screenshots
 * under test-output/.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { compareIndexedRuns } from '../../src/report/compare.js';
import { writeReport } from '../../src/report/report.js';
import { ResultsDb } from '../../src/store/db/results-db.js';
import { writeSyntheticRun } from '../../src/store/db/synthetic-runs.js';
import { startViewer, type Viewer } from '../../src/viewer/server.js';

const CHROMIUM = '/usr/bin/chromium';
const OUT = resolve(__dirname, '..', '..', 'test-output', 'report');

describe.skipIf(!existsSync(CHROMIUM))('report and viewer in a real browser', () => {
  let browser: Browser;
  let viewer: Viewer;
  const root = mkdtempSync(join(tmpdir(), 'evalkit-browser-'));
  let reportFile = '';
  let expected: { task: string; a: string; b: string; diff: string; verdict: string; flips: number }[] = [];

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const tasks = (effect: number) => [
      { name: 'humaneval-like', items: 164, n: 1, effect, categories: ['easy', 'medium', 'hard'] },
      { name: 'mbpp-like', items: 120, n: 5, effect: effect / 2 },
      { name: 'gsm8k-like', items: 300, n: 1, scoreKey: 'exact_match', effect: 0 },
    ];
    writeSyntheticRun(join(root, 'pre-sft'), {
      runId: 'pre-sft',
      model: 'base',
      tasks: tasks(0),
      sampleSeed: 1,
    });
    writeSyntheticRun(join(root, 'post-sft'), {
      runId: 'post-sft',
      model: 'sft',
      tasks: tasks(0.25),
      sampleSeed: 2,
    });
    writeSyntheticRun(join(root, 'post-rl'), {
      runId: 'post-rl',
      model: 'rl',
      tasks: tasks(0.3),
      sampleSeed: 3,
    });
    const db = new ResultsDb(join(root, 'index.sqlite'));
    await db.indexRoot(root);
    const rep = compareIndexedRuns(
      db,
      ['pre-sft', 'post-sft', 'post-rl'].map((r) => ({ runId: r, label: r })),
    );
    viewer = await startViewer({ runsRoot: root, dbPath: join(root, 'index.sqlite') });
    reportFile = writeReport(db, rep, join(OUT, 'out'), { viewerUrl: viewer.url }).html;
    expected = rep.pairs[0].tasks.map((t) => ({
      task: t.task,
      a: (100 * t.meanA).toFixed(1),
      b: (100 * t.meanB).toFixed(1),
      diff: (t.diff >= 0 ? '+' : '') + (100 * t.diff).toFixed(1),
      verdict: t.verdict,
      flips: t.flips.passToFail.length,
    }));
    db.close();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await viewer?.close();
  });

  it('report: charts are SVG, the comparison table shows the computed numbers, flip links resolve, nothing loads from the network', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(reportFile).href);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    // one chart per task + one breakdown chart, each an inline SVG with drawn marks
    expect(await page.locator('.chart svg').count()).toBe(4);
    expect(await page.locator('.chart[data-task="humaneval-like"] svg path').count()).toBeGreaterThan(5);
    expect(await page.locator('.chart.breakdown[data-dimension="category"] svg').count()).toBe(1);
    const box = await page.locator('.chart svg').first().boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    // comparison table pre-sft → post-sft
    const table = page.locator('table.comparison').first();
    for (const e of expected) {
      const row = table.locator(`tr[data-task="${e.task}"] td`);
      const cells = await row.allInnerTexts();
      expect(cells[2]).toBe(e.a);
      expect(cells[3]).toBe(e.b);
      expect(cells[4]).toBe(e.diff);
      expect(cells[11]).toBe(String(e.flips));
      expect(cells[13]).toBe(e.verdict);
    }
    expect(expected.find((e) => e.task === 'humaneval-like')!.verdict).toBe('improved'); // +25 pp on 164 items
    expect(expected.find((e) => e.task === 'gsm8k-like')!.verdict).toBe('no detectable change');
    await page.screenshot({ path: join(OUT, 'report-top.png') });
    // the first pass→fail link jumps to an anchor that exists and shows both sides
    const link = table.locator('tr[data-task="humaneval-like"] td').nth(11).locator('a');
    const href = await link.getAttribute('href');
    await link.click();
    const target = page.locator(href!);
    expect(await target.count()).toBe(1);
    expect(await target.locator('.side > div').count()).toBe(2);
    expect(await target.locator('a', { hasText: 'open in viewer' }).getAttribute('href')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/item\?task=humaneval-like/,
    );
    await page.screenshot({ path: join(OUT, 'report-flip.png') });
    await page.screenshot({ path: join(OUT, 'report-full.png'), fullPage: true });
    await page.close();
  });

  it('viewer: runs list, paged samples, side-by-side item across runs', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    await page.goto(viewer.url + '/');
    expect(await page.locator('#runs tr[data-run]').count()).toBe(3);
    await page.screenshot({ path: join(OUT, 'viewer-runs.png') });
    await page.click('#runs tr[data-run="post-sft"] a >> text=mbpp-like');
    expect(await page.locator('#total').first().innerText()).toBe(String(120 * 5));
    expect(await page.locator('#samples tr[data-item]').count()).toBe(50);
    await page.locator('a[rel="next"]').first().click();
    expect(await page.locator('#page').first().innerText()).toBe('2');
    await page.selectOption('select[name="status"]', 'fail');
    await page.click('button');
    const failRows = await page.locator('#samples tr[data-item] td.status').allInnerTexts();
    expect(failRows.length).toBeGreaterThan(0);
    expect(new Set(failRows)).toEqual(new Set(['fail']));
    await page.screenshot({ path: join(OUT, 'viewer-samples.png') });
    await page.locator('#samples tr[data-item] a').first().click();
    expect(await page.locator('.col[data-run]').count()).toBe(3);
    expect(await page.locator('#prompt').innerText()).toMatch(/def f_\d+\(x\):/);
    expect(await page.locator('.col[data-run="post-sft"] .sample').count()).toBe(5);
    expect(await page.locator('.col[data-run="post-sft"] .reason').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(OUT, 'viewer-item.png'), fullPage: true });
    // JSON API, paged
    const api = await (
      await fetch(`${viewer.url}/api/samples?run=pre-sft&task=gsm8k-like&offset=290&limit=50`)
    ).json();
    expect(api.total).toBe(300);
    expect(api.samples).toHaveLength(10);
    await page.close();
  });
});
