// OpenAI-compatible provider against the real stub HTTP server on 127.0.0.1.
import { describe, expect, it } from 'vitest';
import type { StubServer } from '../../src/testing/openai-stub-server.js';
import type { GenerationParams, RequestRecord } from '../../src/types.js';
import { provider, stub, useCleanups } from '../helpers/stub-provider.js';

useCleanups();

const params = (p: Partial<GenerationParams> = {}): GenerationParams => ({
  n: 1,
  temperature: 0,
  top_p: 1,
  max_tokens: 64,
  stop: [],
  ...p,
});
const completion = (id: string, text: string, p: Partial<GenerationParams> = {}): RequestRecord => ({
  requestId: `t|${id}`,
  task: 't',
  itemId: id,
  prompt: { kind: 'completion', text },
  params: params(p),
});
const chat = (id: string, content: string, p: Partial<GenerationParams> = {}): RequestRecord => ({
  requestId: `c|${id}`,
  task: 'c',
  itemId: id,
  prompt: { kind: 'chat', messages: [{ role: 'user', content }] },
  params: params(p),
});
const genBodies = (s: StubServer) =>
  s.requests.filter((r) => r.path.startsWith('/v1/') && r.method === 'POST');

describe.each([false, true])('OpenAI-compatible provider (stream=%s)', (stream) => {
  it('completions: sends the byte-exact prompt and params, returns the text; model name discovered', async () => {
    const s = await stub({ respond: (c) => `<<${c.prompt}>> #${c.sampleIndex}` });
    const p = await provider({ baseUrl: s.url, stream });
    const [g] = await p.generate(
      completion('1', 'def f(x):\n  ', { seed: 7, temperature: 0.8, top_p: 0.95 }),
    );
    expect(g).toMatchObject({
      requestId: 't|1',
      task: 't',
      itemId: '1',
      sampleIndex: 0,
      text: '<<def f(x):\n  >> #0',
      finishReason: 'stop',
      source: s.url,
    });
    expect(g.error).toBeUndefined();
    expect(g.usage?.promptTokens).toBe(Buffer.byteLength('def f(x):\n  ') + 1); // stub counts BOS
    const [body] = genBodies(s).map((r) => r.body);
    expect(body).toMatchObject({
      model: 'stub-model',
      prompt: 'def f(x):\n  ',
      n: 1,
      temperature: 0.8,
      top_p: 0.95,
      max_tokens: 64,
      seed: 7,
    });
    expect(body.stream ?? false).toBe(stream);
    expect(p.id).toBe(`openai:${s.url}#stub-model`);
  });

  it('chat: sends messages, returns the assistant content', async () => {
    const s = await stub({ respond: (c) => `reply to ${c.messages![0].content}` });
    const p = await provider({ baseUrl: s.url, stream, modelName: 'stub-model' });
    const [g] = await p.generate(chat('1', 'hello there'));
    expect(g.text).toBe('reply to hello there');
    expect(s.requests[0].path).toBe('/v1/chat/completions');
    expect(s.requests[0].body.messages).toEqual([{ role: 'user', content: 'hello there' }]);
  });

  it('chat with an assistant prefill asks the server to continue that message', async () => {
    const s = await stub({ respond: () => 'return 1\n```' });
    const p = await provider({ baseUrl: s.url, stream, modelName: 'stub-model' });
    const req: RequestRecord = {
      ...chat('2', 'write f'),
      prompt: {
        kind: 'chat',
        messages: [
          { role: 'user', content: 'write f' },
          { role: 'assistant', content: '```python\n' },
        ],
      },
    };
    await p.generate(req);
    expect(s.requests[0].body).toMatchObject({ continue_final_message: true, add_generation_prompt: false });
    await p.generate(chat('3', 'no prefill'));
    expect(s.requests[1].body.continue_final_message).toBeUndefined();
  });

  it('n samples in one call; a subset of sample indices asks only for those', async () => {
    const s = await stub({ respond: (c) => `s${c.sampleIndex} of ${c.params.n}` });
    const p = await provider({ baseUrl: s.url, stream });
    const all = await p.generate(completion('1', 'x', { n: 5 }));
    expect(all.map((g) => [g.sampleIndex, g.text])).toEqual([0, 1, 2, 3, 4].map((i) => [i, `s${i} of 5`]));
    const some = await p.generate(completion('1', 'x', { n: 5 }), [1, 3]);
    expect(some.map((g) => [g.sampleIndex, g.text])).toEqual([
      [1, 's0 of 2'],
      [3, 's1 of 2'],
    ]);
    expect(genBodies(s).map((r) => r.body.n)).toEqual([5, 2]);
  });

  it('stop strings: server-side cut, and client-side cut when the server ignores stop', async () => {
    const s = await stub({ respond: () => 'line one\n\nline two' });
    const p = await provider({ baseUrl: s.url, stream });
    const [g] = await p.generate(completion('1', 'x', { stop: ['\n\n'] }));
    expect(g.text).toBe('line one');
    expect(genBodies(s)[0].body.stop).toEqual(['\n\n']);

    // A server that ignores `stop` entirely: the provider still cuts at the earliest stop string.
    const ignoring = await stub({ respond: () => 'A END B ZZZ C', ignoreStop: true });
    const p2 = await provider({ baseUrl: ignoring.url, stream });
    const [g2] = await p2.generate(completion('2', 'x', { stop: ['ZZZ', ' END'] }));
    expect(g2).toMatchObject({ text: 'A', finishReason: 'stop' });
  });

  it('a connection reset mid-response is retried and the partial text of the failed attempt is discarded', async () => {
    const s = await stub({ respond: () => 'whole answer', faults: [{ kind: 'reset', first: 1 }] });
    const p = await provider({ baseUrl: s.url, stream });
    const [g] = await p.generate(completion('1', 'x'));
    const [c] = await p.generate(chat('1', 'y'));
    expect(g).toMatchObject({ text: 'whole answer' });
    expect(c).toMatchObject({ text: 'whole answer' });
    expect(genBodies(s).filter((r) => r.fault === 'reset')).toHaveLength(1);
    expect(genBodies(s)).toHaveLength(3);
  });

  it('max_tokens → finish_reason length', async () => {
    const s = await stub({ respond: () => 'abcdefghij' });
    const p = await provider({ baseUrl: s.url, stream });
    const [g] = await p.generate(completion('1', 'x', { max_tokens: 4 }));
    expect(g).toMatchObject({ text: 'abcd', finishReason: 'length' });
  });

  it('logprobs: records the sum of token log-probabilities', async () => {
    const s = await stub({ respond: () => 'abcd efgh' }); // 9 byte tokens × -0.25
    const p = await provider({ baseUrl: s.url, stream, logprobs: true });
    const [g] = await p.generate(completion('1', 'x'));
    expect(g.logprobSum).toBeCloseTo(-2.25, 10);
    expect(genBodies(s)[0].body.logprobs).toBe(1);
    const [c] = await p.generate(chat('1', 'y'));
    expect(c.logprobSum).toBeCloseTo(-2.25, 10);
    expect(genBodies(s)[1].body.logprobs).toBe(true);
  });
});

