/**
 * `evalkit contamination`: n-gram overlap of training data against every item of the chosen task variants.
 * Streams the training files (never loads one into memory) with one worker thread per core over byte ranges;
 * memory is the n-gram table of the benchmark items (tens of MB), independent of the training data's size.
 */
import { openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EvalkitError } from '../util/errors.js';
import { itemCoverage, type ItemIndex } from './item-index.js';
import { scanUnit, type DataFormat, type ScanUnit } from './scan-unit.js';
import { workerScriptPath } from './worker-path.js';

export interface DataFile {
  path: string;
  bytes: number;
  format: DataFormat;
  gzip: boolean;
}

const FORMAT_BY_EXT: Record<string, DataFormat> = {
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'jsonl',
  txt: 'text',
  text: 'text',
  md: 'text',
};

/** Expand files and directories (recursively, sorted) into typed data files; unknown types are an error. */
export function listDataFiles(paths: string[]): DataFile[] {
  const out: DataFile[] = [];
  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw new EvalkitError(`--data ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!name.startsWith('.')) visit(join(p, name));
      return;
    }
    const parts = basename(p).toLowerCase().split('.');
    const gzip = parts.at(-1) === 'gz';
    const ext = gzip ? parts.at(-2) : parts.at(-1);
    const format = ext ? FORMAT_BY_EXT[ext] : undefined;
    if (!format)
      throw new EvalkitError(
        `--data ${p}: unsupported file type (expected .jsonl, .ndjson, .json (one document per line), .txt, .md, optionally .gz)`,
      );
    out.push({ path: p, bytes: st.size, format, gzip });
  };
  for (const p of paths) visit(p);
  return out;
}

/** Split files into work units of about `unitBytes` (uncompressed files only). */
export function planUnits(files: DataFile[], unitBytes: number): ScanUnit[] {
  const units: ScanUnit[] = [];
  for (const f of files) {
    if (f.gzip || f.bytes <= unitBytes) {
      units.push({ file: f.path, format: f.format, gzip: f.gzip, start: 0, end: f.bytes });
      continue;
    }
    for (let s = 0; s < f.bytes; s += unitBytes)
      units.push({
        file: f.path,
        format: f.format,
        gzip: false,
        start: s,
        end: Math.min(f.bytes, s + unitBytes),
      });
  }
  return units;
}

export interface ScanOptions {
  workers?: number;
  unitBytes?: number;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface ScanStats {
  files: number;
  bytes: number;
  units: number;
  workers: number;
  seconds: number;
}

/** Run the scan over `files`; marks the index's table. */
export async function scanData(
  index: ItemIndex,
  files: DataFile[],
  opts: ScanOptions = {},
): Promise<{ stats: ScanStats; units: ScanUnit[] }> {
  const t0 = performance.now();
  const units = planUnits(files, opts.unitBytes ?? 64 << 20);
  const total = files.reduce((s, f) => s + f.bytes, 0);
  const workers = Math.max(1, Math.min(opts.workers ?? cpus().length, units.length || 1));
  let done = 0;
  const progress = (b: number) => {
    done += b;
    opts.onProgress?.(done, total);
  };
  if (workers === 1) {
    for (let i = 0; i < units.length; i++) await scanUnit(index.table, index.n, units[i]!, i, progress);
  } else {
    const next = new SharedArrayBuffer(4);
    const script = workerScriptPath();
    await Promise.all(
      Array.from({ length: workers }, () => {
        const w = new Worker(script, {
          workerData: { table: index.table.buffers(), n: index.n, units, next },
        });
        return new Promise<void>((resolve, reject) => {
          w.on('message', (m: { kind: string; bytes?: number; message?: string }) => {
            if (m.kind === 'progress') progress(m.bytes ?? 0);
            else if (m.kind === 'done') void w.terminate().then(() => resolve());
            else if (m.kind === 'error') {
              void w.terminate();
              reject(new EvalkitError(`contamination scan: ${m.message}`));
            }
          });
          w.on('error', reject);
        });
      }),
    );
  }
  return {
    stats: {
      files: files.length,
      bytes: total,
      units: units.length,
      workers,
      seconds: (performance.now() - t0) / 1000,
    },
    units,
  };
}

export interface ContaminatedItem {
  task: string;
  itemId: string;
  /** Share of the item's checkable tokens covered by n-grams found in the training data. */
  coverage: number;
  evidence?: { file: string; offset: number; snippet?: string };
}

export interface ContaminationReport {
  kind: 'evalkit-contamination';
  version: 1;
  createdAt: string;
  n: number;
  threshold: number;
  normalisation: string;
  data: Array<{ path: string; bytes: number; format: string; gzip: boolean }>;
  scan: ScanStats;
  tasks: Array<{
    task: string;
    items: number;
    contaminated: number;
    partial: number;
    uncheckable: number;
    contaminatedItems: ContaminatedItem[];
    partialItems: ContaminatedItem[];
  }>;
}

function snippetAt(file: string, offset: number): string | undefined {
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(240);
      const start = Math.max(0, offset - 200);
      const got = readSync(fd, buf, 0, buf.length, start);
      return buf.subarray(0, got).toString('utf8').replace(/\s+/g, ' ').trim();
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Per-task contaminated (coverage >= threshold) and partial (0 < coverage < threshold) items. */
export function buildReport(
  index: ItemIndex,
  files: DataFile[],
  units: ScanUnit[],
  stats: ScanStats,
  threshold: number,
): ContaminationReport {
  const perTask = new Map(
    index.tasks.map((t) => [
      t.task,
      {
        task: t.task,
        items: t.items,
        contaminated: 0,
        partial: 0,
        uncheckable: 0,
        contaminatedItems: [] as ContaminatedItem[],
        partialItems: [] as ContaminatedItem[],
      },
    ]),
  );
  for (const item of index.items) {
    const { coverage, firstSeen } = itemCoverage(item, index.n, index.table);
    let evidence: ContaminatedItem['evidence'];
    if (firstSeen >= 0) {
      const unit = units[index.table.firstUnit[firstSeen]!];
      if (unit) {
        const offset = index.table.firstOffset[firstSeen]!;
        evidence = { file: unit.file, offset, snippet: unit.gzip ? undefined : snippetAt(unit.file, offset) };
      }
    }
    for (const occ of item.occurrences) {
      const t = perTask.get(occ.task)!;
      if (item.checkableTokens === 0) t.uncheckable++;
      else if (coverage > 0 && coverage >= threshold) {
        t.contaminated++;
        t.contaminatedItems.push({ task: occ.task, itemId: occ.itemId, coverage, evidence });
      } else if (coverage > 0) {
        t.partial++;
        t.partialItems.push({ task: occ.task, itemId: occ.itemId, coverage, evidence });
      }
    }
  }
  const natural = (a: ContaminatedItem, b: ContaminatedItem) =>
    a.itemId.localeCompare(b.itemId, 'en', { numeric: true });
  for (const t of perTask.values()) {
    t.contaminatedItems.sort(natural);
    t.partialItems.sort(natural);
  }
  return {
    kind: 'evalkit-contamination',
    version: 1,
    createdAt: new Date().toISOString(),
    n: index.n,
    threshold,
    normalisation:
      'byte-level: tokens are runs of ASCII letters/digits (lower-cased) and non-ASCII bytes; everything else separates; JSON escapes separate; one document per JSONL line',
    data: files.map((f) => ({ path: f.path, bytes: f.bytes, format: f.format, gzip: f.gzip })),
    scan: stats,
    tasks: [...perTask.values()],
  };
}
