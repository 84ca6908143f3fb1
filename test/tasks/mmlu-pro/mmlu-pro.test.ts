/**
 * MMLU-Pro against independent references:
 *  - prompts: sha256 of every prompt of each answer key, as rendered by the official `generate_cot_prompt`
 *    (TIGER-AI-Lab/MMLU-Pro evaluate_from_local.py @ f418b116, with its cot_prompt_lib/initial_prompt.txt) run with
 *    CPython 3.11 on ../shared/datasets/mmlu-pro (prompts joined by "\0");
 *  - answer keys: the May-2024 key differs from the 2024-10 key in the 48 records and 33 answers that
 *    PROVENANCE.md lists from the official 2024 result files;
 *  - extraction: the official regexes run by real CPython `re` (/usr/bin/python3) on the same texts;
 *  - the fallback guess: CPython's `random.seed(12345); random.randint(0, n - 1)`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import {
  extractMmluProLetter,
  mmluProFallbackGuess,
  type MmluProExtraction,
} from '../../../src/scoring/choice/extract.js';
import { mmluProScorer, variants, type MmluProData } from '../../../src/tasks/mmlu-pro/index.js';
import type { GenerationRecord, Item, TaskLoadContext } from '../../../src/types.js';

const ctx: TaskLoadContext = { datasets: new DatasetResolver(), options: {} };
const variant = (name: string) => variants.find((v) => v.name === name)!;

/** sha256 over all prompts (each followed by "\0"), from the official script (see the header). */
const OFFICIAL_PROMPTS_SHA256: Record<string, [number, string]> = {
  mmlu_pro: [12032, '277b7ba85065ede65776d62354971830e4f796da0446141aaa21f1ebb627b0af'],
  'mmlu_pro:2026-02': [12030, '965c9fe3750d366339ca23ab3d237955413a2000107654f7002ac9f3ef00938f'],
  'mmlu_pro:2024-05': [12032, 'fe617965336c821bb725febef427509419dcdca666fa4291c14a20d69ef3c490'],
};
/** The official prompt of question 70 (first test record), alone. */
const OFFICIAL_PROMPT_70_SHA256 = '1e8fb27c1370ca06c8993be5103d2a9e5bb552164bed011f506b2501e78d191e';

/** PROVENANCE.md, "Revision history": the 33 answer changes between the May-2024 and the 2024-10 state. */
const MAY_2024_ANSWER_CHANGES = [
  143, 1289, 2394, 2634, 2817, 3983, 6392, 7063, 7780, 8015, 8110, 8122, 8142, 8230, 8236, 8263, 8410, 8419,
  8447, 8547, 8572, 8630, 8680, 8693, 8757, 8762, 8780, 8881, 8882, 8884, 8933, 8955, 11289,
];

describe('mmlu_pro prompts and answer keys', () => {
  for (const [name, [count, sha]] of Object.entries(OFFICIAL_PROMPTS_SHA256)) {
    it(`${name}: all ${count} prompts equal the official script's`, async () => {
      const v = variant(name);
      const { items } = await v.loadItems(ctx);
      expect(items.length).toBe(count);
      const h = createHash('sha256');
      for (const item of items) h.update((v.buildPrompt(item, items) as { text: string }).text + '\0');
      expect(h.digest('hex')).toBe(sha);
      const first = (v.buildPrompt(items[0], items) as { text: string }).text;
      expect(createHash('sha256').update(first).digest('hex')).toBe(OFFICIAL_PROMPT_70_SHA256);
    });
  }

  it('the May-2024 key differs from the 2024-10 key exactly where PROVENANCE says; the key is part of the identity', async () => {
    const may = (await variant('mmlu_pro:2024-05').loadItems(ctx)).items as Item<MmluProData>[];
    const oct = (await variant('mmlu_pro').loadItems(ctx)).items as Item<MmluProData>[];
    expect(may.map((i) => i.id)).toEqual(oct.map((i) => i.id));
    const differs = may.filter((m, i) => JSON.stringify(m.data) !== JSON.stringify(oct[i].data));
    expect(differs.length).toBe(48);
    const answerChanged = may
      .filter((m, i) => m.data.gold !== oct[i].data.gold)
      .map((m) => m.data.questionId);
    expect(answerChanged).toEqual(MAY_2024_ANSWER_CHANGES);
    const keys = variants.map((v) => [v.name, v.settings.answerKey, v.settings.extraction]);
    expect(keys).toEqual([
      ['mmlu_pro', '2024-10', '2024-07'],
      ['mmlu_pro:2026-02', '2026-02', '2024-07'],
      ['mmlu_pro:2024-05', '2024-05', '2024-05'],
    ]);
  });
});

/** The official patterns (facts from evaluate_from_local.py: 2024-05-21 and since 2024-07-14), run by CPython. */
const PY_EXTRACT = String.raw`
import json, re, sys
def official(text, version):
    m = re.search(r"answer is \(?([A-J])\)?", text)
    if m: return m.group(1)
    if version == '2024-05': return None
    m = re.search(r'.*[aA]nswer:\s*([A-J])', text)
    if m: return m.group(1)
    m = re.search(r"\b[A-J]\b(?!.*\b[A-J]\b)", text, re.DOTALL)
    return m.group(0) if m else None
texts = json.load(sys.stdin)
print(json.dumps([[official(t, v) for v in ('2024-05', '2024-07')] for t in texts]))
`;

