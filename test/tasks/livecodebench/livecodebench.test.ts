/**
 * LiveCodeBench on fixtures in the official release schema, written by this test (no problem data can be
 * reached offline): the real 1873_A record's compressed private tests (PROVENANCE.md known-answer vector), a
 * functional LeetCode-style record whose private tests are compressed by CPython's own pickle + zlib + base64 (as
 * the dataset was made), a stdin record with JSON-text private tests in the second release file. Checks: version
 * tags, decoding without unpickling, --since/--until, the official prompts, stdin and functional scoring in the
 * sandbox (outputs compared outside), the per-test time limit, per-difficulty metrics.
 */
import { aggregateTask } from '../../../src/metrics/aggregate.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { getTask } from '../../../src/tasks/registry.js';
import { decimalKey, pyJsonEqual, stdinOutputMatches } from '../../../src/tasks/livecodebench/compare.js';
import { extractLcbCode } from '../../../src/tasks/livecodebench/index.js';
import { decodePrivateTests, pickledStringValue } from '../../../src/tasks/livecodebench/private-tests.js';
import { loadRelease, releaseFiles, type LcbProblem } from '../../../src/tasks/livecodebench/release.js';
import type { Item, Scorer, TaskLoadContext, VerdictRecord } from '../../../src/types.js';
import { gen } from '../../helpers/code-scoring.js';

/** PROVENANCE.md "Known-answer vector": 1873_A's private_test_cases, verbatim. */
const KNOWN_BLOB =
  'eJxrYJmaz8gABhEZQEZ0tVJmXkFpiZKVgpJhTF5iUnJMnpKOglJ+aQlUNNI1GCJUklpcUlJZkAoSLC5JycxTqtVRQNJuDNWOILAYhCCIMdI0Ji85MQloWjKQSE5KjMlLSgSam5SciG64nz+y2WACJESMJWYY7ibFG8T5KnaKHgAcinnp';

/** base64(zlib(pickle.dumps(json_text))) made by CPython, exactly how the dataset's blobs were produced. */
function pythonCompressedTests(tests: object[]): string {
  return execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      'import sys,json,pickle,zlib,base64; print(base64.b64encode(zlib.compress(pickle.dumps(sys.argv[1]))).decode())',
      JSON.stringify(tests),
    ],
    { encoding: 'utf8' },
  ).trim();
}

const SHORT_SORT = {
  question_title: 'A. Short Sort',
  question_content:
    'There are three cards with letters a, b, c placed in a row ... Output "YES" if it is possible ... "NO" otherwise.',
  platform: 'codeforces',
  question_id: '1873_A',
  contest_id: '1873',
  contest_date: '2023-08-21T00:00:00',
  starter_code: '',
  difficulty: 'easy',
  public_test_cases: JSON.stringify([
    { input: '6\nabc\nacb\nbac\nbca\ncab\ncba\n', output: 'YES\nYES\nYES\nNO\nNO\nYES\n', testtype: 'stdin' },
  ]),
  private_test_cases: KNOWN_BLOB,
  metadata: '{}',
};

const functionalTests = [
  { input: '3\n[1, 2]', output: '[4, 5]', testtype: 'functional' },
  { input: '0\n[]', output: '[]', testtype: 'functional' },
  { input: '-1\n[10, 20, 30]', output: '[9, 19, 29]', testtype: 'functional' },
];
const ADD_ALL = {
  question_title: 'add-to-all',
  question_content: 'Given an integer k and an array nums, return nums with k added to every element.',
  platform: 'leetcode',
  question_id: '9001',
  contest_id: 'weekly-contest-400',
  contest_date: '2024-02-10T00:00:00',
  starter_code: 'class Solution:\n    def addToAll(self, k: int, nums: List[int]) -> List[int]:\n        ',
  difficulty: 'medium',
  public_test_cases: JSON.stringify([functionalTests[0]]),
  private_test_cases: pythonCompressedTests(functionalTests.slice(1)),
  metadata: JSON.stringify({ func_name: 'addToAll' }),
};

const SUM_LATE = {
  question_title: 'Sum of Pairs',
  question_content: 'Read n pairs and print the sum of each pair, one per line.',
  platform: 'atcoder',
  question_id: 'abc999_z',
  contest_id: 'abc999',
  contest_date: '2024-06-01T12:30:00',
  starter_code: '',
  difficulty: 'hard',
  public_test_cases: JSON.stringify([{ input: '2\n1 2\n3 4\n', output: '3\n7\n', testtype: 'stdin' }]),
  private_test_cases: JSON.stringify([
    { input: '1\n0.5 0.5\n', output: '1\n', testtype: 'stdin' },
    { input: '3\n1 1\n2 2\n3 3\n', output: '2\n4\n6', testtype: 'stdin' },
  ]),
  metadata: '{}',
};

