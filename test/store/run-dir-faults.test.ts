/**
 * Issue #10 (run reliability): disk full, short writes and a corrupt middle line in the run logs. Each ends in one
 * clear error naming the file with nothing half-written, or (corrupt line) in a resumable run directory.
 * /dev/full stands in for a full disk; RLIMIT_FSIZE (bash `ulimit -f`, with SIGXFSZ ignored) makes write(2) short.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlAppender, loadRunState, writeJsonAtomic } from '../../src/store/run-dir.js';
import { EvalkitError } from '../../src/util/errors.js';
import { REPO_ROOT } from '../helpers/paths.js';

describe('run directory faults', () => {
  it('disk full while appending: one EvalkitError naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-full-'));
    const path = join(dir, 'generations.jsonl');
    symlinkSync('/dev/full', path);
    const log = new JsonlAppender(path);
    let err: unknown;
    try {
      log.append({ requestId: 'r', sampleIndex: 0, text: 'x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EvalkitError);
    expect((err as Error).message).toMatch(/generations\.jsonl: cannot write a record \(ENOSPC: disk full\)/);
  });

  it('disk full while writing the manifest: clear error, previous manifest unchanged, no temp file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-full-'));
    const path = join(dir, 'manifest.json');
    writeFileSync(path, '{"status": "running"}\n');
    symlinkSync('/dev/full', `${path}.tmp-${process.pid}`);
    await expect(writeJsonAtomic(path, { status: 'completed' })).rejects.toThrow(
      /manifest\.json: cannot write \(ENOSPC: disk full\); the previous version is unchanged/,
    );
    expect(readFileSync(path, 'utf8')).toBe('{"status": "running"}\n');
    expect(readdirSync(dir)).toEqual(['manifest.json']);
  });

  it('short writes (file size limit): records are complete or absent, never half-written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-short-'));
    const path = join(dir, 'verdicts.jsonl');
    const script = `
      import { JsonlAppender } from ${JSON.stringify(join(REPO_ROOT, 'src', 'store', 'run-dir.ts'))};
      const log = new JsonlAppender(${JSON.stringify(path)});
      let n = 0;
      try {
        for (;;) { log.append({ i: n, pad: 'p'.repeat(300) }); n++; }
      } catch (e) {
        console.log(JSON.stringify({ n, name: e.constructor.name, message: e.message }));
      }`;
    const scriptPath = join(dir, 'writer.ts');
    writeFileSync(scriptPath, script);
    const viteNode = join(REPO_ROOT, 'node_modules', '.bin', 'vite-node');
    // 8 KiB limit: the 27th record crosses it, so write(2) writes part of it and the next write fails with EFBIG
    const r = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 8; exec "${viteNode}" "${scriptPath}"`], {
      encoding: 'utf8',
    });
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      n: number;
      name: string;
      message: string;
    };
    expect(out.name).toBe('EvalkitError');
    expect(out.message).toMatch(/verdicts\.jsonl: cannot write a record \(EFBIG\)/);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([...Array(out.n).keys()]);
    expect(out.n).toBeGreaterThan(0);
  }, 120_000);

  it('a corrupt middle line is set aside on resume, its sample is redone, and the run says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-corrupt-'));
    const g = (i: number) =>
      JSON.stringify({ requestId: 'r1', task: 't', itemId: 'i', sampleIndex: i, text: `s${i}` });
    writeFileSync(join(dir, 'generations.jsonl'), [g(0), '{"requestId": "r1", "sampl', g(2), ''].join('\n'));
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let state;
    try {
      state = await loadRunState(dir);
    } finally {
      process.stderr.write = write;
    }
    expect([...state.generations.keys()].sort()).toEqual(['r1#0', 'r1#2']); // sample 1 will be generated again
    expect(stderr.join('')).toMatch(
      /generations\.jsonl:2: corrupt record set aside in .*generations\.jsonl\.corrupt/,
    );
    expect(readFileSync(join(dir, 'generations.jsonl'), 'utf8')).toBe([g(0), g(2), ''].join('\n'));
    expect(readFileSync(join(dir, 'generations.jsonl.corrupt'), 'utf8')).toContain('"line":2');
    expect(existsSync(join(dir, `generations.jsonl.tmp-${process.pid}`))).toBe(false);
    // a second load finds nothing to set aside
    expect((await loadRunState(dir)).generations.size).toBe(2);
  });
});
