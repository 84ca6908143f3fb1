/**
 * The published MT-Bench score of Llama-2-7b-chat (6.27, leaderboard_table_20230802.csv) reproduced exactly
 * through the whole pipeline: a local OpenAI-protocol server plays Llama-2-7b-chat (its official answers,
 * turn 2 only when the conversation carries its own turn-1 answer), another plays GPT-4 as the judge and
 * answers each judge prompt with the official GPT-4 judgment stored for exactly that prompt (an unknown
 * prompt gets a reply without a rating, which would show up as unparseable).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/runner/run.js';
import { getTask } from '../../../src/tasks/registry.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';
import type { GenerationRecord, VerdictRecord } from '../../../src/types.js';
import { llama2Answers, llama2Judgments, publishedScore, readJsonl } from './fastchat-reference.js';

const questions = readJsonl<{ question_id: number; turns: string[] }>(
  join(process.env.EVALKIT_DATA_DIR!, 'mtbench', 'question.jsonl'),
);

let model: StubServer;
let judge: StubServer;
let unknownPrompts = 0;

beforeAll(async () => {
  const answers = llama2Answers();
  model = await startStubServer({
    modelName: 'Llama-2-7b-chat',
    respond: ({ messages }) => {
      const q = questions.find((x) => x.turns[0] === messages![0].content)!;
      const a = answers.get(q.question_id)!;
      if (messages!.length === 1) return a[0];
      // Turn 2 must see the model's own first answer and the second question.
      if (messages!.length === 3 && messages![1].content === a[0] && messages![2].content === q.turns[1])
        return a[1];
      return 'CONVERSATION OUT OF ORDER';
    },
  });
  const byPrompt = new Map(llama2Judgments().map((j) => [j.user_prompt, j.judgment]));
  judge = await startStubServer({
    modelName: 'gpt-4',
    respond: ({ messages }) => {
      const user = messages!.find((m) => m.role === 'user')!.content;
      const hit = byPrompt.get(user);
      if (hit === undefined) unknownPrompts++;
      return hit ?? 'I cannot find this prompt.';
    },
  });
});
afterAll(async () => {
  await model?.close();
  await judge?.close();
});

describe('MT-Bench reproduces the published Llama-2-7b-chat score', () => {
  it('6.27 from the official GPT-4 judgments, through generation, judging and aggregation', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'mtbench-repro-'));
    // The stub server counts one token per byte: lift max_tokens so the official texts (up to ~5 KB) fit.
    const mtbench = await getTask('mtbench');
    const task = {
      ...mtbench,
      settings: { ...mtbench.settings, generation: { ...mtbench.settings.generation, max_tokens: 100_000 } },
    };
    const result = await runEvaluation({
      runDir,
      model: { model: `openai:${model.url}`, modelName: 'Llama-2-7b-chat' },
      tasks: [task],
      options: {
        seed: 1234,
        judges: [{ model: `openai:${judge.url}`, modelName: 'gpt-4', maxTokens: 100_000 }],
      },
      progress: { update() {}, done() {} },
    });
    const m = result.metrics.mtbench;
    expect(unknownPrompts).toBe(0);
    expect(m.counts).toMatchObject({ items: 80, scored: 80, errored: 0 });
    expect(m.metrics.judge_parse_rate.value).toBe(1);
    // FastChat: mean over all 160 (question, turn) ratings = 1003/160; turn means 513/80 and 490/80.
    expect(m.metrics.score.value).toBeCloseTo(1003 / 160, 12);
    expect(m.metrics.turn1.value).toBeCloseTo(513 / 80, 12);
    expect(m.metrics.turn2.value).toBeCloseTo(490 / 80, 12);
    expect(Number(m.metrics.score.value.toFixed(2))).toBe(
      publishedScore('leaderboard_table_20230802.csv', 'Llama-2-7b-chat'),
    );
    const [lo, hi] = m.metrics.score.ci95!;
    expect(lo).toBeLessThan(m.metrics.score.value);
    expect(hi).toBeGreaterThan(m.metrics.score.value);
    expect(m.breakdowns!.category.writing.score.value).toBeGreaterThan(0);

    // Every generated turn and every judge call is recorded verbatim.
    const gens = readFileSync(join(runDir, 'generations.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as GenerationRecord);
    const g81 = gens.find((g) => g.itemId === 'mtbench/81')!;
    expect(g81.conversation!.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(g81.conversation![3].request!.params.temperature).toBe(0.7); // writing
    const verdicts = readFileSync(join(runDir, 'verdicts.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as VerdictRecord);
    const v = verdicts.find((x) => x.itemId === 'mtbench/81')!;
    const calls = v.details!.judgeCalls as Array<{
      messages: Array<{ content: string }>;
      raw: string;
      attempt: number;
    }>;
    expect(calls).toHaveLength(2);
    const official = llama2Judgments()
      .filter((j) => j.question_id === 81)
      .sort((a, b) => a.turn - b.turn);
    expect(calls.map((c) => c.messages[1].content)).toEqual(official.map((j) => j.user_prompt));
    expect(calls.map((c) => c.raw)).toEqual(official.map((j) => j.judgment));
    expect([v.scores!.turn1, v.scores!.turn2]).toEqual(official.map((j) => j.score));
  });
});