const dataDir = mkdtempSync(join(tmpdir(), 'evalkit-lcb-'));
writeFileSync(
  join(dataDir, 'test.jsonl'),
  [SHORT_SORT, ADD_ALL].map((r) => JSON.stringify(r)).join('\n') + '\n',
);
writeFileSync(join(dataDir, 'test2.jsonl'), JSON.stringify(SUM_LATE) + '\n');
for (const f of ['test3.jsonl', 'test4.jsonl', 'test5.jsonl', 'test6.jsonl'])
  writeFileSync(join(dataDir, f), '');

const ctx = (extra: Record<string, unknown> = {}): TaskLoadContext => ({
  datasets: new DatasetResolver(),
  options: { sandboxWorkers: 2, lcbData: dataDir, ...extra },
});
const scorers: Scorer[] = [];
afterAll(async () => {
  await Promise.all(scorers.map((s) => s.close?.()));
});

describe('LiveCodeBench release files', () => {
  it('maps version tags to files like the HF loading script', () => {
    expect(releaseFiles('release_v1')).toEqual(['test.jsonl']);
    expect(releaseFiles('release_v3')).toEqual(['test.jsonl', 'test2.jsonl', 'test3.jsonl']);
    expect(releaseFiles('release_latest')).toHaveLength(6);
    expect(releaseFiles('v2')).toEqual(['test2.jsonl']);
    expect(releaseFiles('v4_v5')).toEqual(['test4.jsonl', 'test5.jsonl']);
    expect(() => releaseFiles('v5_v4')).toThrow(/unknown LiveCodeBench version tag/);
    expect(() => releaseFiles('release_v9')).toThrow(/unknown/);
  });

  it('decodes the known-answer compressed private tests without unpickling', () => {
    const tests = decodePrivateTests(KNOWN_BLOB, 'known vector');
    expect(tests.map((t) => t.input)).toEqual([
      '1\nabc\n',
      '3\nabc\nabc\nabc\n',
      '5\ncab\nacb\ncba\nbac\nbca\n',
      '6\nabc\nabc\nabc\nabc\nabc\nabc\n',
    ]);
    expect(tests.map((t) => t.output)).toEqual([
      'YES\n',
      'YES\nYES\nYES\n',
      'NO\nYES\nYES\nYES\nNO\n',
      'YES\nYES\nYES\nYES\nYES\nYES\n',
    ]);
    expect(tests.every((t) => t.testtype === 'stdin')).toBe(true);
    // a CPython-made blob round-trips too
    expect(decodePrivateTests(ADD_ALL.private_test_cases, 'python blob')).toEqual(functionalTests.slice(1));
  });

  it('accepts only a pickled string: other opcodes, trailing bytes, large strings without FRAME', () => {
    const s = Buffer.from(JSON.stringify([{ input: 'x', output: 'y', testtype: 'stdin' }]));
    const noFrame = Buffer.concat([
      Buffer.from([0x80, 4, 0x58]),
      u32(s.length),
      s,
      Buffer.from([0x94, 0x2e]),
    ]);
    expect(pickledStringValue(noFrame, 'no frame')).toBe(s.toString());
    const b8 = Buffer.concat([Buffer.from([0x80, 4, 0x8d]), u64(s.length), s, Buffer.from([0x2e])]);
    expect(pickledStringValue(b8, 'binunicode8')).toBe(s.toString());
    const list = Buffer.from([0x80, 4, 0x5d, 0x94, 0x2e]); // EMPTY_LIST: not a string
    expect(() => pickledStringValue(list, 'list')).toThrow(/refusing to unpickle/);
    const reduce = Buffer.from('8004630a6f730a73797374656d0a', 'hex'); // GLOBAL os.system: code execution gadget
    expect(() => decodePrivateTests(deflateSync(reduce).toString('base64'), 'gadget')).toThrow(
      /refusing to unpickle/,
    );
    expect(() => pickledStringValue(Buffer.concat([noFrame, Buffer.from([0])]), 'trailing')).toThrow(
      /trailing/,
    );
  });

  it('loads records, filters by contest date (--since/--until), names the file and line of a bad record', async () => {
    const all = await loadRelease({ tag: 'release_v2', dataDir });
    expect(all.problems.map((p) => p.questionId)).toEqual(['1873_A', '9001', 'abc999_z']);
    expect(all.datasets.map((d) => d.id)).toEqual(['livecodebench-test.jsonl', 'livecodebench-test2.jsonl']);
    expect(all.problems[1]).toMatchObject({ testType: 'functional', funcName: 'addToAll' });
    const since = await loadRelease({ tag: 'release_v2', dataDir, since: '2024-01-01' });
    expect(since.problems.map((p) => p.questionId)).toEqual(['9001', 'abc999_z']);
    const window = await loadRelease({
      tag: 'release_v2',
      dataDir,
      since: '2023-08-21',
      until: '2024-02-10',
    });
    expect(window.problems.map((p) => p.questionId)).toEqual(['1873_A', '9001']);
    const v1 = await loadRelease({ tag: 'release_v1', dataDir });
    expect(v1.problems).toHaveLength(2);
    await expect(loadRelease({ tag: 'release_v1', dataDir, since: '2024-13-45' })).rejects.toThrow(/--since/);
    const bad = mkdtempSync(join(tmpdir(), 'evalkit-lcb-bad-'));
    writeFileSync(
      join(bad, 'test.jsonl'),
      JSON.stringify(SHORT_SORT) + '\n' + JSON.stringify({ ...SHORT_SORT, metadata: 7 }) + '\n',
    );
    await expect(loadRelease({ tag: 'release_v1', dataDir: bad })).rejects.toThrow(
      /test\.jsonl:2: field "metadata" is not a string/,
    );
  });
});

