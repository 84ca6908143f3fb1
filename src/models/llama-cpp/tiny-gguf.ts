/**
 * A tiny but real llama-architecture GGUF model, written from the GGUF specification
 * (ggml `docs/gguf.md`, GGUF v3; key names and tensor names from the same document and llama.cpp's
 * llama-arch naming). Used by the tests and by the README's first command, so a newcomer gets a real
 * end-to-end run on the embedded engine without downloading anything.
 *
 * The weights are seeded random F32 values, so the model "speaks" gibberish, but every token it emits is
 * produced by llama.cpp running an actual transformer forward pass over an actual vocabulary.
 *
 * Layout (all little-endian):
 *   header      "GGUF" | version u32 = 3 | tensor_count u64 | metadata_kv_count u64
 *   metadata    key (u64 length + bytes) | value type u32 | value
 *   tensor info name | n_dims u32 | dims u64[n_dims] (ne0 = fastest-varying) | ggml_type u32 | offset u64
 *   padding     0x00 up to `general.alignment` (32)
 *   tensor data each tensor at an offset that is a multiple of the alignment
 *
 * Tokenizer: SentencePiece-style ("llama"): <unk>, <s>, </s>, the ChatML control tokens, 256 byte-fallback
 * tokens <0x00>..<0xFF>, "▁" (the SentencePiece space) and the printable ASCII characters, so any UTF-8 text
 * tokenizes (unknown characters fall back to byte tokens).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mulberry32 } from '../../util/rng.js';

/** GGUF metadata value types (gguf.md `gguf_metadata_value_type`). */
const T = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;
/** ggml_type F32. */
const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;

/** A ChatML template (the format node-llama-cpp recognises and that llama.cpp marks `<|im_end|>` as end of turn). */
export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface TinyGgufOptions {
  /** Seed of the random weights (default 1). Different seeds → different (still gibberish) models. */
  seed?: number;
  /** Embedding width (default 64). */
  embedding?: number;
  /** Transformer blocks (default 2). */
  layers?: number;
  /** Attention heads (default 4). */
  heads?: number;
  /** Trained context length written to the metadata (default 4096: OLMES max_length; GSM8K 8-shot fits). */
  contextLength?: number;
}

type KvValue =
  | { t: 'u32'; v: number }
  | { t: 'f32'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'str'; v: string }
  | { t: 'arr_str'; v: string[] }
  | { t: 'arr_f32'; v: number[] }
  | { t: 'arr_i32'; v: number[] };

/** Growable little-endian byte buffer. */
class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private ensure(n: number) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number) {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }
  i32(v: number) {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.length);
    this.length += 4;
  }
  u64(v: number) {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number) {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u8(v: number) {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** gguf_string_t: u64 byte length + UTF-8 bytes, no terminator. */
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  padTo(alignment: number) {
    while (this.length % alignment !== 0) this.u8(0);
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeKv(w: ByteWriter, key: string, value: KvValue): void {
  w.str(key);
  switch (value.t) {
    case 'u32':
      w.u32(T.UINT32);
      w.u32(value.v);
      break;
    case 'f32':
      w.u32(T.FLOAT32);
      w.f32(value.v);
      break;
    case 'bool':
      w.u32(T.BOOL);
      w.u8(value.v ? 1 : 0);
      break;
    case 'str':
      w.u32(T.STRING);
      w.str(value.v);
      break;
    case 'arr_str':
      w.u32(T.ARRAY);
      w.u32(T.STRING);
      w.u64(value.v.length);
      for (const s of value.v) w.str(s);
      break;
    case 'arr_f32':
      w.u32(T.ARRAY);
      w.u32(T.FLOAT32);
      w.u64(value.v.length);
      for (const x of value.v) w.f32(x);
      break;
    case 'arr_i32':
      w.u32(T.ARRAY);
      w.u32(T.INT32);
      w.u64(value.v.length);
      for (const x of value.v) w.i32(x);
      break;
  }
}

/** Token types (gguf.md): 1 normal, 2 unknown, 3 control, 6 byte. */
const TT = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;

/** The tiny SentencePiece-style vocabulary: returns tokens, scores and types, index = token id. */
export function tinyVocab(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const add = (t: string, score: number, type: number) => {
    tokens.push(t);
    scores.push(score);
    types.push(type);
  };
  add('<unk>', 0, TT.UNKNOWN);
  add('<s>', 0, TT.CONTROL);
  add('</s>', 0, TT.CONTROL);
  add('<|im_start|>', 0, TT.CONTROL);
  add('<|im_end|>', 0, TT.CONTROL);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0, TT.BYTE);
  add('\u2581', -1, TT.NORMAL);
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), -2 - (c - 0x21) / 1000, TT.NORMAL);
  return { tokens, scores, types };
}

