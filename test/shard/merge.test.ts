/**
 * Sharding: `--shard i/N` slices + `mergeRunDirs`. (1) synthetic shard directories merge into exactly the
 * records of the unsharded run; (2) end to end through the real runner: N shard runs merged give the same
 * metrics.json numbers as one unsharded run; (3) every refusal names the shard/file.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { meanMetric } from '../../src/metrics/definitions.js';
import { computeRunMetrics } from '../../src/runner/metrics.js';
import { loadTasks, runEvaluation } from '../../src/runner/run.js';
import { shardOfRequest as runnerShardOfRequest } from '../../src/runner/shard.js';
import { mergeRunDirs, modelKey, shardOfRequest } from '../../src/shard/index.js';
import { readJsonlFile, readManifest, readMetrics, RUN_FILES, sampleKey } from '../../src/store/run-dir.js';
import type {
  GenerationRecord,
  Item,
  ModelProvider,
  RequestRecord,
  RunManifest,
  TaskVariant,
  VerdictRecord,
} from '../../src/types.js';
import { EvalkitError } from '../../src/util/errors.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'evalkit-shard-'));
});

const params = { n: 2, temperature: 0.8, top_p: 0.95, max_tokens: 64, stop: ['\n\n'], seed: 1234 };
const settings = { format: 'completion' as const, shots: 0, generation: params, primaryMetric: 'accuracy' };

function manifest(
  runId: string,
  shard?: { index: number; count: number },
  over: Partial<RunManifest> = {},
): RunManifest {
  return {
    evalkit: { version: '0.1.0', gitCommit: null },
    runId,
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T01:00:00.000Z',
    status: 'completed',
    model: {
      provider: 'openai',
      id: `openai:http://node-${shard?.index ?? 0}:8000/v1#ckpt-7`,
      name: 'ckpt-7',
    },
    tasks: ['alpha', 'beta'].map((name) => ({
      name,
      family: name,
      settings,
      datasets: [{ id: `${name}-v1`, version: '1', sha256: 'ab'.repeat(32), source: 'mirror' }],
      items: 25,
    })),
    options: { seed: 1234, cacheDir: `/scratch/node-${shard?.index ?? 0}` },
    ...(shard ? { shard } : {}),
    sessions: [
      {
        startedAt: '2025-01-01T00:00:00.000Z',
        endedAt: '2025-01-01T01:00:00.000Z',
        command: 'evalkit run',
        host: `node-${shard?.index ?? 0}`,
        pid: 1,
      },
    ],
    ...over,
  };
}

/** An unsharded run's records: 2 tasks × 25 items × n=2, with a superseded errored generation+verdict (a retry). */
function unshardedRecords() {
  const requests: RequestRecord[] = [];
  const generations: GenerationRecord[] = [];
  const verdicts: VerdictRecord[] = [];
  for (const task of ['alpha', 'beta'])
    for (let i = 0; i < 25; i++) {
      const requestId = `${task}|${task}/${i}`;
      const itemId = `${task}/${i}`;
      requests.push({ requestId, task, itemId, prompt: { kind: 'completion', text: `Q${i}: ` }, params });
      for (let s = 0; s < 2; s++) {
        const text = `answer ${(i * 7 + s) % 3}`;
        if (i % 10 === 3 && s === 1) {
          generations.push({ requestId, task, itemId, sampleIndex: s, text: null, error: 'HTTP 503' });
          verdicts.push({ requestId, task, itemId, sampleIndex: s, scores: null, error: 'HTTP 503' });
        }
        generations.push({ requestId, task, itemId, sampleIndex: s, text, finishReason: 'stop' });
        verdicts.push({
          requestId,
          task,
          itemId,
          sampleIndex: s,
          scores: { exact_match: text === 'answer 0' ? 1 : 0 },
        });
      }
    }
  return { requests, generations, verdicts };
}

const jsonl = (rs: unknown[]) => rs.map((r) => JSON.stringify(r) + '\n').join('');

