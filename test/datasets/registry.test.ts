import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHECKOUT_MIRROR,
  DATASET_FILES,
  DatasetResolver,
  parseJsonl,
  requireField,
} from '../../src/datasets/registry.js';
import { SHARED_DATASETS } from '../helpers/paths.js';

describe('dataset registry', () => {
  it("every registered checksum is the one the dataset's own PROVENANCE.md publishes, and the file's bytes hash to it", async () => {
    // Independent of the resolver: the bytes are hashed here, and the expected value is read from the provenance
    // notes written when the mirror was made (../shared/datasets/<family>/*.md).
    const notStated: string[] = [];
    for (const f of DATASET_FILES) {
      const file = join(SHARED_DATASETS, f.mirrorPath);
      const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
      expect(f.sha256, f.id).toContain(digest);
      const segments = f.mirrorPath.split('/');
      const notesDir = join(SHARED_DATASETS, ...segments.slice(0, segments[0] === '..' ? 3 : 1));
      const notes = readdirSync(notesDir)
        .filter((x) => x.toLowerCase().endsWith('.md'))
        .map((x) => readFileSync(join(notesDir, x), 'utf8'))
        .join('\n');
      if (!notes.includes(digest)) notStated.push(f.id);
      if (f.format === 'jsonl' || f.format === 'jsonl.gz') {
        const { records } = await new DatasetResolver({ dataDir: SHARED_DATASETS }).jsonl(f.id);
        if (f.records) expect(records.length, f.id).toBe(f.records);
      }
    }
    // Files whose provenance notes give no checksum (the Spiral-Bench and politeness files inside eqbench3/):
    // listed so that a new entry must come with one.
    expect(notStated).toEqual([
      'spiral-bench-prompts',
      'spiral-bench-user-default',
      'spiral-bench-user-categories',
      'spiral-bench-user-injections',
      'spiral-bench-rubric-criteria',
      'spiral-bench-scoring-weights',
      'spiral-bench-final-judge-prompt',
      'politeness-stackexchange',
    ]);
  });

  it('rejects a mirror file whose checksum does not match, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-mirror-'));
    mkdirSync(join(dir, 'gsm8k'));
    writeFileSync(join(dir, 'gsm8k', 'test.jsonl'), '{"question":"x","answer":"#### 1"}\n');
    const r = new DatasetResolver({ dataDir: dir });
    await expect(r.resolve('gsm8k-test')).rejects.toThrow(/checksum mismatch for .*gsm8k\/test\.jsonl/);
  });

  it('downloads into the cache with checksum verification when no mirror is set, then reuses the cache', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'evalkit-cache-'));
    const mirror = new DatasetResolver({ dataDir: SHARED_DATASETS });
    const bytes = (await mirror.resolve('aime24')).bytes;
    let calls = 0;
    const fetchImpl = (async () => {
      calls++;
      return new Response(bytes);
    }) as typeof fetch;
    const r1 = new DatasetResolver({ dataDir: undefined, cacheDir, fetchImpl });
    (r1 as any).dataDir = undefined;
    const a = await r1.jsonl('aime24');
    expect(a.records.length).toBe(30);
    expect(calls).toBe(1);
    const r2 = new DatasetResolver({ cacheDir, fetchImpl });
    (r2 as any).dataDir = undefined;
    await r2.resolve('aime24');
    expect(calls).toBe(1);
    const bad = new DatasetResolver({
      cacheDir: mkdtempSync(join(tmpdir(), 'c-')),
      fetchImpl: (async () => new Response('tampered')) as typeof fetch,
    });
    (bad as any).dataDir = undefined;
    await expect(bad.resolve('aime24')).rejects.toThrow(/checksum mismatch/);
  });

  it('offline without EVALKIT_DATA_DIR: falls back to the mirror next to the checkout, and says so', async () => {
    expect(CHECKOUT_MIRROR).toBe(SHARED_DATASETS); // <checkout>/../shared/datasets, as the tests find it
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const cacheDir = mkdtempSync(join(tmpdir(), 'evalkit-cache-'));
    const r = new DatasetResolver({ cacheDir, fetchImpl: offline, fallbackMirror: SHARED_DATASETS });
    (r as any).dataDir = undefined;
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (writes.push(String(s)), true)) as typeof process.stderr.write;
    try {
      const got = await r.resolve('aime24');
      expect(got.path).toBe(join(SHARED_DATASETS, 'aime', 'aime24_test.jsonl'));
    } finally {
      process.stderr.write = orig;
    }
    expect(writes.join('')).toMatch(
      /download failed \(fetch failed\); using the offline mirror next to this checkout/,
    );
    const none = new DatasetResolver({ cacheDir, fetchImpl: offline, fallbackMirror: null });
    (none as any).dataDir = undefined;
    await expect(none.resolve('aime24')).rejects.toThrow(
      /download from .* failed \(fetch failed\); offline\? set EVALKIT_DATA_DIR/,
    );
  });

  it('reports a malformed line with file and line number, and a bad field with its name', () => {
    expect(() => parseJsonl('{"a":1}\n{"a":\n', 'data.jsonl')).toThrow('data.jsonl:2: malformed JSON line');
    expect(() => requireField({ task_id: 3 }, 'task_id', 'string', 'data.jsonl', 7)).toThrow(
      'data.jsonl:7: field "task_id" has type number, expected string',
    );
  });
});
