/**
 * Reasoning-aware scoring, end to end: a local OpenAI-compatible server plays a thinking model that reasons
 * (with a decoy answer, commas and a stop string inside the reasoning) and then answers. The reasoning comes
 * inline in think tags or in the server's separate field (`reasoning_content` non-streaming, `reasoning`
 * streaming, as vLLM's reasoning parsers send them). Every task family (code, math, choice, IFEval) must score
 * the answer only; a generation cut inside its reasoning is `truncated-in-reasoning`, scored as a failure.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../src/datasets/registry.js';
import { cutAtStopInAnswer } from '../../src/models/stop-strings.js';
import { splitReasoning } from '../../src/reasoning/split.js';
import { runEvaluation } from '../../src/runner/run.js';
import { getTask } from '../../src/tasks/registry.js';
import type { ChatMessage, Item, TaskMetrics, TaskVariant, VerdictRecord } from '../../src/types.js';
import { provider, stub, useCleanups } from '../helpers/stub-provider.js';

useCleanups();
const quiet = { update() {}, done() {} };

describe('splitReasoning', () => {
  it('splits think tags, a close tag without an open tag, and custom tags', () => {
    expect(splitReasoning('<think>a, b</think>\n\nAnswer: C', undefined, 'stop')).toEqual({
      answer: 'Answer: C',
      reasoning: 'a, b',
      state: 'complete',
      via: 'think',
    });
    expect(splitReasoning('plan first</think>42', undefined, 'stop').answer).toBe('42');
    expect(
      splitReasoning('<reason>x</reason>y', undefined, 'stop', [
        { name: 'c', open: '<reason>', close: '</reason>' },
      ]),
    ).toMatchObject({ answer: 'y', reasoning: 'x', state: 'complete' });
    expect(splitReasoning('no tags here', undefined, 'stop')).toEqual({
      answer: 'no tags here',
      reasoning: null,
      state: 'none',
    });
  });

  it('an unclosed think block is truncated-in-reasoning, whatever the finish reason', () => {
    expect(splitReasoning('<think>still going', undefined, 'length')).toMatchObject({
      answer: '',
      state: 'truncated-in-reasoning',
    });
    expect(splitReasoning('  <think>ended early', undefined, 'stop').state).toBe('truncated-in-reasoning');
  });

  it('a server reasoning field with empty content and finish_reason length is truncated; otherwise complete', () => {
    expect(splitReasoning('', 'thinking…', 'length').state).toBe('truncated-in-reasoning');
    expect(splitReasoning('42', 'thinking…', 'stop')).toMatchObject({
      answer: '42',
      state: 'complete',
      via: 'server',
    });
  });

  it('stop strings cut only in the answer', () => {
    const stops = ['\n```\n'];
    expect(cutAtStopInAnswer('<think>```py\nx\n```\nmore</think>```py\ny\n```\ntail', stops)).toEqual({
      text: '<think>```py\nx\n```\nmore</think>```py\ny',
      cut: true,
    });
    expect(cutAtStopInAnswer('<think>```py\nx\n```\nmore', stops)).toEqual({
      text: '<think>```py\nx\n```\nmore',
      cut: false,
    });
    expect(cutAtStopInAnswer('plain\n```\nrest', stops)).toEqual({ text: 'plain', cut: true });
  });
});

interface Case {
  task: string;
  ids: string[];
  /** The correct answer for an item, and a decoy placed in the reasoning. */
  answer: (item: Item<any>) => { right: string; decoy: string };
}

const CASES: Case[] = [
  {
    // The chat prompt ends with EvalPlus's assistant prefill "```python\n": the model continues it.
    task: 'humanevalplus:chat',
    ids: ['HumanEval/2', 'HumanEval/0'],
    answer: (it) => ({
      right: it.data.prompt + it.data.canonicalSolution + '\n```\n',
      decoy: '```python\ndef truncate_number(number):\n    return 0.0\n```\n',
    }),
  },
  {
    task: 'gsm8k:chat',
    ids: ['gsm8k/0', 'gsm8k/1'],
    answer: (it) => ({
      right: `So the answer is \\boxed{${it.data.gold}}.`,
      decoy: `Maybe \\boxed{${Number(it.data.gold) + 1}}? And 1,2,3.`,
    }),
  },
  {
    task: 'gpqa_diamond',
    ids: [],
    answer: (it) => ({
      right: `Answer: ${it.data.gold}`,
      decoy: `Answer: ${it.data.gold === 'A' ? 'B' : 'A'}`,
    }),
  },
  {
    task: 'ifeval',
    ids: ['ifeval/1162'],
    answer: () => ({
      right: 'What has feathers and flies to tell your future? A bird of auspices that sings to you.',
      decoy: 'Hmm, commas, many commas, here, and there.',
    }),
  },
];

async function subset(c: Case): Promise<{ variant: TaskVariant; items: Item<any>[] }> {
  const variant = await getTask(c.task);
  const { items } = await variant.loadItems({ datasets: new DatasetResolver(), options: {} });
  const chosen = c.ids.length ? items.filter((i) => c.ids.includes(i.id)) : items.slice(0, 2);
  expect(chosen.length).toBe(c.ids.length || 2);
  const wrapped: TaskVariant = {
    ...variant,
    loadItems: async (ctx) => ({ items: chosen, datasets: (await variant.loadItems(ctx)).datasets }),
  };
  return { variant: wrapped, items: chosen };
}

const keyOf = (messages: ChatMessage[]) => JSON.stringify(messages.map((m) => [m.role, m.content]));

