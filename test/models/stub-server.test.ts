// The stub server's wire protocol, checked with raw HTTP (global fetch), plus its CLI when dist/ is built.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startStubServer,
  stubDetokenize,
  stubTokenize,
  type StubServer,
} from '../../src/testing/openai-stub-server.js';
import { REPO_ROOT } from '../helpers/paths.js';

const servers: StubServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function stub(o = {}) {
  const s = await startStubServer(o);
  servers.push(s);
  return s;
}
const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('stub server protocol', () => {
  it('GET /v1/models and /health', async () => {
    const s = await stub({ modelName: 'm1', maxModelLen: 2048 });
    const models = await (await fetch(`${s.url}/models`)).json();
    expect(models.data[0]).toMatchObject({ id: 'm1', object: 'model', max_model_len: 2048 });
    expect((await fetch(`${s.rootUrl}/health`)).status).toBe(200);
  });

  it('byte tokenizer: /tokenize (BOS unless add_special_tokens=false) and /detokenize round-trip', async () => {
    const s = await stub();
    const t = await (await post(`${s.rootUrl}/tokenize`, { prompt: 'hé' })).json();
    expect(t.tokens).toEqual([256, 0x68, 0xc3, 0xa9]);
    const t2 = await (
      await post(`${s.rootUrl}/tokenize`, { prompt: 'hé', add_special_tokens: false })
    ).json();
    expect(t2).toMatchObject({ count: 3, tokens: [0x68, 0xc3, 0xa9] });
    const d = await (await post(`${s.rootUrl}/detokenize`, { tokens: [256, 0x68, 0xc3, 0xa9, 257] })).json();
    expect(d.prompt).toBe('<s>hé</s>');
    expect(stubDetokenize(stubTokenize('naïve ✓', false))).toBe('naïve ✓');
  });

  it('streaming completions: SSE data chunks per choice index, usage chunk, [DONE]', async () => {
    const s = await stub({ respond: (c: any) => `one two ${c.sampleIndex}` });
    const res = await post(`${s.url}/completions`, {
      model: 'stub-model',
      prompt: 'x',
      n: 2,
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const raw = await res.text();
    const events = raw.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    const text = (i: number) =>
      chunks.flatMap((c) => c.choices.filter((x: any) => x.index === i).map((x: any) => x.text)).join('');
    expect(text(0)).toBe('one two 0');
    expect(text(1)).toBe('one two 1');
    expect(chunks.filter((c) => c.choices[0]?.finish_reason === 'stop')).toHaveLength(2);
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 2, completion_tokens: 18, total_tokens: 20 });
  });

  it('vLLM-style errors: unknown model 404, too long 400, bad JSON 400', async () => {
    const s = await stub({ maxModelLen: 10 });
    const r1 = await post(`${s.url}/completions`, { model: 'nope', prompt: 'x' });
    expect(r1.status).toBe(404);
    expect((await r1.json()).error.message).toContain('does not exist');
    const r2 = await post(`${s.url}/completions`, { prompt: 'x', max_tokens: 20 });
    expect(r2.status).toBe(400);
    expect((await r2.json()).error.message).toContain('maximum context length is 10');
    const r3 = await fetch(`${s.url}/completions`, { method: 'POST', body: '{not json' });
    expect(r3.status).toBe(400);
  });

  it('faults: seeded fraction is reproducible; request log and stats', async () => {
    const run = async () => {
      const s = await stub({ faults: [{ kind: 'status', status: 503, fraction: 0.3, seed: 42 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++)
        statuses.push((await post(`${s.url}/completions`, { prompt: `p${i}` })).status);
      expect(s.requests).toHaveLength(30);
      expect(s.requests.filter((r) => r.fault === 'status')).toHaveLength(
        statuses.filter((x) => x === 503).length,
      );
      expect(s.stats.completed).toBe(statuses.filter((x) => x === 200).length);
      return statuses;
    };
    const a = await run();
    expect(a.filter((x) => x === 503).length).toBeGreaterThan(0);
    expect(a.filter((x) => x === 200).length).toBeGreaterThan(0);
    expect(await run()).toEqual(a);
  });

  const cli = resolve(REPO_ROOT, 'dist/testing/openai-stub-server.js');
  it('CLI prints "listening on http://127.0.0.1:PORT/v1" and serves', async () => {
    // `npm test` builds first: a missing build is a failure, not a skip
    expect(existsSync(cli)).toBe(true);
    const child = spawn(
      process.execPath,
      [cli, '--port', '0', '--model-name', 'cli-model', '--latency-per-token-ms', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((res, rej) => {
        let buf = '';
        child.stdout.on('data', (d) => {
          buf += d;
          const m = /^listening on (http:\/\/127\.0\.0\.1:\d+\/v1)$/m.exec(buf);
          if (m) res(m[1]);
        });
        child.on('exit', (c) => rej(new Error(`exited ${c}`)));
      });
      const r = await (
        await post(`${url}/completions`, { model: 'cli-model', prompt: 'x', max_tokens: 5 })
      ).json();
      expect(r.choices[0]).toMatchObject({ index: 0, finish_reason: 'length' });
      expect(r.choices[0].text).toHaveLength(5);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
