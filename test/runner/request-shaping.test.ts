import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../src/runner/run.js';
import { RUN_FILES } from '../../src/store/run-dir.js';
import { startStubServer, stubTokenize, type StubServer } from '../../src/testing/openai-stub-server.js';
import type { RequestRecord } from '../../src/types.js';
import { cli, expectOneLineError, jsonl, readJsonFile } from '../helpers/cli.js';

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
      model: { model: `openai:${server.url}`, maxRetries: 1 },
      tasks: ['gsm8k::olmes'],
      options: { limit: 1, olmesParity: false },
      progress: quiet,
    });
    expect(gens()).toHaveLength(1);
    expect(gens()[0].body.add_special_tokens).toBeUndefined();
  });
});

describe('evalkit run: shaping is a fact of each request (real CLI, real stub server)', () => {
  // An EOS string that no task has in its own stops, so "EOS added to the stops" is visible.
  const EOS = '<|eos-x|>';
  let s: StubServer;
  beforeAll(async () => {
    s = await startStubServer({ eosToken: EOS, respond: () => ' The answer is (A).\n\nQuestion: junk' });
  });
  afterAll(async () => s?.close());
  const MAX_LENGTH = 3000; // gsm8k::olmes max_tokens 512 → 2488 prompt tokens; mmlu_pro 2048 → 952

  /** `evalkit run` of gsm8k::olmes (an OLMES alias) + mmlu_pro (not one), 2 items each, into `dir`. */
  const runArgs = (dir: string, flags: string[]): string[] => [
    'run',
    '--model',
    `openai:${s.url}`,
    '--task',
    'gsm8k::olmes',
    '--task',
    'mmlu_pro',
    '--limit',
    '2',
    '--max-length',
    String(MAX_LENGTH),
    // MMLU-Pro keeps its 5 shots (fitted below 8192 − 2048 tokens; the stub tokenizer counts bytes)
    '--max-model-len',
    '8192',
    '--run-dir',
    dir,
    ...flags,
  ];

  /** Run gsm8k::olmes (OLMES alias) + mmlu_pro (not an OLMES alias) through the CLI; what reached the server. */
  async function runWith(flags: string[]) {
    s.resetLog();
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-shaping-cli-'));
    const r = await cli(runArgs(dir, flags));
    expect(r.status, r.stderr).toBe(0);
    const sent = s.requests.filter((x) => x.path === '/v1/completions');
    const requests: RequestRecord[] = jsonl(join(dir, RUN_FILES.requests));
    expect(requests).toHaveLength(4);
    expect(sent).toHaveLength(4);
    // pair each recorded request with the body the server received (a truncated prompt arrives as token ids)
    const bodyOf = (req: RequestRecord) => {
      const text = req.prompt.kind === 'completion' ? req.prompt.text : '';
      const maxCtx = MAX_LENGTH - req.params.max_tokens;
      const ids = JSON.stringify(stubTokenize(text, false).slice(-maxCtx));
      const hits = sent.filter((x) => x.body.prompt === text || JSON.stringify(x.body.prompt) === ids);
      expect(hits).toHaveLength(1);
      return hits[0].body;
    };
    return { dir, r, requests, bodyOf };
  }

  /** The body of an OLMES-shaped request: no BOS, EOS appended, left-truncated to max_length - max_tokens. */
  function expectShaped(req: RequestRecord, body: any) {
    const text = req.prompt.kind === 'completion' ? req.prompt.text : '';
    const maxCtx = MAX_LENGTH - req.params.max_tokens;
    expect(req.params.shaping).toBe('olmes');
    expect(body).toMatchObject({ add_special_tokens: false, skip_special_tokens: false, logprobs: 1 });
    expect(body.stop).toEqual([...req.params.stop, EOS]);
    const bytes = Buffer.byteLength(text);
    expect(body.prompt).toEqual(bytes > maxCtx ? stubTokenize(text, false).slice(-maxCtx) : text);
    return bytes > maxCtx;
  }

  function expectUnshaped(req: RequestRecord, body: any) {
    expect(req.params.shaping).toBeUndefined();
    expect(body.add_special_tokens).toBeUndefined();
    expect(body.skip_special_tokens).toBeUndefined();
    expect(body.logprobs).toBeUndefined();
    expect(body.stop).toEqual(req.params.stop); // no EOS added
    expect(body.prompt).toBe(req.prompt.kind === 'completion' ? req.prompt.text : undefined); // never truncated
  }

  it('default: only the OLMES-alias variant is shaped; --no-olmes-parity: none; --olmes-parity: all; a resume must agree', async () => {
    const byDefault = await runWith([]);
    expect(byDefault.r.stderr).toContain(
      'OLMES-parity request shaping (no BOS, EOS in stops, left truncation) for: gsm8k::olmes\n',
    );
    let truncated = 0;
    for (const req of byDefault.requests) {
      if (req.task === 'gsm8k::olmes') truncated += Number(expectShaped(req, byDefault.bodyOf(req)));
      else expectUnshaped(req, byDefault.bodyOf(req));
    }
    // mmlu_pro's 5-shot prompts are longer than 952 bytes but, unshaped, are sent whole
    expect(
      byDefault.requests
        .filter((q) => q.task === 'mmlu_pro')
        .every((q) => q.prompt.kind === 'completion' && Buffer.byteLength(q.prompt.text) > MAX_LENGTH - 2048),
    ).toBe(true);
    // gsm8k's two 8-shot prompts are 2561 and 2384 bytes (= stub tokens): only the first exceeds 2488
    expect(truncated).toBe(1);
    const manifest = readJsonFile(join(byDefault.dir, RUN_FILES.manifest));
    expect(manifest.options.olmesParity).toBeUndefined();
    expect(manifest.model.olmesShaping).toMatchObject({
      eosToken: EOS,
      eosTokenSource: `${s.rootUrl}/tokenizer_info`,
    });

    const none = await runWith(['--no-olmes-parity']);
    expect(none.r.stderr).not.toContain('OLMES-parity request shaping');
    for (const req of none.requests) expectUnshaped(req, none.bodyOf(req));
    expect(s.requests.some((x) => x.path === '/tokenizer_info' || x.path === '/tokenize')).toBe(false);
    expect(readJsonFile(join(none.dir, RUN_FILES.manifest)).options.olmesParity).toBe(false);

    const all = await runWith(['--olmes-parity']);
    expect(all.r.stderr).toContain('for: gsm8k::olmes, mmlu_pro\n');
    truncated = 0;
    for (const req of all.requests) truncated += Number(expectShaped(req, all.bodyOf(req)));
    expect(truncated).toBe(3); // + the two mmlu_pro prompts (4658, 4708 bytes), left-truncated to 952 token ids
    expect(s.requests.filter((x) => x.path === '/tokenize')).toHaveLength(3);

    // The flag is part of the run's identity: resuming the default run with another choice is refused.
    const resume = await cli(runArgs(byDefault.dir, ['--no-olmes-parity']));
    expect(resume.status).not.toBe(0);
    expect(expectOneLineError(resume)).toMatch(/task "gsm8k::olmes" was run with different settings/);
  });

  it('an OLMES-alias variant on a server that cannot tell its EOS: one clear line before any request, nothing left behind', async () => {
    const bare = await startStubServer({ tokenizerInfo: false });
    try {
      const dir = join(mkdtempSync(join(tmpdir(), 'evalkit-shaping-eos-')), 'run');
      const args = ['run', '--model', `openai:${bare.url}`, '--task', 'gsm8k::olmes', '--limit', '1'];
      const r = await cli([...args, '--run-dir', dir]);
      expect(r.status).not.toBe(0);
      expect(expectOneLineError(r)).toMatch(
        /needs the tokenizer's EOS string .* pass --eos-token .* or --no-olmes-parity/,
      );
      expect(bare.requests.some((x) => x.path === '/v1/completions')).toBe(false);
      expect(existsSync(dir)).toBe(false);
      // the two ways out both work: an explicit EOS, or no shaping
      const withEos = await cli([...args, '--run-dir', dir, '--eos-token', '<|eot|>']);
      expect(withEos.status, withEos.stderr).toBe(0);
      const sent = bare.requests.filter((x) => x.path === '/v1/completions');
      expect(sent.map((x) => x.body.stop.at(-1))).toEqual(['<|eot|>']);
      const unshaped = await cli([...args, '--run-dir', `${dir}-plain`, '--no-olmes-parity']);
      expect(unshaped.status, unshaped.stderr).toBe(0);
    } finally {
      await bare.close();
    }
  });
});
