/** Strict/loose evaluation, aggregation (clustered instruction-level CI) and the two task variants. */
import { aggregateOutcomes } from '../../../src/metrics/definitions.js';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import {
  aggregateIfeval,
  IFEVAL_METRICS,
  looseVariants,
  scoreIfevalResponse,
  variants,
  type IfevalRecord,
} from '../../../src/tasks/ifeval/index.js';
import type { Item, VerdictRecord } from '../../../src/types.js';

const rec = (key: number, ids: string[], kwargs: Record<string, unknown>[]): IfevalRecord => ({
  key,
  prompt: `p${key}`,
  instruction_id_list: ids,
  kwargs,
});

describe('IFEval strict / loose', () => {
  it('builds the eight loose variants in evaluation_lib order', () => {
    expect(looseVariants('Sure!\n*a*\nbye')).toEqual([
      'Sure!\n*a*\nbye',
      'Sure!\na\nbye',
      '*a*\nbye',
      'Sure!\n*a*',
      '*a*',
      'a\nbye',
      'Sure!\na',
      'a',
    ]);
    expect(looseVariants('one')).toEqual(['one', 'one', '', '', '', '', '', '']);
  });

  it('loose accepts a response whose first line is chatter; strict does not', () => {
    const r = rec(1, ['startend:quotation', 'punctuation:no_comma'], [{}, {}]);
    const s = scoreIfevalResponse(r, 'Here you go:\n"quoted text"');
    expect(s.details.instructions).toEqual([
      { id: 'startend:quotation', strict: false, loose: true },
      { id: 'punctuation:no_comma', strict: true, loose: true },
    ]);
    expect(s.scores).toEqual({ prompt_strict: 0, prompt_loose: 1, inst_strict: 0.5, inst_loose: 1 });
    expect(s.reason).toContain('startend:quotation (loose ok)');
  });

  it('loose removes "*" (bold end phrase) and a blank response follows nothing', () => {
    const r = rec(2, ['startend:end_checker'], [{ end_phrase: 'Any other questions?' }]);
    expect(scoreIfevalResponse(r, 'Done. **Any other questions?**').scores.prompt_loose).toBe(1);
    expect(scoreIfevalResponse(r, 'Done. **Any other questions?**').scores.prompt_strict).toBe(0);
    const blank = scoreIfevalResponse(rec(3, ['punctuation:no_comma'], [{}]), '  \n ');
    expect(blank.scores).toEqual({ prompt_strict: 0, prompt_loose: 0, inst_strict: 0, inst_loose: 0 });
  });
});

