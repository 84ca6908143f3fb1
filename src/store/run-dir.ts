/**
 * Run directory I/O: append-only JSONL logs flushed per record, atomic JSON documents.
 *
 * Durability model: every record is written with a single write(2) on an O_APPEND file descriptor, so a
 * killed process (SIGKILL, OOM) never loses a record that `append` returned from; a torn last line (power
 * loss / kill during the write) is detected and cut off when the file is next opened for appending, and
 * skipped by readers. `fsync` is issued on close and every `fsyncEvery` records.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
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

/** Append-only JSONL writer; one write per record. */
export class JsonlAppender {
  private fd: number;
  private sinceSync = 0;

  constructor(
    readonly path: string,
    private readonly fsyncEvery = 1000,
  ) {
    this.fd = openSync(path, 'a+');
    cutTornTail(this.fd, path);
  }

  append(record: unknown): void {
    const line = JSON.stringify(record) + '\n';
    writeSync(this.fd, line);
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
export async function* iterJsonl<T = Record<string, unknown>>(path: string): AsyncGenerator<T> {
  if (!existsSync(path)) return;
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let pending: { line: string; no: number } | undefined;
  for await (const line of rl) {
    lineNo++;
    if (pending) {
      yield parseLine<T>(pending.line, path, pending.no);
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
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
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
