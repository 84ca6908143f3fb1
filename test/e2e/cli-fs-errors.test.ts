/**
 * Filesystem, port and database failures through the real CLI: one "evalkit: error:" line naming the path or
 * port, no stack trace, exit 2, nothing created. Permission cases run the CLI as an unprivileged user (root
 * ignores file modes).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import { cli, expectOneLineError } from '../helpers/cli.js';

let server: StubServer;
beforeAll(async () => {
  server = await startStubServer({ modelName: 'stub' });
});
afterAll(async () => server?.close());

/** A scratch folder an unprivileged user may enter (mkdtemp makes 0700 folders). */
function scratch(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `evalkit-fs-${name}-`));
  chmodSync(d, 0o777);
  return d;
}

const run = (runDir: string, extra: string[] = [], opts = {}) =>
  cli(
    [
      'run',
      '--model',
      `openai:${server.url}`,
      '--task',
      'gsm8k:chat',
      '--limit',
      '1',
      '--run-dir',
      runDir,
      '--quiet',
      ...extra,
    ],
    { EVALKIT_CACHE_DIR: scratch('cache') },
    opts,
  );

describe('one clear line for filesystem, port and database failures', () => {
  it('run directory that is a file (EEXIST)', async () => {
    const f = join(scratch('eexist'), 'file');
    writeFileSync(f, 'x');
    const r = await run(f);
    expect(r.status).toBe(2);
    expect(expectOneLineError(r)).toBe(
      `evalkit: error: run directory ${f}: exists and is not a directory (EEXIST)`,
    );
  });

  it('run directory under a file (ENOTDIR)', async () => {
    const base = scratch('enotdir');
    writeFileSync(join(base, 'file'), 'x');
    const dir = join(base, 'file', 'sub', 'run');
    const r = await run(dir);
    expect(r.status).toBe(2);
    expect(expectOneLineError(r)).toContain(
      `run directory ${dir}: ${join(base, 'file')} is a file, not a directory (ENOTDIR)`,
    );
  });

  it('run directory in a folder the user cannot write (EACCES): nothing created', async () => {
    const base = scratch('eacces');
    const locked = join(base, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    const dir = join(locked, 'runs', 'r1');
    const r = await run(dir, [], { unprivileged: true });
    expect(r.status, r.stderr).toBe(2);
    expect(expectOneLineError(r)).toMatch(
      new RegExp(`run directory ${dir}: cannot create it in ${locked}: permission denied \\(EACCES\\)`),
    );
    expect(readdirSync(locked)).toEqual([]);
  });

  it('--run-dir /proc/x fails at once instead of hanging', async () => {
    const r = await run('/proc/evalkit-test-x');
    expect(r.status).toBe(2);
    expect(expectOneLineError(r)).toMatch(
      /cannot create run directory \/proc\/evalkit-test-x: .*\((ENOENT|EACCES|EPERM)\)/,
    );
  });

  it('a failed start (unknown served model) leaves no empty run directory behind', async () => {
    const base = scratch('cleanup');
    const dir = join(base, 'a', 'b');
    const r = await run(dir, ['--model-name', 'no-such-model', '--max-retries', '0']);
    // The server answers 404 for an unknown model: samples error, but the run started (manifest exists).
    expect(r.status).toBe(1);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true);
    const bad = join(base, 'c', 'd');
    const r2 = await cli([
      'run',
      '--model',
      'openai:http://127.0.0.1:1/v1',
      '--task',
      'gsm8k:chat',
      '--limit',
      '1',
      '--run-dir',
      bad,
    ]);
    expect(r2.status).toBe(2);
    expect(existsSync(join(base, 'c')), 'created parents are removed too').toBe(false);
  });

  it('report folder that is a file (EEXIST) is refused before anything else', async () => {
    const f = join(scratch('report'), 'report.html');
    writeFileSync(f, 'x');
    const r = await cli(['report', 'a', 'b', '--out', f]);
    expect(r.status).toBe(2);
    expect(expectOneLineError(r)).toBe(
      `evalkit: error: report folder ${f}: exists and is not a directory (EEXIST)`,
    );
  });

  it('viewer port already in use (EADDRINUSE)', async () => {
    const taken: Server = createServer();
    await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
    const port = (taken.address() as { port: number }).port;
    try {
      const root = scratch('view');
      const r = await cli(['view', '--runs-root', root, '--port', String(port)]);
      expect(r.status).toBe(2);
      expect(expectOneLineError(r)).toBe(
        `evalkit: error: port ${port} on 127.0.0.1 is already in use (EADDRINUSE); choose another --port (0 = any free port)`,
      );
    } finally {
      await new Promise((ok) => taken.close(ok));
    }
  });

  it('read-only index database (EACCES)', async () => {
    const root = scratch('index');
    const db = join(root, 'index.sqlite');
    const first = await cli(['index', '--runs-root', root, '--db', db]);
    expect(first.status, first.stderr).toBe(0);
    chmodSync(db, 0o444);
    const r = await cli(['index', '--runs-root', root, '--db', db], {}, { unprivileged: true });
    expect(r.status, r.stderr).toBe(2);
    expect(expectOneLineError(r)).toBe(
      `evalkit: error: results database ${db}: permission denied (EACCES); make it writable or pass --db <another file>`,
    );
  });
});
