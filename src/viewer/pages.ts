/**
 * Server-rendered pages of `evalkit view` (no script needed). Every page is built from bounded queries: lists
 * are one row per item (not per sample), paged, with text cut to previews; an item page reads one item.
 */
import { compareIndexedRuns } from '../report/compare.js';
import type { TaskFacts } from '../report/item-facts.js';
import { isCodeSample, promptText, splitProgram, voteHistogram } from '../report/item-facts.js';
import { esc, ITEM_CSS, renderItem } from '../report/item-view.js';
import { formatMetric } from '../report/report.js';
import { describeItems, describeSampling, isSubset, taskSettings } from '../report/run-settings.js';
import type { ResultsDb } from '../store/db/results-db.js';
import { naturalCompare, naturalSort, naturalSortBy } from '../util/natural-sort.js';

const pct = (x: number | undefined | null) =>
  typeof x === 'number' && Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a';
const signed = (x: number) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + (100 * x).toFixed(1) : 'n/a');
const pfmt = (p: number) => (!Number.isFinite(p) ? 'n/a' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
const qs = (o: Record<string, string | number | undefined>) => {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') sp.set(k, String(v));
  return sp.toString();
};
const itemHref = (task: string, item: string, runs: string[], status?: string) =>
  `/item?${qs({ task, item, runs: runs.join(','), status })}`;
const trajectoryHref = (run: string, task: string, item: string, sample: number) =>
  `/trajectory?${qs({ run, task, item, sample })}`;

export function page(title: string, body: string, notice?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · evalkit view</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>
body{font-family:system-ui,sans-serif;margin:20px;color:#1d2329;line-height:1.4}a{color:#0a5aa8}
h1{font-size:20px;margin:4px 0}h2{font-size:16px;margin-top:24px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border:1px solid #d5d9de;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f3f5f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.subset{background:#fff4d6;color:#7a5200;border-radius:3px;padding:0 4px;font-size:11px}
.improved{background:#e3f4e6;color:#1d6b31;font-weight:600}.regressed{background:#fbe4e4;color:#a32121;font-weight:600}
nav{margin-bottom:10px;font-size:14px}nav a{margin-right:12px}.notice{background:#fff4d6;padding:6px 10px;border-radius:4px}
ul.flips{display:flex;flex-wrap:wrap;gap:4px 18px;list-style:none;padding:0;margin:4px 0}h3{font-size:14px;margin:14px 0 4px}
.others{display:flex;flex-wrap:wrap;gap:0 14px;min-width:220px;max-width:520px;font-size:12px;color:#555}.settings{color:#1d2329;max-width:260px}.others span,.nowrap{white-space:nowrap}
.rate{display:inline-block;width:80px;height:9px;background:#f1d4d4;vertical-align:middle;margin-right:6px}.rate>span{display:block;height:9px;background:#009e73}
${ITEM_CSS}
</style></head><body><nav><a href="/">runs</a><a href="/compare">compare</a></nav>${notice ? `<p class="notice">${esc(notice)}</p>` : ''}${body}</body></html>`;
}

/** `/`: runs with their tasks and primary metrics, and a form to compare two of them. */
export function runsPage(db: ResultsDb, notice?: string): string {
  const runs = db.listRuns();
  const rows = runs.map((r) => {
    const tm = db.taskMetrics(r.runId);
    const tasks = Object.keys(tm)
      .sort(naturalCompare)
      .map((t) => {
        const m = tm[t];
        return `<a href="/run/${encodeURIComponent(r.runId)}?${qs({ task: t })}">${esc(t)}</a> ${esc(m.primary)} ${formatMetric(m.metrics[m.primary])}`;
      })
      .join('<br>');
    return `<tr data-run="${esc(r.runId)}"><td><a href="/run/${encodeURIComponent(r.runId)}">${esc(r.runId)}</a></td><td>${esc(r.modelName ?? r.modelId)}</td><td>${esc(r.status)}</td><td>${esc(r.source)}</td><td>${tasks || '<span class="meta">no metrics yet</span>'}</td><td class="meta">${esc(r.dir)}</td></tr>`;
  });
  return page(
    'runs',
    `<h1>Runs</h1><table id="runs"><tr><th>run</th><th>model</th><th>status</th><th>source</th><th>tasks: primary metric [95% CI]</th><th>directory</th></tr>${rows.join('')}</table>${compareForm(runs.map((r) => r.runId))}`,
    notice,
  );
}

function compareForm(ids: string[], a?: string, b?: string): string {
  const opts = (sel?: string) =>
    ids.map((id) => `<option${id === sel ? ' selected' : ''}>${esc(id)}</option>`).join('');
  return `<h2>Compare two runs</h2><form method="get" action="/compare" id="compare-form"><label>A (before) <select name="a">${opts(a ?? ids[0])}</select></label> <label>B (after) <select name="b">${opts(b ?? ids[1] ?? ids[0])}</select></label> <button>compare</button></form>`;
}

export interface RunPageQuery {
  task?: string;
  status?: string;
  search?: string;
  page: number;
  size: number;
}

/**
 * `/run/<id>`: metrics with CIs and settings per task, then the items (one row per item: pass rate of its
 * samples, the answer of sample 0, the failure reason), filtered and paged, in natural item order.
 */
export function runPage(
  db: ResultsDb,
  runId: string,
  q: RunPageQuery,
  facts: Map<string, TaskFacts>,
  multiTurn: Set<string> = new Set(),
): string {
  const run = db.getRun(runId)!;
  const metrics = db.taskMetrics(runId);
  const tasks = db.tasks(runId).sort(naturalCompare);
  let manifest;
  try {
    manifest = db.manifest(runId);
  } catch {
    manifest = undefined;
  }
  const settings = taskSettings(manifest, metrics, (t) => facts.get(t)?.datasetItems);
  const summary = settings
    .sort((a, b) => naturalCompare(a.task, b.task))
    .map((s) => {
      const m = metrics[s.task];
      const others = m
        ? Object.keys(m.metrics)
            .filter((k) => k !== m.primary)
            .sort(naturalCompare)
            .map((k) => `<span>${esc(k)} ${formatMetric(m.metrics[k])}</span>`)
            .join('')
        : '';
      const setting = [
        `${esc(s.format ?? '?')}, ${s.shots ?? '?'}-shot`,
        `<span class="n">n=${s.n ?? '?'}</span>`,
        esc(describeSampling(s)),
        s.maxTokens !== undefined ? `max ${s.maxTokens} tokens` : '',
      ]
        .filter(Boolean)
        .map((x) => `<span>${x}</span>`)
        .join('');
      return `<tr data-task="${esc(s.task)}"><td><a href="/run/${encodeURIComponent(runId)}?${qs({ task: s.task })}">${esc(s.task)}</a></td><td class="nowrap primary">${m ? `<b>${esc(m.primary)} ${formatMetric(m.metrics[m.primary])}</b>` : '<span class="meta">no metrics yet</span>'}</td><td><div class="others">${others}</div></td><td><div class="others settings">${setting}</div></td><td>${esc(describeItems(s))}${isSubset(s) ? ' <span class="subset">subset</span>' : ''}<div class="meta">${s.scored ?? 0} scored samples${s.errored ? ` · <span class="errored">${s.errored} errored</span>` : ''}</div></td></tr>`;
    })
    .join('');
  const metricsTable = `<table id="metrics"><tr><th>task</th><th>primary [95% CI]</th><th>other metrics [95% CI]</th><th>settings</th><th>items</th></tr>${summary}</table>`;

  // Items, one row each.
  const where = ['run_id = ?'];
  const args: unknown[] = [runId];
  if (q.task) {
    where.push('task = ?');
    args.push(q.task);
  }
  if (q.search) {
    where.push(`item_id LIKE ? ESCAPE '\\'`);
    args.push(`%${q.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
  }
  const having = q.status ? `HAVING SUM(status = ?) > 0` : '';
  if (q.status) args.push(q.status);
  const groups = db.db
    .prepare(
      `SELECT task, item_id AS itemId, COUNT(*) AS n, SUM(status = 'pass') AS pass, SUM(status = 'fail') AS fail, SUM(status = 'errored') AS errored
         FROM samples WHERE ${where.join(' AND ')} GROUP BY task, item_id ${having}`,
    )
    .all(...args) as Array<{
    task: string;
    itemId: string;
    n: number;
    pass: number;
    fail: number;
    errored: number;
  }>;
  // Natural order (task, then item id), each key tokenised once.
  const sortedGroups = naturalSortBy(groups, (g) => `${g.task}\u0000${g.itemId}`);
  const total = sortedGroups.length;
  const pages = Math.max(1, Math.ceil(total / q.size));
  const pageNo = Math.min(q.page, pages);
  const shown = sortedGroups.slice((pageNo - 1) * q.size, pageNo * q.size);
  const first = db.db.prepare(
    `SELECT substr(text, 1, 4000) AS text, substr(extracted, 1, 4000) AS extracted, substr(reason, 1, 200) AS reason, error, scores_json
     FROM samples WHERE run_id = ? AND task = ? AND item_id = ? ORDER BY sample_index LIMIT 1`,
  );
  const others = db
    .listRuns()
    .filter((r) => r.runId !== runId)
    .map((r) => r.runId);
  const body = shown
    .map((g) => {
      const s = first.get(runId, g.task, g.itemId) as
        | {
            text: string | null;
            extracted: string | null;
            reason: string | null;
            error: string | null;
            scores_json: string | null;
          }
        | undefined;
      const scored = g.pass + g.fail;
      // n > 1: the most frequent answers with their counts; n = 1: the sample's answer and failure reason.
      const answer =
        g.n > 1
          ? voteHistogram(db.itemSamples(runId, g.task, g.itemId))
              .slice(0, 3)
              .map((v) => `${v.answer.replace(/\s+/g, ' ').slice(0, 40)} ×${v.count}`)
              .join('  ·  ')
          : s
            ? answerPreview(db, runId, g.task, g.itemId, s)
            : '';
      const reason = g.n > 1 ? '' : (s?.reason ?? s?.error ?? '');
      const rate =
        g.n > 1
          ? `<span class="rate" title="${g.pass}/${scored} samples pass"><span style="width:${scored ? Math.round((100 * g.pass) / scored) : 0}%"></span></span>${g.pass}/${scored}${g.errored ? ` <span class="errored">${g.errored} errored</span>` : ''}`
          : `<span class="${g.pass ? 'pass' : g.fail ? 'fail' : g.errored ? 'errored' : 'pending'}">${g.pass ? 'pass' : g.fail ? 'fail' : g.errored ? 'errored' : 'pending'}</span>`;
      return `<tr data-item="${esc(g.itemId)}"><td>${esc(g.task)}</td><td><a href="${esc(itemHref(g.task, g.itemId, [runId, ...others.slice(0, 3)], q.status))}">${esc(g.itemId)}</a>${multiTurn.has(g.task) ? ` <a class="turns-link" href="${esc(trajectoryHref(runId, g.task, g.itemId, 0))}">turns</a>` : ''}</td><td class="status nowrap">${rate}</td><td><code>${esc(answer)}</code></td><td class="meta">${esc(reason)}</td></tr>`;
    })
    .join('');
  const link = (over: Record<string, string | number | undefined>) =>
    `/run/${encodeURIComponent(runId)}?${qs({ task: q.task, status: q.status, q: q.search, size: q.size, page: pageNo, ...over })}`;
  const form = `<form method="get"><label>task <select name="task"><option value="">all</option>${tasks
    .map((t) => `<option${t === q.task ? ' selected' : ''}>${esc(t)}</option>`)
    .join(
      '',
    )}</select></label> <label>items with a sample that is <select name="status"><option value="">any</option>${[
    'pass',
    'fail',
    'errored',
    'pending',
  ]
    .map((s) => `<option${s === q.status ? ' selected' : ''}>${s}</option>`)
    .join(
      '',
    )}</select></label> <label>item id contains <input name="q" value="${esc(q.search ?? '')}"></label> <button>filter</button></form>`;
  const nav = `<p class="pager">page <span id="page">${pageNo}</span> of ${pages} · <span id="total">${total}</span> items ${pageNo > 1 ? `<a rel="prev" href="${esc(link({ page: pageNo - 1 }))}">← previous</a>` : ''} ${pageNo < pages ? `<a rel="next" href="${esc(link({ page: pageNo + 1 }))}">next →</a>` : ''}</p>`;
  return page(
    runId,
    `<h1>${esc(runId)}</h1><p class="meta">${esc(run.modelName ?? run.modelId)} · ${esc(run.status)} · ${esc(run.dir)}</p>${metricsTable}<h2>Items</h2>${form}${nav}<table id="items"><tr><th>task</th><th>item</th><th>samples passing</th><th>answer (n &gt; 1: most frequent answers; code: the first lines the model wrote)</th><th>reason</th></tr>${body}</table>${nav}`,
  );
}

/** One line of what sample 0 answered: the extracted answer, or the start of the code the model wrote. */
function answerPreview(
  db: ResultsDb,
  runId: string,
  task: string,
  itemId: string,
  s: { text: string | null; extracted: string | null; scores_json: string | null },
): string {
  const scores = s.scores_json ? (JSON.parse(s.scores_json) as Record<string, number>) : null;
  if (s.extracted && isCodeSample({ scores })) {
    const prompt = promptText(db.request(runId, task, itemId)?.prompt);
    const { written } = splitProgram(s.extracted, prompt);
    return written.trim().split('\n').slice(0, 2).join(' ⏎ ').slice(0, 140);
  }
  return (s.extracted ?? s.text ?? '').replace(/\s+/g, ' ').slice(0, 140);
}

/**
 * `/item`: one item across runs (question, gold, each run's answers; n > 1: pass rate, vote histogram, every
 * sample folded), with previous/next links through the task's items in natural order (restricted to items
 * with a sample of `status` in the first run, when the list it came from was filtered).
 */
export function itemPage(
  db: ResultsDb,
  task: string,
  item: string,
  runs: string[],
  status: string | undefined,
  facts: TaskFacts | undefined,
  multiTurn = false,
): string {
  const nav = runs.length ? itemNeighbours(db, runs[0], task, item, status) : {};
  const href = (id: string) => itemHref(task, id, runs, status);
  const links = `<p class="itemnav">${nav.prev ? `<a rel="prev" href="${esc(href(nav.prev))}">← ${esc(nav.prev)}</a>` : '<span class="meta">first item</span>'} · ${
    nav.index !== undefined
      ? `item ${nav.index + 1} of ${nav.count}${status ? ` with a ${esc(status)} sample` : ''} in ${esc(runs[0])}`
      : ''
  } · ${nav.next ? `<a rel="next" href="${esc(href(nav.next))}">${esc(nav.next)} →</a>` : '<span class="meta">last item</span>'}${
    runs.length >= 2
      ? ` · <a href="/compare?${qs({ a: runs[0], b: runs[1], task })}">compare ${esc(runs[0])} → ${esc(runs[1])}</a>`
      : ''
  }</p>`;
  return page(
    `${task} ${item}`,
    `<h1>${esc(task)} · ${esc(item)}</h1>${links}${renderItem(
      db,
      task,
      item,
      runs.map((r) => ({ runId: r, label: r })),
      { facts, showPrompt: true, allSamples: true, heading: false },
    )}${multiTurn ? trajectoryLinks(db, task, item, runs) : ''}${links}`,
  );
}

/** Links to each sample's turn-by-turn page (multi-turn tasks: agent episodes, conversations). */
function trajectoryLinks(db: ResultsDb, task: string, item: string, runs: string[]): string {
  const rows = runs
    .map((r) => {
      const samples = db.itemSamples(r, task, item);
      if (!samples.length) return '';
      return `<li>${esc(r)}: ${samples
        .map(
          (s) =>
            `<a class="turns-link ${s.status}" href="${esc(trajectoryHref(r, task, item, s.sampleIndex))}">sample ${s.sampleIndex} (${esc(s.status)})</a>`,
        )
        .join(' · ')}</li>`;
    })
    .join('');
  return rows ? `<h2>Turn by turn</h2><ul id="trajectories">${rows}</ul>` : '';
}

function itemNeighbours(
  db: ResultsDb,
  runId: string,
  task: string,
  item: string,
  status?: string,
): { prev?: string; next?: string; index?: number; count?: number } {
  const ids = naturalSort(
    (
      db.db
        .prepare(
          status
            ? `SELECT item_id AS id FROM samples WHERE run_id = ? AND task = ? GROUP BY item_id HAVING SUM(status = ?) > 0`
            : `SELECT DISTINCT item_id AS id FROM samples WHERE run_id = ? AND task = ?`,
        )
        .all(...(status ? [runId, task, status] : [runId, task])) as Array<{ id: string }>
    ).map((r) => r.id),
  );
  const i = ids.indexOf(item);
  if (i < 0) return { count: ids.length };
  return { prev: ids[i - 1], next: ids[i + 1], index: i, count: ids.length };
}

/** `/compare?a=&b=[&task=]`: the paired comparison of two runs and the items that flipped, linked. */
export function comparePage(db: ResultsDb, a?: string, b?: string, task?: string): string {
  const ids = db.listRuns().map((r) => r.runId);
  if (!a || !b) return page('compare', `<h1>Compare</h1>${compareForm(ids)}`);
  for (const r of [a, b])
    if (!db.getRun(r))
      return page('compare', `<h1>Compare</h1><p>unknown run ${esc(r)}</p>${compareForm(ids)}`);
  const rep = compareIndexedRuns(
    db,
    [
      { runId: a, label: a },
      { runId: b, label: b },
    ],
    task ? { tasks: [task] } : {},
  );
  const pair = rep.pairs[0];
  const rows = pair.tasks
    .map(
      (t) =>
        `<tr data-task="${esc(t.task)}"><td>${esc(t.task)}</td><td>${esc(t.metric)}</td><td class="num">${pct(t.meanA)}</td><td class="num">${pct(t.meanB)}</td><td class="num">${signed(t.diff)}</td><td class="num">[${signed(t.ci95[0])}, ${signed(t.ci95[1])}]</td><td>${esc(t.test.name)}</td><td class="num">${pfmt(t.pAdjusted)}</td><td class="num">${t.paired}</td><td class="num">${t.flips.passToFail.length}</td><td class="num">${t.flips.failToPass.length}</td><td class="${t.verdict === 'improved' ? 'improved' : t.verdict === 'regressed' ? 'regressed' : ''}">${esc(t.verdict)}</td></tr>`,
    )
    .join('');
  const flips = pair.tasks
    .flatMap((t) =>
      (['passToFail', 'failToPass'] as const)
        .filter((d) => t.flips[d].length)
        .map(
          (d) =>
            `<h3>${esc(t.task)} · ${d === 'passToFail' ? 'pass → fail' : 'fail → pass'} (${t.flips[d].length})</h3><ul class="flips" data-task="${esc(t.task)}" data-direction="${d}">${[
              ...t.flips[d],
            ]
              .sort((x, y) => naturalCompare(x.itemId, y.itemId))
              .map(
                (f) =>
                  `<li><a href="${esc(itemHref(t.task, f.itemId, [a, b]))}">${esc(f.itemId)}</a> <span class="meta">${t.binary ? '' : `${pct(f.a)} → ${pct(f.b)}`}</span></li>`,
              )
              .join('')}</ul>`,
        ),
    )
    .join('');
  return page(
    `${a} → ${b}`,
    `<h1>${esc(a)} → ${esc(b)}</h1>${compareForm(ids, a, b)}<table id="comparison"><tr><th>task</th><th>metric</th><th>${esc(a)}</th><th>${esc(b)}</th><th>Δ (pp)</th><th>95% CI (pp)</th><th>test</th><th>p adj. (${esc(pair.correction)})</th><th>paired items</th><th>pass→fail</th><th>fail→pass</th><th>verdict</th></tr>${rows}</table><p class="meta">Paired tests on the items both runs scored; for n &gt; 1 a flip is an item whose pass rate crossed 50%.</p><h2>Flipped items</h2>${flips || '<p class="meta">no item changed outcome</p>'}`,
  );
}