async function writeRun(dir: string, m: RunManifest, recs: ReturnType<typeof unshardedRecords>) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, RUN_FILES.manifest), JSON.stringify(m, null, 2));
  await writeFile(join(dir, RUN_FILES.requests), jsonl(recs.requests));
  await writeFile(join(dir, RUN_FILES.generations), jsonl(recs.generations));
  await writeFile(join(dir, RUN_FILES.verdicts), jsonl(recs.verdicts));
}

async function writeShards(count: number, edit?: (index: number, m: RunManifest) => RunManifest) {
  const all = unshardedRecords();
  const dirs: string[] = [];
  for (let index = 0; index < count; index++) {
    const mine = (r: { requestId: string }) => shardOfRequest(r.requestId, count) === index;
    const dir = join(root, `shard-${index}`);
    let m = manifest(`shard-${index}`, { index, count });
    if (edit) m = edit(index, m);
    await writeRun(dir, m, {
      requests: all.requests.filter(mine),
      generations: all.generations.filter(mine),
      verdicts: all.verdicts.filter(mine),
    });
    dirs.push(dir);
  }
  return dirs;
}

/** Latest record per key, sorted: what any reader of a run directory sees. */
function latest<T extends { requestId: string; sampleIndex?: number }>(rs: T[]): T[] {
  const m = new Map<string, T>();
  for (const r of rs) m.set(sampleKey(r.requestId, r.sampleIndex ?? -1), r);
  return [...m.values()].sort((a, b) =>
    sampleKey(a.requestId, a.sampleIndex ?? -1) < sampleKey(b.requestId, b.sampleIndex ?? -1) ? -1 : 1,
  );
}

describe('shardOfRequest', () => {
  it("is the runner's assignment (sha1 → uint32 mod N), stable, and spreads requests over all shards", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `humaneval|HumanEval/${i}`);
    const counts = new Array(8).fill(0);
    for (const id of ids) {
      const s = shardOfRequest(id, 8);
      expect(s).toBe(runnerShardOfRequest(id, 8));
      expect(s).toBe(createHash('sha1').update(id).digest().readUInt32BE(0) % 8);
      counts[s]++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(150); // 250 expected per shard
    expect(shardOfRequest('gsm8k|gsm8k/17', 1)).toBe(0);
  });
});

