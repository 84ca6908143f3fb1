/**
 * IFEval `keywords:letter_frequency` with a kwarg that is not one ASCII letter: keys 1122 ("#") and 1129 ("!").
 * The reference (google-research instruction_following_eval, LetterFrequencyChecker.build_description) then
 * checks a letter drawn by an unseeded `random.choice(string.ascii_letters)`. The reference's verdict
 * distribution is computed here by real CPython over all 52 draws, with the reference's own counting
 * (`collections.Counter(value.lower())[letter.lower()]`); evalkit's deterministic verdict must be the
 * reference's majority verdict (probability ≥ 1/2) on the GPT-4 responses of those exact keys.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { buildChecker, IFEVAL_GPT4_DATASET, IFEVAL_INPUT_DATASET } from '../../../src/tasks/ifeval/index.js';

interface Input {
  key: number;
  prompt: string;
  instruction_id_list: string[];
  kwargs: Array<Record<string, unknown>>;
}

const PY_DISTRIBUTION = String.raw`
import collections, json, string, sys
cases = json.load(sys.stdin)
out = []
for c in cases:
    counts = collections.Counter(c['text'].lower())
    n, rel = c['n'], c['rel']
    ok = [(counts[l.lower()] < n) if rel == 'less than' else (counts[l.lower()] >= n) for l in string.ascii_letters]
    out.append(sum(ok) / len(ok))
print(json.dumps(out))
`;

function referencePassProbability(cases: Array<{ text: string; n: number; rel: string }>): number[] {
  const py = spawnSync('/usr/bin/python3', ['-c', PY_DISTRIBUTION], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  if (py.status !== 0) throw new Error(`python3 failed: ${py.stderr}`);
  return JSON.parse(py.stdout) as number[];
}

describe('IFEval letter_frequency with a non-letter (keys 1122, 1129)', () => {
  it("equals the reference's majority verdict on the GPT-4 responses and on responses where literal counting would differ", async () => {
    const ds = new DatasetResolver();
    const inputs = (await ds.jsonl<Input>(IFEVAL_INPUT_DATASET)).records;
    const responses = new Map(
      (await ds.jsonl<{ prompt: string; response: string }>(IFEVAL_GPT4_DATASET)).records.map((r) => [
        r.prompt,
        r.response,
      ]),
    );
    const cases: Array<{ key: number; kw: Record<string, unknown>; text: string }> = [];
    for (const key of [1122, 1129]) {
      const r = inputs.find((x) => x.key === key)!;
      const kw = r.kwargs[r.instruction_id_list.indexOf('keywords:letter_frequency')];
      expect(['#', '!']).toContain(kw.letter);
      const gpt4 = responses.get(r.prompt)!;
      cases.push({ key, kw, text: gpt4 });
      // literal counting passes these (10 × "#" / "!"), the reference's random letters almost never do
      cases.push({ key, kw, text: `${String(kw.letter).repeat(10)} ok` });
      // and the reverse: plenty of every letter, none of the literal character
      cases.push({ key, kw, text: 'the quick brown fox jumps over the lazy dog '.repeat(8) });
    }
    const probability = referencePassProbability(
      cases.map((c) => ({ text: c.text, n: c.kw.let_frequency as number, rel: c.kw.let_relation as string })),
    );
    const ours = cases.map((c) => buildChecker('keywords:letter_frequency', c.kw)(c.text));
    expect(ours).toEqual(probability.map((p) => p >= 0.5));
    // the GPT-4 responses: 14/26 and 20/26 of the reference's letters pass → followed
    expect([probability[0], probability[3]]).toEqual([28 / 52, 40 / 52]);
    expect([ours[0], ours[1], ours[2], ours[3], ours[4], ours[5]]).toEqual([
      true,
      false,
      true,
      true,
      false,
      true,
    ]);
  });

  it('an ASCII letter is counted as given, case-insensitively', () => {
    const kw = { letter: 'Q', let_frequency: 2, let_relation: 'at least' };
    expect(buildChecker('keywords:letter_frequency', kw)('q Q')).toBe(true);
    expect(buildChecker('keywords:letter_frequency', kw)('q')).toBe(false);
  });
});