describe('LiveCodeBench prompts, extraction, comparison', () => {
  it('official chat and base prompts', async () => {
    const v = await getTask('livecodebench:release_v2');
    const { items } = await v.loadItems(ctx());
    const stdinItem = items.find((i) => i.id === 'codeforces/1873_A')!;
    const funcItem = items.find((i) => i.id === 'leetcode/9001')!;
    const chat = v.buildPrompt(stdinItem, items);
    expect(chat.kind === 'chat' && chat.messages[0].content).toMatch(
      /^You are an expert Python programmer\./,
    );
    expect(chat.kind === 'chat' && chat.messages[1].content).toBe(
      `### Question:\n${SHORT_SORT.question_content}\n\n### Format: Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the sample inputs). Enclose your code within delimiters as follows.\n\`\`\`python\n# YOUR CODE HERE\n\`\`\`\n\n### Answer: (use the provided format with backticks)\n\n`,
    );
    const fchat = v.buildPrompt(funcItem, items);
    expect(fchat.kind === 'chat' && fchat.messages[1].content).toContain(
      `\`\`\`python\n${ADD_ALL.starter_code}\n\`\`\`\n\n### Answer:`,
    );
    const base = (await getTask('livecodebench:release_v2:base')).buildPrompt(funcItem, items);
    expect(base.kind).toBe('completion');
    const text = (base as { text: string }).text;
    expect(text.startsWith('### Question\nYou are given a 0-indexed array of positive integers nums.')).toBe(
      true,
    );
    expect(
      text.endsWith(
        `### Question\n${ADD_ALL.question_content}\n\n### Starter Code\n${ADD_ALL.starter_code}\n\n### Answer\n\n`,
      ),
    ).toBe(true);
    expect(v.settings.generation).toMatchObject({
      n: 10,
      temperature: 0.2,
      top_p: 0.95,
      max_tokens: 2000,
      stop: ['###'],
    });
  });

  it('extracts the last fenced block like lcb_runner, compares like testing_util', () => {
    expect(extractLcbCode('a\n```python\nx=1\n```\ntext\n```python\ny=2\n```\n')).toBe('y=2');
    expect(extractLcbCode('no fences')).toBe('');
    expect(stdinOutputMatches('  YES \nNO\n\n', 'YES\nNO')).toBe(true);
    expect(stdinOutputMatches('1.0 2', '1 2.00')).toBe(true);
    expect(stdinOutputMatches('1.0000001', '1')).toBe(false);
    expect(stdinOutputMatches('YES\n', 'YES\nNO\n')).toBe(false);
    expect(decimalKey('1e2')).toBe(decimalKey('100'));
    expect(stdinOutputMatches('nan', 'nan')).toBe(true); // identical lines match before any decimal parsing
    expect(stdinOutputMatches('nan 1', 'nan 1.0')).toBe(false); // Decimal NaN never equals
    expect(pyJsonEqual([1, true, [2.0]], [1.0, 1, [2]])).toBe(true);
    expect(pyJsonEqual({ a: [1] }, { a: [1, 2] })).toBe(false);
  });
});