describe('IFEval aggregation', () => {
  const items: Item<IfevalRecord>[] = [
    { id: 'ifeval/1', data: rec(1, ['punctuation:no_comma', 'startend:quotation'], [{}, {}]) },
    { id: 'ifeval/2', data: rec(2, ['punctuation:no_comma'], [{}]) },
    {
      id: 'ifeval/3',
      data: rec(3, ['punctuation:no_comma', 'startend:quotation', 'detectable_format:title'], [{}, {}, {}]),
    },
  ];
  const verdict = (item: Item<IfevalRecord>, text: string | null): VerdictRecord => {
    if (text === null)
      return {
        requestId: `ifeval|${item.id}`,
        task: 'ifeval',
        itemId: item.id,
        sampleIndex: 0,
        scores: null,
        error: 'HTTP 500',
      };
    const s = scoreIfevalResponse(item.data, text);
    return {
      requestId: `ifeval|${item.id}`,
      task: 'ifeval',
      itemId: item.id,
      sampleIndex: 0,
      scores: s.scores,
      details: s.details,
    };
  };

  it('prompt-level = share of prompts; instruction-level = pooled followed / total', () => {
    const vs = [
      verdict(items[0], '"no commas"'),
      verdict(items[1], 'a, b'),
      verdict(items[2], 'x\n"<<T>> here"'),
    ];
    const m = aggregateIfeval('ifeval', items, vs, { seed: 7 });
    expect(m.primary).toBe('prompt_level_loose_acc');
    expect(m.metrics.prompt_level_strict_acc.value).toBeCloseTo(1 / 3, 12);
    expect(m.metrics.inst_level_strict_acc.value).toBeCloseTo(4 / 6, 12); // 2 + 0 + 2 (quotation fails strict)
    expect(m.metrics.prompt_level_loose_acc.value).toBeCloseTo(2 / 3, 12);
    expect(m.metrics.inst_level_loose_acc.value).toBeCloseTo(5 / 6, 12);
    expect(m.metrics.inst_level_strict_acc.method).toMatch(/ratio.*clustered by item/);
    expect(m.breakdowns!.instruction['punctuation:no_comma'].inst_level_strict_acc.value).toBeCloseTo(
      2 / 3,
      12,
    );
    expect(m.breakdowns!.instruction_group.startend.inst_level_loose_acc.value).toBe(1);
    expect(m.counts).toEqual({ items: 3, samples: 3, scored: 3, errored: 0, missingItems: 0 });
  });

  it('errored samples are excluded and counted; items without verdicts are listed', () => {
    const m = aggregateIfeval('ifeval', items, [verdict(items[0], '"ok"'), verdict(items[1], null)], {});
    expect(m.counts).toEqual({ items: 3, samples: 2, scored: 1, errored: 1, missingItems: 2 });
    expect(m.missingItems).toEqual(['ifeval/2', 'ifeval/3']);
    expect(m.metrics.prompt_level_strict_acc.value).toBe(1);
  });

  it('clustered ratio CI: prompts are the clusters, so all-or-nothing prompts give the width of 50 trials, not 200', () => {
    // 50 prompts with 4 instructions each, all-or-nothing (perfectly correlated within prompt).
    const outcomes = Array.from({ length: 50 }, (_, i) => ({ n: 1, value: i % 2 ? 1 : 0, weight: 4 }));
    const a = aggregateOutcomes(IFEVAL_METRICS[1], outcomes);
    expect(a.value).toBe(0.5);
    const width = a.ci95![1] - a.ci95![0];
    // Independent-instruction (binomial, n=200) 95% width would be ≈ 0.138; clustered (50 prompts) ≈ 0.27.
    expect(width).toBeGreaterThan(0.26);
    expect(width).toBeLessThan(0.3);
    expect(a.stderr).toBeCloseTo(Math.sqrt((50 / 49) * 50 * 4) / 200, 12);
  });
});

describe('IFEval task variants', () => {
  it('chat and base prompts are the dataset prompt verbatim; 541 items; scorer handles errors', async () => {
    const chat = variants.find((v) => v.name === 'ifeval')!;
    const base = variants.find((v) => v.name === 'ifeval:base')!;
    expect(chat.settings.generation).toMatchObject({ n: 1, temperature: 0, max_tokens: 2048, stop: [] });
    expect(base.settings.generation).toMatchObject({ n: 1, temperature: 0, max_tokens: 1280, stop: [] });
    const ctx = { datasets: new DatasetResolver(), options: {} };
    const { items, datasets } = await chat.loadItems(ctx);
    expect(items).toHaveLength(541);
    expect(datasets[0].sha256).toBe('67ffeee0fcb87c317c5b08a2de85557b4a7e96ada6178aa645b4954fe4b53d49');
    const first = items[0];
    expect(first.id).toBe('ifeval/1000');
    expect(chat.buildPrompt(first, items)).toEqual({
      kind: 'chat',
      messages: [{ role: 'user', content: first.data.prompt }],
    });
    expect(base.buildPrompt(first, items)).toEqual({ kind: 'completion', text: first.data.prompt });
    const scorer = await chat.createScorer(ctx);
    const gen = { requestId: 'ifeval|ifeval/1000', task: 'ifeval', itemId: first.id, sampleIndex: 0 };
    const err = await scorer.score(first, { ...gen, text: null, error: 'timeout' }, { options: {} });
    expect(err.scores).toBeNull();
    expect(err.error).toBe('timeout');
    const ok = await scorer.score(first, { ...gen, text: 'short, with a comma' }, { options: {} });
    expect(ok.scores).toMatchObject({ prompt_strict: 0, prompt_loose: 0 });
    expect((ok.details as { instructions: unknown[] }).instructions).toHaveLength(3);
  });
});
