/**
 * `gguf:hf:<owner>/<repo>/<file>` resolution: cache hit without network, download through a real local HTTP
 * server standing in for the hub (HF_ENDPOINT, as the hub's own clients use for mirrors), and clear errors.
 */
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyGguf } from '../../../src/models/llama-cpp/tiny-gguf.js';
import { resolveGgufModel } from '../../../src/models/llama-cpp/index.js';
import { EvalkitError } from '../../../src/util/errors.js';

let server: Server;
let hub: string;
const hits: string[] = [];
const model = buildTinyGguf({ seed: 3 });

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? ''}`);
    if (req.url === '/tiny-org/tiny-repo/resolve/main/sub/tiny%20model.gguf') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': model.length });
      res.end(model);
    } else if (req.url?.startsWith('/gated/')) {
      res.writeHead(401);
      res.end('unauthorized');
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  hub = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address();
  await new Promise((r) => s.close(r));
  return typeof addr === 'object' && addr ? addr.port : 0;
}

afterAll(async () => {
  await new Promise((r) => server.close(r));
  delete process.env.HF_ENDPOINT;
  delete process.env.HF_TOKEN;
});

describe('resolveGgufModel', () => {
  it('downloads hf:<owner>/<repo>/<path> once into <cacheDir>/models/, then serves it from the cache', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'evalkit-hf-'));
    process.env.HF_ENDPOINT = hub + '/';
    process.env.HF_TOKEN = 'hf_test_token';
    const p = await resolveGgufModel('hf:tiny-org/tiny-repo/sub/tiny model.gguf', cache);
    expect(p).toBe(join(cache, 'models', 'tiny-org', 'tiny-repo', 'sub', 'tiny model.gguf'));
    expect(Buffer.compare(await readFile(p), model)).toBe(0);
    expect(hits).toEqual([
      'GET /tiny-org/tiny-repo/resolve/main/sub/tiny%20model.gguf auth=Bearer hf_test_token',
    ]);
    expect(await readdir(join(cache, 'models', 'tiny-org', 'tiny-repo', 'sub'))).toEqual(['tiny model.gguf']); // no .part left
    const again = await resolveGgufModel('hf:tiny-org/tiny-repo/sub/tiny model.gguf', cache);
    expect(again).toBe(p);
    expect(hits).toHaveLength(1);
  });

  it('a file already in the cache needs no network at all', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'evalkit-hf-'));
    await mkdir(join(cache, 'models', 'o', 'r'), { recursive: true });
    await writeFile(join(cache, 'models', 'o', 'r', 'm.gguf'), model);
    process.env.HF_ENDPOINT = `http://127.0.0.1:${await closedPort()}`; // nothing listens there
    expect(await resolveGgufModel('hf:o/r/m.gguf', cache)).toBe(join(cache, 'models', 'o', 'r', 'm.gguf'));
  });

  it('clear errors: malformed spec, HTTP 404 / 401, unreachable hub', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'evalkit-hf-'));
    await expect(resolveGgufModel('hf:only-owner/model.gguf', cache)).rejects.toThrow(
      /expected gguf:hf:<owner>\/<repo>\/<file.gguf>/,
    );
    process.env.HF_ENDPOINT = hub;
    await expect(resolveGgufModel('hf:o/r/missing.gguf', cache)).rejects.toThrow(
      /could not download .*\/o\/r\/resolve\/main\/missing.gguf: HTTP 404/,
    );
    await expect(resolveGgufModel('hf:gated/r/m.gguf', cache)).rejects.toThrow(
      /HTTP 401 \(gated repository\? set HF_TOKEN\)/,
    );
    const closed = await closedPort();
    process.env.HF_ENDPOINT = `http://127.0.0.1:${closed}`;
    const err = await resolveGgufModel('hf:o/r/m.gguf', cache).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EvalkitError);
    expect((err as Error).message).toContain(
      `could not download http://127.0.0.1:${closed}/o/r/resolve/main/m.gguf: ECONNREFUSED (offline?)`,
    );
    expect((err as Error).message).toContain(join(cache, 'models', 'o', 'r', 'm.gguf'));
    await expect(readdir(join(cache, 'models', 'o', 'r'))).resolves.toEqual([]);
  });
});
