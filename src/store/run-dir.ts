/**
 * Run directory I/O: append-only JSONL logs flushed per record, atomic JSON documents.
 *
 * Durability model: every record is written with a single write(2) on an O_APPEND file descriptor, so a
 * killed process (SIGKILL, OOM) never loses a record that `append` returned from; a torn last line (power
 * loss / kill during the write) is detected and cut off when the file is next opened for appending, and
 * skipped by readers. `fsync` is issued on close and every `fsyncEvery` records.
 *
 * Faults (issue #10): a failed or short write (disk full, I/O error) is retried until the record is complete or
 * fails with one clear error naming the file, and the file is cut back to its size before the record, so nothing is
 * half-written. A corrupt line in the middle of a log (not a torn tail) is set aside when a run is resumed
 * (`loadRunState`): it moves to `<file>.corrupt`, its sample is redone, and the run says so on stderr.
 */
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { mkdir, open as openFile, readFile, rename, rm } from 'node:fs/promises';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { GenerationRecord, RequestRecord, RunManifest, TaskMetrics, VerdictRecord } from '../types.js';
import { EvalkitError } from '../util/errors.js';

export const RUN_FILES = {
  manifest: 'manifest.json',
  requests: 'requests.jsonl',
  generations: 'generations.jsonl',
  verdicts: 'verdicts.jsonl',
  metrics: 'metrics.json',
} as const;

export interface MetricsFile {
  evalkit: { version: string; gitCommit: string | null };
  runId: string;
  model: RunManifest['model'];
  computedAt: string;
  tasks: Record<string, TaskMetrics>;
}

/** The manifest's record of one evalkit process working on a run (appended at start, closed at the end). */
export function newSession(command: string): RunManifest['sessions'][number] {
  return { startedAt: new Date().toISOString(), endedAt: null, command, host: hostname(), pid: process.pid };
}

export type RunFile = keyof typeof RUN_FILES;

/** Path of one of a run directory's files (the only place their names are spelt is RUN_FILES). */
export const runFilePath = (dir: string, file: RunFile) => join(dir, RUN_FILES[file]);

/** The text of a run's JSON documents (manifest.json, metrics.json): indented, newline-terminated. */
const jsonDocument = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

/** Write a run's manifest atomically (a failed write leaves the previous version whole). */
export const writeManifest = (dir: string, manifest: RunManifest) =>
  writeJsonAtomic(runFilePath(dir, 'manifest'), manifest);

/**
 * The metrics.json document of a run: per-task metrics under the run's header. `evalkit` is the version that
 * computed them (the current one when the runner or `score` computes, the recorded one for imported runs).
 */
export function metricsDocument(
  manifest: Pick<RunManifest, 'runId' | 'model'>,
  tasks: Record<string, TaskMetrics>,
  computed: { evalkit: RunManifest['evalkit']; computedAt: string },
): MetricsFile {
  return {
    evalkit: computed.evalkit,
    runId: manifest.runId,
    model: manifest.model,
    computedAt: computed.computedAt,
    tasks,
  };
}

/** Write metrics.json atomically. */
export const writeMetrics = (dir: string, metrics: MetricsFile) =>
  writeJsonAtomic(runFilePath(dir, 'metrics'), metrics);

export interface RunRecords {
  requests: Iterable<unknown>;
  generations: Iterable<unknown>;
  verdicts: Iterable<unknown>;
}

/**
 * Write the three record logs of a run at once, replacing what is there (merge, importers, synthetic runs):
 * one JSON record per line, as the runner appends them, fsync'd before returning.
 */
export function writeRunRecords(dir: string, records: RunRecords): void {
  mkdirSync(dir, { recursive: true });
  for (const file of ['requests', 'generations', 'verdicts'] as const) {
    const path = runFilePath(dir, file);
    writeFileSync(path, '');
    const w = new JsonlAppender(path, 1 << 30);
    try {
      for (const r of records[file]) w.append(r);
    } finally {
      w.close();
    }
  }
}

/** Copy record logs of one run directory into another (re-judging starts from the source's generations). */
export function copyRunRecords(
  from: string,
  to: string,
  files: Array<Exclude<RunFile, 'manifest' | 'metrics'>>,
) {
  for (const f of files)
    if (existsSync(runFilePath(from, f))) copyFileSync(runFilePath(from, f), runFilePath(to, f));
}

