import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meanMetric } from '../../src/metrics/definitions.js';
import { runEvaluation } from '../../src/runner/run.js';
import type { GenerationRecord, Item, ModelProvider, RequestRecord, TaskVariant } from '../../src/types.js';

const quiet = { update() {}, done() {} };

/** A tiny exact-match task: item i asks "What is i*i?" and expects String(i*i). */
function toyTask(items = 40, n = 3): TaskVariant<{ answer: string }> {
  const all: Item<{ answer: string }>[] = Array.from({ length: items }, (_, i) => ({
    id: `toy/${i}`,
    data: { answer: String(i * i) },
  }));
  return {
    name: 'toy-squares',
    family: 'toy',
    description: 'squares',
    settings: {
      format: 'completion',
      shots: 0,
      generation: { n, temperature: 0, top_p: 1, max_tokens: 8, stop: ['\n'] },
      primaryMetric: 'accuracy',
    },
    async loadItems() {
      return { items: all, datasets: [] };
    },
    buildPrompt(item) {
      return { kind: 'completion', text: `What is ${item.id.slice(4)} squared? ` };
    },
    createScorer() {
      return {
        async score(item, g) {
          const ok = g.text?.trim() === item.data.answer;
          return {
            scores: { correct: ok ? 1 : 0 },
            extracted: g.text?.trim(),
            reason: ok ? undefined : `expected ${item.data.answer}`,
          };
        },
      };
    },
    metrics: [meanMetric('correct', 'accuracy')],
  };
}

/** In-process model: answers right for even items, wrong for odd ones, except sample 2 is always right. */
class FakeModel implements ModelProvider {
  readonly id = 'fake:squares';
  readonly description = {};
  calls = 0;
  samples = 0;
  constructor(
    private readonly opts: {
      failItems?: Set<string>;
      abortAfter?: number;
      controller?: AbortController;
    } = {},
  ) {}
  async generate(req: RequestRecord, idx?: number[]): Promise<GenerationRecord[]> {
    this.calls++;
    await new Promise((r) => setTimeout(r, 1));
    const i = Number(req.itemId.slice(4));
    const indices = idx ?? Array.from({ length: req.params.n }, (_, k) => k);
    this.samples += indices.length;
    if (this.opts.abortAfter !== undefined && this.calls >= this.opts.abortAfter)
      this.opts.controller?.abort();
    return indices.map((s) => {
      const base = { requestId: req.requestId, task: req.task, itemId: req.itemId, sampleIndex: s };
      if (this.opts.failItems?.has(req.itemId))
        return { ...base, text: null, error: 'HTTP 503 after 3 attempts' };
      const right = i % 2 === 0 || s === 2;
      return { ...base, text: right ? `${i * i}\n` : `${i * i + 1}` };
    });
  }
}

