/**
 * Byte-level text normalisation and rolling n-gram hashing for the contamination scan.
 *
 * The scan must keep up with tens of GB of training text, so it never decodes strings: it walks raw UTF-8
 * bytes. Normalisation (the same for benchmark items and training data):
 *  - a token is a maximal run of ASCII letters/digits (folded to lower case) and non-ASCII bytes (UTF-8
 *    letters of other scripts, kept as they are: no Unicode case folding);
 *  - everything else (whitespace, punctuation, markup) separates tokens;
 *  - in JSON mode (JSONL training files) the escapes `\n`, `\t`, `\"`, `\\`, `\/`, `\b`, `\f`, `\r` and
 *    `\uXXXX` are separators too, so a JSON-encoded document yields the same tokens as its decoded text
 *    (except characters written as `\uXXXX`, which separate instead of joining a word; documented).
 * Each token gets two independent 32-bit hashes; an n-gram's 64-bit key is a polynomial rolling hash of its
 * n token hashes in each lane, finalised with a mixer. Keys are compared exactly (64 bits), so a false match
 * needs a 64-bit collision.
 */

const BASE_A = 0x01000193; // odd multipliers for the two polynomial lanes
const BASE_B = 0x5bd1e995;

/** 0: separator, 1: token byte as is (a-z, 0-9, non-ASCII), 2: ASCII upper case (folded). */
const BYTE_CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++)
  BYTE_CLASS[c] =
    c >= 0x80 || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ? 1 : c >= 0x41 && c <= 0x5a ? 2 : 0;

/** murmur3's 32-bit finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function powMod32(base: number, e: number): number {
  let r = 1;
  for (let i = 0; i < e; i++) r = Math.imul(r, base);
  return r >>> 0;
}

/** Receives each n-gram key (two 32-bit halves) and the byte offset where the n-gram's last token ends. */
export type NgramSink = (hi: number, lo: number, endOffset: number) => void;

/**
 * Streaming tokenizer + rolling n-gram hasher. Feed it byte chunks in order; it calls `sink` for every
 * complete n-gram. `reset()` starts a new document (no n-gram spans a reset).
 */
export class NgramHasher {
  private readonly ringA: Uint32Array;
  private readonly ringB: Uint32Array;
  private readonly powA: number;
  private readonly powB: number;
  private filled = 0;
  private pos = 0;
  private hA = 0;
  private hB = 0;
  // current token state
  private inToken = false;
  private tA = 0x811c9dc5;
  private tB = 0x9747b28c;
  // JSON escape state: 0 none, 1 after backslash, 2..5 inside \uXXXX (hex digits left)
  private esc = 0;

