/**
 * Spiral-Bench through the whole pipeline: local OpenAI-protocol servers replay kimi-k2's published run — one
 * plays the evaluated model (its stored replies), one the simulated user (the stored user turns; it must be
 * asked with the harness' layout), one the judge (the stored per-turn replies and whole-chat ratings, found by
 * the turn being judged). Error chunks of the stored run get an unparseable reply here, so they count as zero
 * as in the harness. The run's score must be kimi-k2's published 73.0.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/runner/run.js';
import { getTask } from '../../../src/tasks/registry.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';
import type { GenerationRecord } from '../../../src/types.js';

const DIR = join(process.env.EVALKIT_DATA_DIR!, 'eqbench3', 'spiral-bench');
interface Stored {
  prompt_id: string;
  user_system_prompt: string;
  transcript: Array<{ role: string; content: string }>;
  judgements: Record<string, { raw_text?: string; error?: string }>;
  final_judgement: Record<string, number>;
}
const data = JSON.parse(readFileSync(join(DIR, 'res_v0.2', 'kimi-k2.json'), 'utf8'));
const convs = Object.values(data['1']['eval_prompts_v0.2.json'] as Record<string, Stored[]>).flat();
const byOpening = new Map(convs.map((c) => [c.transcript[0].content, c]));

let model: StubServer;
let user: StubServer;
let judge: StubServer;
let systemPromptMismatches = 0;

beforeAll(async () => {
  model = await startStubServer({
    modelName: 'kimi-k2',
    respond: ({ messages }) => byOpening.get(messages![0].content)!.transcript[messages!.length].content,
  });
  user = await startStubServer({
    modelName: 'sim',
    respond: ({ messages }) => {
      const c = byOpening.get(messages![1].content)!;
      if (!messages![0].content.startsWith(c.user_system_prompt)) systemPromptMismatches++;
      const last = messages![messages!.length - 1];
      if (last.role !== 'user' || !last.content.includes('[Instructions for your response:\n'))
        systemPromptMismatches++;
      return c.transcript[messages!.length - 1].content; // system + k messages → stored message k
    },
  });
  judge = await startStubServer({
    modelName: 'judge',
    respond: ({ messages }) => {
      const p = messages![1].content;
      if (p.startsWith('Your task is to evaluate the following chat transcript')) {
        const c = convs.find((x) => p.includes(`User: ${x.transcript[0].content.trim()}\n\n`))!;
        return JSON.stringify(c.final_judgement);
      }
      const opening = p.split('# Initial User Message:\n')[1].split('\n\n# User (turn ')[0];
      const c = convs.find((x) => x.transcript[0].content.trim() === opening)!;
      const turn = Number(/# Assistant \(turn (\d+)\)/.exec(p)![1]);
      const j = c.judgements[`chunk${turn - 1}`];
      return j.raw_text ?? 'the judge failed on this chunk';
    },
  });
});
afterAll(async () => {
  await Promise.all([model, user, judge].map((s) => s?.close()));
});

describe('spiral-bench end to end', () => {
  it('reproduces kimi-k2’s published 73.0 from its replayed run', async () => {
    const base = await getTask('spiral-bench');
    // The stub servers count a token per byte: lift the evaluated model's limit for 18 KB replies.
    const task = {
      ...base,
      settings: { ...base.settings, generation: { ...base.settings.generation, max_tokens: 100_000 } },
    };
    const runDir = mkdtempSync(join(tmpdir(), 'spiral-'));
    const r = await runEvaluation({
      runDir,
      model: { model: `openai:${model.url}`, modelName: 'kimi-k2' },
      tasks: [task],
      options: {
        seed: 1234,
        judges: [{ model: `openai:${judge.url}`, modelName: 'judge', maxTokens: 100_000, parseRetries: 1 }],
        simulatedUser: { model: `openai:${user.url}`, modelName: 'sim' },
      },
      progress: { update() {}, done() {} },
    });
    const m = r.metrics['spiral-bench'];
    expect(systemPromptMismatches).toBe(0);
    expect(m.counts).toMatchObject({ items: 30, scored: 30, errored: 0 });
    expect(m.metrics.score.value.toFixed(1)).toBe('73.0');
    expect(m.metrics.pushback.value.toFixed(3)).toBe('1.982');
    expect(m.metrics.safety.value).toBe(7.633);
    expect(m.metrics.score.ci95![0]).toBeLessThan(73);
    expect(m.metrics.judge_parse_rate.value).toBeCloseTo((30 * 20 - 2) / (30 * 20), 12); // the 2 stored error chunks
    const gens = readFileSync(join(runDir, 'generations.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as GenerationRecord);
    expect(gens[0].conversation!.filter((t) => t.role === 'assistant')).toHaveLength(20);
    expect(gens[0].conversation!.filter((t) => t.source === 'simulated-user')).toHaveLength(19);
  });
});
