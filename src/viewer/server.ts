/**
 * `evalkit view`: a local web page (node:http, server-rendered HTML, no framework, no script needed) to
 * browse runs and samples. Every page is a bounded query against the results database (paged, text cut
 * to previews in lists), so a run of 100,000 samples is browsed as fast as a run of 100.
 *
 *   /                         runs, with tasks and primary metrics
 *   /run/<id>?task=&status=&q=&page=&size=   samples of a run, filtered and paged
 *   /item?task=&item=&runs=a,b                one item side by side across runs: prompt, generations,
 *                                             extracted answer/program, verdict, failure reason
 *   /api/runs, /api/samples?run=&task=&status=&offset=&limit=, /api/item?task=&item=&runs=   the same as JSON
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { esc } from '../report/report.js';
import { openResultsDb, type ResultsDb, type SampleRow } from '../store/db/results-db.js';

export interface ViewerOptions {
  runsRoot?: string;
  dbPath: string;
  port?: number;
  host?: string;
  /** Index the runs root before serving (incremental). Default true when runsRoot is given. */
  index?: boolean;
}

export interface Viewer {
  url: string;
  server: Server;
  db: ResultsDb;
  close(): Promise<void>;
}

const pct = (x: number | undefined | null) =>
  typeof x === 'number' && Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · evalkit view</title>
