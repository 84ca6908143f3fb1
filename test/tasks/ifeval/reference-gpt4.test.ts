/**
 * Scoring the reference GPT-4 responses shipped with IFEval (google-research
 * instruction_following_eval/data/input_response_data_gpt4_20231107_145030.jsonl) against the inputs,
 * compared with the published figures (Zhou et al. 2023, Table 3): prompt-strict 76.89 (416/541),
 * instruction-strict 83.57 (697/834), prompt-loose 79.30 (429/541), instruction-loose 85.37 (712/834).
 */
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { aggregateIfeval, scoreIfevalResponse, type IfevalRecord } from '../../../src/tasks/ifeval/index.js';
import { loadIfevalRecords, ifevalItemId, IFEVAL_GPT4_DATASET } from '../../../src/tasks/ifeval/index.js';
import type { VerdictRecord } from '../../../src/types.js';

const PUBLISHED = { promptStrict: 416, instStrict: 697, promptLoose: 429, instLoose: 712 };

async function load() {
  const datasets = new DatasetResolver();
  const { records } = await loadIfevalRecords(datasets);
  const { records: responses } = await datasets.jsonl<{ prompt: string; response: string }>(
    IFEVAL_GPT4_DATASET,
  );
  return { records, responses };
}

function totals(records: IfevalRecord[], responseOf: (r: IfevalRecord) => string) {
  let promptStrict = 0;
  let promptLoose = 0;
  let instStrict = 0;
  let instLoose = 0;
  const verdicts: VerdictRecord[] = [];
  for (const rec of records) {
    const s = scoreIfevalResponse(rec, responseOf(rec));
    promptStrict += s.scores.prompt_strict;
    promptLoose += s.scores.prompt_loose;
    instStrict += s.details.instructions.filter((x) => x.strict).length;
    instLoose += s.details.instructions.filter((x) => x.loose).length;
    verdicts.push({
      requestId: `ifeval|${ifevalItemId(rec.key)}`,
      task: 'ifeval',
      itemId: ifevalItemId(rec.key),
      sampleIndex: 0,
      scores: s.scores,
      details: s.details,
    });
  }
  return { promptStrict, instStrict, promptLoose, instLoose, verdicts };
}

