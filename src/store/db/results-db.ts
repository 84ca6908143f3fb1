/**
 * The results database: an index over run directories (which stay the source of truth), so that runs can
 * be listed, compared and browsed without re-reading their JSONL logs.
 *
 * Engine: SQLite through better-sqlite3 (see docs/tracking.md for the choice). One file, WAL mode, batch
 * inserts inside one transaction per run, prepared statements. Per-sample rows merge the run's latest
 * generation and latest verdict for each (task, item, sample) — later JSONL lines supersede earlier ones,
 * exactly as the runner reads them. Scores stay JSON (`scores_json`) and are aggregated with SQLite's JSON1
 * functions, so any metric base (pass, base/plus, exact_match, prompt_strict, …) is queryable.
 *
 * Re-indexing is incremental: a run whose files (size + mtime) did not change since it was indexed is
 * skipped; a changed run is deleted and re-inserted whole.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  findMetric,
  outcomesByItem,
  type ItemOutcome,
  type MetricSample,
} from '../../metrics/definitions.js';
import { getTask } from '../../tasks/registry.js';
import type {
  MetricSpec,
  GenerationRecord,
  RequestRecord,
  RunManifest,
  TaskMetrics,
  VerdictRecord,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { iterJsonl, readManifest, readMetrics, RUN_FILES } from '../run-dir.js';
import { fsErrorLine, prepareWritableDir } from '../writable-dir.js';

export const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  dir TEXT NOT NULL UNIQUE,
  status TEXT,
  model_id TEXT,
  model_name TEXT,
  created_at TEXT,
  source TEXT,
  manifest_json TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  indexed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS task_metrics (
  run_id TEXT NOT NULL,
  task TEXT NOT NULL,
  primary_metric TEXT,
  primary_value REAL,
  metrics_json TEXT NOT NULL,
  PRIMARY KEY (run_id, task)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS requests (
  run_id TEXT NOT NULL,
  task TEXT NOT NULL,
  item_id TEXT NOT NULL,
  prompt_json TEXT,
  params_json TEXT,
  prompt_info_json TEXT,
  PRIMARY KEY (run_id, task, item_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS samples (
  run_id TEXT NOT NULL,
  task TEXT NOT NULL,
  item_id TEXT NOT NULL,
  sample_index INTEGER NOT NULL,
  text TEXT,
  finish_reason TEXT,
  gen_error TEXT,
  scores_json TEXT,
  status TEXT NOT NULL DEFAULT 'pending',
  reason TEXT,
  extracted TEXT,
  details_json TEXT,
  error TEXT,
  PRIMARY KEY (run_id, task, item_id, sample_index)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_status ON samples (run_id, task, status, item_id);
CREATE TABLE IF NOT EXISTS declared_metrics (
  run_id TEXT NOT NULL,
  task TEXT NOT NULL,
  declared_json TEXT NOT NULL,
  PRIMARY KEY (run_id, task)
) WITHOUT ROWID;
`;

export interface RunRow {
  runId: string;
  dir: string;
  status: string | null;
  modelId: string | null;
  modelName: string | null;
  createdAt: string | null;
  source: string | null;
  indexedAt: string;
}

export interface SampleRow {
  runId: string;
  task: string;
  itemId: string;
  sampleIndex: number;
  text: string | null;
  finishReason: string | null;
  genError: string | null;
  scores: Record<string, number> | null;
  status: 'pass' | 'fail' | 'errored' | 'pending';
  reason: string | null;
  extracted: string | null;
  details: Record<string, unknown> | null;
  error: string | null;
}

export interface IndexResult {
  runId: string;
  dir: string;
  skipped: boolean;
  samples: number;
  tasks: number;
}

/**
 * Sample status from its scores: when the task's primary metric is one of the sample's score keys, pass when
 * that score is ≥ 1 (a resolved SWE-bench sample also carries empty_patch = 0, timeout = 0, …); otherwise pass
 * when every score is ≥ 1. Fail otherwise, errored when unscored.
 */
export function sampleStatus(
  scores: Record<string, number> | null | undefined,
  hasVerdict: boolean,
  primary?: string,
): SampleRow['status'] {
  if (!hasVerdict) return 'pending';
  if (!scores) return 'errored';
  if (primary !== undefined && typeof scores[primary] === 'number')
    return scores[primary] >= 1 ? 'pass' : 'fail';
  const vals = Object.values(scores);
  return vals.length && vals.every((v) => v >= 1) ? 'pass' : 'fail';
}

