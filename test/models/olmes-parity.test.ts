// OLMES-parity request shaping against the stub server (which exposes vLLM's /tokenize, /detokenize, /tokenizer_info).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OpenAICompatibleOptions } from '../../src/models/openai-compatible.js';
import { cutAtStop } from '../../src/models/olmes-shaping.js';
import { stubTokenize, type StubServer } from '../../src/testing/openai-stub-server.js';
import { EvalkitError } from '../../src/util/errors.js';
import type { RequestRecord } from '../../src/types.js';
import { provider as stubProvider, stub, useCleanups } from '../helpers/stub-provider.js';

useCleanups();
const provider = (o: OpenAICompatibleOptions) => stubProvider(o);
// An OLMES-shaped request: the provider shapes a request iff it is a completion with params.shaping 'olmes'.
const req = (text: string, max_tokens = 30, stop = ['\n\n']): RequestRecord => ({
  requestId: 'gsm8k|1',
  task: 'gsm8k',
  itemId: '1',
  prompt: { kind: 'completion', text },
  params: { n: 1, temperature: 0, top_p: 1, max_tokens, stop, shaping: 'olmes' },
});
const gen = (s: StubServer) => s.requests.filter((r) => r.path === '/v1/completions');

describe('OLMES parity shaping', () => {
  it('no BOS, special tokens kept, EOS (from /tokenizer_info) appended to stops, logprobs summed', async () => {
    const s = await stub({
      eosToken: '<|endoftext|>',
      respond: () => 'The answer is 4.<|endoftext|>junk',
      ignoreStop: true,
    });
    const p = await provider({ baseUrl: s.url });
    const [g] = await p.generate(req('Q: 2+2?\nA:', 64));
    const body = gen(s)[0].body;
    expect(body).toMatchObject({
      add_special_tokens: false,
      skip_special_tokens: false,
      spaces_between_special_tokens: false,
      logprobs: 1,
    });
    expect(body.stop).toEqual(['\n\n', '<|endoftext|>']);
    expect(body.prompt).toBe('Q: 2+2?\nA:'); // short prompt: sent as text, no /tokenize round trip
    expect(s.requests.some((r) => r.path === '/tokenize')).toBe(false);
    // client-side cut at the EOS string even though this server ignored the stop list
    expect(g.text).toBe('The answer is 4.');
    // the stub gives -0.25 per generated token over the raw (uncut) text it generated
    expect(g.logprobSum).toBeCloseTo(-0.25 * Buffer.byteLength('The answer is 4.<|endoftext|>junk'), 10);
    expect(p.description.olmesShaping).toMatchObject({ eosToken: '<|endoftext|>', maxLength: 4096 });
    // without a BOS the server counts exactly the prompt bytes
    expect(g.usage?.promptTokens).toBe(Buffer.byteLength('Q: 2+2?\nA:'));
  });

  it('an over-long prompt is left-truncated to maxLength - max_tokens tokens (token ids, as OLMES hands vLLM)', async () => {
    const seen: string[] = [];
    const s = await stub({ respond: (c) => (seen.push(c.prompt!), 'ok') });
    const p = await provider({ baseUrl: s.url, maxLength: 100 });
    const long = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '); // 149 bytes
    const [g] = await p.generate(req(long, 30));
    expect(g.text).toBe('ok');
    const tok = s.requests.find((r) => r.path === '/tokenize')!;
    expect(tok.body).toMatchObject({ prompt: long, add_special_tokens: false });
    const body = gen(s)[0].body;
    expect(body.prompt).toEqual(stubTokenize(long, false).slice(-70));
    expect(body.prompt).toHaveLength(70);
    expect(seen[0]).toBe(long.slice(-70));
    expect(p.stats.truncatedPrompts).toBe(1);
  });

  it("truncation 'text' mode detokenises the kept ids and sends text", async () => {
    const s = await stub({ respond: () => 'ok' });
    const p = await provider({ baseUrl: s.url, maxLength: 64, truncation: 'text' });
    const long = 'x'.repeat(50) + 'KEEP-THIS-TAIL-' + 'y'.repeat(20);
    await p.generate(req(long, 14));
    expect(s.requests.some((r) => r.path === '/detokenize')).toBe(true);
    expect(gen(s)[0].body.prompt).toBe(long.slice(-50));
  });

  it('prompts that fit are not truncated even when near the limit (tokenize says it fits)', async () => {
    const s = await stub();
    const p = await provider({ baseUrl: s.url, maxLength: 100 });
    const text = 'z'.repeat(70); // 70 tokens == maxCtx: fits; bytes+1 > maxCtx so it is checked
    await p.generate(req(text, 30));
    expect(s.requests.filter((r) => r.path === '/tokenize')).toHaveLength(1);
    expect(gen(s)[0].body.prompt).toBe(text);
    expect(p.stats.truncatedPrompts).toBe(0);
  });

  it('chat prompts are not shaped', async () => {
    const s = await stub();
    const p = await provider({ baseUrl: s.url });
    await p.generate({ ...req('x'), prompt: { kind: 'chat', messages: [{ role: 'user', content: 'hi' }] } });
    const body = s.requests.find((r) => r.path === '/v1/chat/completions')!.body;
    expect(body.add_special_tokens).toBeUndefined();
    expect(body.stop).toEqual(['\n\n']);
  });

  it('max_tokens >= maxLength → errored record with a clear message', async () => {
    const s = await stub();
    const p = await provider({ baseUrl: s.url, maxLength: 100 });
    const [g] = await p.generate(req('x', 100));
    expect(g.text).toBeNull();
    expect(g.error).toContain('max_tokens (100) >= maxLength (100)');
  });

  it('EOS from the checkpoint tokenizer_config.json named by /v1/models root, or explicit; else a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-ckpt-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({ eos_token: { content: '<|im_end|>', special: true } }),
    );
    const s = await stub({ modelName: dir, tokenizerInfo: false });
    const p = await provider({ baseUrl: s.url });
    await p.prepare([{ format: 'completion', generation: req('x').params }]);
    expect(p.description.olmesShaping).toMatchObject({
      eosToken: '<|im_end|>',
      eosTokenSource: join(dir, 'tokenizer_config.json'),
    });

    const s2 = await stub({ tokenizerInfo: false });
    const p2 = await provider({ baseUrl: s2.url, eosToken: '<eos>' });
    await p2.generate(req('x'));
    expect(gen(s2)[0].body.stop).toEqual(['\n\n', '<eos>']);

    // Without an EOS source: nothing to resolve for unshaped or chat variants; shaped ones fail before any request.
    const p3 = await provider({ baseUrl: s2.url });
    const unshaped = { ...req('x').params, shaping: undefined };
    await p3.prepare([
      { format: 'completion', generation: unshaped },
      { format: 'chat', generation: req('x').params },
    ]);
    const shaped = p3.prepare([{ format: 'completion', generation: req('x').params }]);
    await expect(shaped).rejects.toThrow(EvalkitError);
    await expect(shaped).rejects.toThrow(/EVALKIT_EOS_TOKEN/);
    await expect(p3.generate(req('x'))).rejects.toThrow(/--eos-token/); // the same answer on a direct call
    const [plain] = await p3.generate({ ...req('x'), params: unshaped });
    expect(plain.error).toBeUndefined();
  });

  it('cutAtStop cuts at the earliest stop string and ignores empty stops', () => {
    expect(cutAtStop('a\n\nb</s>c', ['</s>', '\n\n', ''])).toEqual({ text: 'a', cut: true });
    expect(cutAtStop('abc', ['x', ''])).toEqual({ text: 'abc', cut: false });
  });
});
