/**
 * One owner of the run-directory format (src/store/run-dir.ts): no other source file spells a run file's name,
 * and the whole-directory writers (merge, importers, synthetic runs) produce what the runner's readers read.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadRunState,
  readManifest,
  readMetrics,
  RUN_FILES,
  runFilePath,
  writeCompleteRunDir,
  writeRunRecords,
} from '../../src/store/run-dir.js';
import type { RunManifest } from '../../src/types.js';
import { REPO_ROOT } from '../helpers/paths.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('run-directory format owner', () => {
  it('no source file outside src/store/run-dir.ts names a run file in a string literal', () => {
    const names = Object.values(RUN_FILES).map((n) => n.replace(/\./g, '\\.'));
    const literal = new RegExp(`(['"\`/])(${names.join('|')})['"\`]`);
    // OLMES's own output directory also has a metrics.json: that is OLMES's file, not an evalkit run file.
    const notOurs = new Set(['src/import/olmes.ts:metrics.json']);
    const offenders: string[] = [];
    for (const file of sourceFiles(join(REPO_ROOT, 'src'))) {
      const rel = relative(REPO_ROOT, file);
      if (rel === 'src/store/run-dir.ts') continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const m = literal.exec(line);
          if (m && !notOurs.has(`${rel}:${m[2]}`)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('writeRunRecords replaces the logs with one record per line; loadRunState reads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-rundir-'));
    writeFileSync(runFilePath(dir, 'verdicts'), '{"stale": true}\n');
    const req = {
      requestId: 't|1',
      task: 't',
      itemId: '1',
      prompt: { kind: 'completion', text: 'x' },
      params: {},
    };
    const gen = { requestId: 't|1', task: 't', itemId: '1', sampleIndex: 0, text: 'y' };
    const ver = { requestId: 't|1', task: 't', itemId: '1', sampleIndex: 0, scores: { acc: 1 } };
    writeRunRecords(dir, { requests: [req], generations: [gen], verdicts: [ver] });
    expect(readFileSync(join(dir, 'verdicts.jsonl'), 'utf8')).toBe(`${JSON.stringify(ver)}\n`);
    const state = await loadRunState(dir);
    expect([...state.requests.keys()]).toEqual(['t|1']);
    expect(state.generations.get('t|1#0')).toEqual(gen);
    expect(state.verdicts.get('t|1#0')).toEqual(ver);
  });

  it('writeCompleteRunDir: manifest and metrics header as the readers expect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-rundir-'));
    const manifest = {
      evalkit: { version: '9.9.9', gitCommit: null },
      runId: 'r1',
      model: { provider: 'openai', id: 'openai:x#m' },
      tasks: [],
      options: {},
      sessions: [],
    } as unknown as RunManifest;
    writeCompleteRunDir(dir, {
      manifest,
      requests: [],
      generations: [],
      verdicts: [],
      tasks: {},
      computedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(readdirSync(dir).sort()).toEqual(Object.values(RUN_FILES).sort());
    expect((await readManifest(dir)).runId).toBe('r1');
    expect(await readMetrics(dir)).toEqual({
      evalkit: { version: '9.9.9', gitCommit: null },
      runId: 'r1',
      model: { provider: 'openai', id: 'openai:x#m' },
      computedAt: '2026-01-01T00:00:00.000Z',
      tasks: {},
    });
  });
});
