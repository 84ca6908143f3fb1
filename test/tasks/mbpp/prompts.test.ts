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
const query = (r: Rec) => r.text.trim() + '\n' + r.code.split(':')[0] + ':';

describe('MBPP OLMES prompts', () => {
  it('loads the 500-item test split (task ids 11-510)', async () => {
    const { items } = await byName('mbpp::starcoder_pass@1').loadItems(ctx);
    expect(items).toHaveLength(500);
    expect(items[0].id).toBe('Mbpp/11');
    expect(items[499].id).toBe('Mbpp/510');
  });

  it('starcoder rows: text + "\\n" + signature', async () => {
    const v = byName('mbpp::starcoder_pass@10');
    const { items } = await v.loadItems(ctx);
    for (const idx of [0, 250, 499]) {
      const r = byId.get(Number(items[idx].id.split('/')[1]))!;
      expect(v.buildPrompt(items[idx], items)).toEqual({ kind: 'completion', text: query(r) });
    }
  });

  it('mbpp:3shot::olmo3: prompt-split shots from random.Random(1234).shuffle (checked with CPython)', async () => {
    const order = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', 'import random,json;x=list(range(1,11));random.Random(1234).shuffle(x);print(json.dumps(x[:3]))'], {
        encoding: 'utf8',
      }),
    ) as number[];
    const v = byName('mbpp:3shot::olmo3');
    const { items } = await v.loadItems(ctx);
    const prefix = order.map((id) => { const r = byId.get(id)!; return query(r) + r.code.slice(r.code.split(':')[0].length + 1); }).join('\n\n') + '\n\n';
    for (const idx of [0, 100, 499]) {
      const r = byId.get(Number(items[idx].id.split('/')[1]))!;
      expect(v.buildPrompt(items[idx], items)).toEqual({ kind: 'completion', text: prefix + query(r) });
    }
  });

  it('mbppplus::none: OLMES evalplus prompt variant with assistant prefix, 378 tasks', async () => {
    const v = byName('mbppplus::none');
    const { items } = await v.loadItems(ctx);
    expect(items).toHaveLength(378);
    const p = (items[0].data as { prompt: string }).prompt;
    expect(v.buildPrompt(items[0], items)).toEqual({
      kind: 'completion',
      text:
        'Please provide a self-contained Python script that solves the following problem in a markdown code block:\n```\n' +
        p.trim() +
        '\n```\n' +
        '\nBelow is a Python script with a self-contained function that solves the problem and passes corresponding tests:\n```python\n',
    });
    expect(v.settings.generation).toEqual({ n: 1, temperature: 0.8, top_p: 0.95, max_tokens: 512, stop: ['```', '\n"""', '\nassert', '\n#'] });
  });
});