function fingerprint(dir: string): string {
  const parts = Object.values(RUN_FILES).map((f) => {
    const p = join(dir, f);
    if (!existsSync(p)) return `${f}:-`;
    const s = statSync(p);
    return `${f}:${s.size}:${s.mtimeMs}`;
  });
  return parts.join('|');
}

const isRunDir = (dir: string) => existsSync(join(dir, RUN_FILES.manifest));

export class ResultsDb {
  readonly db: Database.Database;

  constructor(readonly path: string) {
    if (path !== ':memory:') {
      // The index is written on every use (incremental re-indexing): its file and folder must be writable.
      prepareWritableDir(dirname(resolve(path)), 'results database folder');
      if (existsSync(path)) {
        try {
          accessSync(path, constants.R_OK | constants.W_OK);
        } catch (e) {
          throw new EvalkitError(
            `${fsErrorLine('results database', resolve(path), e)}; make it writable or pass --db <another file>`,
          );
        }
      }
    }
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
    } catch (e) {
      throw new EvalkitError(
        `results database ${resolve(path)}: ${(e as Error).message}; make it writable or pass --db <another file>`,
      );
    }
    this.db.pragma('synchronous = NORMAL');
    // 64 MiB page cache (default 2 MiB): inserts into the (run, task, item, sample) B-trees arrive in file
    // order, not key order ("code/10" sorts before "code/2"), so a small cache re-reads pages constantly.
    this.db.pragma('cache_size = -65536');
    this.db.exec(SCHEMA);
    const v = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as
      { value: string } | undefined;
    if (!v)
      this.db
        .prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`)
        .run(String(SCHEMA_VERSION));
    else if (Number(v.value) === 1) {
      // 1 → 2: requests gained prompt_info_json (how a prompt was fitted into the context); runs indexed
      // before keep it empty until re-indexed.
      this.db.exec(`ALTER TABLE requests ADD COLUMN prompt_info_json TEXT`);
      this.db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
    } else if (Number(v.value) !== SCHEMA_VERSION) {
      throw new EvalkitError(
        `${path}: results database schema ${v.value}, this evalkit uses ${SCHEMA_VERSION}; delete the file and run \`evalkit index\``,
      );
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * Index every run directory under `root` (and `root` itself if it is a run), also nested ones such as a
   * campaign's `<root>/<campaign>/<checkpoint>` (see `findRunDirs`).
   */
  async indexRoot(root: string, opts: { force?: boolean } = {}): Promise<IndexResult[]> {
    const abs = resolve(root);
    if (!existsSync(abs)) throw new EvalkitError(`runs root not found: ${abs}`);
    const dirs = findRunDirs(abs);
    const out: IndexResult[] = [];
    for (const d of dirs) out.push(await this.indexRun(d, opts));
    // Drop runs whose directory vanished from under this root.
    const gone = (
      this.db.prepare(`SELECT run_id, dir FROM runs`).all() as Array<{ run_id: string; dir: string }>
    ).filter((r) => r.dir.startsWith(abs + '/') && !existsSync(join(r.dir, RUN_FILES.manifest)));
    for (const g of gone) this.deleteRun(g.run_id);
    return out;
  }

  private deleteRun(runId: string): void {
    for (const t of ['samples', 'requests', 'task_metrics', 'declared_metrics', 'runs'])
      this.db.prepare(`DELETE FROM ${t} WHERE run_id = ?`).run(runId);
  }

  /** Choose the id of a run: its manifest runId, made unique if another directory already uses it. */
  private idFor(manifest: RunManifest, dir: string): string {
    const byDir = this.db.prepare(`SELECT run_id FROM runs WHERE dir = ?`).get(dir) as
      { run_id: string } | undefined;
    if (byDir) return byDir.run_id;
    const base = manifest.runId || dir.split('/').pop() || 'run';
    const taken = this.db.prepare(`SELECT dir FROM runs WHERE run_id = ?`).get(base) as
      { dir: string } | undefined;
    if (!taken) return base;
    return `${base}~${createHash('sha256').update(dir).digest('hex').slice(0, 6)}`;
  }

  /** Index (or re-index) one run directory. Streams the JSONL logs; one transaction per file. */
  async indexRun(runDir: string, opts: { force?: boolean } = {}): Promise<IndexResult> {
    const dir = resolve(runDir);
    if (!isRunDir(dir)) throw new EvalkitError(`not a run directory (no ${RUN_FILES.manifest}): ${dir}`);
    const manifest = await readManifest(dir);
    const fp = fingerprint(dir);
    const existing = this.db.prepare(`SELECT run_id, fingerprint FROM runs WHERE dir = ?`).get(dir) as
      { run_id: string; fingerprint: string } | undefined;
    if (existing && existing.fingerprint === fp && !opts.force) {
      const n = (
        this.db.prepare(`SELECT COUNT(*) AS n FROM samples WHERE run_id = ?`).get(existing.run_id) as {
          n: number;
        }
      ).n;
      const t = (
        this.db.prepare(`SELECT COUNT(*) AS n FROM task_metrics WHERE run_id = ?`).get(existing.run_id) as {
          n: number;
        }
      ).n;
      return { runId: existing.run_id, dir, skipped: true, samples: n, tasks: t };
    }
    const runId = this.idFor(manifest, dir);
    const metrics = existsSync(join(dir, RUN_FILES.metrics)) ? (await readMetrics(dir)).tasks : {};
    const declared = await declaredMetricsOf(manifest, metrics);
    this.db.transaction(() => {
      this.deleteRun(runId);
      this.db
        .prepare(
          `INSERT INTO runs (run_id, dir, status, model_id, model_name, created_at, source, manifest_json, fingerprint, indexed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          runId,
          dir,
          manifest.status ?? null,
          manifest.model?.id ?? null,
          (manifest.model?.name as string | undefined) ?? null,
          manifest.createdAt ?? null,
          typeof (manifest as unknown as { imported?: { from?: string } }).imported?.from === 'string'
            ? (manifest as unknown as { imported: { from: string } }).imported.from
            : 'evalkit',
          JSON.stringify(manifest),
          fp,
          new Date().toISOString(),
        );
      const insMetric = this.db.prepare(
        `INSERT INTO task_metrics (run_id, task, primary_metric, primary_value, metrics_json) VALUES (?, ?, ?, ?, ?)`,
      );
      const insDeclared = this.db.prepare(
        `INSERT INTO declared_metrics (run_id, task, declared_json) VALUES (?, ?, ?)`,
      );
      for (const [task, specs] of declared) insDeclared.run(runId, task, JSON.stringify(specs));
      for (const [task, m] of Object.entries(metrics)) {
        insMetric.run(
          runId,
          task,
          m.primary ?? null,
          m.metrics?.[m.primary]?.value ?? null,
          JSON.stringify(m),
        );
      }
    })();

    // Bulk load: the database is a rebuildable cache of the run directories, so durability is traded for
    // speed while loading: no fsync per commit/checkpoint (an application crash still leaves a consistent
    // database; only an OS crash mid-index could corrupt it, and `evalkit index --force` or deleting the
    // file recovers). Restored in `finally`. Together with the larger page cache (constructor) this roughly
    // halves the load time of 2 × 50k samples (bench/RESULTS.md#tracking).
    const prevSync = this.db.pragma('synchronous', { simple: true });
    this.db.pragma('synchronous = OFF');
    try {
      return await this.loadRows(dir, runId, metrics);
    } finally {
      this.db.pragma(`synchronous = ${Number(prevSync)}`);
    }
  }

  private async loadRows(
    dir: string,
    runId: string,
    metrics: Record<string, TaskMetrics>,
  ): Promise<IndexResult> {
    const BATCH = 5000;
    const insReq = this.db.prepare(
      `INSERT INTO requests (run_id, task, item_id, prompt_json, params_json, prompt_info_json) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, task, item_id) DO UPDATE SET prompt_json = excluded.prompt_json, params_json = excluded.params_json, prompt_info_json = excluded.prompt_info_json`,
    );
    const insGen = this.db.prepare(
      `INSERT INTO samples (run_id, task, item_id, sample_index, text, finish_reason, gen_error) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, task, item_id, sample_index) DO UPDATE SET text = excluded.text, finish_reason = excluded.finish_reason, gen_error = excluded.gen_error`,
    );
    const insVer = this.db.prepare(
      `INSERT INTO samples (run_id, task, item_id, sample_index, scores_json, status, reason, extracted, details_json, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, task, item_id, sample_index) DO UPDATE SET scores_json = excluded.scores_json, status = excluded.status,
         reason = excluded.reason, extracted = excluded.extracted, details_json = excluded.details_json, error = excluded.error`,
    );
    const str = (x: unknown) =>
      x === undefined || x === null ? null : typeof x === 'string' ? x : JSON.stringify(x);
    const batched = async <T>(file: string, each: (r: T) => void) => {
      let batch: T[] = [];
      const flush = this.db.transaction((rows: T[]) => {
        for (const r of rows) each(r);
      });
      for await (const r of iterJsonl<T>(join(dir, file))) {
        batch.push(r);
        if (batch.length >= BATCH) {
          flush(batch);
          batch = [];
        }
      }
      if (batch.length) flush(batch);
    };
    await batched<RequestRecord>(RUN_FILES.requests, (r) =>
      insReq.run(
        runId,
        r.task,
        r.itemId,
        JSON.stringify(r.prompt),
        JSON.stringify(r.params),
        r.promptInfo ? JSON.stringify(r.promptInfo) : null,
      ),
    );
    await batched<GenerationRecord>(RUN_FILES.generations, (g) =>
      insGen.run(
        runId,
        g.task,
        g.itemId,
        g.sampleIndex,
        g.text ?? null,
        g.finishReason ?? null,
        g.error ?? null,
      ),
    );
    await batched<VerdictRecord>(RUN_FILES.verdicts, (v) => {
      insVer.run(
        runId,
        v.task,
        v.itemId,
        v.sampleIndex,
        v.scores ? JSON.stringify(v.scores) : null,
        sampleStatus(v.scores, true, metrics[v.task]?.primary),
        v.reason ?? null,
        str(v.extracted),
        // The verdict's outcome (e.g. truncated-in-reasoning) rides in details under its own key (a task's own
        // details.outcome, e.g. SWE-bench's "resolved", stays as it is): compare can leave those samples out.
        v.details || v.outcome
          ? JSON.stringify(v.outcome ? { ...v.details, verdictOutcome: v.outcome } : v.details)
          : null,
        v.error ?? null,
      );
    });
    const n = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM samples WHERE run_id = ?`).get(runId) as { n: number }
    ).n;
    return { runId, dir, skipped: false, samples: n, tasks: Object.keys(metrics).length };
  }

  listRuns(): RunRow[] {
    return (
      this.db.prepare(`SELECT * FROM runs ORDER BY created_at, run_id`).all() as Array<
        Record<string, string | null>
      >
    ).map(toRunRow);
  }

  /** A run by id, or by directory path. */
  getRun(ref: string): RunRow | undefined {
    const r =
      (this.db.prepare(`SELECT * FROM runs WHERE run_id = ?`).get(ref) as
        Record<string, string | null> | undefined) ??
      (this.db.prepare(`SELECT * FROM runs WHERE dir = ?`).get(resolve(ref)) as
        Record<string, string | null> | undefined);
    return r ? toRunRow(r) : undefined;
  }

  manifest(runId: string): RunManifest {
    const r = this.db.prepare(`SELECT manifest_json FROM runs WHERE run_id = ?`).get(runId) as
      { manifest_json: string } | undefined;
    if (!r) throw new EvalkitError(`run "${runId}" is not in the results database ${this.path}`);
    return JSON.parse(r.manifest_json) as RunManifest;
  }

  taskMetrics(runId: string): Record<string, TaskMetrics> {
    const rows = this.db
      .prepare(`SELECT task, metrics_json FROM task_metrics WHERE run_id = ? ORDER BY task`)
      .all(runId) as Array<{ task: string; metrics_json: string }>;
    return Object.fromEntries(rows.map((r) => [r.task, JSON.parse(r.metrics_json) as TaskMetrics]));
  }

  /** Tasks with samples in the run (may include tasks without metrics yet). */
  tasks(runId: string): string[] {
    const rows = this.db
      .prepare(
        `SELECT task FROM task_metrics WHERE run_id = ? UNION SELECT DISTINCT task FROM samples WHERE run_id = ? ORDER BY task`,
      )
      .all(runId, runId) as Array<{ task: string }>;
    return rows.map((r) => r.task);
  }

  /** Score keys recorded for a task (from one scored sample). */
  scoreKeys(runId: string, task: string): string[] {
    const r = this.db
      .prepare(
        `SELECT scores_json FROM samples WHERE run_id = ? AND task = ? AND scores_json IS NOT NULL LIMIT 1`,
      )
      .get(runId, task) as { scores_json: string } | undefined;
    return r ? Object.keys(JSON.parse(r.scores_json)) : [];
  }

  /** The metrics a task of a run declares (from its metrics.json, or the task's declaration for older runs). */
  declaredMetrics(runId: string, task: string): MetricSpec[] {
    const r = this.db
      .prepare(`SELECT declared_json FROM declared_metrics WHERE run_id = ? AND task = ?`)
      .get(runId, task) as { declared_json: string } | undefined;
    if (!r)
      throw new EvalkitError(
        `run ${runId}, task ${task}: no metric declaration indexed (unknown task, or indexed by an older evalkit: run \`evalkit index --force\`)`,
      );
    return JSON.parse(r.declared_json) as MetricSpec[];
  }

  /**
   * Per-item outcomes of a declared `metric` for paired tests, computed by the metric's own definition
   * (src/metrics/definitions.ts) from the item's scored samples. Items that cannot have the metric (fewer
   * than k samples) are left out. A metric the task does not declare is an EvalkitError.
   */
  itemOutcomes(
    runId: string,
    task: string,
    metric: string | MetricSpec,
    filter: { excludeItems?: ReadonlySet<string>; excludeOutcome?: string } = {},
  ): Map<string, ItemOutcome> {
    const spec =
      typeof metric === 'string' ? findMetric(this.declaredMetrics(runId, task), metric, task) : metric;
    const rows = this.db
      .prepare(
        `SELECT item_id AS id, sample_index AS i, scores_json AS s, details_json AS d FROM samples
         WHERE run_id = ? AND task = ? AND scores_json IS NOT NULL`,
      )
      .all(runId, task) as Array<{ id: string; i: number; s: string; d: string | null }>;
    const byItem = new Map<string, MetricSample[]>();
    for (const r of rows) {
      if (filter.excludeItems?.has(r.id)) continue;
      const details = r.d ? (JSON.parse(r.d) as Record<string, unknown>) : undefined;
      if (filter.excludeOutcome && details?.verdictOutcome === filter.excludeOutcome) continue;
      let arr = byItem.get(r.id);
      if (!arr) byItem.set(r.id, (arr = []));
      arr.push({ sampleIndex: r.i, scores: JSON.parse(r.s), ...(details ? { details } : {}) });
    }
    return outcomesByItem(spec, byItem).outcomes;
  }

  /** Ids of the items with at least one sample in a task of a run. */
  itemIds(runId: string, task: string): Set<string> {
    const rows = this.db
      .prepare(`SELECT DISTINCT item_id AS id FROM samples WHERE run_id = ? AND task = ?`)
      .all(runId, task) as Array<{ id: string }>;
    return new Set(rows.map((r) => r.id));
  }

  /** Scored samples of a task whose verdict has this outcome (e.g. "truncated-in-reasoning"). */
  countOutcome(runId: string, task: string, outcome: string): number {
    return (
      this.db
        .prepare(
          `SELECT COUNT(*) AS n FROM samples WHERE run_id = ? AND task = ? AND scores_json IS NOT NULL
           AND json_extract(details_json, '$.verdictOutcome') = ?`,
        )
        .get(runId, task, outcome) as { n: number }
    ).n;
  }

  countSamples(runId: string, q: { task?: string; status?: string; search?: string } = {}): number {
    const { where, args } = sampleFilter(runId, q);
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM samples WHERE ${where}`).get(...args) as { n: number })
      .n;
  }

  /** One page of samples (keyset-friendly ORDER BY on the primary key; text fields cut to `preview` chars). */
  samplesPage(
    runId: string,
    q: {
      task?: string;
      status?: string;
      search?: string;
      offset?: number;
      limit?: number;
      preview?: number;
    } = {},
  ): SampleRow[] {
    const { where, args } = sampleFilter(runId, q);
    const preview = q.preview ?? 160;
    const rows = this.db
      .prepare(
        `SELECT run_id, task, item_id, sample_index, substr(text, 1, ${preview}) AS text, finish_reason, gen_error, scores_json, status,
                substr(reason, 1, ${preview}) AS reason, substr(extracted, 1, ${preview}) AS extracted, NULL AS details_json, error
         FROM samples WHERE ${where} ORDER BY task, item_id, sample_index LIMIT ? OFFSET ?`,
      )
      .all(...args, Math.min(q.limit ?? 50, 500), q.offset ?? 0) as Array<Record<string, unknown>>;
    return rows.map(toSampleRow);
  }

  /** All samples of one item in one run, full text. */
  itemSamples(runId: string, task: string, itemId: string): SampleRow[] {
    const rows = this.db
      .prepare(`SELECT * FROM samples WHERE run_id = ? AND task = ? AND item_id = ? ORDER BY sample_index`)
      .all(runId, task, itemId) as Array<Record<string, unknown>>;
    return rows.map(toSampleRow);
  }

  request(
    runId: string,
    task: string,
    itemId: string,
  ): Pick<RequestRecord, 'prompt' | 'params' | 'promptInfo'> | undefined {
    const r = this.db
      .prepare(
        `SELECT prompt_json, params_json, prompt_info_json FROM requests WHERE run_id = ? AND task = ? AND item_id = ?`,
      )
      .get(runId, task, itemId) as
      { prompt_json: string | null; params_json: string | null; prompt_info_json: string | null } | undefined;
    if (!r) return undefined;
    return {
      prompt: r.prompt_json ? JSON.parse(r.prompt_json) : undefined,
      params: r.params_json ? JSON.parse(r.params_json) : undefined,
      ...(r.prompt_info_json ? { promptInfo: JSON.parse(r.prompt_info_json) } : {}),
    } as Pick<RequestRecord, 'prompt' | 'params' | 'promptInfo'>;
  }
}

function sampleFilter(
  runId: string,
  q: { task?: string; status?: string; search?: string },
): { where: string; args: unknown[] } {
  const parts = ['run_id = ?'];
  const args: unknown[] = [runId];
  if (q.task) {
    parts.push('task = ?');
    args.push(q.task);
  }
  if (q.status) {
    parts.push('status = ?');
    args.push(q.status);
  }
  if (q.search) {
    parts.push(`item_id LIKE ? ESCAPE '\\'`);
    args.push(`%${q.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
  }
  return { where: parts.join(' AND '), args };
}

