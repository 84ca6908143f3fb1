/**
 * LiveCodeBench's compressed `private_test_cases`: base64 → zlib (RFC 1950, with header) → a Python pickle whose
 * only object is a str → that str is the JSON list of tests (../shared/datasets/livecodebench/PROVENANCE.md).
 *
 * The pickle is NOT unpickled (unpickling runs code): we read its opcodes and accept exactly one shape —
 * PROTO n, an optional FRAME, one SHORT_BINUNICODE / BINUNICODE / BINUNICODE8, an optional MEMOIZE, STOP —
 * and reject anything else. Opcode values are Python's pickle protocol (Lib/pickletools.py).
 */
import { inflateSync } from 'node:zlib';
import { EvalkitError } from '../../util/errors.js';

export interface LcbTest {
  input: string;
  output: string;
  testtype: 'stdin' | 'functional';
}

const PROTO = 0x80;
const FRAME = 0x95;
const SHORT_BINUNICODE = 0x8c;
const BINUNICODE = 0x58;
const BINUNICODE8 = 0x8d;
const MEMOIZE = 0x94;
const STOP = 0x2e;

/** Largest decompressed blob accepted (real ones reach hundreds of MB for one problem). */
export const MAX_PRIVATE_TESTS_BYTES = 1536 * 1024 * 1024;

/** Decode the string held by a pickle of one str, by its opcodes only. */
export function pickledStringValue(buf: Buffer, where: string): string {
  let p = 0;
  const need = (n: number) => {
    if (p + n > buf.length) throw new EvalkitError(`${where}: truncated pickle at byte ${p}`);
  };
  need(2);
  if (buf[p] !== PROTO)
    throw new EvalkitError(`${where}: pickle does not start with PROTO (0x80), got 0x${buf[p].toString(16)}`);
  p += 2;
  if (buf[p] === FRAME) {
    need(9);
    p += 9;
  }
  need(1);
  const op = buf[p++];
  let len: number;
  if (op === SHORT_BINUNICODE) {
    need(1);
    len = buf[p];
    p += 1;
  } else if (op === BINUNICODE) {
    need(4);
    len = buf.readUInt32LE(p);
    p += 4;
  } else if (op === BINUNICODE8) {
    need(8);
    const big = buf.readBigUInt64LE(p);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new EvalkitError(`${where}: string too long`);
    len = Number(big);
    p += 8;
  } else {
    throw new EvalkitError(
      `${where}: pickle holds something other than one string (opcode 0x${op.toString(16)}); refusing to unpickle`,
    );
  }
  need(len);
  const text = buf.toString('utf8', p, p + len);
  p += len;
  if (buf[p] === MEMOIZE) p += 1;
  need(1);
  if (buf[p] !== STOP)
    throw new EvalkitError(
      `${where}: unexpected opcode 0x${buf[p].toString(16)} after the string (expected STOP)`,
    );
  if (p + 1 !== buf.length)
    throw new EvalkitError(`${where}: ${buf.length - p - 1} trailing bytes after STOP`);
  return text;
}

function parseTests(json: string, where: string): LcbTest[] {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new EvalkitError(`${where}: tests are not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) throw new EvalkitError(`${where}: tests must be a JSON list`);
  return v.map((t, i) => {
    const o = t as Record<string, unknown>;
    if (
      typeof o?.input !== 'string' ||
      typeof o.output !== 'string' ||
      (o.testtype !== 'stdin' && o.testtype !== 'functional')
    )
      throw new EvalkitError(`${where}: test ${i} needs string input/output and testtype stdin|functional`);
    return { input: o.input, output: o.output, testtype: o.testtype };
  });
}

/** Public tests: always JSON text. */
export const decodePublicTests = (field: string, where: string) => parseTests(field, where);

/** Private tests: JSON text, or the compressed form (tried when JSON fails, as the official loader does). */
export function decodePrivateTests(field: string, where: string): LcbTest[] {
  try {
    return parseTests(field, where);
  } catch {
    /* compressed form */
  }
  const raw = Buffer.from(field, 'base64');
  let pickle: Buffer;
  try {
    pickle = inflateSync(raw, { maxOutputLength: MAX_PRIVATE_TESTS_BYTES });
  } catch (e) {
    throw new EvalkitError(
      `${where}: private_test_cases is neither JSON nor base64(zlib(pickle)): ${(e as Error).message}`,
    );
  }
  return parseTests(pickledStringValue(pickle, where), where);
}
