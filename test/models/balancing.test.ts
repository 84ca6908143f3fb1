// Several endpoints: least-loaded balancing, failover, ejection — three real stub servers on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAICompatibleProvider } from '../../src/models/openai-compatible.js';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import type { GenerationRecord, RequestRecord } from '../../src/types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function stubs(latencies: number[]): Promise<StubServer[]> {
  const out: StubServer[] = [];
  for (const l of latencies) {
    const s = await startStubServer({ latencyPerTokenMs: l });
    cleanups.push(() => s.close());
    out.push(s);
  }
  return out;
}

const requests = (count: number): RequestRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    requestId: `t|${i}`,
    task: 't',
    itemId: String(i),
    prompt: { kind: 'completion', text: `question ${i}\n` },
    params: { n: 2, temperature: 0.8, top_p: 0.95, max_tokens: 64, stop: ['\n\n'], seed: 1234 },
  }));

async function runAll(p: OpenAICompatibleProvider, reqs: RequestRecord[]): Promise<GenerationRecord[]> {
  return (await Promise.all(reqs.map((r) => p.generate(r)))).flat();
}

function byKey(gens: GenerationRecord[]): Map<string, string | null> {
  return new Map(gens.map((g) => [`${g.requestId}#${g.sampleIndex}`, g.text]));
}

describe('endpoint balancing', () => {
  it('three servers of different speed: every request once, faster servers do more, same results as one server', async () => {
    // fast: 0 ms/token, medium: 1 ms/token, slow: 4 ms/token (answers are ~30 tokens)
    const [fast, medium, slow] = await stubs([0, 1, 4]);
    const p = await OpenAICompatibleProvider.create({
      baseUrl: fast.url,
      endpoints: [medium.url, slow.url],
      concurrency: 12,
    });
    cleanups.push(() => p.close());
    const reqs = requests(240);
    const gens = await runAll(p, reqs);

    expect(gens).toHaveLength(480);
    expect(gens.every((g) => !g.error && typeof g.text === 'string')).toBe(true);
    // exactly once: the three servers together answered 240 calls, and every prompt arrived exactly once
    const served = [fast, medium, slow].map((s) => s.stats.completed);
    expect(served.reduce((a, b) => a + b, 0)).toBe(240);
    const prompts = [fast, medium, slow].flatMap((s) =>
      s.requests.filter((r) => r.path === '/v1/completions').map((r) => r.body.prompt),
    );
    expect(new Set(prompts).size).toBe(240);
    expect(prompts).toHaveLength(240);
    // faster servers do more
    expect(served[0]).toBeGreaterThan(served[1]);
    expect(served[1]).toBeGreaterThan(served[2]);
    // records name where they came from
    expect(new Set(gens.map((g) => g.source))).toEqual(new Set([fast.url, medium.url, slow.url]));

    // identical to a single-endpoint run (deterministic servers)
    const [solo] = await stubs([0]);
    const p1 = await OpenAICompatibleProvider.create({ baseUrl: solo.url, concurrency: 12 });
    cleanups.push(() => p1.close());
    expect(byKey(await runAll(p1, reqs))).toEqual(byKey(gens));
  });

  it('one server killed mid-run loses nothing; it is taken out of rotation', async () => {
    const [a, b, c] = await stubs([1, 1, 1]);
    const p = await OpenAICompatibleProvider.create({
      baseUrl: a.url,
      endpoints: [b.url, c.url],
      concurrency: 9,
      backoff: { baseMs: 5, maxMs: 20 },
      endpointCooldownMs: 60_000,
    });
    cleanups.push(() => p.close());
    const reqs = requests(300);
    let killed = false;
    const all = reqs.map(async (r) => {
      const g = await p.generate(r);
      // Kill server b once a third of the work is done, while it has requests in flight.
      if (!killed && a.stats.completed + b.stats.completed + c.stats.completed >= 100) {
        killed = true;
        void b.close();
      }
      return g;
    });
    const gens = (await Promise.all(all)).flat();
    expect(killed).toBe(true);
    expect(gens).toHaveLength(600);
    expect(gens.filter((g) => g.error)).toEqual([]);
    const keys = new Set(gens.map((g) => `${g.requestId}#${g.sampleIndex}`));
    expect(keys.size).toBe(600);
    const bEndpoint = p.pool.endpoints.find((e) => e.url === b.url)!;
    expect(bEndpoint.healthy).toBe(false);
    // after the kill, the survivors answered the rest
    expect(a.stats.completed + b.stats.completed + c.stats.completed).toBe(300);
  });

  it('an ejected endpoint comes back after a successful probe', async () => {
    const [a, b] = await stubs([0, 0]);
    b.setFaults([{ kind: 'status', status: 503 }]); // generation calls only: /v1/models probes still answer
    const p = await OpenAICompatibleProvider.create({
      baseUrl: a.url,
      endpoints: [b.url],
      concurrency: 1,
      endpointCooldownMs: 100,
      endpointFailureThreshold: 2,
      backoff: { baseMs: 5, maxMs: 10 },
    });
    cleanups.push(() => p.close());
    for (const r of requests(6)) expect((await p.generate(r)).every((g) => !g.error)).toBe(true);
    const be = p.pool.endpoints[1];
    expect(be.healthy).toBe(false);
    expect(b.stats.generationRequests).toBe(2); // ejected after two consecutive faults, then left alone
    b.setFaults(null);
    // the probe (GET /v1/models on b) re-admits it after the cool-down
    for (let i = 0; i < 200 && !be.healthy; i++) await new Promise((r) => setTimeout(r, 20));
    expect(be.healthy).toBe(true);
    expect(b.requests.some((r) => r.method === 'GET' && r.path === '/v1/models')).toBe(true);
    b.resetLog();
    await runAll(p, requests(20));
    expect(b.stats.completed).toBeGreaterThan(0);
  });
});
