import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../src/runner/run.js';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';

const quiet = { update() {}, done() {} };
let server: StubServer;
beforeAll(async () => {
  server = await startStubServer({ respond: () => ' The answer is 42.\n\nQuestion: junk' });
});
afterAll(async () => server?.close());

const gens = () =>
  server.requests.filter((r) => r.path === '/v1/completions' || r.path === '/v1/chat/completions');

describe('OLMES request shaping chosen by the task variant', () => {
  it('OLMES-alias variants get OLMES shaping; other variants in the same run do not', async () => {
    server.resetLog();
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-shaping-'));
    const res = await runEvaluation({
      runDir: dir,
      model: { model: `openai:${server.url}`, maxRetries: 1 },
      tasks: ['gsm8k::olmes', 'gsm8k:chat'],
      options: { limit: 2 },
      progress: quiet,
    });
    expect(res.status).toBe('completed');
    const olmes = gens().filter((r) => r.path === '/v1/completions');
    const chat = gens().filter((r) => r.path === '/v1/chat/completions');
    expect(olmes).toHaveLength(2);
    expect(chat).toHaveLength(2);
    for (const r of olmes) {
      expect(r.body).toMatchObject({ add_special_tokens: false, skip_special_tokens: false });
      expect(r.body.stop).toContain('</s>'); // the stub tokenizer's EOS, discovered from /tokenizer_info
    }
    for (const r of chat) expect(r.body.add_special_tokens).toBeUndefined();
  });

  it('--no-olmes-parity (olmesParity: false) turns it off', async () => {
    server.resetLog();
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-shaping-off-'));
    await runEvaluation({
      runDir: dir,
      model: { model: `openai:${server.url}`, olmesParity: false, maxRetries: 1 },
      tasks: ['gsm8k::olmes'],
      options: { limit: 1 },
      progress: quiet,
    });
    expect(gens()).toHaveLength(1);
    expect(gens()[0].body.add_special_tokens).toBeUndefined();
  });
});