<style>
body{font-family:system-ui,sans-serif;margin:20px;color:#1d2329}a{color:#2f6fb0}table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #d5d9de;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f3f5f7}
.pass{color:#1d6b31;font-weight:600}.fail{color:#a32121;font-weight:600}.errored{color:#8a5a00;font-weight:600}.pending{color:#777}
pre{background:#f6f8fa;padding:8px;white-space:pre-wrap;word-break:break-word;font-size:12px;max-height:480px;overflow:auto}
.cols{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(320px,1fr);gap:12px}.col{border:1px solid #e3e6e9;border-radius:4px;padding:8px}
.meta{color:#666;font-size:12px}nav{margin-bottom:12px}
</style></head><body><nav><a href="/">runs</a></nav>${body}</body></html>`;
}

function sampleBlock(s: SampleRow): string {
  return `<div class="sample" data-sample="${s.sampleIndex}"><div><b>sample ${s.sampleIndex}</b> · <span class="status ${s.status}">${s.status}</span>${
    s.scores ? ` · <span class="scores">${esc(JSON.stringify(s.scores))}</span>` : ''
  }${s.finishReason ? ` · <span class="meta">finish: ${esc(s.finishReason)}</span>` : ''}</div>${
    s.reason ? `<div class="reason">reason: ${esc(s.reason)}</div>` : ''
  }${s.error || s.genError ? `<div class="errored">error: ${esc(s.error ?? s.genError)}</div>` : ''}${
    s.extracted !== null
      ? `<div class="meta">extracted answer / executed program</div><pre class="extracted">${esc(s.extracted)}</pre>`
      : ''
  }<div class="meta">generation</div><pre class="generation">${esc(s.text ?? '(none)')}</pre></div>`;
}

export async function startViewer(opts: ViewerOptions): Promise<Viewer> {
  const db = openResultsDb(opts.dbPath);
  if (opts.runsRoot && opts.index !== false) await db.indexRoot(opts.runsRoot);

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = (k: string) => url.searchParams.get(k) ?? undefined;
    const send = (status: number, body: string, type = 'text/html; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const json = (v: unknown) => send(200, JSON.stringify(v), 'application/json');
    const p = url.pathname;
    if (p === '/api/runs') return json(db.listRuns().map((r) => ({ ...r, tasks: db.taskMetrics(r.runId) })));
    if (p === '/api/samples') {
      const run = q('run');
      if (!run || !db.getRun(run))
        return send(404, JSON.stringify({ error: `unknown run ${run}` }), 'application/json');
      const filter = { task: q('task'), status: q('status'), search: q('q') };
      const offset = Math.max(0, Number(q('offset') ?? 0) | 0);
      const limit = Math.min(500, Math.max(1, Number(q('limit') ?? 50) | 0));
      return json({
        total: db.countSamples(run, filter),
        offset,
        limit,
        samples: db.samplesPage(run, { ...filter, offset, limit }),
      });
    }
    if (p === '/api/item') {
      const task = q('task') ?? '';
      const item = q('item') ?? '';
      const runs = (q('runs') ?? '').split(',').filter(Boolean);
      return json(
        runs.map((r) => ({
          run: r,
          request: db.request(r, task, item),
          samples: db.itemSamples(r, task, item),
        })),
      );
    }
    if (p === '/') {
      const rows = db.listRuns().map((r) => {
        const tm = db.taskMetrics(r.runId);
        const tasks = Object.entries(tm)
          .map(
            ([t, m]) =>
              `<a href="/run/${encodeURIComponent(r.runId)}?task=${encodeURIComponent(t)}">${esc(t)}</a> ${esc(m.primary)} ${pct(m.metrics[m.primary]?.value)}`,
          )
          .join('<br>');
        return `<tr data-run="${esc(r.runId)}"><td><a href="/run/${encodeURIComponent(r.runId)}">${esc(r.runId)}</a></td><td>${esc(r.modelName ?? r.modelId)}</td><td>${esc(r.status)}</td><td>${esc(r.source)}</td><td>${tasks}</td><td class="meta">${esc(r.dir)}</td></tr>`;
      });
      return send(
        200,
        page(
          'runs',
          `<h1>Runs</h1><table id="runs"><tr><th>run</th><th>model</th><th>status</th><th>source</th><th>tasks</th><th>directory</th></tr>${rows.join('')}</table>`,
        ),
      );
    }
    const m = /^\/run\/([^/]+)$/.exec(p);
    if (m) {
      const runId = decodeURIComponent(m[1]);
      const run = db.getRun(runId);
      if (!run) return send(404, page('not found', `<p>unknown run ${esc(runId)}</p>`));
      const filter = {
        task: q('task') || undefined,
        status: q('status') || undefined,
        search: q('q') || undefined,
      };
      const size = Math.min(500, Math.max(1, Number(q('size') ?? 50) | 0));
      const pageNo = Math.max(1, Number(q('page') ?? 1) | 0);
      const total = db.countSamples(runId, filter);
      const rows = db.samplesPage(runId, {
        ...filter,
        offset: (pageNo - 1) * size,
        limit: size,
        preview: 120,
      });
      const others = db
        .listRuns()
        .filter((r) => r.runId !== runId)
        .map((r) => r.runId);
      const link = (over: Record<string, string | number | undefined>) => {
        const sp = new URLSearchParams();
        for (const [k, v] of Object.entries({
          task: filter.task,
          status: filter.status,
          q: filter.search,
          size,
          page: pageNo,
          ...over,
        }))
          if (v !== undefined && v !== '') sp.set(k, String(v));
        return `/run/${encodeURIComponent(runId)}?${sp}`;
      };
      const tasks = db.tasks(runId);
      const form = `<form method="get"><label>task <select name="task"><option value="">all</option>${tasks
        .map((t) => `<option${t === filter.task ? ' selected' : ''}>${esc(t)}</option>`)
        .join('')}</select></label> <label>status <select name="status"><option value="">all</option>${[
        'pass',
        'fail',
        'errored',
        'pending',
      ]
        .map((s) => `<option${s === filter.status ? ' selected' : ''}>${s}</option>`)
        .join(
          '',
        )}</select></label> <label>item <input name="q" value="${esc(filter.search ?? '')}"></label> <button>filter</button></form>`;
      const body = rows
        .map((s) => {
          const runs = [runId, ...others].join(',');
          return `<tr data-item="${esc(s.itemId)}"><td>${esc(s.task)}</td><td><a href="/item?task=${encodeURIComponent(s.task)}&item=${encodeURIComponent(s.itemId)}&runs=${encodeURIComponent(runs)}">${esc(s.itemId)}</a></td><td>${s.sampleIndex}</td><td class="status ${s.status}">${s.status}</td><td>${esc(s.scores ? JSON.stringify(s.scores) : '')}</td><td>${esc(s.extracted ?? '')}</td><td>${esc(s.reason ?? s.error ?? '')}</td></tr>`;
        })
        .join('');
      const pages = Math.max(1, Math.ceil(total / size));
      const nav = `<p class="pager">page <span id="page">${pageNo}</span> of ${pages} · <span id="total">${total}</span> samples ${pageNo > 1 ? `<a rel="prev" href="${esc(link({ page: pageNo - 1 }))}">previous</a>` : ''} ${pageNo < pages ? `<a rel="next" href="${esc(link({ page: pageNo + 1 }))}">next</a>` : ''}</p>`;
      return send(
        200,
        page(
          runId,
          `<h1>${esc(runId)}</h1><p class="meta">${esc(run.modelName ?? run.modelId)} · ${esc(run.dir)}</p>${form}${nav}<table id="samples"><tr><th>task</th><th>item</th><th>sample</th><th>status</th><th>scores</th><th>extracted</th><th>reason</th></tr>${body}</table>${nav}`,
        ),
      );
    }
    if (p === '/item') {
      const task = q('task') ?? '';
      const item = q('item') ?? '';
      const runs = (q('runs') ?? '').split(',').filter((r) => r && db.getRun(r));
      const reqRun = runs.find((r) => db.request(r, task, item));
      const request = reqRun ? db.request(reqRun, task, item) : undefined;
      const prompt = request?.prompt
        ? request.prompt.kind === 'completion'
          ? request.prompt.text
          : request.prompt.messages.map((mm) => `[${mm.role}]\n${mm.content}`).join('\n\n')
        : '(no request recorded)';
      const cols = runs
        .map((r) => {
          const samples = db.itemSamples(r, task, item);
          return `<div class="col" data-run="${esc(r)}"><h3>${esc(r)}</h3>${samples.length ? samples.map(sampleBlock).join('') : '<p class="meta">not in this run</p>'}</div>`;
        })
        .join('');
      return send(
        200,
        page(
          `${task} ${item}`,
          `<h1>${esc(task)} · ${esc(item)}</h1><details open><summary>prompt${reqRun ? ` (from ${esc(reqRun)})` : ''}${request?.params ? ` · n=${request.params.n}, T=${request.params.temperature}` : ''}</summary><pre id="prompt">${esc(prompt)}</pre></details><div class="cols">${cols}</div>`,
        ),
      );
    }
    send(404, page('not found', '<p>not found</p>'));
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`evalkit view: ${(e as Error).message}`);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => ok());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${addr.port}`,
    server,
    db,
    close: () =>
      new Promise<void>((ok) =>
        server.close(() => {
          db.close();
          ok();
        }),
      ),
  };
}
