/**
 * `evalkit report`: a self-contained HTML page (inline SVG charts, inline CSS, no script, nothing fetched at
 * view time) and a Markdown summary, for one run or a checkpoint line (pre-SFT → SFT → RL, in the order
 * given or the campaign's order).
 *
 * Sections: checkpoint × task matrix (primary metric, 95% CI, significance against the previous checkpoint),
 * trend of each task across checkpoints with CI bands, run settings per checkpoint and task (n, sampling,
 * `--limit` subsets flagged), paired tests, k-curves of n > 1 tasks (pass@k, maj@k), every metric, per-category
 * breakdowns with item counts, and flipped items (question, gold, each side's full answer or the program the
 * model wrote, per-item pass rate and vote histogram for n > 1). A single-run report replaces the flips with
 * the first failing items of each task.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultsDb } from '../store/db/results-db.js';
import type { TaskComparison } from '../stats/compare-items.js';
import type { MetricValue, TaskMetrics } from '../types.js';
import { naturalCompare, naturalSort } from '../util/natural-sort.js';
import { barChartSvg, checkpointColor, trendChartSvg } from './charts.js';
import type { ComparisonReport, RunInfo } from './compare.js';
import { renderDriftHtml, renderDriftMarkdown } from './drift.js';
import { ItemFactsSource, type TaskFacts } from './item-facts.js';
import { esc, ITEM_CSS, renderItem } from './item-view.js';
import {
  describeItems,
  describeSampling,
  isSubset,
  taskSettings,
  type TaskSettings,
} from './run-settings.js';

export { esc };
const pct = (x: number | undefined) =>
  typeof x === 'number' && Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a';
const signed = (x: number) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + (100 * x).toFixed(1) : 'n/a');
const pfmt = (p: number) => (!Number.isFinite(p) ? 'n/a' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '_');

/** "54.2 [41.0, 66.7]" for a proportion metric; raw numbers otherwise. */
export function formatMetric(m: MetricValue | undefined): string {
  if (!m || !Number.isFinite(m.value)) return 'n/a';
  const isProp = m.value >= 0 && m.value <= 1 && (!m.ci95 || (m.ci95[0] >= 0 && m.ci95[1] <= 1));
  const f = (x: number) => (isProp ? (100 * x).toFixed(1) : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3));
  return m.ci95 ? `${f(m.value)} [${f(m.ci95[0])}, ${f(m.ci95[1])}]` : f(m.value);
}

export interface ReportOptions {
  title?: string;
  /** Base URL of a running `evalkit view` server; flipped items then also link to it. */
  viewerUrl?: string;
  /** Flipped (or, for one run, failing) items shown per task and direction. */
  maxFlips?: number;
  /** Question/gold per task (from the datasets); `writeReport` loads them. */
  facts?: Map<string, TaskFacts>;
}

export function flipAnchor(pairIdx: number, task: string, itemId: string): string {
  return `flip-${pairIdx}-${slug(task)}-${slug(itemId)}`;
}

function verdictClass(v: string): string {
  return v === 'improved' ? 'improved' : v === 'regressed' ? 'regressed' : 'neutral';
}

/** pass@k, maj@k, plus_pass@k … : family and k, for k-curves and numeric ordering. */
function atK(name: string): { family: string; k: number } | undefined {
  const m = /^(.+)@(\d+)$/.exec(name);
  return m ? { family: m[1], k: Number(m[2]) } : undefined;
}