function toRunRow(r: Record<string, string | null>): RunRow {
  return {
    runId: r.run_id as string,
    dir: r.dir as string,
    status: r.status,
    modelId: r.model_id,
    modelName: r.model_name,
    createdAt: r.created_at,
    source: r.source,
    indexedAt: r.indexed_at as string,
  };
}

function toSampleRow(r: Record<string, unknown>): SampleRow {
  return {
    runId: r.run_id as string,
    task: r.task as string,
    itemId: r.item_id as string,
    sampleIndex: r.sample_index as number,
    text: (r.text as string | null) ?? null,
    finishReason: (r.finish_reason as string | null) ?? null,
    genError: (r.gen_error as string | null) ?? null,
    scores: r.scores_json ? (JSON.parse(r.scores_json as string) as Record<string, number>) : null,
    status: r.status as SampleRow['status'],
    reason: (r.reason as string | null) ?? null,
    extracted: (r.extracted as string | null) ?? null,
    details: r.details_json ? (JSON.parse(r.details_json as string) as Record<string, unknown>) : null,
    error: (r.error as string | null) ?? null,
  };
}

/**
 * Declared metrics per task of a run: metrics.json's `declared` when present, else the current declaration
 * of the task variant of that name (runs written before metrics were declared values); tasks known to
 * neither are left out (comparing them is then an error that says so).
 */
