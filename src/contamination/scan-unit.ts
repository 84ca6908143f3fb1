/**
 * One unit of scan work and the code that scans it (used by the worker threads and, for one worker, inline).
 * Plain text and JSONL files are split into byte ranges at line boundaries so both cores share one big file;
 * gzip files are one unit each (a gzip stream cannot be split).
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { NgramHasher } from './ngrams.js';
import type { NgramTable } from './ngram-table.js';

export type DataFormat = 'jsonl' | 'text';

export interface ScanUnit {
  file: string;
  format: DataFormat;
  gzip: boolean;
  /** Byte range [start, end) of an uncompressed file; a unit starting mid-file begins after the next newline. */
  start: number;
  end: number;
}

const CHUNK = 4 << 20;

/** Scan one unit; calls `progress(bytes)` as it goes. Returns bytes read. */
export async function scanUnit(
  table: NgramTable,
  n: number,
  unit: ScanUnit,
  unitIndex: number,
  progress: (bytes: number) => void,
): Promise<number> {
  const json = unit.format === 'jsonl';
  let hits = 0;
  const hasher = new NgramHasher(n, json, (hi, lo, off) => {
    const id = table.lookup(hi, lo);
    if (id >= 0) {
      hits++;
      table.markSeen(id, unitIndex, off);
    }
  });
  if (unit.gzip) return scanGzip(hasher, unit, json, progress);

  const fd = openSync(unit.file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = unit.start;
    let read = 0;
    // A unit that starts mid-file skips the partial line: the previous unit owns it.
    if (unit.start > 0) {
      let found = false;
      while (!found) {
        const got = readSync(fd, buf, 0, CHUNK, pos);
        if (got <= 0) return read;
        const nl = buf.subarray(0, got).indexOf(0x0a);
        if (nl >= 0) {
          pos += nl + 1;
          read += nl + 1;
          found = true;
        } else {
          pos += got;
          read += got;
        }
      }
    }
    // Scan up to `end`, then finish the line that straddles it.
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, pos);
      if (got <= 0) break;
      let stop = got;
      let last = false;
      if (pos + got >= unit.end) {
        const from = Math.max(0, unit.end - pos);
        const nl = buf.subarray(from, got).indexOf(0x0a);
        if (nl >= 0) {
          stop = from + nl + 1;
          last = true;
        }
      }
      hasher.push(buf, 0, stop, pos, json);
      pos += stop;
      read += stop;
      progress(stop);
      if (last) break;
    }
    hasher.finish(pos);
    return read;
  } finally {
    closeSync(fd);
    void hits;
  }
}

async function scanGzip(
  hasher: NgramHasher,
  unit: ScanUnit,
  json: boolean,
  progress: (bytes: number) => void,
): Promise<number> {
  let pos = 0;
  let compressedSeen = 0;
  const input = createReadStream(unit.file, { highWaterMark: 1 << 20 });
  input.on('data', (c) => {
    compressedSeen += (c as Buffer).length;
  });
  let reported = 0;
  for await (const chunk of input.pipe(createGunzip())) {
    const b = chunk as Buffer;
    hasher.push(b, 0, b.length, pos, json);
    pos += b.length;
    // progress is counted in compressed bytes, which is what the planner knows about
    progress(compressedSeen - reported);
    reported = compressedSeen;
  }
  hasher.finish(pos);
  return compressedSeen;
}
