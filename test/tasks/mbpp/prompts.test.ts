import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { variants } from '../../../src/tasks/mbpp/index.js';
import type { TaskVariant } from '../../../src/types.js';

const ctx = { datasets: new DatasetResolver(), options: {} };
const byName = (n: string) => variants.find((v) => v.name === n) as TaskVariant;
type Rec = { task_id: number; text: string; code: string };
const mbpp = readFileSync(join(process.env.EVALKIT_DATA_DIR!, 'mbpp/mbpp.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Rec);
const byId = new Map(mbpp.map((r) => [r.task_id, r]));
type RecT = Rec & { test_list: string[] };
const PREFIX = 'Here is the completed function:\n\n```python\n';
const INSTR =
  'Please provide a self-contained Python script that solves the following problem in a markdown code block:\n```\n';

describe('MBPP OLMES prompts', () => {
  it('loads the 500-item test split (task ids 11-510)', async () => {
    const { items } = await byName('mbpp::starcoder_pass@1').loadItems(ctx);
    expect(items).toHaveLength(500);
    expect(items[0].id).toBe('Mbpp/11');
    expect(items[499].id).toBe('Mbpp/510');
  });

  it('starcoder rows: codex_mbpp default query text + code.split(":")[0] + ":" (no strip, no newline) + assistant prefix', async () => {
    for (const name of ['mbpp::starcoder_pass@1', 'mbpp::starcoder_pass@10']) {
      const v = byName(name);
      const { items } = await v.loadItems(ctx);
      for (const idx of [0, 250, 499]) {
        const r = byId.get(Number(items[idx].id.split('/')[1]))!;
        expect(v.buildPrompt(items[idx], items)).toEqual({
          kind: 'completion',
          text: r.text + r.code.split(':')[0] + ':' + PREFIX,
        });
      }
      expect(v.settings.generation!.stop).toEqual([
        '\nclass',
        '\nassert',
        '\n"""',
        '\nprint',
        '\nif',
        '\n```',
        '\n#',
        '\n<|/',
        '<|eot_id|>',
      ]);
    }
    // Mbpp/11 written out byte for byte.
    const v = byName('mbpp::starcoder_pass@1');
    const { items } = await v.loadItems(ctx);
    expect(v.buildPrompt(items[0], items)).toEqual({
      kind: 'completion',
      text:
        'Write a python function to remove first and last occurrence of a given character from the string.def remove_Occ(s,ch):' +
        PREFIX,
    });
  });

  it('mbpp:3shot::olmo3: evalplus variant, Original:MBPP shots 2,3,4 with single-line code, byte-exact', async () => {
    const v = byName('mbpp:3shot::olmo3');
    const { items } = await v.loadItems(ctx);
    const q = (text: string, test: string) => INSTR + text.trim() + '\n' + test + '\n```\n';
    // The Original:MBPP single-line code is the reference code with whitespace runs collapsed (checked with CPython).
    const collapsed = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          `import json\nr={}\nfor l in open(${JSON.stringify(join(process.env.EVALKIT_DATA_DIR!, 'mbpp/mbpp.jsonl'))}):\n d=json.loads(l)\n if d['task_id'] in (2,3,4): r[d['task_id']]=' '.join(d['code'].split())\nprint(json.dumps(r))`,
        ],
        { encoding: 'utf8' },
      ),
    ) as Record<string, string>;
    const shots = [2, 3, 4].map((id) => {
      const r = byId.get(id) as RecT;
      return q(r.text, r.test_list[0]) + collapsed[String(id)] + '\n';
    });
    for (const idx of [0, 100, 499]) {
      const r = byId.get(Number(items[idx].id.split('/')[1])) as RecT;
      expect(v.buildPrompt(items[idx], items)).toEqual({
        kind: 'completion',
        text: [...shots, q(r.text, r.test_list[0]) + PREFIX].join('\n\n'),
      });
    }
    // First shot and the start of Mbpp/11's query written out literally.
    const text = (v.buildPrompt(items[0], items) as { text: string }).text;
    expect(
      text.startsWith(
        INSTR +
          'Write a function to find the similar elements from the given two tuple lists.\nassert similar_elements((3, 4, 5, 6),(5, 7, 4, 10)) == (4, 5)\n```\n' +
          'def similar_elements(test_tup1, test_tup2): res = tuple(set(test_tup1) & set(test_tup2)) return (res)\n\n\n' +
          INSTR,
      ),
    ).toBe(true);
    expect(text.endsWith('assert remove_Occ("hello","l") == "heo"\n```\n' + PREFIX)).toBe(true);
    expect(v.settings.generation).toEqual({
      shaping: 'olmes',
      n: 20,
      temperature: 0.8,
      top_p: 0.95,
      max_tokens: 512,
      stop: ['```', '\n"""', '\nassert', '\n#'],
    });
  });

  it('mbppplus::none: OLMES evalplus prompt variant with assistant prefix, 378 tasks', async () => {
    const v = byName('mbppplus::none');
    const { items } = await v.loadItems(ctx);
    expect(items).toHaveLength(378);
    expect(items[0].id).toBe('Mbpp/2');
    // HF evalplus/mbppplus `prompt` (plain text) + one assert, i.e. the EvalPlus docstring without its quotes.
    for (const it of items) {
      const inner = (it.data as { prompt: string }).prompt.trim().slice(3, -3).trim();
      expect((v.buildPrompt(it, items) as { text: string }).text).toContain('```\n' + inner + '\n```\n');
    }
    expect(v.buildPrompt(items[0], items)).toEqual({
      kind: 'completion',
      text:
        'Please provide a self-contained Python script that solves the following problem in a markdown code block:\n```\n' +
        'Write a function to find the shared elements from the given two lists.\nassert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))' +
        '\n```\n' +
        '\nBelow is a Python script with a self-contained function that solves the problem and passes corresponding tests:\n```python\n',
    });
    expect(v.settings.generation).toEqual({
      shaping: 'olmes',
      n: 1,
      temperature: 0.8,
      top_p: 0.95,
      max_tokens: 512,
      stop: ['```', '\n"""', '\nassert', '\n#'],
    });
  });
});