describe('mergeRunDirs (synthetic shards)', () => {
  it('two shard directories merge into exactly the unsharded records; the metrics hook runs on the output', async () => {
    const dirs = await writeShards(2);
    const out = join(root, 'merged');
    const hooked: string[] = [];
    const summary = await mergeRunDirs([dirs[1], dirs[0]], out, {
      recomputeMetrics: async (d) => void hooked.push(d),
    });
    expect(hooked).toEqual([out]);
    const all = unshardedRecords();
    expect(summary).toMatchObject({
      shards: 2,
      requests: 50,
      generations: 100,
      verdicts: 100,
      erroredSamples: 0,
    });
    expect(latest(await readJsonlFile<RequestRecord>(join(out, RUN_FILES.requests)))).toEqual(
      latest(all.requests),
    );
    expect(latest(await readJsonlFile<GenerationRecord>(join(out, RUN_FILES.generations)))).toEqual(
      latest(all.generations),
    );
    expect(latest(await readJsonlFile<VerdictRecord>(join(out, RUN_FILES.verdicts)))).toEqual(
      latest(all.verdicts),
    );
    // one record per sample (superseded ones dropped), in task then natural id order
    const gens = await readJsonlFile<GenerationRecord>(join(out, RUN_FILES.generations));
    expect(gens).toHaveLength(100);
    expect(gens.slice(0, 4).map((g) => `${g.itemId}#${g.sampleIndex}`)).toEqual([
      'alpha/0#0',
      'alpha/0#1',
      'alpha/1#0',
      'alpha/1#1',
    ]);
    expect(gens[50].task).toBe('beta');

    const m = (await readManifest(out)) as RunManifest & {
      mergedFrom: Array<{ shard: unknown; modelId: string }>;
    };
    expect(m.shard).toBeUndefined();
    expect(m.status).toBe('completed');
    expect(m.runId).toBe('merged');
    expect(m.sessions.map((s) => s.host)).toEqual(['node-0', 'node-1']);
    expect(m.mergedFrom.map((x) => x.shard)).toEqual([
      { index: 0, count: 2 },
      { index: 1, count: 2 },
    ]);
    expect(m.mergedFrom[1].modelId).toBe('openai:http://node-1:8000/v1#ckpt-7');
    expect(m.tasks.map((t) => t.name)).toEqual(['alpha', 'beta']);
  });

  it('refuses: missing shard, duplicate shard, incomplete shard, mismatched settings/model/options, foreign records, non-empty --out', async () => {
    const expectRefusal = async (dirs: string[], re: RegExp, out = join(root, `out-${Math.random()}`)) => {
      const err = await mergeRunDirs(dirs, out).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EvalkitError);
      expect((err as Error).message).toMatch(re);
    };
    let dirs = await writeShards(4);
    await expectRefusal([dirs[0], dirs[1], dirs[3]], /shard 2\/4 is missing \(given: 0\/4, 1\/4, 3\/4\)/);
    await expectRefusal([dirs[0], dirs[0], dirs[1], dirs[2], dirs[3]], /shard 0\/4 given twice/);
    await expectRefusal([...dirs, join(root, 'nowhere')], /run manifest not found: .*nowhere/);

    await rm(root, { recursive: true });
    dirs = await writeShards(2, (i, m) => (i === 1 ? { ...m, status: 'interrupted' } : m));
    await expectRefusal(dirs, /shard-1\/manifest\.json: shard 1\/2 is not complete \(status "interrupted"\)/);

    await rm(root, { recursive: true });
    dirs = await writeShards(2, (i, m) =>
      i === 1
        ? {
            ...m,
            tasks: m.tasks.map((t) => ({
              ...t,
              settings: { ...t.settings, generation: { ...params, temperature: 0.2 } },
            })),
          }
        : m,
    );
    await expectRefusal(
      dirs,
      /shard-1\/manifest\.json: task "alpha" has different settings, data or item count/,
    );

    await rm(root, { recursive: true });
    dirs = await writeShards(2, (i, m) =>
      i === 1 ? { ...m, model: { ...m.model, id: 'openai:http://node-1:8000/v1#ckpt-8' } } : m,
    );
    await expectRefusal(dirs, /model openai:http:\/\/node-1:8000\/v1#ckpt-8 \(openai:ckpt-8\) differs/);

    await rm(root, { recursive: true });
    dirs = await writeShards(2, (i, m) => (i === 1 ? { ...m, options: { ...m.options, limit: 10 } } : m));
    await expectRefusal(dirs, /shard-1\/manifest\.json: options .*"limit":10.* differ/);

    // shard directories swapped labels: records belong to the other shard
    await rm(root, { recursive: true });
    dirs = await writeShards(2, (i, m) => ({ ...m, shard: { index: 1 - i, count: 2 } }));
    await expectRefusal(
      dirs,
      /requests\.jsonl:1: request ".*" belongs to shard \d\/2, not \d\/2 \(directory mislabelled\?\)/,
    );

    // a sample without a verdict (a shard killed between generation and scoring, then marked completed by hand)
    await rm(root, { recursive: true });
    dirs = await writeShards(2);
    const vpath = join(dirs[0], RUN_FILES.verdicts);
    const lines = (await readFile(vpath, 'utf8')).trimEnd().split('\n');
    await writeFile(vpath, lines.slice(0, -1).join('\n') + '\n');
    await expectRefusal(dirs, /shard-0: request ".*" sample 1 has no verdict \(shard 0\/2 incomplete/);

    dirs = await writeShards(2);
    const out = join(root, 'busy');
    await mkdir(out);
    await writeFile(join(out, 'x'), 'x');
    await expectRefusal(dirs, /output directory .*busy exists and is not empty/, out);
  });

  it('modelKey ignores where the model was served, not what it is', () => {
    expect(modelKey({ provider: 'openai', id: 'openai:http://a:8000/v1#m' })).toBe(
      modelKey({ provider: 'openai', id: 'openai:http://b:9000/v1#m' }),
    );
    expect(modelKey({ provider: 'gguf', id: 'gguf:/a/x.gguf#0123' })).not.toBe(
      modelKey({ provider: 'gguf', id: 'gguf:/a/x.gguf#4567' }),
    );
  });
});

// ───────────── end to end: real runner, sharded vs unsharded ─────────────

interface ToyData {
  answer: string;
}
const toyItems: Item<ToyData>[] = Array.from({ length: 37 }, (_, i) => ({
  id: `toy/${i}`,
  data: { answer: String(i % 4) },
  categories: { parity: i % 2 ? 'odd' : 'even' },
}));

const toyTask: TaskVariant<ToyData> = {
  name: 'toy::shard-test',
  family: 'toy',
  description: 'synthetic task for the shard merge test',
  settings: {
    format: 'completion',
    shots: 0,
    generation: { n: 3, temperature: 0.8, top_p: 0.95, max_tokens: 8, stop: [] },
    primaryMetric: 'accuracy',
  },
  async loadItems() {
    return {
      items: toyItems,
      datasets: [{ id: 'toy', version: '1', sha256: '00'.repeat(32), source: 'memory' }],
    };
  },
  buildPrompt: (item) => ({ kind: 'completion', text: `What is ${item.id} mod 4? ` }),
  createScorer: () => ({
    async score(item, g) {
      const ok = (g.text ?? '').trim() === item.data.answer;
      return {
        scores: { exact_match: ok ? 1 : 0 },
        extracted: g.text ?? '',
        ...(ok ? {} : { reason: `expected ${item.data.answer}` }),
      };
    },
  }),
  metrics: [meanMetric('exact_match', 'accuracy')],
};

/** A deterministic "model": the answer depends on the item and sample only (as a seeded server would). */
const toyProvider: ModelProvider = {
  id: 'toy:deterministic#v1',
  description: { provider: 'toy' },
  async generate(req, sampleIndices) {
    const idx = sampleIndices ?? Array.from({ length: req.params.n }, (_, i) => i);
    return idx.map((sampleIndex) => {
      const h = createHash('sha1').update(`${req.requestId}#${sampleIndex}`).digest()[0];
      return {
        requestId: req.requestId,
        task: req.task,
        itemId: req.itemId,
        sampleIndex,
        text: ` ${h % 4}`,
        finishReason: 'stop',
      };
    });
  },
};

describe('sharded runs merged = unsharded run (real runner)', () => {
  it('3 shards through runEvaluation, merged, give the unsharded metrics and records', async () => {
    const silent = { update() {}, done() {} } as never;
    const base = {
      model: { model: 'toy:deterministic' },
      provider: toyProvider,
      tasks: [toyTask],
      options: { seed: 1234 },
      progress: silent,
    };
    const full = await runEvaluation({ ...base, runDir: join(root, 'full') });
    expect(full.status).toBe('completed');
    const shardDirs: string[] = [];
    for (let index = 0; index < 3; index++) {
      const dir = join(root, `part-${index}`);
      const r = await runEvaluation({ ...base, runDir: dir, shard: { index, count: 3 } });
      expect(r.status).toBe('completed');
      shardDirs.push(dir);
    }
    const out = join(root, 'merged');
    await mergeRunDirs(shardDirs, out, {
      recomputeMetrics: async (dir) => {
        const m = await readManifest(dir);
        const { loaded } = await loadTasks([toyTask], m.options);
        await computeRunMetrics(dir, loaded, m.options);
      },
    });
    const fullMetrics = (await readMetrics(join(root, 'full'))).tasks;
    const mergedMetrics = (await readMetrics(out)).tasks;
    expect(mergedMetrics).toEqual(fullMetrics);
    expect(mergedMetrics['toy::shard-test'].counts).toMatchObject({ items: 37, samples: 111, scored: 111 });
    expect(mergedMetrics['toy::shard-test'].metrics.accuracy.ci95).toBeDefined();
    for (const f of [RUN_FILES.requests, RUN_FILES.generations, RUN_FILES.verdicts]) {
      const a = latest(await readJsonlFile<any>(join(root, 'full', f)));
      const b = latest(await readJsonlFile<any>(join(out, f)));
      expect(b.map((r) => ({ ...r, latencyMs: undefined }))).toEqual(
        a.map((r) => ({ ...r, latencyMs: undefined })),
      );
    }
  });
});