/**
 * Writes a whole run directory at once (importers, synthetic test runs): the same five files, names and metrics
 * header the runner writes record by record, so every reader (index, merge, rescore, viewer) sees one format.
 */
export function writeCompleteRunDir(
  dir: string,
  run: RunRecords & {
    manifest: RunManifest;
    tasks: Record<string, TaskMetrics>;
    computedAt: string;
  },
): void {
  writeRunRecords(dir, run);
  writeFileSync(runFilePath(dir, 'manifest'), jsonDocument(run.manifest));
  const metrics = metricsDocument(run.manifest, run.tasks, {
    evalkit: run.manifest.evalkit,
    computedAt: run.computedAt,
  });
  writeFileSync(runFilePath(dir, 'metrics'), jsonDocument(metrics));
}

/** Append-only JSONL writer; one write per record. */
export class JsonlAppender {
  private fd: number;
  private sinceSync = 0;
  /** File size after the last complete record (where a failed record is cut back to). */
  private size: number;

  constructor(
    readonly path: string,
    private readonly fsyncEvery = 1000,
  ) {
    this.fd = openSync(path, 'a+');
    cutTornTail(this.fd, path);
    this.size = fstatSync(this.fd).size;
  }

  append(record: unknown): void {
    const data = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    let done = 0;
    try {
      // write(2) may write less than asked (disk nearly full, signals): continue until the record is complete.
      while (done < data.length) {
        const n = writeSync(this.fd, data, done, data.length - done);
        if (n <= 0) throw Object.assign(new Error('no progress'), { code: 'ENOSPC' });
        done += n;
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      try {
        ftruncateSync(this.fd, this.size); // nothing half-written
      } catch {
        /* the error below is what matters */
      }
      throw new EvalkitError(
        `${this.path}: cannot write a record (${code}${code === 'ENOSPC' ? ': disk full' : ''}); ` +
          'nothing was half-written, the run can be resumed once this is fixed',
      );
    }
    this.size += data.length;
    if (++this.sinceSync >= this.fsyncEvery) {
      fsyncSync(this.fd);
      this.sinceSync = 0;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** If the file does not end in '\n', truncate it after its last complete line (a torn write from a kill). */
function cutTornTail(fd: number, path: string): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return;
  // scan backwards for the last newline
  const chunk = 64 * 1024;
  let pos = size;
  while (pos > 0) {
    const start = Math.max(0, pos - chunk);
    const buf = Buffer.alloc(pos - start);
    readSync(fd, buf, 0, buf.length, start);
    const idx = buf.lastIndexOf(0x0a);
    if (idx >= 0) {
      ftruncateSync(fd, start + idx + 1);
      process.stderr.write(
        `evalkit: ${path}: cut a torn last line (${size - (start + idx + 1)} bytes) left by an interrupted write\n`,
      );
      return;
    }
    pos = start;
  }
  ftruncateSync(fd, 0);
}

/**
 * Stream the records of a JSONL file. A torn last line is skipped; any other malformed line is an error
 * naming file and line.
 */
export async function* iterJsonl<T = Record<string, unknown>>(
  path: string,
  opts: { onCorrupt?: (line: string, lineNo: number) => void } = {},
): AsyncGenerator<T> {
  if (!existsSync(path)) return;
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let pending: { line: string; no: number } | undefined;
  for await (const line of rl) {
    lineNo++;
    if (pending) {
      if (opts.onCorrupt) {
        let rec: T | undefined;
        try {
          rec = JSON.parse(pending.line) as T;
        } catch {
          opts.onCorrupt(pending.line, pending.no);
        }
        if (rec !== undefined) yield rec;
      } else yield parseLine<T>(pending.line, path, pending.no);
      pending = undefined;
    }
    if (line.trim()) pending = { line, no: lineNo };
  }
  if (pending) {
    // The last line: tolerate a torn write.
    try {
      yield JSON.parse(pending.line) as T;
    } catch {
      process.stderr.write(`evalkit: ${path}:${pending.no}: skipping torn last line\n`);
    }
  }
}

function parseLine<T>(line: string, path: string, no: number): T {
  try {
    return JSON.parse(line) as T;
  } catch (e) {
    throw new EvalkitError(`${path}:${no}: malformed JSON line: ${(e as Error).message}`);
  }
}

export async function readJsonlFile<T = Record<string, unknown>>(path: string): Promise<T[]> {
  const out: T[] = [];
  for await (const r of iterJsonl<T>(path)) out.push(r);
  return out;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await openFile(tmp, 'w');
    try {
      await fh.writeFile(jsonDocument(value));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new EvalkitError(
      `${path}: cannot write (${code}${code === 'ENOSPC' ? ': disk full' : ''}); the previous version is unchanged`,
    );
  }
}

/**
 * Move corrupt middle lines of a JSONL log to `<path>.corrupt` (with their line numbers) and rewrite the log
 * without them (atomically: a new file, fsync'd, renamed over). Returns the number of lines set aside.
 */
export async function setAsideCorruptLines(path: string): Promise<number> {
  const bad: { line: string; no: number }[] = [];
  for await (const _ of iterJsonl(path, { onCorrupt: (line, no) => bad.push({ line, no }) })) {
    /* reading only to find corrupt lines */
  }
  if (!bad.length) return 0;
  const badNos = new Set(bad.map((b) => b.no));
  const keep: string[] = [];
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let no = 0;
  for await (const line of rl) {
    no++;
    if (!badNos.has(no) && line.trim()) keep.push(line);
  }
  appendFileSync(
    `${path}.corrupt`,
    bad.map((b) => JSON.stringify({ file: path, line: b.no, text: b.line.slice(0, 100_000) })).join('\n') +
      '\n',
  );
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await openFile(tmp, 'w');
    try {
      await fh.writeFile(keep.length ? keep.join('\n') + '\n' : '');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new EvalkitError(`${path}: cannot set aside corrupt lines (${(e as Error).message})`);
  }
  for (const b of bad)
    process.stderr.write(
      `evalkit: ${path}:${b.no}: corrupt record set aside in ${path}.corrupt; its sample will be redone\n`,
    );
  return bad.length;
}

export async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new EvalkitError(`${what} not found: ${path}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new EvalkitError(`${path}: invalid JSON: ${(e as Error).message}`);
  }
}

export const readManifest = (dir: string) =>
  readJson<RunManifest>(join(dir, RUN_FILES.manifest), 'run manifest');
export const readMetrics = (dir: string) =>
  readJson<MetricsFile>(join(dir, RUN_FILES.metrics), 'run metrics');

/** Key of one sample within a run. */
export const sampleKey = (requestId: string, sampleIndex: number) => `${requestId}#${sampleIndex}`;

/**
 * The state of a run directory as needed for resuming: the latest record per sample (a later line for the
 * same sample supersedes an earlier one, e.g. a successful retry of an errored generation).
 */
export interface RunState {
  requests: Map<string, RequestRecord>;
  generations: Map<string, GenerationRecord>;
  verdicts: Map<string, VerdictRecord>;
}

export async function loadRunState(dir: string, opts: { tasks?: Set<string> } = {}): Promise<RunState> {
  const keep = (t: string) => !opts.tasks || opts.tasks.has(t);
  for (const f of [RUN_FILES.requests, RUN_FILES.generations, RUN_FILES.verdicts])
    await setAsideCorruptLines(join(dir, f));
  const requests = new Map<string, RequestRecord>();
  for await (const r of iterJsonl<RequestRecord>(join(dir, RUN_FILES.requests)))
    if (keep(r.task)) requests.set(r.requestId, r);
  const generations = new Map<string, GenerationRecord>();
  for await (const g of iterJsonl<GenerationRecord>(join(dir, RUN_FILES.generations)))
    if (keep(g.task)) generations.set(sampleKey(g.requestId, g.sampleIndex), g);
  const verdicts = new Map<string, VerdictRecord>();
  for await (const v of iterJsonl<VerdictRecord>(join(dir, RUN_FILES.verdicts)))
    if (keep(v.task)) verdicts.set(sampleKey(v.requestId, v.sampleIndex), v);
  return { requests, generations, verdicts };
}

/** Open (creating) the append-only logs of a run directory. */
export async function openRunLogs(dir: string): Promise<{
  requests: JsonlAppender;
  generations: JsonlAppender;
  verdicts: JsonlAppender;
  close(): void;
}> {
  await mkdir(dir, { recursive: true });
  const requests = new JsonlAppender(join(dir, RUN_FILES.requests));
  const generations = new JsonlAppender(join(dir, RUN_FILES.generations));
  const verdicts = new JsonlAppender(join(dir, RUN_FILES.verdicts));
  return {
    requests,
    generations,
    verdicts,
    close() {
      requests.close();
      generations.close();
      verdicts.close();
    },
  };
}