describe('IFEval reference GPT-4 responses', () => {
  it('join by exact prompt text: every input but key 2785 has its response', async () => {
    const { records, responses } = await load();
    expect(records).toHaveLength(541);
    expect(records.reduce((a, r) => a + r.instruction_id_list.length, 0)).toBe(834);
    const byPrompt = new Map(responses.map((r) => [r.prompt, r.response]));
    const unjoined = records.filter((r) => !byPrompt.has(r.prompt)).map((r) => r.key);
    // Key 2785's prompt was edited upstream after the responses were generated:
    // "at least one placeholder" (response file) → "at least 3 placeholders" (kwargs num_placeholders 3).
    expect(unjoined).toEqual([2785]);
    const inputPrompts = new Set(records.map((r) => r.prompt));
    const orphans = responses.filter((r) => !inputPrompts.has(r.prompt));
    expect(orphans).toHaveLength(1);
    expect(orphans[0].prompt).toContain('Your answer must also contain at least one placeholder');
  });

  it('reproduces the published figures up to key 2785 and a documented residual', async () => {
    const { records, responses } = await load();
    const byPrompt = new Map(responses.map((r) => [r.prompt, r.response]));
    const inputPrompts = new Set(records.map((r) => r.prompt));
    const orphan = responses.find((r) => !inputPrompts.has(r.prompt))!;
    const responseOf = (r: IfevalRecord) => byPrompt.get(r.prompt) ?? orphan.response;

    // (a) Current input_data.jsonl: 2785 is judged against "at least 3 placeholders"; the GPT-4
    // response has one placeholder, so it fails there (it followed the instruction it was given).
    const current = totals(records, responseOf);
    const r2785 = scoreIfevalResponse(
      records.find((r) => r.key === 2785)!,
      orphan.response,
    );
    expect(r2785.details.instructions.map((x) => [x.id, x.strict, x.loose])).toEqual([
      ['detectable_format:number_highlighted_sections', true, true],
      ['detectable_content:number_placeholders', false, false],
    ]);
    expect([current.promptStrict, current.instStrict, current.promptLoose, current.instLoose]).toEqual([
      417, 698, 431, 715,
    ]);

    // (b) 2785 as it was when the paper was computed (old prompt, num_placeholders 1): it passes.
    const asPublished = records.map((r) =>
      r.key === 2785
        ? {
            ...r,
            prompt: orphan.prompt,
            kwargs: r.kwargs.map((k) => ('num_placeholders' in k ? { num_placeholders: 1 } : k)),
          }
        : r,
    );
    const old = totals(asPublished, responseOf);
    expect([old.promptStrict, old.instStrict, old.promptLoose, old.instLoose]).toEqual([418, 699, 432, 716]);

    // Residual vs the paper after accounting for 2785: +2 prompts / +2 instructions strict,
    // +3 prompts / +4 instructions loose (0.37 / 0.24 / 0.55 / 0.48 points). Not attributable to a
    // key from the data alone; see docs/fidelity.md#ifeval ("GPT-4 check") for what was ruled out:
    // our verdicts equal those of Python re + NLTK 3.8 Punkt/Treebank + Python langdetect 1.0.9 on all
    // 834 instructions, strict and loose. Keys whose verdicts are tokenizer/RNG-sensitive: 1174
    // (sentence count sits on the threshold after an abbreviation-like token; depends on Punkt's
    // orthographic table, loose only) and 3456 (all-caps text, langdetect says de/so at p≈0.86/0.14).
    const residual = {
      promptStrict: old.promptStrict - PUBLISHED.promptStrict,
      instStrict: old.instStrict - PUBLISHED.instStrict,
      promptLoose: old.promptLoose - PUBLISHED.promptLoose,
      instLoose: old.instLoose - PUBLISHED.instLoose,
    };
    expect(residual).toEqual({ promptStrict: 2, instStrict: 2, promptLoose: 3, instLoose: 4 });

    // Percentages as the paper prints them (current data).
    const pct = (x: number, n: number) => Math.round((x / n) * 10000) / 100;
    expect([
      pct(current.promptStrict, 541),
      pct(current.instStrict, 834),
      pct(current.promptLoose, 541),
      pct(current.instLoose, 834),
    ]).toEqual([77.08, 83.69, 79.67, 85.73]);
    for (const [ours, pub] of [
      [current.promptStrict / 541, 0.7689],
      [current.instStrict / 834, 0.8357],
      [current.promptLoose / 541, 0.793],
      [current.instLoose / 834, 0.8537],
    ]) {
      expect(Math.abs(ours - pub)).toBeLessThan(0.006);
    }

    // Aggregation through the pipeline path gives the same values, with CIs that contain them.
    const items = records.map((r) => ({ id: ifevalItemId(r.key), data: r }));
    const m = aggregateIfeval('ifeval', items, current.verdicts, { seed: 1234 });
    expect(m.metrics.prompt_level_strict_acc.value).toBeCloseTo(417 / 541, 12);
    expect(m.metrics.inst_level_strict_acc.value).toBeCloseTo(698 / 834, 12);
    expect(m.metrics.prompt_level_loose_acc.value).toBeCloseTo(431 / 541, 12);
    expect(m.metrics.inst_level_loose_acc.value).toBeCloseTo(715 / 834, 12);
    for (const v of Object.values(m.metrics)) {
      expect(v.ci95![0]).toBeLessThan(v.value);
      expect(v.ci95![1]).toBeGreaterThan(v.value);
    }
    expect(m.counts).toEqual({ items: 541, samples: 541, scored: 541, errored: 0, missingItems: 0 });
    expect(Object.keys(m.breakdowns!.instruction)).toHaveLength(25);
    const ps = m.breakdowns!.instruction['detectable_content:postscript'];
    expect(ps.inst_level_strict_acc.value).toBeGreaterThan(0);
  });
});
