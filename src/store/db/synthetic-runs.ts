/**
 * Synthetic run directories with a known ground truth, for tests and benchmarks of the results store,
 * the paired tests, reports and the viewer. Item i has a latent pass probability p_i (spread over (0,1));
 * a run with `effect` δ passes each sample with probability clamp(p_i + δ). Two runs made with the same
 * `itemSeed` share the items and their p_i, so their true mean difference is known.
 */
import { writeCompleteRunDir } from '../run-dir.js';
import type {
  GenerationRecord,
  RequestRecord,
  RunManifest,
  TaskMetrics,
  VerdictRecord,
} from '../../types.js';
import { mulberry32 } from '../../util/rng.js';
import { aggregateTask } from '../../metrics/aggregate.js';
import { meanMetric, passAtKMetric } from '../../metrics/definitions.js';
import type { Item } from '../../types.js';

export interface SyntheticTask {
  name: string;
  items: number;
  /** Samples per item. */
  n: number;
  /** Added to every item's pass probability. */
  effect?: number;
  /** Score key written in verdicts ('pass' → metric pass@1; anything else → metric of that name). */
  scoreKey?: string;
  /** Optional category dimension for breakdowns (items cycle through these). */
  categories?: string[];
}

export interface SyntheticRunSpec {
  runId: string;
  model: string;
  tasks: SyntheticTask[];
  /** Shared across runs: item difficulties. */
  itemSeed?: number;
  /** Per-run randomness of sample outcomes. */
  sampleSeed?: number;
  /** Length of generated text per sample (bytes, roughly). */
  textLength?: number;
}

export function itemProbabilities(items: number, itemSeed: number): Float64Array {
  const rnd = mulberry32(itemSeed);
  // Mixture: a third easy, a third hard, a third in between — like real benchmarks.
  return Float64Array.from({ length: items }, () => {
    const u = rnd();
    return u < 1 / 3 ? 0.85 + 0.14 * rnd() : u < 2 / 3 ? 0.02 + 0.13 * rnd() : 0.15 + 0.7 * rnd();
  });
}

export function writeSyntheticRun(
  dir: string,
  spec: SyntheticRunSpec,
): { metrics: Record<string, TaskMetrics> } {
  const rnd = mulberry32(spec.sampleSeed ?? 7);
  const now = new Date('2025-01-01T00:00:00Z').toISOString();
  const reqs: RequestRecord[] = [];
  const gens: GenerationRecord[] = [];
  const vers: VerdictRecord[] = [];
  const metrics: Record<string, TaskMetrics> = {};
  const filler = 'x'.repeat(Math.max(0, (spec.textLength ?? 200) - 40));
  for (const t of spec.tasks) {
    const key = t.scoreKey ?? 'pass';
    const primary = key === 'pass' ? 'pass@1' : key;
    const p = itemProbabilities(t.items, spec.itemSeed ?? 42);
    const items: Item[] = [];
    const verdicts: VerdictRecord[] = [];
    for (let i = 0; i < t.items; i++) {
      const itemId = `${t.name}/${i}`;
      const requestId = `${t.name}|${itemId}`;
      const req: RequestRecord = {
        requestId,
        task: t.name,
        itemId,
        prompt: { kind: 'completion', text: `def f_${i}(x):\n    """Return item ${i}."""\n` },
        params: { n: t.n, temperature: t.n > 1 ? 0.8 : 0, top_p: 0.95, max_tokens: 512, stop: ['\ndef '] },
      };
      reqs.push(req);
      const prob = Math.min(1, Math.max(0, p[i] + (t.effect ?? 0)));
      items.push({
        id: itemId,
        data: {},
        ...(t.categories?.length ? { categories: { category: t.categories[i % t.categories.length] } } : {}),
      });
      for (let s = 0; s < t.n; s++) {
        const pass = rnd() < prob ? 1 : 0;
        const g: GenerationRecord = {
          requestId,
          task: t.name,
          itemId,
          sampleIndex: s,
          text: `    return ${i} + ${s}  # ${pass ? 'ok' : 'bug'} ${filler}`,
          finishReason: 'stop',
        };
        gens.push(g);
        const v: VerdictRecord = {
          requestId,
          task: t.name,
          itemId,
          sampleIndex: s,
          scores: { [key]: pass },
          extracted: `return ${i} + ${s}`,
          ...(pass ? {} : { reason: `assertion failed on input ${i}: expected ${i} got ${i + s + 1}` }),
        };
        vers.push(v);
        verdicts.push(v);
      }
    }
    metrics[t.name] = aggregateTask(
      {
        name: t.name,
        metrics: [key === 'pass' ? passAtKMetric('pass', 1) : meanMetric(key)],
        settings: { primaryMetric: primary },
        ...(t.categories?.length ? { breakdownBy: ['category'] } : {}),
      },
      items,
      verdicts,
      {},
    );
  }
  const manifest: RunManifest = {
    evalkit: { version: 'synthetic', gitCommit: null },
    runId: spec.runId,
    createdAt: now,
    startedAt: now,
    endedAt: now,
    status: 'completed',
    model: { provider: 'synthetic', id: `synthetic:${spec.model}`, name: spec.model },
    tasks: spec.tasks.map((t) => ({
      name: t.name,
      family: 'synthetic',
      settings: {
        format: 'completion',
        shots: 0,
        generation: { n: t.n, temperature: 0.8, top_p: 0.95, max_tokens: 512, stop: [] },
        primaryMetric: t.scoreKey && t.scoreKey !== 'pass' ? t.scoreKey : 'pass@1',
      },
      datasets: [],
      items: t.items,
    })),
    options: { seed: 1234 },
    sessions: [],
  };
  writeCompleteRunDir(dir, {
    manifest,
    requests: reqs,
    generations: gens,
    verdicts: vers,
    tasks: metrics,
    computedAt: now,
  });
  return { metrics };
}