async function declaredMetricsOf(
  manifest: RunManifest,
  metrics: Record<string, TaskMetrics>,
): Promise<Map<string, MetricSpec[]>> {
  const out = new Map<string, MetricSpec[]>();
  const names = new Set([...(manifest.tasks ?? []).map((t) => t.name), ...Object.keys(metrics)]);
  for (const task of names) {
    const d = metrics[task]?.declared;
    if (d?.length) out.set(task, d);
    else {
      const variant = await getTask(task).catch(() => undefined);
      if (variant) out.set(task, variant.metrics);
    }
  }
  return out;
}

/** Default database location for a runs root. */
export const defaultDbPath = (runsRoot: string) => join(resolve(runsRoot), '.evalkit-index.sqlite');

/**
 * Run directories under `root`, depth first, at most `maxDepth` levels down (a campaign nests its runs as
 * <runsRoot>/<campaign>/<checkpoint>; shards as <dir>/<shard>): a run directory is not searched further, hidden
 * folders are skipped. Sorted by path.
 */
export function findRunDirs(root: string, maxDepth = 3): string[] {
  if (isRunDir(root)) return [root];
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: not ours
    }
    for (const d of entries) {
      if (!d.isDirectory() || d.name.startsWith('.')) continue;
      const p = join(dir, d.name);
      if (isRunDir(p)) out.push(p);
      else if (depth < maxDepth) walk(p, depth + 1);
    }
  };
  walk(root, 1);
  return out.sort();
}

export function openResultsDb(path: string): ResultsDb {
  return new ResultsDb(path);
}
