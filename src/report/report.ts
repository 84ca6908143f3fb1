/**
 * `evalkit report`: a self-contained HTML page (inline SVG charts, inline CSS, no script, nothing fetched at
 * view time) and a Markdown summary for a pull request or a chat message.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultsDb } from '../store/db/results-db.js';
import type { TaskComparison } from '../stats/compare-items.js';
import { barChartSvg } from './charts.js';
import type { ComparisonReport } from './compare.js';

export const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const pct = (x: number | undefined) =>
  typeof x === 'number' && Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a';
const signed = (x: number) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + (100 * x).toFixed(1) : 'n/a');
const pfmt = (p: number) => (!Number.isFinite(p) ? 'n/a' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '_');

export interface ReportOptions {
  title?: string;
  /** Base URL of a running `evalkit view` server; flipped items then also link to it. */
  viewerUrl?: string;
  /** Flipped items shown per task and direction. */
  maxFlips?: number;
}

export function flipAnchor(pairIdx: number, task: string, itemId: string): string {
  return `flip-${pairIdx}-${slug(task)}-${slug(itemId)}`;
}

function verdictClass(v: string): string {
  return v === 'improved' ? 'improved' : v === 'regressed' ? 'regressed' : 'neutral';
}

export function renderHtml(db: ResultsDb, rep: ComparisonReport, opts: ReportOptions = {}): string {
  const labels = rep.runs.map((r) => r.label);
  const allTasks = [...new Set(rep.runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const parts: string[] = [];
  const title = opts.title ?? `evalkit report: ${labels.join(' → ')}`;
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d2329;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #d5d9de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
.improved{background:#e3f4e6;color:#1d6b31;font-weight:600}.regressed{background:#fbe4e4;color:#a32121;font-weight:600}.neutral{color:#555}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #e3e6e9;border-radius:4px}
pre{background:#f6f8fa;padding:8px;white-space:pre-wrap;word-break:break-word;max-height:360px;overflow:auto;font-size:12px}
.flip{border:1px solid #e3e6e9;border-radius:4px;padding:8px;margin:8px 0}.side{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.meta{color:#666;font-size:12px}
</style></head><body>`);
  parts.push(
    `<h1>${esc(title)}</h1><p class="meta">generated ${esc(rep.generatedAt)} · paired tests on common items · ${esc(rep.options.correction === 'holm' ? 'Holm' : rep.options.correction === 'bh' ? 'Benjamini–Hochberg' : 'no')} correction across tasks · alpha ${rep.options.alpha} · bootstrap ${rep.options.resamples} resamples, seed ${rep.options.seed}</p>`,
  );

  // Runs
  parts.push(
    `<h2>Checkpoints</h2><table id="runs"><tr><th>checkpoint</th><th>run id</th><th>model</th><th>directory</th></tr>`,
  );
  for (const r of rep.runs)
    parts.push(
      `<tr><td>${esc(r.label)}</td><td>${esc(r.runId)}</td><td>${esc(r.model)}</td><td class="meta">${esc(r.dir)}</td></tr>`,
    );
  parts.push(`</table>`);

  // Comparison tables
  parts.push(`<h2>Comparison</h2>`);
  rep.pairs.forEach((pair, pi) => {
    parts.push(`<h3>${esc(pair.a)} → ${esc(pair.b)}</h3><table class="comparison" data-pair="${esc(pair.a)}→${esc(pair.b)}">
<tr><th>task</th><th>metric</th><th>${esc(pair.a)}</th><th>${esc(pair.b)}</th><th>Δ (pp)</th><th>95% CI (pp)</th><th>test</th><th>p</th><th>p adj.</th><th>MDE (pp)</th><th>items</th><th>pass→fail</th><th>fail→pass</th><th>verdict</th></tr>`);
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
    parts.push(`</table>`);
  });
  parts.push(
    `<p class="meta">MDE: the smallest true difference this comparison detects with 80% power at alpha ${rep.options.alpha} (paired, normal approximation). "No detectable change" with a large MDE means the suite is too small to tell, not that nothing changed.</p>`,
  );

  // Charts: every metric of every task across checkpoints
  parts.push(`<h2>Metrics across checkpoints</h2><div class="charts">`);
  for (const task of allTasks) {
    const names = [...new Set(rep.runs.flatMap((r) => Object.keys(r.metrics[task]?.metrics ?? {})))].sort();
    const series = names.map((name) => ({
      name,
      values: rep.runs.map((r) => r.metrics[task]?.metrics[name]?.value),
      ci: rep.runs.map((r) => r.metrics[task]?.metrics[name]?.ci95),
    }));
    const percent = series.every((s) => s.values.every((v) => v === undefined || (v >= 0 && v <= 1)));
    parts.push(
      `<div class="chart" data-task="${esc(task)}">${barChartSvg({ title: task, categories: labels, series, percent })}</div>`,
    );
  }
  parts.push(`</div>`);

  // Per-category breakdowns
  const dims = new Map<string, Set<string>>(); // task → dimensions
  for (const r of rep.runs)
    for (const [task, m] of Object.entries(r.metrics))
      for (const d of Object.keys(m.breakdowns ?? {}))
        if (d !== 'problem') (dims.get(task) ?? dims.set(task, new Set()).get(task)!).add(d);
  if (dims.size) {
    parts.push(`<h2>Per-category breakdowns</h2><div class="charts">`);
    for (const [task, ds] of [...dims].sort()) {
      for (const dim of [...ds].sort()) {
        const primary = rep.runs.map((r) => r.metrics[task]?.primary).find(Boolean)!;
        const cats = [
          ...new Set(rep.runs.flatMap((r) => Object.keys(r.metrics[task]?.breakdowns?.[dim] ?? {}))),
        ].sort();
        const series = rep.runs.map((r) => ({
          name: r.label,
          values: cats.map((c) => r.metrics[task]?.breakdowns?.[dim]?.[c]?.[primary]?.value),
          ci: cats.map((c) => r.metrics[task]?.breakdowns?.[dim]?.[c]?.[primary]?.ci95),
        }));
        parts.push(
          `<div class="chart breakdown" data-task="${esc(task)}" data-dimension="${esc(dim)}">${barChartSvg({ title: `${task} — ${primary} by ${dim}`, categories: cats, series, width: Math.max(640, 70 * cats.length * Math.max(1, series.length / 2)) })}</div>`,
        );
      }
    }
    parts.push(`</div>`);
  }

  // Flipped items
  const maxFlips = opts.maxFlips ?? 25;
  parts.push(`<h2>Flipped items</h2>`);
  rep.pairs.forEach((pair, pi) => {
    const runA = rep.runs.find((r) => r.label === pair.a)!;
    const runB = rep.runs.find((r) => r.label === pair.b)!;
    for (const t of pair.tasks) {
      for (const dir of ['passToFail', 'failToPass'] as const) {
        const flips = t.flips[dir];
        if (!flips.length) continue;
        parts.push(
          `<h3>${esc(pair.a)} → ${esc(pair.b)} · ${esc(t.task)} · ${dir === 'passToFail' ? 'pass → fail' : 'fail → pass'} (${flips.length}${flips.length > maxFlips ? `, first ${maxFlips} shown` : ''})</h3>`,
        );
        for (const f of flips.slice(0, maxFlips)) {
          const side = (runId: string, label: string, value: number) => {
            const s = db.itemSamples(runId, t.task, f.itemId)[0];
            const shown = s?.extracted ?? s?.text ?? '';
            return `<div><div class="meta">${esc(label)} · ${esc(t.metric)} ${pct(value)}${s ? ` · sample 0 ${esc(s.status)}` : ''}</div><pre>${esc(shown.slice(0, 2000))}</pre>${s?.reason ? `<div class="meta">reason: ${esc(s.reason.slice(0, 400))}</div>` : ''}</div>`;
          };
          const viewer = opts.viewerUrl
            ? ` · <a href="${esc(`${opts.viewerUrl.replace(/\/$/, '')}/item?task=${encodeURIComponent(t.task)}&item=${encodeURIComponent(f.itemId)}&runs=${encodeURIComponent(runA.runId + ',' + runB.runId)}`)}">open in viewer</a>`
            : '';
          parts.push(
            `<div class="flip" id="${flipAnchor(pi, t.task, f.itemId)}"><b>${esc(f.itemId)}</b>${viewer}<div class="side">${side(runA.runId, pair.a, f.a)}${side(runB.runId, pair.b, f.b)}</div></div>`,
          );
        }
      }
    }
  });
  parts.push(`</body></html>\n`);
  return parts.join('\n');
}

export function renderMarkdown(rep: ComparisonReport): string {
  const lines: string[] = [];
  lines.push(`## evalkit: ${rep.runs.map((r) => r.label).join(' → ')}`, '');
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
    lines.push('');
  }
  lines.push(
    `Paired tests on the same items (${rep.pairs[0]?.tasks.some((t) => t.binary) ? 'McNemar mid-p for 0/1 outcomes, ' : ''}paired permutation for per-problem rates), 95% CI by paired bootstrap, ${rep.options.correction === 'holm' ? 'Holm' : rep.options.correction} correction across tasks; MDE at 80% power.`,
  );
  return lines.join('\n') + '\n';
}

export function writeReport(
  db: ResultsDb,
  rep: ComparisonReport,
  outDir: string,
  opts: ReportOptions = {},
): { html: string; markdown: string; json: string } {
  mkdirSync(outDir, { recursive: true });
  const html = join(outDir, 'report.html');
  const markdown = join(outDir, 'summary.md');
  const json = join(outDir, 'comparison.json');
  writeFileSync(html, renderHtml(db, rep, opts));
  writeFileSync(markdown, renderMarkdown(rep));
  writeFileSync(json, JSON.stringify(rep, null, 2) + '\n');
  return { html, markdown, json };
}

export type { TaskComparison };