describe('retries and honest failure', () => {
  it('429 with Retry-After, 500, 503, resets and hangs are retried until success', async () => {
    const s = await stub({ respond: (c) => `ok ${c.prompt}` });
    const p = await provider({ baseUrl: s.url, requestTimeoutMs: 400, maxRetries: 6 });
    for (const [fault, label] of [
      [{ kind: 'status', status: 429, retryAfter: 0.05, first: 2 }, '429'],
      [{ kind: 'status', status: 500, first: 3 }, '500'],
      [{ kind: 'status', status: 503, first: 2 }, '503'],
      [{ kind: 'reset', first: 2 }, 'reset'],
      [{ kind: 'hang', first: 1 }, 'hang'],
    ] as const) {
      s.setFaults([fault]);
      s.resetLog();
      const [g] = await p.generate(completion(label, label));
      expect(g.error, label).toBeUndefined();
      expect(g.text, label).toBe(`ok ${label}`);
      const faulted = genBodies(s).filter((r) => r.fault).length;
      expect(faulted, label).toBe(fault.first);
      expect(genBodies(s).length, label).toBe(fault.first + 1);
    }
  });

  it('Retry-After is honoured (the retry does not come before the server asked)', async () => {
    const s = await stub({ faults: [{ kind: 'status', status: 429, retryAfter: 0.3, first: 1 }] });
    const p = await provider({ baseUrl: s.url });
    const t0 = Date.now();
    const [g] = await p.generate(completion('1', 'x'));
    expect(g.error).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('retry budget exhausted → exactly the affected samples come back errored, nothing thrown or dropped', async () => {
    const s = await stub({ faults: [{ kind: 'status', status: 500, message: 'engine dead' }] });
    const p = await provider({ baseUrl: s.url, maxRetries: 2 });
    const gens = await p.generate(completion('1', 'x', { n: 3 }));
    expect(gens).toHaveLength(3);
    for (const g of gens) {
      expect(g.text).toBeNull();
      expect(g.error).toContain(`${s.url}/completions`);
      expect(g.error).toContain('HTTP 500');
      expect(g.error).toContain('engine dead');
      expect(g.error).toContain('3 attempts');
    }
    expect(genBodies(s).length).toBe(3); // 1 + 2 retries
    expect(p.stats.erroredSamples).toBe(3);

    // Mixed run: 7 of 20 prompts always fail with 503; the other 13 succeed. Exact counts, nothing dropped.
    const bad = new Set(['p1', 'p4', 'p5', 'p9', 'p12', 'p17', 'p19']);
    s.setFaults([{ kind: 'status', status: 503, match: (b) => bad.has(b?.prompt) }]);
    s.resetLog();
    const reqs = Array.from({ length: 20 }, (_, i) => completion(`m${i}`, `p${i}`));
    const p1 = await provider({ baseUrl: s.url, maxRetries: 2, concurrency: 3 });
    const out = (await Promise.all(reqs.map((r) => p1.generate(r)))).flat();
    expect(out).toHaveLength(20);
    expect(
      out
        .filter((g) => g.error)
        .map((g) => g.itemId)
        .sort(),
    ).toEqual([...bad].map((x) => `m${x.slice(1)}`).sort());
    expect(out.filter((g) => g.text !== null && !g.error).length).toBe(13);
    expect(genBodies(s).length).toBe(7 * 3 + 13);
  });

  it('non-retryable 4xx fail fast with the server message', async () => {
    const s = await stub();
    const p = await provider({ baseUrl: s.url, modelName: 'no-such-model', maxRetries: 5 });
    const [g] = await p.generate(completion('1', 'x'));
    expect(g.text).toBeNull();
    expect(g.error).toContain('HTTP 404');
    expect(g.error).toContain('The model `no-such-model` does not exist.');
    expect(g.error).toContain('not retryable');
    expect(genBodies(s).length).toBe(1);

    const s400 = await stub({ faults: [{ kind: 'status', status: 400, message: 'prompt too long' }] });
    const p400 = await provider({ baseUrl: s400.url });
    const [g400] = await p400.generate(completion('1', 'x'));
    expect(g400.error).toContain('prompt too long');
    expect(genBodies(s400).length).toBe(1);
  });

  it('connection refused on a dead server → errored records naming the endpoint', async () => {
    const s = await stub();
    const url = s.url;
    const p = await provider({ baseUrl: url, maxRetries: 1 });
    await s.close();
    const [g] = await p.generate(completion('1', 'x'));
    expect(g.text).toBeNull();
    expect(g.error).toContain(url);
    expect(g.error).toMatch(/ECONNREFUSED/);
  });

  it('a server that stays down: after giveUpAfterDownMs each call fails after one attempt (not the whole budget)', async () => {
    const s = await stub();
    const url = s.url;
    const p = await provider({
      baseUrl: url,
      maxRetries: 1000,
      backoff: { baseMs: 10, maxMs: 10 },
      giveUpAfterDownMs: 100,
    });
    await s.close();
    const [g1] = await p.generate(completion('1', 'x'));
    expect(g1.error).toMatch(/every endpoint has been failing/);
    const before = p.stats.attempts;
    const [g2] = await p.generate(completion('2', 'x'));
    expect(g2.error).toMatch(/ECONNREFUSED.*gave up after 1 attempts/);
    expect(p.stats.attempts - before).toBe(1);
  });

  it('an aborted signal yields errored records, not a throw', async () => {
    const s = await stub({ latencyPerTokenMs: 50 });
    const p = await provider({ baseUrl: s.url });
    const ac = new AbortController();
    const pending = p.generate(completion('1', 'x'), undefined, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const [g] = await pending;
    expect(g.text).toBeNull();
    expect(g.error).toContain('aborted');
  });
});

describe('concurrency', () => {
  it('the server never sees more than `concurrency` generation requests in flight', async () => {
    const s = await stub({ latencyPerTokenMs: 1 });
    const p = await provider({ baseUrl: s.url, concurrency: 4 });
    const reqs = Array.from({ length: 40 }, (_, i) => completion(String(i), `prompt ${i}`));
    const out = (await Promise.all(reqs.map((r) => p.generate(r)))).flat();
    expect(out.every((g) => g.text !== null)).toBe(true);
    expect(s.stats.generationRequests).toBe(40);
    expect(s.stats.maxInFlight).toBeLessThanOrEqual(4);
    expect(s.stats.maxInFlight).toBeGreaterThan(1); // it does run requests in parallel
  });
});
