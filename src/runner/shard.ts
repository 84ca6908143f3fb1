import { createHash } from 'node:crypto';
import { EvalkitError } from '../util/errors.js';

/** Parse `--shard i/N` (0-based i). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new EvalkitError(`--shard must look like i/N (e.g. 0/8), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new EvalkitError(`--shard ${text}: need 0 <= i < N`);
  return { index, count };
}

/** Deterministic shard of a request id: sha1 → first 4 bytes as uint32, mod N. */
export function shardOfRequest(requestId: string, count: number): number {
  return createHash('sha1').update(requestId).digest().readUInt32BE(0) % count;
}