/** Token ids of the special tokens of the tiny vocabulary. */
export const TINY_TOKEN_IDS = { unk: 0, bos: 1, eos: 2, imStart: 3, imEnd: 4 } as const;

interface TensorSpec {
  name: string;
  /** ggml dims: ne0 (row length, fastest varying) first. */
  dims: number[];
  data: Float32Array;
}

/** Build the GGUF bytes of the tiny model (exported for tests that want the bytes without a file). */
export function buildTinyGguf(opts: TinyGgufOptions = {}): Buffer {
  const seed = opts.seed ?? 1;
  const nEmbd = opts.embedding ?? 64;
  const nLayer = opts.layers ?? 2;
  const nHead = opts.heads ?? 4;
  const nCtx = opts.contextLength ?? 4096;
  const nFf = nEmbd * 2;
  const headDim = nEmbd / nHead;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0)
    throw new Error(`tiny GGUF: embedding ${nEmbd} must split into ${nHead} heads of even size`);

  const vocab = tinyVocab();
  const nVocab = vocab.tokens.length;
  const rnd = mulberry32(seed);
  /** Uniform in [-scale, scale): enough spread that different prompts give different logits. */
  const rand = (n: number, scale: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (rnd() * 2 - 1) * scale;
    return a;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);

  // Dimension 0 of the residual stream is a constant "bias channel": every token embedding holds BIAS_IN there
  // and no layer writes to it (row 0 of attn_output / ffn_down is zero), so after the final RMS norm it is a
  // positive value for every position. The output rows then use it as a per-token logit bias: byte-fallback and
  // control tokens are pushed far down, so the gibberish is mostly printable ASCII and generations run to
  // max_tokens (tests can reason about lengths), while every token still comes from a real forward pass.
  const BIAS_IN = 3;
  const embd = rand(nEmbd * nVocab, 1);
  for (let t = 0; t < nVocab; t++) embd[t * nEmbd] = BIAS_IN;
  const zeroRow0 = (a: Float32Array, rowLen: number) => {
    a.fill(0, 0, rowLen);
    return a;
  };
  const out = rand(nEmbd * nVocab, 4 / Math.sqrt(nEmbd));
  for (let t = 0; t < nVocab; t++) {
    const type = vocab.types[t];
    const isSpace = vocab.tokens[t] === '\u2581';
    out[t * nEmbd] = type === TT.NORMAL ? (isSpace ? 0.4 : 0) : -3;
  }

  const tensors: TensorSpec[] = [];
  tensors.push({ name: 'token_embd.weight', dims: [nEmbd, nVocab], data: embd });
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}`;
    const proj = 1 / Math.sqrt(nEmbd);
    tensors.push({ name: `${p}.attn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) });
    tensors.push({ name: `${p}.attn_q.weight`, dims: [nEmbd, nEmbd], data: rand(nEmbd * nEmbd, proj) });
    tensors.push({ name: `${p}.attn_k.weight`, dims: [nEmbd, nEmbd], data: rand(nEmbd * nEmbd, proj) });
    tensors.push({ name: `${p}.attn_v.weight`, dims: [nEmbd, nEmbd], data: rand(nEmbd * nEmbd, proj) });
    tensors.push({
      name: `${p}.attn_output.weight`,
      dims: [nEmbd, nEmbd],
      data: zeroRow0(rand(nEmbd * nEmbd, proj), nEmbd),
    });
    tensors.push({ name: `${p}.ffn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) });
    tensors.push({ name: `${p}.ffn_gate.weight`, dims: [nEmbd, nFf], data: rand(nEmbd * nFf, proj) });
    tensors.push({
      name: `${p}.ffn_down.weight`,
      dims: [nFf, nEmbd],
      data: zeroRow0(rand(nFf * nEmbd, 1 / Math.sqrt(nFf)), nFf),
    });
    tensors.push({ name: `${p}.ffn_up.weight`, dims: [nEmbd, nFf], data: rand(nEmbd * nFf, proj) });
  }
  tensors.push({ name: 'output_norm.weight', dims: [nEmbd], data: ones(nEmbd) });
  tensors.push({ name: 'output.weight', dims: [nEmbd, nVocab], data: out });

  const kv: Array<[string, KvValue]> = [
    ['general.architecture', { t: 'str', v: 'llama' }],
    ['general.name', { t: 'str', v: `evalkit-tiny-llama-seed${seed}` }],
    [
      'general.description',
      {
        t: 'str',
        v: 'Tiny random-weight llama model written by evalkit for tests and demos; output is gibberish.',
      },
    ],
    ['general.alignment', { t: 'u32', v: ALIGNMENT }],
    ['general.file_type', { t: 'u32', v: 0 /* ALL_F32 */ }],
    ['llama.context_length', { t: 'u32', v: nCtx }],
    ['llama.embedding_length', { t: 'u32', v: nEmbd }],
    ['llama.block_count', { t: 'u32', v: nLayer }],
    ['llama.feed_forward_length', { t: 'u32', v: nFf }],
    ['llama.rope.dimension_count', { t: 'u32', v: headDim }],
    ['llama.rope.freq_base', { t: 'f32', v: 10000 }],
    ['llama.attention.head_count', { t: 'u32', v: nHead }],
    ['llama.attention.head_count_kv', { t: 'u32', v: nHead }],
    ['llama.attention.layer_norm_rms_epsilon', { t: 'f32', v: 1e-5 }],
    ['llama.vocab_size', { t: 'u32', v: nVocab }],
    ['tokenizer.ggml.model', { t: 'str', v: 'llama' }],
    ['tokenizer.ggml.tokens', { t: 'arr_str', v: vocab.tokens }],
    ['tokenizer.ggml.scores', { t: 'arr_f32', v: vocab.scores }],
    ['tokenizer.ggml.token_type', { t: 'arr_i32', v: vocab.types }],
    ['tokenizer.ggml.bos_token_id', { t: 'u32', v: TINY_TOKEN_IDS.bos }],
    ['tokenizer.ggml.eos_token_id', { t: 'u32', v: TINY_TOKEN_IDS.eos }],
    ['tokenizer.ggml.unknown_token_id', { t: 'u32', v: TINY_TOKEN_IDS.unk }],
    ['tokenizer.ggml.add_bos_token', { t: 'bool', v: true }],
    ['tokenizer.ggml.add_eos_token', { t: 'bool', v: false }],
    ['tokenizer.chat_template', { t: 'str', v: TINY_CHAT_TEMPLATE }],
  ];

  const w = new ByteWriter();
  w.bytes(Buffer.from('GGUF', 'ascii')); // magic, byte level 0x47 0x47 0x55 0x46
  w.u32(3); // version
  w.u64(tensors.length);
  w.u64(kv.length);
  for (const [k, v] of kv) writeKv(w, k, v);

  // Tensor infos with offsets relative to the start of the tensor data section, each aligned.
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    const size = t.data.length * 4;
    offset += size + ((ALIGNMENT - (size % ALIGNMENT)) % ALIGNMENT);
  }
  w.padTo(ALIGNMENT);
  const dataStart = w.length;
  tensors.forEach((t, i) => {
    while (w.length < dataStart + offsets[i]) w.u8(0);
    w.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
  w.padTo(ALIGNMENT);
  return w.result();
}

/** Write the tiny model to `path` (parent directories are created). */
export async function writeTinyGguf(path: string, opts: TinyGgufOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, buildTinyGguf(opts));
}

// CLI: `node dist/models/llama-cpp/tiny-gguf.js <out.gguf> [--seed N]` (the README's no-download demo model).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith('--'));
  const seedAt = args.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 1;
  if (!out || !Number.isInteger(seed)) {
    process.stderr.write('usage: node dist/models/llama-cpp/tiny-gguf.js <out.gguf> [--seed N]\n');
    process.exit(2);
  }
  writeTinyGguf(out, { seed }).then(
    () => process.stdout.write(`wrote ${out} (tiny random-weight llama model, seed ${seed})\n`),
    (e: Error) => {
      process.stderr.write(`tiny-gguf: ${e.message}\n`);
      process.exit(1);
    },
  );
}
