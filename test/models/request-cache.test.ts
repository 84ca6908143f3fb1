// Request cache across provider instances ("runs"), against the real stub server and a real SQLite file.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  OpenAICompatibleProvider,
  type OpenAICompatibleOptions,
} from '../../src/models/openai-compatible.js';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import type { GenerationRecord, RequestRecord } from '../../src/types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function provider(o: OpenAICompatibleOptions): Promise<OpenAICompatibleProvider> {
  const p = await OpenAICompatibleProvider.create({ backoff: { baseMs: 5, maxMs: 10 }, ...o });
  cleanups.push(() => p.close());
  return p;
}
async function stub(): Promise<StubServer> {
  let calls = 0;
  // Non-deterministic across calls on purpose: a cache hit is the only way to get the same text twice.
  const s = await startStubServer({ respond: (c) => `${c.prompt} → call ${calls++}` });
  cleanups.push(() => s.close());
  return s;
}
const reqs = (n: number, temperature = 0.8): RequestRecord[] =>
  Array.from({ length: 10 }, (_, i) => ({
    requestId: `t|${i}`,
    task: 't',
    itemId: String(i),
    prompt: { kind: 'completion', text: `p${i}` },
    params: { n, temperature, top_p: 0.95, max_tokens: 64, stop: [] },
  }));
const texts = (g: GenerationRecord[]) => g.map((x) => `${x.requestId}#${x.sampleIndex}=${x.text}`);

describe('request cache', () => {
  it('a second identical run sends zero requests to the server and returns the same samples', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-cache-'));
    const s = await stub();
    const p1 = await provider({ baseUrl: s.url, cacheDir: dir, modelName: 'stub-model' });
    const first = (await Promise.all(reqs(3).map((r) => p1.generate(r)))).flat();
    expect(s.stats.generationRequests).toBe(10);
    await p1.close();
    expect(existsSync(join(dir, 'requests', 'cache.sqlite'))).toBe(true);

    s.resetLog();
    const p2 = await provider({ baseUrl: s.url, cacheDir: dir, modelName: 'stub-model' });
    const second = (await Promise.all(reqs(3).map((r) => p2.generate(r)))).flat();
    expect(s.stats.generationRequests).toBe(0);
    expect(s.requests).toHaveLength(0);
    expect(texts(second)).toEqual(texts(first));
    expect(second.every((g) => g.source?.startsWith('cache:'))).toBe(true);
    expect(p2.stats.cacheHits).toBe(30);

    // different params → different key → goes to the server
    await p2.generate(reqs(3, 0.2)[0]);
    expect(s.stats.generationRequests).toBe(1);
  });

  it('only the samples not in the cache are requested', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-cache-'));
    const s = await stub();
    const p = await provider({ baseUrl: s.url, cacheDir: dir });
    const [r] = reqs(4);
    await p.generate(r, [0, 2]);
    s.resetLog();
    const all = await p.generate(r);
    expect(all.map((g) => g.sampleIndex)).toEqual([0, 1, 2, 3]);
    expect(s.requests.filter((x) => x.path === '/v1/completions').map((x) => x.body.n)).toEqual([2]);
    expect(all.filter((g) => g.source?.startsWith('cache:')).map((g) => g.sampleIndex)).toEqual([0, 2]);
  });

  it('errors are never cached', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-cache-'));
    const s = await stub();
    s.setFaults([{ kind: 'status', status: 500 }]);
    const p = await provider({ baseUrl: s.url, cacheDir: dir, maxRetries: 0 });
    const [bad] = await p.generate(reqs(1)[0]);
    expect(bad.error).toContain('HTTP 500');
    s.setFaults(null);
    s.resetLog();
    const [good] = await p.generate(reqs(1)[0]);
    expect(good.error).toBeUndefined();
    expect(good.text).toMatch(/^p0 → call \d+$/);
    expect(s.stats.generationRequests).toBe(1);
  });

  it('the cache key includes the model identity', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-cache-'));
    const s = await stub();
    const p1 = await provider({ baseUrl: s.url, cacheDir: dir, id: 'openai:ckpt-A' });
    await p1.generate(reqs(1)[0]);
    const p2 = await provider({ baseUrl: s.url, cacheDir: dir, id: 'openai:ckpt-B' });
    s.resetLog();
    await p2.generate(reqs(1)[0]);
    expect(s.stats.generationRequests).toBe(1);
  });
});
