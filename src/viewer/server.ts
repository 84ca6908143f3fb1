/**
 * `evalkit view`: a local web page (node:http, server-rendered HTML, no framework, no script needed) to
 * browse runs and items. Every page is a bounded query against the results database (one row per item,
 * paged, text cut to previews in lists), so a run of 100,000 samples is browsed as fast as a run of 100.
 *
 *   /                                   runs with their primary metrics and CIs; form to compare two runs
 *   /run/<id>?task=&status=&q=&page=&size=   metrics, CIs and settings per task; items (pass rate of their
 *                                       samples, answer, reason), filtered and paged, in natural order
 *   /item?task=&item=&runs=a,b[&status=]     one item across runs: question, gold, answers (the program the
 *                                       model wrote for code), n > 1: pass rate, vote histogram, every sample;
 *                                       previous/next item
 *   /compare?a=&b=[&task=]              paired comparison of two runs and their flipped items
 *   /trajectory?run=&task=&item=&sample=     a multi-turn sample turn by turn (agent trajectory or recorded
 *                                       conversation), budgets used, verdict, hidden-test results
 *   /api/runs, /api/samples?run=&task=&status=&offset=&limit=, /api/item?task=&item=&runs=   JSON
 *
 * New runs appear without a manual `evalkit index`: the runs list, a run page and the compare page first
 * re-index the runs root (incremental: unchanged runs are skipped by their file fingerprints; one re-index
 * at a time, concurrent requests wait for the same one).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ItemFactsSource } from '../report/item-facts.js';
import { esc } from '../report/item-view.js';
import { openResultsDb, type ResultsDb } from '../store/db/results-db.js';
import { getTask } from '../tasks/registry.js';
import { comparePage, itemPage, page, runPage, runsPage } from './pages.js';
import { trajectoryPage } from './trajectory-page.js';

export interface ViewerOptions {
  runsRoot?: string;
  dbPath: string;
  port?: number;
  host?: string;
  /** Index the runs root before serving and on page loads (incremental). Default true when runsRoot is given. */
  index?: boolean;
  /** Question/gold lookup (tests inject one; default reads the datasets on first use). */
  facts?: ItemFactsSource;
}

export interface Viewer {
  url: string;
  server: Server;
  db: ResultsDb;
  close(): Promise<void>;
}

export async function startViewer(opts: ViewerOptions): Promise<Viewer> {
  const db = openResultsDb(opts.dbPath);
  const facts = opts.facts ?? new ItemFactsSource();
  const indexing = !!opts.runsRoot && opts.index !== false;
  let inFlight: Promise<void> | undefined;
  let indexError: string | undefined;
  /** Re-index the runs root; one at a time (callers during a re-index wait for it). */
  const refresh = (): Promise<void> => {
    if (!indexing) return Promise.resolve();
    inFlight ??= db
      .indexRoot(opts.runsRoot!)
      .then(
        () => {
          indexError = undefined;
        },
        (e: Error) => {
          indexError = `could not index ${opts.runsRoot}: ${e.message}`;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  await refresh();
  /** Tasks whose samples are conversations or agent episodes (their pages link to the trajectory page). */
  const multiTurnMemo = new Map<string, Promise<boolean>>();
  const isMultiTurn = (task: string): Promise<boolean> => {
    let p = multiTurnMemo.get(task);
    if (!p) {
      p = getTask(task).then(
        (v) => !!v.createConversationDriver,
        () => false,
      );
      multiTurnMemo.set(task, p);
    }
    return p;
  };
  const multiTurnOf = async (tasks: string[]) => {
    const out = new Set<string>();
    for (const t of tasks) if (await isMultiTurn(t)) out.add(t);
    return out;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = (k: string) => url.searchParams.get(k) || undefined;
    const send = (status: number, body: string, type = 'text/html; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const json = (v: unknown) => send(200, JSON.stringify(v), 'application/json');
    const p = url.pathname;
    if (p === '/api/runs') {
      await refresh();
      return json(db.listRuns().map((r) => ({ ...r, tasks: db.taskMetrics(r.runId) })));
    }
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
      const f = (await facts.forTask(task)).items.get(item);
      return json({
        task,
        item,
        question: f?.question ?? null,
        gold: f?.gold ?? null,
        runs: runs.map((r) => ({
          run: r,
          request: db.request(r, task, item),
          samples: db.itemSamples(r, task, item),
        })),
      });
    }
    if (p === '/') {
      await refresh();
      return send(200, runsPage(db, indexError));
    }
    const m = /^\/run\/([^/]+)$/.exec(p);
    if (m) {
      await refresh();
      const runId = decodeURIComponent(m[1]);
      if (!db.getRun(runId)) return send(404, page('not found', `<p>unknown run ${esc(runId)}</p>`));
      const tasks = db.tasks(runId);
      return send(
        200,
        runPage(
          db,
          runId,
          {
            task: q('task'),
            status: q('status'),
            search: q('q'),
            page: Math.max(1, Number(q('page') ?? 1) | 0),
            size: Math.min(500, Math.max(1, Number(q('size') ?? 50) | 0)),
          },
          await facts.forTasks(tasks),
          await multiTurnOf(tasks),
        ),
      );
    }
    if (p === '/item') {
      const task = q('task') ?? '';
      const item = q('item') ?? '';
      const runs = (q('runs') ?? '').split(',').filter((r) => r && db.getRun(r));
      return send(
        200,
        itemPage(db, task, item, runs, q('status'), await facts.forTask(task), await isMultiTurn(task)),
      );
    }
    if (p === '/trajectory') {
      const [run, task, item] = [q('run') ?? '', q('task') ?? '', q('item') ?? ''];
      const sample = Math.max(0, Number(q('sample') ?? 0) | 0);
      const t = await trajectoryPage(db, run, task, item, sample);
      if (!t)
        return send(
          404,
          page('not found', `<p>no sample ${esc(task)} · ${esc(item)} · ${sample} in run ${esc(run)}</p>`),
        );
      return send(200, page(t.title, t.body));
    }
    if (p === '/compare') {
      await refresh();
      return send(200, comparePage(db, q('a'), q('b'), q('task')));
    }
    send(404, page('not found', '<p>not found</p>'));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`evalkit view: ${e.message}`);
    });
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
          void (inFlight ?? Promise.resolve()).then(() => {
            db.close();
            ok();
          });
        }),
      ),
  };
}