  constructor(
    readonly n: number,
    private readonly json: boolean,
    private readonly sink: NgramSink,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`n-gram size must be a positive integer (got ${n})`);
    this.ringA = new Uint32Array(n);
    this.ringB = new Uint32Array(n);
    this.powA = powMod32(BASE_A, n - 1);
    this.powB = powMod32(BASE_B, n - 1);
  }

  /** Start a new document: finish the pending token, forget the window. */
  reset(offset = 0): void {
    if (this.inToken) this.endToken(offset);
    this.filled = 0;
    this.hA = 0;
    this.hB = 0;
    this.esc = 0;
  }

  /**
   * Process bytes `buf[from, to)`; `base` is the absolute offset of `buf[0]` (for evidence offsets).
   * With `newlineIsReset`, a newline byte ends the document (JSONL: one document per line).
   * The hot loop of the scan: state lives in locals and is written back once per call.
   */
  push(buf: Uint8Array, from: number, to: number, base: number, newlineIsReset: boolean): void {
    const json = this.json;
    const n = this.n;
    const ringA = this.ringA;
    const ringB = this.ringB;
    const powA = this.powA;
    const powB = this.powB;
    const sink = this.sink;
    let filled = this.filled;
    let pos = this.pos;
    let hA = this.hA;
    let hB = this.hB;
    let inToken = this.inToken;
    let tA = this.tA;
    let tB = this.tB;
    let esc = this.esc;
    for (let i = from; i < to; i++) {
      let c = buf[i]!;
      if (esc !== 0) {
        if (esc === 1) esc = c === 0x75 /* u */ ? 5 : 0;
        else esc--;
        if (esc === 1) esc = 0; // last hex digit of \uXXXX consumed
        continue;
      }
      const cls = BYTE_CLASS[c]!;
      if (cls !== 0) {
        if (cls === 2) c |= 0x20;
        if (!inToken) {
          inToken = true;
          tA = 0x811c9dc5;
          tB = 0x9747b28c;
        }
        tA = Math.imul(tA ^ c, 0x01000193);
        tB = Math.imul(tB ^ c, 0x5bd1e995) ^ (tB >>> 15);
        continue;
      }
      if (inToken) {
        // end of token: shift it into the rolling window (same arithmetic as endToken)
        inToken = false;
        const a = fmix32(tA);
        const b = fmix32(tB ^ 0x2545f491);
        if (filled === n) {
          hA = (Math.imul((hA - Math.imul(ringA[pos]!, powA)) | 0, BASE_A) + a) | 0;
          hB = (Math.imul((hB - Math.imul(ringB[pos]!, powB)) | 0, BASE_B) + b) | 0;
        } else {
          hA = (Math.imul(hA, BASE_A) + a) | 0;
          hB = (Math.imul(hB, BASE_B) + b) | 0;
          filled++;
        }
        ringA[pos] = a;
        ringB[pos] = b;
        pos = pos + 1 === n ? 0 : pos + 1;
        if (filled === n) sink(fmix32(hA ^ 0x9e3779b9), fmix32(hB), base + i);
      }
      if (c === 0x0a && newlineIsReset) {
        filled = 0;
        hA = 0;
        hB = 0;
      } else if (json && c === 0x5c /* backslash */) {
        esc = 1;
      }
    }
    this.filled = filled;
    this.pos = pos;
    this.hA = hA;
    this.hB = hB;
    this.inToken = inToken;
    this.tA = tA;
    this.tB = tB;
    this.esc = esc;
  }

  /** Flush the last token (end of input). */
  finish(offset: number): void {
    if (this.inToken) this.endToken(offset);
  }

  private endToken(offset: number): void {
    this.inToken = false;
    const a = fmix32(this.tA);
    const b = fmix32(this.tB ^ 0x2545f491);
    const n = this.n;
    const slot = this.pos;
    if (this.filled === n) {
      // remove the oldest token's contribution, then shift in the new one
      this.hA = (Math.imul((this.hA - Math.imul(this.ringA[slot]!, this.powA)) | 0, BASE_A) + a) | 0;
      this.hB = (Math.imul((this.hB - Math.imul(this.ringB[slot]!, this.powB)) | 0, BASE_B) + b) | 0;
    } else {
      this.hA = (Math.imul(this.hA, BASE_A) + a) | 0;
      this.hB = (Math.imul(this.hB, BASE_B) + b) | 0;
      this.filled++;
    }
    this.ringA[slot] = a;
    this.ringB[slot] = b;
    this.pos = slot + 1 === n ? 0 : slot + 1;
    if (this.filled === n) this.sink(fmix32(this.hA ^ 0x9e3779b9), fmix32(this.hB), offset);
  }
}

/** Tokens of a string under the scan's normalisation (for reports and tests). */
export function normalisedTokens(text: string): string[] {
  const out: string[] = [];
  const bytes = Buffer.from(text, 'utf8');
  let start = -1;
  const flush = (end: number) => {
    if (start >= 0) out.push(bytes.subarray(start, end).toString('utf8').toLowerCase());
    start = -1;
  };
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    const tokenByte =
      c >= 0x80 || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
    if (tokenByte) {
      if (start < 0) start = i;
    } else flush(i);
  }
  flush(bytes.length);
  return out;
}

/** Every n-gram key of one text (one document), in order. */
export function ngramKeysOf(text: string, n: number): Array<[number, number]> {
  const keys: Array<[number, number]> = [];
  const h = new NgramHasher(n, false, (hi, lo) => keys.push([hi, lo]));
  const bytes = Buffer.from(text, 'utf8');
  h.push(bytes, 0, bytes.length, 0, false);
  h.finish(bytes.length);
  return keys;
}