describe('LiveCodeBench scoring in the sandbox', () => {
  const answer = (code: string) => 'Here is my solution:\n```python\n' + code + '\n```\n';
  const cases: Array<[string, string, string, 0 | 1, RegExp | null]> = [
    [
      'codeforces/1873_A',
      'correct stdin solution',
      't = int(input())\nfor _ in range(t):\n    s = input().strip()\n    print("YES" if sum(a != b for a, b in zip(s, "abc")) <= 2 else "NO")',
      1,
      null,
    ],
    [
      'codeforces/1873_A',
      'wrong stdin answer',
      'import sys\nfor _ in range(int(sys.stdin.readline())):\n    print("YES")',
      0,
      /public test 0: wrong answer/,
    ],
    [
      'codeforces/1873_A',
      '__main__ block and open(0)',
      'def main():\n    data = open(0).read().split()\n    for s in data[1:]:\n        print("YES" if sum(a != b for a, b in zip(s, "abc")) <= 2 else "NO")\nif __name__ == \'__main__\':\n    main()',
      1,
      null,
    ],
    [
      'leetcode/9001',
      'correct functional solution (tuple result)',
      'class Solution:\n    def addToAll(self, k: int, nums: List[int]) -> List[int]:\n        return tuple(x + k for x in nums)',
      1,
      null,
    ],
    [
      'leetcode/9001',
      'wrong functional answer',
      'class Solution:\n    def addToAll(self, k, nums):\n        return [x + k for x in nums] if k >= 0 else []',
      0,
      /private test 1: wrong answer/,
    ],
    [
      'leetcode/9001',
      'infinite loop',
      'class Solution:\n    def addToAll(self, k, nums):\n        while True:\n            pass',
      0,
      /time limit 6 s exceeded/,
    ],
    [
      'atcoder/abc999_z',
      'decimals compared exactly (0.5+0.5 prints 1.0)',
      'n = int(input())\nfor _ in range(n):\n    a, b = map(float, input().split())\n    print(a + b)',
      1,
      null,
    ],
    ['atcoder/abc999_z', 'runtime error', 'print(1/0)', 0, /runtime error ZeroDivisionError/],
  ];

  it('stdin and functional samples: passes, wrong answers, time limit, runtime errors; per-difficulty metrics', async () => {
    const v = await getTask('livecodebench:release_v2');
    const c = ctx();
    const { items } = await v.loadItems(c);
    const scorer = await v.createScorer(c);
    scorers.push(scorer);
    const verdicts: VerdictRecord[] = [];
    await Promise.all(
      cases.map(async ([id, what, code, want, reason], k) => {
        const item = items.find((i) => i.id === id) as Item<LcbProblem>;
        const r = await scorer.score(item, gen(item, answer(code)), c);
        expect(r.scores, `${what}: ${r.reason}`).toEqual({ pass: want });
        if (reason) expect(r.reason, what).toMatch(reason);
        verdicts.push({ ...r, requestId: `lcb|${id}`, task: v.name, itemId: id, sampleIndex: k });
      }),
    );
    const m = aggregateTask(v, items, verdicts, { seed: 1 });
    // easy: 1873_A 2 of 3 pass; medium: 9001 1 of 3; hard: abc999_z 1 of 2 → pass@1 per problem averaged
    expect(m.metrics['pass@1_easy'].value).toBeCloseTo(2 / 3, 10);
    expect(m.metrics['pass@1_medium'].value).toBeCloseTo(1 / 3, 10);
    expect(m.metrics['pass@1_hard'].value).toBeCloseTo(1 / 2, 10);
    expect(m.metrics['pass@1'].value).toBeCloseTo((2 / 3 + 1 / 3 + 1 / 2) / 3, 10);
    expect(m.breakdowns?.difficulty.hard.problems.value).toBe(1);
  }, 300_000);

  it('a chat answer without a fenced block is a failed sample, not an error', async () => {
    const v = await getTask('livecodebench:release_v1');
    const c = ctx();
    const { items } = await v.loadItems(c);
    const scorer = await v.createScorer(c);
    scorers.push(scorer);
    const r = await scorer.score(items[0], gen(items[0], 'print("YES")'), c);
    expect(r).toMatchObject({ scores: { pass: 0 }, reason: 'no code extracted' });
  });
});

function u32(n: number) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u64(n: number) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}
