/**
 * Contamination scan: normalisation, unit splitting at line boundaries, threads vs inline, and the CLI on real
 * benchmark items (GSM8K and HumanEval from the dataset mirror) planted, perturbed, in JSONL, text and gzip files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildItemIndex, itemCoverage } from '../../src/contamination/item-index.js';
import { NgramHasher, ngramKeysOf, normalisedTokens } from '../../src/contamination/ngrams.js';
import { listDataFiles, planUnits, scanData } from '../../src/contamination/scan.js';
import { DatasetResolver } from '../../src/datasets/registry.js';
import { getTask } from '../../src/tasks/registry.js';
import { REPO_ROOT, SHARED_DATASETS } from '../helpers/paths.js';

const CLI = join(REPO_ROOT, 'bin', 'evalkit.js');

function keysOfJsonLine(line: string, n: number): Array<[number, number]> {
  const keys: Array<[number, number]> = [];
  const h = new NgramHasher(n, true, (hi, lo) => keys.push([hi, lo]));
  const b = Buffer.from(line, 'utf8');
  h.push(b, 0, b.length, 0, true);
  h.finish(b.length);
  return keys;
}

const gsmTest = readFileSync(join(SHARED_DATASETS, 'gsm8k', 'test.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { question: string; answer: string });

describe('normalisation', () => {
  it('folds ASCII case, splits on punctuation and whitespace, keeps non-ASCII letters', () => {
    expect(normalisedTokens('Héllo, WORLD!\tfoo_bar 42x')).toEqual(['héllo', 'world', 'foo', 'bar', '42x']);
  });

  it('a JSON-encoded document yields the same n-grams as its text (escapes separate)', () => {
    const text =
      'Natalia sold clips to 48 of her friends in April,\n"and then" she sold half\tas many clips in May.';
    const plain = ngramKeysOf(text, 5);
    const json = keysOfJsonLine(JSON.stringify({ text }), 5);
    expect(plain.length).toBe(normalisedTokens(text).length - 4);
    // the JSON line also holds the key "text" in front: every n-gram of the text appears, in order, after it
    expect(json.slice(1)).toEqual(plain);
  });

  it('no n-gram spans two JSONL documents', () => {
    const a = 'one two three four';
    const keys = keysOfJsonLine(`${JSON.stringify({ t: a })}\n${JSON.stringify({ t: a })}`, 4);
    // per line: tokens t one two three four -> 2 four-grams
    expect(keys.length).toBe(4);
    expect(keys[0]).toEqual(keys[2]);
  });
});

describe('scan', () => {
  it('splits files into units at line boundaries; a document straddling a boundary is scanned once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-contam-'));
    const filler = (i: number) => JSON.stringify({ text: `filler document number ${i} with some words` });
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(filler(i));
    const planted = gsmTest[17]!;
    lines.splice(1500, 0, JSON.stringify({ text: `${planted.question}\n${planted.answer}` }));
    writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
    const files = listDataFiles([dir]);
    const task = await getTask('gsm8k::olmes');
    const results: number[][] = [];
    for (const [workers, unitBytes] of [
      [1, 1 << 30],
      [2, 997],
      [2, 40_000],
    ] as const) {
      const index = await buildItemIndex([task], 13, new DatasetResolver());
      const { stats } = await scanData(index, files, { workers, unitBytes });
      expect(stats.units).toBe(planUnits(files, unitBytes).length);
      const covered = index.items.map((it) => itemCoverage(it, 13, index.table).coverage);
      results.push(covered);
      const hit = index.items.findIndex((it) => it.occurrences.some((o) => o.itemId === 'gsm8k/17'));
      expect(covered[hit]).toBe(1);
      expect(covered.filter((c) => c > 0).length).toBe(1);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('CLI: finds perturbed planted items in JSONL, text and gzip files, with evidence, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-contam-cli-'));
    mkdirSync(join(dir, 'sub'));
    const q = (i: number) => `${gsmTest[i]!.question}\n${gsmTest[i]!.answer}`;
    const clean = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify({ text: `a clean training document ${i} about nothing in particular at all` }),
    );
    // upper-cased and punctuation-doubled copies, embedded in longer documents
    clean.splice(100, 0, JSON.stringify({ text: `intro words here. ${q(5).toUpperCase()} trailing words` }));
    clean.splice(300, 0, JSON.stringify({ text: q(900).replace(/([.,])/g, '$1$1') }));
    writeFileSync(join(dir, 'a.jsonl'), clean.join('\n') + '\n');
    writeFileSync(join(dir, 'sub', 'b.txt'), `Some book text.\n${q(1200)}\nMore text.\n`);
    writeFileSync(join(dir, 'sub', 'c.jsonl.gz'), gzipSync(JSON.stringify({ text: q(42) }) + '\n'));
    // half of an item: partial, not contaminated
    const half = q(77).split(' ');
    writeFileSync(join(dir, 'sub', 'd.txt'), half.slice(0, Math.floor(half.length / 3)).join(' ') + '\n');
    const out = join(dir, 'report.json');
    const r = spawnSync(
      process.execPath,
      [CLI, 'contamination', '--data', dir, '--task', 'gsm8k::olmes', '--out', out, '--quiet'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/gsm8k::olmes\s+1319\s+4\s+1/);
    const rep = JSON.parse(readFileSync(out, 'utf8'));
    const t = rep.tasks[0];
    expect(t.contaminatedItems.map((i: { itemId: string }) => i.itemId)).toEqual([
      'gsm8k/5',
      'gsm8k/42',
      'gsm8k/900',
      'gsm8k/1200',
    ]);
    expect(t.partialItems.map((i: { itemId: string }) => i.itemId)).toEqual(['gsm8k/77']);
    const e1200 = t.contaminatedItems.find((i: { itemId: string }) => i.itemId === 'gsm8k/1200');
    expect(e1200.evidence.file).toBe(join(dir, 'sub', 'b.txt'));
    expect(e1200.evidence.snippet).toContain(gsmTest[1200]!.question.split(' ').slice(0, 5).join(' '));
    expect(rep.n).toBe(13);
  });

  it('CLI: an unsupported file or a missing path is one clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-contam-bad-'));
    writeFileSync(join(dir, 'x.parquetx'), 'zz');
    const r = spawnSync(
      process.execPath,
      [CLI, 'contamination', '--data', join(dir, 'x.parquetx'), '--task', 'gsm8k::olmes'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `evalkit: error: --data ${join(dir, 'x.parquetx')}: unsupported file type (expected .jsonl, .ndjson, .json (one document per line), .txt, .md, optionally .gz)`,
    );
    const r2 = spawnSync(
      process.execPath,
      [CLI, 'contamination', '--data', join(dir, 'nope'), '--task', 'gsm8k::olmes'],
      { encoding: 'utf8' },
    );
    expect(r2.status).toBe(2);
    expect(r2.stderr.trim()).toBe(`evalkit: error: --data ${join(dir, 'nope')}: ENOENT`);
  });
});
