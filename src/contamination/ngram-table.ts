/**
 * An open-addressing hash table from 64-bit n-gram keys to dense ids, held in SharedArrayBuffers so that
 * scan workers can probe it without copies, plus the shared "seen in training data" flags and the first
 * evidence (work unit, byte offset) per n-gram.
 */

export interface NgramTableBuffers {
  capacity: number;
  size: number;
  keysHi: SharedArrayBuffer;
  keysLo: SharedArrayBuffer;
  ids: SharedArrayBuffer;
  matched: SharedArrayBuffer;
  firstUnit: SharedArrayBuffer;
  firstOffset: SharedArrayBuffer;
  bloom: SharedArrayBuffer;
}

export class NgramTable {
  readonly capacity: number;
  readonly mask: number;
  size = 0;
  private readonly keysHi: Uint32Array;
  private readonly keysLo: Uint32Array;
  private readonly ids: Int32Array;
  /** 1 when the n-gram was seen in the training data. */
  readonly matched: Uint8Array;
  /** Work unit index of the first sighting claimed by a worker (-1 none). */
  readonly firstUnit: Int32Array;
  readonly firstOffset: Float64Array;
  /**
   * Bloom prefilter (up to 16 bits per key, at most 1 MiB, two probes): almost every n-gram of training data is absent, and
   * this small bitset answers that from cache instead of probing the big table (a cache miss per n-gram).
   */
  private readonly bloom: Uint32Array;
  private readonly bloomMask: number;
  private readonly bufs: NgramTableBuffers;

  private constructor(bufs: NgramTableBuffers) {
    this.bufs = bufs;
    this.capacity = bufs.capacity;
    this.mask = bufs.capacity - 1;
    this.size = bufs.size;
    this.keysHi = new Uint32Array(bufs.keysHi);
    this.keysLo = new Uint32Array(bufs.keysLo);
    this.ids = new Int32Array(bufs.ids);
    this.matched = new Uint8Array(bufs.matched);
    this.firstUnit = new Int32Array(bufs.firstUnit);
    this.firstOffset = new Float64Array(bufs.firstOffset);
    this.bloom = new Uint32Array(bufs.bloom);
    this.bloomMask = this.bloom.length * 32 - 1;
  }

  /** A table for at most `maxEntries` distinct keys (load factor <= 0.5). */
  static create(maxEntries: number): NgramTable {
    let capacity = 1024;
    while (capacity < maxEntries * 2) capacity *= 2;
    const slots = Math.max(1, maxEntries);
    // 16 bits per key, capped at 1 MiB so the filter stays in cache (measured: a filter or table that does not
    // fit in cache costs a memory miss per n-gram, ~4x the whole tokenizer; bench/RESULTS.md).
    let bloomBits = 1 << 16;
    while (bloomBits < maxEntries * 16 && bloomBits < 1 << 23) bloomBits *= 2;
    const bufs: NgramTableBuffers = {
      capacity,
      size: 0,
      keysHi: new SharedArrayBuffer(capacity * 4),
      keysLo: new SharedArrayBuffer(capacity * 4),
      ids: new SharedArrayBuffer(capacity * 4),
      matched: new SharedArrayBuffer(slots),
      firstUnit: new SharedArrayBuffer(slots * 4),
      firstOffset: new SharedArrayBuffer(slots * 8),
      bloom: new SharedArrayBuffer(bloomBits / 8),
    };
    const t = new NgramTable(bufs);
    t.ids.fill(-1);
    t.firstUnit.fill(-1);
    return t;
  }

  /** The same table in a worker (shared memory, read-mostly). */
  static attach(bufs: NgramTableBuffers): NgramTable {
    return new NgramTable(bufs);
  }

  buffers(): NgramTableBuffers {
    return { ...this.bufs, size: this.size };
  }

  /** Id of the key, inserting it if new. */
  intern(hi: number, lo: number): number {
    const b1 = hi & this.bloomMask;
    const b2 = lo & this.bloomMask;
    this.bloom[b1 >>> 5] |= 1 << (b1 & 31);
    this.bloom[b2 >>> 5] |= 1 << (b2 & 31);
    let s = (lo ^ Math.imul(hi, 0x27d4eb2d)) & this.mask;
    for (;;) {
      const id = this.ids[s]!;
      if (id < 0) {
        if (this.size >= this.matched.length) throw new Error('n-gram table is full');
        this.keysHi[s] = hi;
        this.keysLo[s] = lo;
        this.ids[s] = this.size;
        return this.size++;
      }
      if (this.keysHi[s] === hi && this.keysLo[s] === lo) return id;
      s = (s + 1) & this.mask;
    }
  }

  /** Id of the key, or -1. */
  lookup(hi: number, lo: number): number {
    const b1 = hi & this.bloomMask;
    if ((this.bloom[b1 >>> 5]! & (1 << (b1 & 31))) === 0) return -1;
    const b2 = lo & this.bloomMask;
    if ((this.bloom[b2 >>> 5]! & (1 << (b2 & 31))) === 0) return -1;
    let s = (lo ^ Math.imul(hi, 0x27d4eb2d)) & this.mask;
    for (;;) {
      const id = this.ids[s]!;
      if (id < 0) return -1;
      if (this.keysHi[s] === hi && this.keysLo[s] === lo) return id;
      s = (s + 1) & this.mask;
    }
  }

  /** Mark an n-gram as seen; the first caller for an id records where (atomic claim). */
  markSeen(id: number, unit: number, offset: number): void {
    if (this.matched[id] === 1) return;
    this.matched[id] = 1;
    if (Atomics.compareExchange(this.firstUnit, id, -1, unit) === -1) this.firstOffset[id] = offset;
  }
}