/** Families with at least two k values in any run of the task, e.g. pass → [1, 2, 4, …, 32]. */
function kFamilies(runs: RunInfo[], task: string): Map<string, number[]> {
  const fam = new Map<string, Set<number>>();
  for (const r of runs)
    for (const name of Object.keys(r.metrics[task]?.metrics ?? {})) {
      const p = atK(name);
      if (p) (fam.get(p.family) ?? fam.set(p.family, new Set()).get(p.family)!).add(p.k);
    }
  return new Map(
    [...fam]
      .filter(([, ks]) => ks.size >= 2)
      .map(([f, ks]) => [f, [...ks].sort((a, b) => a - b)] as [string, number[]])
      .sort(([a], [b]) => naturalCompare(a, b)),
  );
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;color:#1d2329;max-width:1240px;padding:0 16px;line-height:1.4}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #d5d9de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.improved{background:#e3f4e6;color:#1d6b31;font-weight:600}.regressed{background:#fbe4e4;color:#a32121;font-weight:600}.neutral{color:#555}
#matrix td.cell{min-width:150px}#matrix .v{font-size:16px;font-weight:600;font-variant-numeric:tabular-nums}#matrix .ci{color:#555;font-size:12px}
.sig{font-size:12px;margin-left:6px;padding:0 4px;border-radius:3px}.sig.up{background:#e3f4e6;color:#1d6b31}.sig.down{background:#fbe4e4;color:#a32121}.sig.same{color:#777}
.subset{background:#fff4d6;color:#7a5200;border-radius:3px;padding:0 4px;font-size:11px;white-space:nowrap}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #e3e6e9;border-radius:4px;background:#fff}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:middle}
td.differs{background:#fff4d6}
`;

/** Under a matrix cell: how many samples hit the token cap / ended inside their reasoning (when any did). */
function truncationNote(m: TaskMetrics): string {
  const g = m.generation;
  if (!g || (!g.lengthRate && !g.truncatedInReasoningRate)) return '';
  return `<div class="meta truncation" title="share of samples that hit the token cap / ended inside their reasoning (scored as failures unless --truncated-in-reasoning exclude)">cap hit ${pct(g.lengthRate)}% · in reasoning ${pct(g.truncatedInReasoningRate)}%</div>`;
}

export function renderHtml(db: ResultsDb, rep: ComparisonReport, opts: ReportOptions = {}): string {
  const labels = rep.runs.map((r) => r.label);
  const single = rep.runs.length === 1;
  const allTasks = naturalSort(new Set(rep.runs.flatMap((r) => Object.keys(r.metrics))));
  const facts = opts.facts ?? new Map<string, TaskFacts>();
  const settings = new Map(
    rep.runs.map((r) => [
      r.label,
      new Map(
        taskSettings(safeManifest(db, r.runId), r.metrics, (t) => facts.get(t)?.datasetItems).map((s) => [
          s.task,
          s,
        ]),
      ),
    ]),
  );
  const parts: string[] = [];
  const title =
    opts.title ?? (single ? `evalkit report: ${labels[0]}` : `evalkit report: ${labels.join(' → ')}`);
  const correction =
    rep.options.correction === 'holm'
      ? 'Holm'
      : rep.options.correction === 'bh'
        ? 'Benjamini–Hochberg'
        : 'no';
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}${ITEM_CSS}</style></head><body>`);
  parts.push(
    `<h1>${esc(title)}</h1><p class="meta">generated ${esc(rep.generatedAt)}${
      single
        ? ''
        : ` · each checkpoint is compared with the ${rep.options.baseline === 'first' ? 'first' : 'previous'} one by paired tests on common items · ${correction} correction across tasks · alpha ${rep.options.alpha}`
    } · 95% CIs as recorded in each run's metrics.json</p>`,
  );

  // ── Checkpoint × task matrix ──
  const cmp = new Map<string, TaskComparison>(); // `${b}\u0000${task}` → comparison with its baseline
  for (const pair of rep.pairs) for (const t of pair.tasks) cmp.set(`${pair.b}\u0000${t.task}`, t);
  parts.push(
    `<h2>${single ? 'Results' : 'Checkpoints × tasks'}</h2><table id="matrix"><tr><th>${single ? 'run' : 'checkpoint'}</th>${allTasks
      .map((t) => {
        const primary = rep.runs.map((r) => r.metrics[t]?.primary).find(Boolean) ?? '';
        return `<th data-task="${esc(t)}">${esc(t)}<div class="meta">${esc(primary)} (%), 95% CI</div></th>`;
      })
      .join('')}</tr>`,
  );
  rep.runs.forEach((r, ri) => {
    parts.push(
      `<tr data-checkpoint="${esc(r.label)}"><th><span class="swatch" style="background:${checkpointColor(ri)}"></span>${esc(r.label)}${r.model && r.model !== r.label ? `<div class="meta">${esc(r.model)}</div>` : ''}</th>`,
    );
    for (const t of allTasks) {
      const m = r.metrics[t];
      const s = settings.get(r.label)?.get(t);
      if (!m) {
        parts.push(
          `<td class="cell missing" data-task="${esc(t)}"><span class="meta">not evaluated</span></td>`,
        );
        continue;
      }
      const pv = m.metrics[m.primary];
      const c = cmp.get(`${r.label}\u0000${t}`);
      const sig = c
        ? `<span class="sig ${c.verdict === 'improved' ? 'up' : c.verdict === 'regressed' ? 'down' : 'same'}" title="${esc(`${c.test.name}, p adj. ${pfmt(c.pAdjusted)}, ${c.paired} paired items`)}">${
            c.verdict === 'improved' ? '▲' : c.verdict === 'regressed' ? '▼' : '='
          } ${signed(c.diff)}</span>`
        : '';
      const ci = pv?.ci95 ? `[${pct(pv.ci95[0])}, ${pct(pv.ci95[1])}]` : '';
      parts.push(
        `<td class="cell" data-task="${esc(t)}"><span class="v">${pct(pv?.value)}</span>${sig}<div class="ci">${ci}</div><div class="meta">${s ? esc(`${s.n && s.n > 1 ? `n=${s.n} · ` : ''}${describeItems(s)}`) : ''}${
          s && isSubset(s)
            ? ' <span class="subset" title="only part of the task was evaluated">subset</span>'
            : ''
        }</div>${truncationNote(m)}</td>`,
      );
    }
    parts.push(`</tr>`);
  });
  parts.push(`</table>`);
  if (!single)
    parts.push(
      `<p class="meta">▲/▼: significantly better/worse than the ${rep.options.baseline === 'first' ? 'first' : 'previous'} checkpoint (paired test, ${correction}-adjusted p &lt; ${rep.options.alpha}); = no detectable change; the number is the difference in percentage points. Hover a marker for the test and p.</p>`,
    );

  // ── Trend across checkpoints ──
  if (!single) {
    parts.push(`<h2>Trend across checkpoints</h2><div class="charts" id="trend">`);
    for (const t of allTasks) {
      const primary = rep.runs.map((r) => r.metrics[t]?.primary).find(Boolean)!;
      const vals = rep.runs.map((r) => r.metrics[t]?.metrics[primary]);
      const percent = vals.every((v) => !v || (v.value >= 0 && v.value <= 1));
      parts.push(
        `<div class="chart" data-task="${esc(t)}">${trendChartSvg({
          title: `${t} · ${primary}`,
          categories: labels,
          series: [
            {
              name: primary,
              values: vals.map((v) => v?.value),
              ci: vals.map((v) => v?.ci95),
              color: '#0072b2',
            },
          ],
          percent,
        })}</div>`,
      );
    }
    parts.push(
      `</div><p class="meta">Shaded: 95% CI of each checkpoint's value (not of the difference; see the paired tests).</p>`,
    );
  }

  // ── Run settings ──
  parts.push(renderSettings(rep.runs, allTasks, settings, single));

  // ── Paired tests ──
  if (!single) {
    parts.push(`<h2>Paired tests</h2>`);
    rep.pairs.forEach((pair, pi) => {
      parts.push(`<h3>${esc(pair.a)} → ${esc(pair.b)}</h3><table class="comparison" data-pair="${esc(pair.a)}→${esc(pair.b)}">
<tr><th>task</th><th>metric</th><th class="num">${esc(pair.a)}</th><th class="num">${esc(pair.b)}</th><th class="num">Δ (pp)</th><th>95% CI (pp)</th><th>test</th><th class="num">p</th><th class="num">p adj.</th><th class="num">MDE (pp)</th><th class="num">items</th><th class="num">pass→fail</th><th class="num">fail→pass</th><th>verdict</th></tr>`);
      for (const t of pair.tasks) {
        const link = (n: number, dir: 'passToFail' | 'failToPass') =>
          n ? `<a href="#${flipAnchor(pi, t.task, t.flips[dir][0].itemId)}">${n}</a>` : '0';
        parts.push(
          `<tr data-task="${esc(t.task)}"><td>${esc(t.task)}</td><td>${esc(t.metric)}</td><td class="num">${pct(t.meanA)}</td><td class="num">${pct(t.meanB)}</td>` +
            `<td class="num diff">${signed(t.diff)}</td><td class="num">[${signed(t.ci95[0])}, ${signed(t.ci95[1])}]</td><td>${esc(t.test.name)}</td>` +
            `<td class="num">${pfmt(t.test.p)}</td><td class="num">${pfmt(t.pAdjusted)}</td><td class="num">${t.mde > 1 ? '&gt;100' : `±${pct(t.mde)}`}</td><td class="num">${t.paired}</td>` +
            `<td class="num">${link(t.flips.passToFail.length, 'passToFail')}</td><td class="num">${link(t.flips.failToPass.length, 'failToPass')}</td>` +
            `<td class="verdict ${verdictClass(t.verdict)}">${esc(t.verdict)}</td></tr>`,
        );
      }
      parts.push(`</table>`, renderDriftHtml(pair, rep.options.excludeItems?.source));
    });
    parts.push(
      `<p class="meta">Drift: share of samples at the token cap, ended inside their reasoning (${rep.options.truncatedInReasoning === 'exclude' ? 'left out of the paired tests' : 'scored as failures'}), with no extractable answer; median answer and reasoning length (characters) and completion tokens; samples with reward-hacking patterns in their code. Over all samples of each run, before any exclusion.</p>`,
    );
    parts.push(
      `<p class="meta">MDE: the smallest true difference this comparison detects with 80% power at alpha ${rep.options.alpha} (paired, normal approximation). "No detectable change" with a large MDE means the suite is too small to tell, not that nothing changed. For n &gt; 1 tasks the per-item value is the item's pass rate; a flip is an item whose pass rate crossed 50%.</p>`,
    );
  }

  // ── k-curves for n > 1 tasks ──
  const kTasks = allTasks.filter((t) => kFamilies(rep.runs, t).size);
  if (kTasks.length) {
    parts.push(
      `<h2>Sampling metrics (n &gt; 1)</h2><p class="meta">One panel per metric family; x = k (samples drawn), one line per ${single ? 'run' : 'checkpoint'}, shaded 95% CI. pass@k: at least one of k samples is correct; maj@k: the majority answer of k samples is correct.</p><div class="charts" id="kcurves">`,
    );
    for (const t of kTasks) {
      for (const [family, ks] of kFamilies(rep.runs, t)) {
        const series = rep.runs.map((r, ri) => {
          const vals = ks.map((k) => r.metrics[t]?.metrics[`${family}@${k}`]);
          return {
            name: r.label,
            values: vals.map((v) => v?.value),
            ci: vals.map((v) => v?.ci95),
            color: checkpointColor(ri),
          };
        });
        parts.push(
          `<div class="chart kcurve" data-task="${esc(t)}" data-family="${esc(family)}">${trendChartSvg({
            title: `${t} · ${family}@k`,
            categories: ks.map(String),
            series,
            xName: 'k',
            width: 400,
            height: 250,
          })}</div>`,
        );
      }
    }
    parts.push(`</div>`);
  }

  // ── Every metric ──
  parts.push(`<h2>All metrics</h2><p class="meta">value [95% CI]; proportions in %.</p><div class="charts">`);
  for (const t of allTasks) {
    const names = [...new Set(rep.runs.flatMap((r) => Object.keys(r.metrics[t]?.metrics ?? {})))].sort(
      naturalCompare,
    );
    const primary = rep.runs.map((r) => r.metrics[t]?.primary).find(Boolean);
    parts.push(
      `<table class="metrics" data-task="${esc(t)}"><tr><th>${esc(t)}</th>${rep.runs.map((r) => `<th class="num">${esc(r.label)}</th>`).join('')}</tr>${names
        .map(
          (n) =>
            `<tr data-metric="${esc(n)}"><td>${n === primary ? `<b>${esc(n)}</b>` : esc(n)}</td>${rep.runs
              .map((r) => `<td class="num">${formatMetric(r.metrics[t]?.metrics[n])}</td>`)
              .join('')}</tr>`,
        )
        .join('')}</table>`,
    );
  }
  parts.push(`</div>`);

  // ── Per-category breakdowns ──
  const breakdownParts = renderBreakdowns(rep.runs, allTasks);
  if (breakdownParts) parts.push(`<h2>Per-category breakdowns</h2>`, breakdownParts);

  // ── Flipped items / failing items ──
  const maxFlips = opts.maxFlips ?? 25;
  const viewerLink = (task: string, itemId: string, runIds: string[]) =>
    opts.viewerUrl
      ? ` · <a href="${esc(`${opts.viewerUrl.replace(/\/$/, '')}/item?task=${encodeURIComponent(task)}&item=${encodeURIComponent(itemId)}&runs=${encodeURIComponent(runIds.join(','))}`)}">open in viewer</a>`
      : '';
  if (!single) {
    parts.push(`<h2>Flipped items</h2>`);
    let any = false;
    rep.pairs.forEach((pair, pi) => {
      const runA = rep.runs.find((r) => r.label === pair.a)!;
      const runB = rep.runs.find((r) => r.label === pair.b)!;
      for (const t of pair.tasks) {
        for (const dir of ['passToFail', 'failToPass'] as const) {
          const flips = t.flips[dir];
          if (!flips.length) continue;
          any = true;
          parts.push(
            `<h3>${esc(pair.a)} → ${esc(pair.b)} · ${esc(t.task)} · ${dir === 'passToFail' ? 'pass → fail' : 'fail → pass'} (${flips.length}${flips.length > maxFlips ? `, first ${maxFlips} shown` : ''})</h3>`,
          );
          for (const f of flips.slice(0, maxFlips))
            parts.push(
              renderItem(
                db,
                t.task,
                f.itemId,
                [
                  { runId: runA.runId, label: pair.a, value: f.a, metric: t.metric },
                  { runId: runB.runId, label: pair.b, value: f.b, metric: t.metric },
                ],
                {
                  facts: facts.get(t.task),
                  anchor: flipAnchor(pi, t.task, f.itemId),
                  links: viewerLink(t.task, f.itemId, [runA.runId, runB.runId]),
                },
              ),
            );
        }
      }
    });
    if (!any) parts.push(`<p class="meta">No item changed outcome between consecutive checkpoints.</p>`);
  } else {
    const run = rep.runs[0];
    const perTask = Math.min(maxFlips, 10);
    parts.push(
      `<h2>Failing items</h2><p class="meta">The first ${perTask} failing items of each task, in item order.</p>`,
    );
    for (const t of allTasks) {
      const ids = failingItems(db, run.runId, t);
      if (!ids.length) continue;
      parts.push(`<h3>${esc(t)}</h3>`);
      for (const id of ids.slice(0, perTask))
        parts.push(
          renderItem(db, t, id, [{ runId: run.runId, label: run.label }], {
            facts: facts.get(t),
            anchor: `fail-${slug(t)}-${slug(id)}`,
            links: viewerLink(t, id, [run.runId]),
          }),
        );
    }
  }
  parts.push(`</body></html>\n`);
  return parts.join('\n');
}

/** Items of a task with at least one failing sample, in natural order. */
export function failingItems(db: ResultsDb, runId: string, task: string): string[] {
  const rows = db.db
    .prepare(`SELECT DISTINCT item_id AS id FROM samples WHERE run_id = ? AND task = ? AND status = 'fail'`)
    .all(runId, task) as Array<{ id: string }>;
  return rows.map((r) => r.id).sort(naturalCompare);
}

/**
 * Settings per task, stated once when every checkpoint used the same; a setting that differs is listed per
 * checkpoint and highlighted (numbers made under different settings are not comparable). Then one line per
 * checkpoint: model, run id, status, errored samples, directory.
 */
function renderSettings(
  runs: RunInfo[],
  tasks: string[],
  settings: Map<string, Map<string, TaskSettings>>,
  single: boolean,
): string {
  const cols: Array<[string, (s: TaskSettings) => string]> = [
    ['format', (s) => s.format ?? ''],
    ['shots', (s) => (s.shots === undefined ? '' : String(s.shots))],
    ['n (samples per item)', (s) => (s.n === undefined ? '' : String(s.n))],
    ['sampling', describeSampling],
    ['max tokens', (s) => (s.maxTokens === undefined ? '' : String(s.maxTokens))],
    ['items', describeItems],
  ];
  const out: string[] = [
    `<h2>Run settings</h2><table id="settings"><tr><th>task</th>${cols.map(([h]) => `<th>${esc(h)}</th>`).join('')}</tr>`,
  ];
  for (const t of tasks) {
    const per = runs.map((r) => [r.label, settings.get(r.label)?.get(t)] as const).filter(([, s]) => s);
    out.push(`<tr data-task="${esc(t)}"><td>${esc(t)}</td>`);
    for (const [name, f] of cols) {
      const vals = per.map(([label, s]) => [label, f(s!)] as const);
      const same = new Set(vals.map(([, v]) => v)).size <= 1;
      const subset = name === 'items' && per.some(([, s]) => isSubset(s!));
      const flag = subset
        ? ' <span class="subset" title="only part of the task was evaluated">subset</span>'
        : '';
      out.push(
        same
          ? `<td data-setting="${esc(name)}">${esc(vals[0]?.[1] ?? '')}${flag}</td>`
          : `<td data-setting="${esc(name)}" class="differs">${vals.map(([l, v]) => `${esc(l)}: ${esc(v)}`).join('<br>')}${flag}</td>`,
      );
    }
    out.push(`</tr>`);
  }
  out.push(`</table>`);
  if (out.some((x) => x.includes('class="differs"')))
    out.push(
      `<p class="subset">Highlighted settings differ between checkpoints: part of a difference in the numbers may come from the settings, not the model.</p>`,
    );
  out.push(
    `<table id="runs"><tr><th>${single ? 'run' : 'checkpoint'}</th><th>model</th><th>run id</th><th>status</th><th class="num">errored samples</th><th>directory</th></tr>`,
  );
  for (const r of runs) {
    const rows = [...(settings.get(r.label)?.values() ?? [])];
    const errored = rows.reduce((a, s) => a + (s.errored ?? 0), 0);
    out.push(
      `<tr data-checkpoint="${esc(r.label)}"><td>${esc(r.label)}</td><td>${esc(r.model)}</td><td>${esc(r.runId)}</td><td>${esc(r.status ?? '')}</td><td class="num${errored ? ' errored' : ''}">${errored}</td><td class="meta">${esc(r.dir)}</td></tr>`,
    );
  }
  out.push(`</table>`);
  return out.join('');
}

function safeManifest(db: ResultsDb, runId: string) {
  try {
    return db.manifest(runId);
  } catch {
    return undefined;
  }
}

function renderBreakdowns(runs: RunInfo[], tasks: string[]): string {
  const out: string[] = [];
  for (const task of tasks) {
    const dims = naturalSort(
      new Set(
        runs.flatMap((r) => Object.keys(r.metrics[task]?.breakdowns ?? {})).filter((d) => d !== 'problem'),
      ),
    );
    for (const dim of dims) {
      const primary = runs.map((r) => r.metrics[task]?.primary).find(Boolean)!;
      const cell = (r: RunInfo, c: string) => r.metrics[task]?.breakdowns?.[dim]?.[c];
      const cats = naturalSort(
        new Set(runs.flatMap((r) => Object.keys(r.metrics[task]?.breakdowns?.[dim] ?? {}))),
      );
      // The metric shown: the primary if the breakdown has it, else the first metric the breakdown records.
      const metric = cats.some((c) => runs.some((r) => cell(r, c)?.[primary]))
        ? primary
        : Object.keys(cell(runs[0], cats[0]) ?? {}).find((k) => k !== 'count');
      if (!metric) continue;
      const count = (c: string) => {
        const ns = runs.map((r) => cell(r, c)?.count?.value).filter((x): x is number => x !== undefined);
        return ns.length ? (new Set(ns).size === 1 ? `${ns[0]}` : ns.join('/')) : undefined;
      };
      // "level 3 · 12 items": a bare number is prefixed by its dimension so it reads as a category.
      const catLabels = cats.map((c) => {
        const name = /^\d+$/.test(c) ? `${dim} ${c}` : c;
        const n = count(c);
        return n === undefined ? name : `${name} · ${n} item${n === '1' ? '' : 's'}`;
      });
      const series = runs.map((r, ri) => ({
        name: r.label,
        values: cats.map((c) => cell(r, c)?.[metric]?.value),
        ci: cats.map((c) => cell(r, c)?.[metric]?.ci95),
        color: checkpointColor(ri),
      }));
      const percent = series.every((s) => s.values.every((v) => v === undefined || (v >= 0 && v <= 1)));
      out.push(
        `<div class="chart breakdown" data-task="${esc(task)}" data-dimension="${esc(dim)}">${barChartSvg({
          title: `${task} · ${metric} by ${dim}`,
          categories: catLabels,
          series,
          percent,
          width: 760,
        })}</div>`,
      );
    }
  }
  return out.length
    ? `<p class="meta">Bars: each ${runs.length > 1 ? 'checkpoint' : 'run'}'s value in the category, whiskers its 95% CI; the item count of a category is in its label. Small categories have wide intervals.</p><div class="charts">${out.join('')}</div>`
    : '';
}

export function renderMarkdown(rep: ComparisonReport): string {
  const lines: string[] = [];
  const tasks = naturalSort(new Set(rep.runs.flatMap((r) => Object.keys(r.metrics))));
  lines.push(`## evalkit: ${rep.runs.map((r) => r.label).join(' → ')}`, '');
  const cmp = new Map<string, TaskComparison>();
  for (const pair of rep.pairs) for (const t of pair.tasks) cmp.set(`${pair.b}\u0000${t.task}`, t);
  lines.push(
    `| ${rep.runs.length > 1 ? 'checkpoint' : 'run'} | ${tasks.join(' | ')} |`,
    `|---|${tasks.map(() => '---:').join('|')}|`,
  );
  for (const r of rep.runs) {
    const cells = tasks.map((t) => {
      const m: TaskMetrics | undefined = r.metrics[t];
      if (!m) return '—';
      const c = cmp.get(`${r.label}\u0000${t}`);
      const mark = c ? (c.verdict === 'improved' ? ' ▲' : c.verdict === 'regressed' ? ' ▼' : '') : '';
      return `${formatMetric(m.metrics[m.primary])}${mark}`;
    });
    lines.push(`| ${r.label} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    `Primary metric of each task, % with 95% CI; ▲/▼ significant change against the previous checkpoint.`,
    '',
  );
  for (const pair of rep.pairs) {
    const improved = pair.tasks.filter((t) => t.verdict === 'improved').length;
    const regressed = pair.tasks.filter((t) => t.verdict === 'regressed').length;
    lines.push(
      `### ${pair.a} → ${pair.b}: ${improved} improved, ${regressed} regressed, ${pair.tasks.length - improved - regressed} no detectable change`,
      '',
    );
    lines.push(
      `| task | metric | ${pair.a} | ${pair.b} | Δ (pp) | 95% CI | p (adj.) | MDE | flips ↓/↑ | verdict |`,
      '|---|---|---:|---:|---:|---|---:|---:|---:|---|',
    );
    for (const t of pair.tasks) {
      const v =
        t.verdict === 'improved' ? '**improved**' : t.verdict === 'regressed' ? '**regressed**' : t.verdict;
      lines.push(
        `| ${t.task} | ${t.metric} | ${pct(t.meanA)} | ${pct(t.meanB)} | ${signed(t.diff)} | [${signed(t.ci95[0])}, ${signed(t.ci95[1])}] | ${pfmt(t.pAdjusted)} | ${t.mde > 1 ? '>100' : `±${pct(t.mde)}`} | ${t.flips.passToFail.length}/${t.flips.failToPass.length} | ${v} |`,
      );
    }
    lines.push('', ...renderDriftMarkdown(pair, rep.options.excludeItems?.source));
  }
  if (rep.pairs.length)
    lines.push(
      `Paired tests on the same items (${rep.pairs[0]?.tasks.some((t) => t.binary) ? 'McNemar mid-p for 0/1 outcomes, ' : ''}paired permutation for per-problem rates), 95% CI by paired bootstrap, ${rep.options.correction === 'holm' ? 'Holm' : rep.options.correction} correction across tasks; MDE at 80% power.`,
    );
  return lines.join('\n') + '\n';
}

/** Write report.html, summary.md and comparison.json; loads each task's questions and gold answers first. */
export async function writeReport(
  db: ResultsDb,
  rep: ComparisonReport,
  outDir: string,
  opts: ReportOptions = {},
): Promise<{ html: string; markdown: string; json: string }> {
  const facts =
    opts.facts ??
    (await new ItemFactsSource().forTasks(new Set(rep.runs.flatMap((r) => Object.keys(r.metrics)))));
  mkdirSync(outDir, { recursive: true });
  const html = join(outDir, 'report.html');
  const markdown = join(outDir, 'summary.md');
  const json = join(outDir, 'comparison.json');
  writeFileSync(html, renderHtml(db, rep, { ...opts, facts }));
  writeFileSync(markdown, renderMarkdown(rep));
  writeFileSync(json, JSON.stringify(rep, null, 2) + '\n');
  return { html, markdown, json };
}

export type { TaskComparison };
