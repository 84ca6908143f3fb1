// createProvider dispatch: openai: (real stub server), vllm: (managed server wrapping the stub CLI as a fake
// `vllm` executable, when src/models/vllm and the built stub exist), gguf: and unknown forms.
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../src/models/index.js';
import { startStubServer } from '../../src/testing/openai-stub-server.js';
import { EvalkitError } from '../../src/util/errors.js';
import { REPO_ROOT } from '../helpers/paths.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const req = {
  requestId: 't|1',
  task: 't',
  itemId: '1',
  prompt: { kind: 'completion' as const, text: 'hello' },
  params: { n: 2, temperature: 0, top_p: 1, max_tokens: 32, stop: [] },
};

describe('createProvider', () => {
  it('openai:<url> → OpenAI-compatible provider on that server (endpoints, model name, concurrency from the spec)', async () => {
    const a = await startStubServer({ modelName: 'ckpt' });
    const b = await startStubServer({ modelName: 'ckpt' });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const p = await createProvider({
      model: `openai:${a.url}`,
      endpoints: [b.rootUrl],
      concurrency: 3,
      stream: true,
    });
    cleanups.push(async () => p.close?.());
    expect(p.id).toBe(`openai:${a.url}#ckpt`);
    expect(p.description).toMatchObject({
      modelName: 'ckpt',
      endpoints: [a.url, b.url],
      concurrency: 3,
      stream: true,
    });
    const gens = await p.generate(req);
    expect(gens.map((g) => g.sampleIndex)).toEqual([0, 1]);
    expect(gens.every((g) => typeof g.text === 'string' && !g.error)).toBe(true);
  });

  it('unknown or malformed forms → EvalkitError listing the accepted forms', async () => {
    await expect(createProvider({ model: 'hf:foo/bar' })).rejects.toThrow(EvalkitError);
    await expect(createProvider({ model: 'hf:foo/bar' })).rejects.toThrow(/openai:.*vllm:.*gguf:/);
    await expect(createProvider({ model: 'just-a-name' })).rejects.toThrow(/accepted/);
    await expect(createProvider({ model: 'openai:localhost:8000' })).rejects.toThrow(/openai:http/);
  });

  it('openai: on a dead server without --model-name fails fast with a clear error', async () => {
    const s = await startStubServer();
    const url = s.url;
    await s.close();
    const err = await createProvider({ model: `openai:${url}` }).catch((e) => e as Error);
    // the connection is the problem, not the model name
    expect(err.message).toMatch(
      new RegExp(`^server unreachable at ${url}; is the server running\\? .*ECONNREFUSED`),
    );
    expect(err.message).not.toMatch(/model name/);
  });

  it('gguf:<missing file> reaches the embedded engine (its error, not "unknown form")', async () => {
    const hasGguf = existsSync(resolve(REPO_ROOT, 'src/models/llama-cpp/index.ts'));
    if (!hasGguf) return; // engine module not present in this checkout
    await expect(createProvider({ model: 'gguf:/nonexistent/model.gguf' })).rejects.toThrow(/not found/);
  });

  const stubCli = resolve(REPO_ROOT, 'dist/testing/openai-stub-server.js');
  const vllmReady = existsSync(resolve(REPO_ROOT, 'src/models/vllm/index.ts')) && existsSync(stubCli);
  it.skipIf(!vllmReady)(
    'vllm:<checkpoint> starts the managed server (fake vllm = stub CLI) and close() stops it',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'evalkit-fake-vllm-'));
      const exe = join(dir, 'vllm');
      // Translate `vllm serve <ckpt> --port P --served-model-name N …` into the stub CLI's flags.
      writeFileSync(
        exe,
        `#!/usr/bin/env node
const a = process.argv.slice(2); const get = (f) => { const i = a.indexOf(f); return i >= 0 ? a[i + 1] : undefined; };
const args = [${JSON.stringify(stubCli)}, '--port', get('--port') ?? '0', '--model-name', get('--served-model-name') ?? a[1]];
const { spawn } = await import('node:child_process');
const c = spawn(process.execPath, args, { stdio: 'inherit' });
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => c.kill(s));
c.on('exit', (code) => process.exit(code ?? 0));
`,
      );
      chmodSync(exe, 0o755);
      const ckpt = mkdtempSync(join(tmpdir(), 'evalkit-ckpt-'));
      writeFileSync(join(ckpt, 'tokenizer_config.json'), JSON.stringify({ eos_token: '</s>' }));
      const runDir = mkdtempSync(join(tmpdir(), 'evalkit-run-'));
      const p = await createProvider({
        model: `vllm:${ckpt}`,
        modelName: 'ckpt',
        runDir,
        vllm: { executable: exe, healthTimeoutMs: 60_000 },
      });
      const endpoint = (p.description.endpoints as string[])[0];
      try {
        expect(p.id).toBe(`vllm:${ckpt}#ckpt`);
        // an OLMES-shaped variant makes the managed provider resolve the EOS string up front
        const shaped = { ...req.params, shaping: 'olmes' as const };
        await p.prepare!([{ format: 'completion', generation: shaped }]);
        expect(p.description).toMatchObject({ managedServer: 'vllm', olmesShaping: { eosToken: '</s>' } });
        const gens = await p.generate({ ...req, params: shaped });
        expect(gens.every((g) => typeof g.text === 'string' && !g.error)).toBe(true);
        expect((await fetch(`${endpoint}/models`)).status).toBe(200);
      } finally {
        await p.close?.();
      }
      await expect(fetch(`${endpoint}/models`)).rejects.toThrow(); // server stopped with the provider
    },
  );
});