async function runAll(opts: {
  reasoningField?: 'reasoning_content' | 'reasoning';
  stream?: boolean;
  stopsAfterReasoning?: boolean;
}): Promise<Map<string, VerdictRecord>> {
  return (await runAllWithMetrics(opts)).verdicts;
}

async function runAllWithMetrics(opts: {
  reasoningField?: 'reasoning_content' | 'reasoning';
  stream?: boolean;
  stopsAfterReasoning?: boolean;
}): Promise<{ verdicts: Map<string, VerdictRecord>; metrics: Record<string, TaskMetrics> }> {
  const loaded = await Promise.all(CASES.map(async (c) => ({ c, ...(await subset(c)) })));
  const byPrompt = new Map<string, { c: Case; item: Item<any>; last: boolean }>();
  for (const { c, variant, items } of loaded)
    items.forEach((item, k) => {
      const p = variant.buildPrompt(item, items);
      if (p.kind !== 'chat') throw new Error(`${c.task} is not a chat variant`);
      // the last item of every task runs out of tokens inside its reasoning
      byPrompt.set(keyOf(p.messages), { c, item, last: k === items.length - 1 && c.task !== 'ifeval' });
    });
  const server = await stub({
    ...(opts.reasoningField ? { reasoningField: opts.reasoningField } : {}),
    respond: (ctx) => {
      const hit = byPrompt.get(keyOf(ctx.messages as ChatMessage[]));
      if (!hit) return 'unknown prompt';
      const { right, decoy } = hit.c.answer(hit.item);
      if (hit.last) return `<think>Let me think, step by step. ${decoy} ${'and more thinking '.repeat(3000)}`;
      return `<think>Let me think, step by step, about this. ${decoy}\nNo, that is wrong.</think>\n\n${right}`;
    },
  });
  const p = await provider({
    baseUrl: server.url,
    modelName: 'stub-model',
    stream: opts.stream ?? false,
    stopsAfterReasoning: opts.stopsAfterReasoning ?? true,
  });
  const dir = mkdtempSync(join(tmpdir(), 'evalkit-reasoning-'));
  const res = await runEvaluation({
    runDir: dir,
    model: { model: `openai:${server.url}` },
    provider: p,
    tasks: loaded.map((l) => l.variant),
    options: { sandboxWorkers: 1 },
    progress: quiet,
  });
  expect(res.status).toBe('completed');
  const verdicts = readFileSync(join(dir, 'verdicts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as VerdictRecord);
  return { verdicts: new Map(verdicts.map((v) => [`${v.task}|${v.itemId}`, v])), metrics: res.metrics };
}

function primaryScore(v: VerdictRecord): number {
  const s = v.scores!;
  for (const k of ['plus', 'exact_match', 'correct', 'acc', 'prompt_level_loose', 'prompt_level_strict'])
    if (k in s) return s[k]!;
  return Math.min(...Object.values(s));
}

async function expectAnswersScored(verdicts: Map<string, VerdictRecord>): Promise<void> {
  for (const c of CASES) {
    const { items } = await subset(c);
    items.forEach((item, k) => {
      const v = verdicts.get(`${c.task}|${item.id}`);
      expect(v, `${c.task} ${item.id}`).toBeDefined();
      const truncated = k === items.length - 1 && c.task !== 'ifeval';
      if (truncated) {
        expect(v!.outcome, `${c.task} ${item.id}`).toBe('truncated-in-reasoning');
        expect(primaryScore(v!)).toBe(0);
        expect(v!.reason).toMatch(/ended inside its reasoning/);
      } else {
        expect(v!.outcome, `${c.task} ${item.id}`).toBeUndefined();
        expect(primaryScore(v!), `${c.task} ${item.id}: ${v!.reason ?? ''}`).toBe(1);
      }
    });
  }
}

describe('reasoning split before every scorer (live runs against a thinking stub model)', () => {
  it('inline <think> tags: answers scored, decoys and commas in the reasoning ignored, truncation flagged', async () => {
    const { verdicts, metrics } = await runAllWithMetrics({});
    await expectAnswersScored(verdicts);
    // the drift summary in metrics.json counts what happened
    for (const task of ['humanevalplus:chat', 'gsm8k:chat', 'gpqa_diamond']) {
      const g = metrics[task]!.generation!;
      expect(g.samples, task).toBe(2);
      expect(g.withReasoning, task).toBe(2);
      expect(g.truncatedInReasoning, task).toBe(1);
      expect(g.finishReasons.length, task).toBe(1);
      expect(g.lengthRate, task).toBe(0.5);
      // the truncated sample's reasoning runs to the token cap (bytes = tokens on the stub)
      expect(g.reasoningChars!.max, task).toBeGreaterThan(g.reasoningChars!.p50);
    }
    expect(metrics['ifeval']!.generation!.truncatedInReasoning).toBe(0);
    expect(metrics['ifeval']!.generation!.noAnswer).toBe(0);
  });

  it('server reasoning_content (non-streaming) and reasoning (streaming) fields', async () => {
    await expectAnswersScored(await runAll({ reasoningField: 'reasoning_content' }));
    await expectAnswersScored(await runAll({ reasoningField: 'reasoning', stream: true }));
  });

  it('stops sent to the server fire inside the reasoning: the sample is truncated-in-reasoning, not a wrong answer', async () => {
    const v = await runAll({ stopsAfterReasoning: false });
    // the decoy code block in the reasoning ends with "\n```\n", humanevalplus:chat's stop string
    const he = v.get('humanevalplus:chat|HumanEval/0')!;
    expect(he.outcome).toBe('truncated-in-reasoning');
    // tasks without stop strings are unaffected
    expect(primaryScore(v.get('gsm8k:chat|gsm8k/0')!)).toBe(1);
  });
});