const lines = (p: string) =>
  readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('runEvaluation', () => {
  it('writes requests, generations, verdicts, metrics and a manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-run-'));
    const model = new FakeModel();
    const res = await runEvaluation({
      runDir: dir,
      model: { model: 'fake:' },
      provider: model,
      tasks: [toyTask()],
      options: {},
      progress: quiet,
    });
    expect(res.status).toBe('completed');
    expect(lines(join(dir, 'requests.jsonl'))).toHaveLength(40);
    expect(lines(join(dir, 'generations.jsonl'))).toHaveLength(120);
    expect(lines(join(dir, 'verdicts.jsonl'))).toHaveLength(120);
    const req = lines(join(dir, 'requests.jsonl'))[3];
    expect(req.prompt).toEqual({ kind: 'completion', text: 'What is 3 squared? ' });
    expect(req.params).toMatchObject({ n: 3, temperature: 0, stop: ['\n'] });
    // even items: 3/3 right; odd items: 1/3 right → (20*1 + 20*(1/3)) / 40
    expect(res.metrics['toy-squares'].metrics.accuracy.value).toBeCloseTo((20 + 20 / 3) / 40, 10);
    const ci = res.metrics['toy-squares'].metrics.accuracy.ci95!;
    expect(ci[0]).toBeLessThan(2 / 3);
    expect(ci[1]).toBeGreaterThan(2 / 3);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('completed');
    expect(manifest.tasks[0].settings.generation.n).toBe(3);
    expect(manifest.evalkit.version).toBe('0.1.0');
    expect(JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).tasks['toy-squares'].primary).toBe(
      'accuracy',
    );
  });

  it('resumes an interrupted run without repeating finished requests and ends with identical metrics', async () => {
    const full = mkdtempSync(join(tmpdir(), 'evalkit-full-'));
    const ref = await runEvaluation({
      runDir: full,
      model: { model: 'fake:' },
      provider: new FakeModel(),
      tasks: [toyTask()],
      options: {},
      progress: quiet,
      dispatchConcurrency: 4,
    });

    const dir = mkdtempSync(join(tmpdir(), 'evalkit-resume-'));
    const controller = new AbortController();
    const first = new FakeModel({ abortAfter: 10, controller });
    const r1 = await runEvaluation({
      runDir: dir,
      model: { model: 'fake:' },
      provider: first,
      tasks: [toyTask()],
      options: {},
      progress: quiet,
      signal: controller.signal,
      dispatchConcurrency: 4,
    });
    expect(r1.status).toBe('interrupted');
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).status).toBe('interrupted');
    // simulate a kill during a write: a torn last line
    appendFileSync(join(dir, 'generations.jsonl'), '{"requestId":"toy-squares|toy/39","task":"toy-sq');
    const second = new FakeModel();
    const r2 = await runEvaluation({
      runDir: dir,
      model: { model: 'fake:' },
      provider: second,
      tasks: [toyTask()],
      options: {},
      progress: quiet,
    });
    expect(r2.status).toBe('completed');
    expect(first.calls + second.calls).toBe(40);
    expect(first.samples + second.samples).toBe(120);
    expect(r2.metrics['toy-squares'].metrics).toEqual(ref.metrics['toy-squares'].metrics);
    expect(lines(join(dir, 'requests.jsonl'))).toHaveLength(40);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.sessions).toHaveLength(2);
  });

  it('marks samples errored (not failed) when the provider gives up, and retries them on resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-err-'));
    const bad = new FakeModel({ failItems: new Set(['toy/0', 'toy/1']) });
    const r1 = await runEvaluation({
      runDir: dir,
      model: { model: 'fake:' },
      provider: bad,
      tasks: [toyTask()],
      options: {},
      progress: quiet,
    });
    const m1 = r1.metrics['toy-squares'];
    expect(m1.counts.errored).toBe(6);
    expect(m1.counts.scored).toBe(114);
    const errored = lines(join(dir, 'verdicts.jsonl')).filter((v) => v.scores === null);
    expect(errored).toHaveLength(6);
    expect(errored[0].reason).toMatch(/HTTP 503/);
    const good = new FakeModel();
    const r2 = await runEvaluation({
      runDir: dir,
      model: { model: 'fake:' },
      provider: good,
      tasks: [toyTask()],
      options: {},
      progress: quiet,
    });
    expect(good.calls).toBe(2);
    expect(r2.metrics['toy-squares'].counts.errored).toBe(0);
    expect(r2.metrics['toy-squares'].counts.scored).toBe(120);
  });

  it('refuses to resume when a recorded prompt differs, naming the file and request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-diff-'));
    await runEvaluation({
      runDir: dir,
      model: { model: 'fake:' },
      provider: new FakeModel(),
      tasks: [toyTask(4, 1)],
      options: {},
      progress: quiet,
    });
    const changed = toyTask(4, 1);
    changed.buildPrompt = (item) => ({ kind: 'completion', text: `Compute ${item.id}: ` });
    await expect(
      runEvaluation({
        runDir: dir,
        model: { model: 'fake:' },
        provider: new FakeModel(),
        tasks: [changed],
        options: {},
        progress: quiet,
      }),
    ).rejects.toThrow(/requests\.jsonl: request toy-squares\|toy\/0 was recorded with a different prompt/);
  });
});
