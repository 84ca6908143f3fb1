/**
 * The embedded GGUF engine on a tiny llama model that the test writes itself (src/models/llama-cpp/tiny-gguf.ts):
 * real llama.cpp forward passes in a real child process. The model's weights are random, so tests assert
 * properties (determinism, lengths, stop handling, prefixes) rather than specific text.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyGguf, createGgufProvider, writeTinyGguf } from '../../../src/models/llama-cpp/index.js';
import type { GenerationParams, ModelProvider, Prompt, RequestRecord } from '../../../src/types.js';
import { EvalkitError } from '../../../src/util/errors.js';

const WORKER = resolve(__dirname, '..', '..', '..', 'dist', 'models', 'llama-cpp', 'worker.js');

let dir: string;
let modelPath: string;
let provider: ModelProvider;
let nextId = 0;

function req(prompt: Prompt, params: Partial<GenerationParams> = {}): RequestRecord {
  const id = String(nextId++);
  return {
    requestId: `tiny|${id}`,
    task: 'tiny',
    itemId: id,
    prompt,
    params: { n: 1, temperature: 0, top_p: 1, max_tokens: 16, stop: [], ...params },
  };
}
const completion = (text: string): Prompt => ({ kind: 'completion', text });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} missing: run \`npm run build\` before these tests`);
  dir = await mkdtemp(join(tmpdir(), 'evalkit-gguf-'));
  modelPath = join(dir, 'tiny.gguf');
  await writeTinyGguf(modelPath, { seed: 1 });
  provider = await createGgufProvider({ model: modelPath, threads: 1 });
});

afterAll(async () => {
  await provider?.close?.();
});

describe('tiny GGUF writer', () => {
  it('writes a GGUF v3 file that llama.cpp loads with the llama architecture and the ChatML template', async () => {
    const bytes = await readFile(modelPath);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(bytes.readUInt32LE(4)).toBe(3);
    expect(bytes.length % 32).toBe(0);
    const d = provider.description as Record<string, unknown>;
    expect(d.architecture).toBe('llama');
    expect(d.name).toBe('evalkit-tiny-llama-seed1');
    expect(d.hasChatTemplate).toBe(true);
    expect(d.chatWrapper).toBe('ChatML');
    expect(d.contextSize).toBe(4096);
    expect(provider.id).toMatch(/^gguf:.*tiny\.gguf#[0-9a-f]{16}$/);
  });

  it('is deterministic in its seed', async () => {
    const a = join(dir, 'a.gguf');
    const b = join(dir, 'b.gguf');
    await writeTinyGguf(a, { seed: 5 });
    await writeTinyGguf(b, { seed: 5 });
    expect(Buffer.compare(await readFile(a), await readFile(b))).toBe(0);
    await writeTinyGguf(b, { seed: 6 });
    expect(Buffer.compare(await readFile(a), await readFile(b))).not.toBe(0);
  });
});

describe('createGgufProvider', () => {
  it('generates completions: n samples, seeded sampling reproducible, greedy identical across samples', async () => {
    const r = req(completion('def add(a, b):\n'), {
      n: 3,
      temperature: 0.8,
      top_p: 0.95,
      seed: 11,
      max_tokens: 12,
    });
    const gens = await provider.generate(r);
    expect(gens.map((g) => g.sampleIndex)).toEqual([0, 1, 2]);
    for (const g of gens) {
      expect(g.error).toBeUndefined();
      expect(typeof g.text).toBe('string');
      expect(g.text!.length).toBeGreaterThan(0);
      expect(g.requestId).toBe(r.requestId);
      expect(g.usage?.completionTokens).toBeGreaterThan(0);
      expect(g.usage?.completionTokens).toBeLessThanOrEqual(12);
      expect(g.usage?.promptTokens).toBeGreaterThan(1);
    }
    // per-sample seeds (seed + sampleIndex): distinct samples, and the same request again gives the same texts
    expect(new Set(gens.map((g) => g.text)).size).toBeGreaterThan(1);
    const again = await provider.generate({ ...r });
    expect(again.map((g) => g.text)).toEqual(gens.map((g) => g.text));
    // only the asked sample indices
    const one = await provider.generate(r, [2]);
    expect(one).toHaveLength(1);
    expect(one[0].sampleIndex).toBe(2);
    expect(one[0].text).toBe(gens[2].text);

    const greedy = await provider.generate(
      req(completion('def add(a, b):\n'), { n: 2, temperature: 0, max_tokens: 12 }),
    );
    expect(greedy[0].text).toBe(greedy[1].text);
  });

  it('respects max_tokens: a shorter greedy generation is a prefix of a longer one and stops with "length"', async () => {
    const prompt = completion('Question: what is 2 + 2?\nAnswer:');
    const [long] = await provider.generate(req(prompt, { max_tokens: 40 }));
    const [short] = await provider.generate(req(prompt, { max_tokens: 5 }));
    expect(short.finishReason).toBe('length');
    expect(short.usage?.completionTokens).toBe(5);
    expect(long.usage?.completionTokens).toBe(40);
    expect(long.text!.startsWith(short.text!)).toBe(true);
    expect(short.text!.length).toBeLessThan(long.text!.length);
  });

  it('a stop string ends generation in the engine (fewer tokens), earliest of several wins, prompt text does not count', async () => {
    const prompt = completion('The quick brown fox');
    const [full] = await provider.generate(req(prompt, { max_tokens: 40 }));
    const text = full.text!;
    expect(full.usage?.completionTokens).toBe(40);
    // Two stop strings taken from the greedy output; the one listed second occurs earlier. The reference semantics
    // (OpenAI/vLLM: the text ends right before the earliest stop string, which is not included) fix the answer:
    const late = text.slice(30, 33);
    const early = text.slice(8, 10);
    const [cut] = await provider.generate(req(prompt, { max_tokens: 40, stop: [late, early] }));
    expect(cut.finishReason).toBe('stop');
    expect(text.startsWith(cut.text!)).toBe(true);
    expect(cut.text!.length).toBeLessThanOrEqual(8);
    expect(cut.text!.includes(early)).toBe(false);
    expect(text.slice(cut.text!.length).startsWith(early)).toBe(true);
    // the engine stopped generating: far fewer than 40 tokens were sampled (not a 40-token run trimmed afterwards)
    expect(cut.usage!.completionTokens!).toBeLessThan(20);
    // a stop string that occurs only in the prompt does not cut the output
    const inPromptOnly = 'quick brown';
    expect(text.includes(inPromptOnly)).toBe(false);
    const [kept] = await provider.generate(req(prompt, { max_tokens: 40, stop: [inPromptOnly] }));
    expect(kept.text).toBe(text);
    expect(kept.finishReason).toBe('length');
  });

  it('renders chat prompts with the GGUF chat template', async () => {
    const messages = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'Say hi.' },
    ];
    const [chat] = await provider.generate(req({ kind: 'chat', messages }, { max_tokens: 10 }));
    expect(chat.error).toBeUndefined();
    expect(chat.text!.length).toBeGreaterThan(0);
    // ChatML framing adds tokens beyond the raw message texts: <|im_start|>, role names, <|im_end|>, newlines
    const [raw] = await provider.generate(req(completion('You are terse.Say hi.'), { max_tokens: 10 }));
    expect(chat.usage!.promptTokens!).toBeGreaterThan(raw.usage!.promptTokens! + 6);
    // the same conversation written out as ChatML text (special-token text parsed as special tokens, as vLLM
    // does for completions) gives the same prompt and therefore the same greedy continuation
    const chatml =
      '<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nSay hi.<|im_end|>\n<|im_start|>assistant\n';
    const [manual] = await provider.generate(req(completion(chatml), { max_tokens: 10 }));
    // byte-exact: the chat path tokenizes exactly the ChatML rendering of the conversation (+ BOS)
    expect(manual.usage!.promptTokens).toBe(chat.usage!.promptTokens);
    expect(manual.text).toBe(chat.text);
  });

  it('a prompt longer than the context is an errored sample, not a crash', async () => {
    const [g] = await provider.generate(req(completion('x '.repeat(2100)), { max_tokens: 4 }));
    expect(g.text).toBeNull();
    expect(g.error).toMatch(/does not fit the context size 4096/);
  });

  it('countTokens: what a completion prompt is fed with (BOS included), for fitting prompts into the context', async () => {
    const text = 'Question: what is 2 + 2?\nAnswer:';
    const [g] = await provider.generate(req(completion(text), { max_tokens: 1 }));
    expect(g.usage?.promptTokens).toBeGreaterThan(1);
    expect(await provider.countTokens!(text)).toBe(g.usage?.promptTokens);
    // the prompt the engine refuses above is counted beyond the 4096-token context
    expect(await provider.countTokens!('x '.repeat(2100))).toBeGreaterThan(4096);
  });
});

describe('failures stay in the engine process', () => {
  it('a non-GGUF file is refused with a clear error', async () => {
    const bad = join(dir, 'garbage.gguf');
    await writeFile(bad, Buffer.from('this is not a model at all'));
    await expect(createGgufProvider({ model: bad })).rejects.toThrow(EvalkitError);
    await expect(createGgufProvider({ model: bad })).rejects.toThrow(/not a GGUF file.*magic "GGUF"/);
  });

  it('a missing file is refused with a clear error', async () => {
    await expect(createGgufProvider({ model: join(dir, 'nope.gguf') })).rejects.toThrow(
      /gguf model file not found/,
    );
  });

  it('a truncated GGUF fails in the engine process; evalkit gets a clear error and keeps running', async () => {
    const full = await readFile(modelPath);
    const bad = join(dir, 'truncated.gguf');
    await writeFile(bad, full.subarray(0, Math.floor(full.length / 2)));
    const err = await createGgufProvider({ model: bad }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EvalkitError);
    expect((err as Error).message).toContain(`could not load GGUF model ${bad}`);
    // this (parent) process is still fine and the healthy provider still answers
    const [g] = await provider.generate(req(completion('still alive'), { max_tokens: 3 }));
    expect(g.usage?.completionTokens).toBe(3);
  });

  it('a GGUF that makes llama.cpp abort (GGML_ASSERT → SIGABRT) kills only the engine process', async () => {
    // Same tiny model with llama.attention.head_count patched to 0: llama.cpp asserts while sizing the tensors.
    const bytes = Buffer.from(buildTinyGguf({ seed: 1 }));
    const key = Buffer.from('llama.attention.head_count');
    const needle = Buffer.alloc(8 + key.length + 4);
    needle.writeBigUInt64LE(BigInt(key.length), 0);
    key.copy(needle, 8);
    needle.writeUInt32LE(4 /* GGUF UINT32 */, 8 + key.length);
    const at = bytes.indexOf(needle);
    expect(at).toBeGreaterThan(0);
    bytes.writeUInt32LE(0, at + needle.length);
    const bad = join(dir, 'zero-heads.gguf');
    await writeFile(bad, bytes);
    const err = await createGgufProvider({ model: bad }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EvalkitError);
    const msg = (err as Error).message;
    expect(msg).toContain(`could not load GGUF model ${bad}: embedded engine process killed by SIGABRT`);
    expect(msg).toMatch(/GGML_ASSERT/); // the engine's last output is quoted
    const [g] = await provider.generate(req(completion('parent unharmed'), { max_tokens: 2 }));
    expect(g.usage?.completionTokens).toBe(2);
  });

  it('an engine killed mid-request yields errored samples, then is restarted for the next request', async () => {
    const p = await createGgufProvider({ model: modelPath });
    try {
      const pid = (p.description as { enginePid: number }).enginePid;
      expect(alive(pid)).toBe(true);
      const pending = p.generate(
        req(completion('long'), { n: 8, temperature: 0.8, seed: 1, max_tokens: 400 }),
      );
      process.kill(pid, 'SIGKILL');
      const gens = await pending;
      expect(gens).toHaveLength(8);
      for (const g of gens) {
        expect(g.text).toBeNull();
        expect(g.error).toMatch(/embedded engine process killed by SIGKILL/);
      }
      const [next] = await p.generate(req(completion('after restart'), { max_tokens: 4 }));
      expect(next.error).toBeUndefined();
      expect(next.usage?.completionTokens).toBe(4);
      const d = p.description as { enginePid: number; engineRestarts: number };
      expect(d.engineRestarts).toBe(1);
      expect(d.enginePid).not.toBe(pid);
      expect(alive(pid)).toBe(false);
    } finally {
      const pid = (p.description as { enginePid: number }).enginePid;
      await p.close?.();
      expect(alive(pid)).toBe(false);
    }
  });
});
