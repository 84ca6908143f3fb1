/**
 * MBPP OLMES prompt facts that the golden-prompt test (test/tasks/olmes-golden-prompts.test.ts, every prompt
 * against OLMES's own rendering) cannot show: the Original:MBPP shot texts against the MBPP data itself, and the
 * `random-asserts` variants against CPython's own `random` in OLMES's draw order.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { OLMES_MBPP_FEWSHOT, type MbppData, variants } from '../../../src/tasks/mbpp/index.js';
import type { Item, TaskVariant } from '../../../src/types.js';

const ctx = { datasets: new DatasetResolver(), options: { seed: 777 } };
const byName = (n: string) => variants.find((v) => v.name === n) as TaskVariant<MbppData>;
const MBPP_JSONL = join(process.env.EVALKIT_DATA_DIR!, 'mbpp/mbpp.jsonl');
type Rec = { task_id: number; text: string; code: string; test_list: string[] };
const byId = new Map(
  readFileSync(MBPP_JSONL, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec)
    .map((r) => [r.task_id, r]),
);

describe('MBPP OLMES prompt facts', () => {
  it('Original:MBPP shots = MBPP ids 2, 3, 4: same text and asserts, code with whitespace runs collapsed (CPython)', () => {
    const collapsed = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          `import json\nr={}\nfor l in open(${JSON.stringify(MBPP_JSONL)}):\n d=json.loads(l)\n if d['task_id'] in (2,3,4): r[d['task_id']]=' '.join(d['code'].split())\nprint(json.dumps(r))`,
        ],
        { encoding: 'utf8' },
      ),
    ) as Record<string, string>;
    expect(OLMES_MBPP_FEWSHOT.map((s) => s.taskId)).toEqual([2, 3, 4]);
    for (const s of OLMES_MBPP_FEWSHOT) {
      const r = byId.get(s.taskId)!;
      expect({ text: s.text, code: s.code, tests: s.tests }).toEqual({
        text: r.text,
        code: collapsed[String(s.taskId)],
        tests: r.test_list,
      });
    }
  });

  it("random-asserts variants draw the shown asserts as OLMES's random.choice would after random.seed(777)", async () => {
    // CPython in OLMES's order: one choice per test doc (list(test_docs())), then per doc one choice for each of
    // the 10 Original:MBPP entries (3 asserts each) of which the first 3 are shown. Indices are printed.
    const py = (file: string, field: string, shots: boolean) =>
      JSON.parse(
        execFileSync(
          '/usr/bin/python3',
          [
            '-c',
            [
              'import json, random, gzip',
              `f = ${JSON.stringify(file)}`,
              'rows = [json.loads(l) for l in (gzip.open(f, "rt") if f.endswith(".gz") else open(f))]',
              `docs = [r for r in rows if ${field === 'text' ? '11 <= r["task_id"] <= 510' : 'True'}]`,
              'random.seed(777)',
              'q = [r["test_list"].index(random.choice(r["test_list"])) for r in docs]',
              `s = [[random.choice(range(3)) for _ in range(10)][:3] for _ in docs] if ${shots ? 'True' : 'False'} else []`,
              'print(json.dumps({"q": q, "s": s}))',
            ].join('\n'),
          ],
          { encoding: 'utf8', maxBuffer: 1 << 24 },
        ),
      ) as { q: number[]; s: number[][] };

    const olmo3 = byName('mbpp:3shot::olmo3:random-asserts');
    const { items } = await olmo3.loadItems(ctx);
    const want = py(MBPP_JSONL, 'text', true);
    const idx = (it: Item<MbppData>) => it.data.testList.indexOf(it.data.promptTest);
    expect(items.map(idx)).toEqual(want.q);
    expect(
      items.map((it) => it.data.shotTests!.map((t, k) => OLMES_MBPP_FEWSHOT[k].tests.indexOf(t))),
    ).toEqual(want.s);
    // Not all first asserts (the draw happened), and the prompt shows exactly the drawn asserts.
    expect(want.q.some((i) => i !== 0)).toBe(true);
    const p = olmo3.buildPrompt(items[0], items);
    const text = p.kind === 'completion' ? p.text : '';
    for (const t of [...items[0].data.shotTests!, items[0].data.promptTest])
      expect(text).toContain(`\n${t}\n`);

    const plus = byName('mbppplus::none:random-asserts');
    const plusItems = (await plus.loadItems(ctx)).items;
    const wantPlus = py(
      join(process.env.EVALKIT_DATA_DIR!, 'mbppplus/v0.2.0/MbppPlus-OriginFmt.jsonl.gz'),
      'prompt',
      false,
    );
    expect(plusItems.map(idx)).toEqual(wantPlus.q);
    expect(plus.settings.promptAsserts).toMatch(/seeded/);
  });
});