/** Texts where JavaScript's own `\b`, `.` and `\s` would give another letter than Python. */
const EDGE = [
  'so the answer is (C). Later the answer is (D).',
  'Final Answer: B',
  'I pick E maybe',
  'no letters here',
  'The change is ΔB, so take it', // Python: "B" follows a word character (Δ) → not standalone
  'café A', // standalone A after a space
  'éA and then nothing', // A glued to é: not standalone in Python
  'Answer:\nB is right', // Python's \s* crosses the line break
  'Answer:\u0085C', // U+0085 is whitespace for Python, not for JavaScript
  'Answer:\ufeffD', // U+FEFF is whitespace for JavaScript, not for Python
  'first line\r Answer: F\nsecond Answer: G', // Python's . crosses \r, JavaScript's does not
  'the best Answer: A here and answer: B there\nAnswer: C', // the last on the first matching line
  'Option A_ or B1 or (C) or D.',
  'x\u2028Answer: H',
  'Answer: \n\n  J',
  '',
];

function letters(texts: string[]): Array<Array<string | null>> {
  const py = spawnSync('/usr/bin/python3', ['-c', PY_EXTRACT], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (py.status !== 0) throw new Error(`python3 failed: ${py.stderr}`);
  return JSON.parse(py.stdout) as Array<Array<string | null>>;
}

describe('mmlu_pro answer extraction = the official script under CPython re', () => {
  it('edge cases and every validation chain of thought, whole and with the "answer is" sentence cut', async () => {
    const { records } = await ctx.datasets.jsonl<{ cot_content: string }>('mmlu-pro-validation');
    const cots = records.map((r) => r.cot_content);
    const cut = cots.map((c) => c.replace(/answer is \(?[A-J]\)?/g, 'answer was'));
    const texts = [...EDGE, ...cots, ...cut, ...cut.map((c) => c.replace(/\n/g, ' Answer:\n'))];
    const expected = letters(texts);
    const versions: MmluProExtraction[] = ['2024-05', '2024-07'];
    const ours = texts.map((t) => versions.map((v) => extractMmluProLetter(t, v)));
    const disagreements = texts.filter((_, i) => JSON.stringify(ours[i]) !== JSON.stringify(expected[i]));
    expect(disagreements).toEqual([]);
    // the edge cases do exercise the Python semantics (these differ from a plain JavaScript reading)
    expect(expected.slice(4, 11).map((x) => x[1])).toEqual([null, 'A', null, 'B', 'C', 'D', 'F']);
    // the cut texts reach the later stages
    expect(
      cut.filter((c, i) => extractMmluProLetter(c, '2024-05') === null && ours[EDGE.length + 70 + i][1])
        .length,
    ).toBeGreaterThan(40);
  });

  it('the fallback guess is CPython random.seed(12345); randint(0, n - 1)', () => {
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import random\nfor n in range(1, 11):\n    random.seed(12345); print(random.randint(0, n - 1))',
      ],
      { encoding: 'utf8' },
    );
    expect(py.status).toBe(0);
    const expected = py.stdout.trim().split('\n').map(Number);
    expect(Array.from({ length: 10 }, (_, i) => mmluProFallbackGuess(i + 1))).toEqual(expected);
  });
});

describe('mmlu_pro scoring: the random guess is its own metric', () => {
  const item = (options: number, gold: string, goldIndex: number): Item<MmluProData> => ({
    id: 'mmlu_pro/1',
    data: {
      questionId: 1,
      question: 'q',
      options: Array(options).fill('o'),
      gold,
      goldIndex,
      category: 'law',
      shots: [],
    },
  });
  const gen = (text: string): GenerationRecord =>
    ({ requestId: 'r', task: 'mmlu_pro', itemId: 'mmlu_pro/1', sampleIndex: 0, text }) as GenerationRecord;

  it('acc counts an unparsable answer wrong, acc_with_random_guess gives it the official guess, no_answer marks it', async () => {
    const s = mmluProScorer('2024-07');
    // 10 options: the official guess is index 6 (G)
    expect((await s.score(item(10, 'G', 6), gen('no letter here'), {} as never)).scores).toEqual({
      acc: 0,
      acc_with_random_guess: 1,
      no_answer: 1,
    });
    expect((await s.score(item(10, 'C', 2), gen('no letter here'), {} as never)).scores).toEqual({
      acc: 0,
      acc_with_random_guess: 0,
      no_answer: 1,
    });
    expect((await s.score(item(10, 'C', 2), gen('the answer is (C)'), {} as never)).scores).toEqual({
      acc: 1,
      acc_with_random_guess: 1,
      no_answer: 0,
    });
    // the 2024-05 script stops after "answer is": a bare "Answer: C" is no answer there
    const may = await mmluProScorer('2024-05').score(item(10, 'C', 2), gen('Answer: C'), {} as never);
    expect(may.scores.no_answer).toBe(1);
    expect(variant('mmlu_pro').metrics.map((m) => m.name)).toEqual([
      'acc',
      'acc_with_random_guess',
      'no_answer',
    ]);
  });
});
