import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRunDirs } from '../../src/store/db/results-db.js';
import { prepareWritableDir, removeCreatedDirs } from '../../src/store/writable-dir.js';

describe('writable directories', () => {
  it('creates missing parents one level at a time and can undo exactly what it created', () => {
    const base = mkdtempSync(join(tmpdir(), 'evalkit-wd-'));
    const { dir, created } = prepareWritableDir(join(base, 'a', 'b', 'c'), 'run directory');
    expect(existsSync(dir)).toBe(true);
    expect(created).toBe(join(base, 'a'));
    removeCreatedDirs(dir, created);
    expect(existsSync(join(base, 'a'))).toBe(false);
    expect(existsSync(base)).toBe(true);
    expect(prepareWritableDir(base, 'run directory').created).toBeUndefined();
  });

  it('names the file in the way', () => {
    const base = mkdtempSync(join(tmpdir(), 'evalkit-wd-'));
    writeFileSync(join(base, 'f'), '');
    expect(() => prepareWritableDir(join(base, 'f'), 'report folder')).toThrow(
      `report folder ${join(base, 'f')}: exists and is not a directory (EEXIST)`,
    );
    expect(() => prepareWritableDir(join(base, 'f', 'x'), 'report folder')).toThrow(
      `report folder ${join(base, 'f', 'x')}: ${join(base, 'f')} is a file, not a directory (ENOTDIR)`,
    );
  });
});

describe('findRunDirs', () => {
  it("finds a campaign's nested run directories (<root>/<campaign>/<checkpoint>) and flat ones, not hidden ones", () => {
    const root = mkdtempSync(join(tmpdir(), 'evalkit-runs-'));
    const run = (...p: string[]) => {
      mkdirSync(join(root, ...p), { recursive: true });
      writeFileSync(join(root, ...p, 'manifest.json'), '{}');
    };
    run('flat-run');
    run('line-a', 'pre-sft');
    run('line-a', 'sft');
    run('.cache', 'x');
    run('flat-run', 'nested-inside-a-run'); // a run directory is not searched further
    mkdirSync(join(root, 'empty'));
    expect(findRunDirs(root).map((d) => d.slice(root.length + 1))).toEqual([
      'flat-run',
      'line-a/pre-sft',
      'line-a/sft',
    ]);
  });
});
