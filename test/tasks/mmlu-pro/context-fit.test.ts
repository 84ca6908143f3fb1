/**
 * MMLU-Pro's official long-prompt rule and random-guess seed (TIGER-AI-Lab/MMLU-Pro evaluate_from_local.py @ f418b116):
 *  - shots are dropped (5, 4, …) until len(tokenizer(prompt).input_ids) < max_model_length − max_new_tokens;
 *  - since 2025-02-23 (commit 996df13) `random.seed(12345)` runs once per process, and `save_res` runs twice
 *    per subject over sorted subjects.
 * Golden values: the prompt sha256 prefixes and byte lengths below were computed by an independent Python
 * rendering of the official format (dev check; the 5-shot sha256 of question 70 equals the official one in
 * mmlu-pro.test.ts); the random draws are CPython's `random.seed(12345); randint(0, 9) ×4; randint(0, 8) ×2`
 * = 6, 0, 4, 5, 3, 4.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { renderItem } from '../../../src/report/item-view.js';
import { ResultsDb } from '../../../src/store/db/results-db.js';
import { RUN_FILES } from '../../../src/store/run-dir.js';
import { mmluProFallbackGuess } from '../../../src/scoring/choice/extract.js';
import { seededOnceAccuracy, type MmluProData } from '../../../src/tasks/mmlu-pro/index.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';
import type { Item, RequestRecord, VerdictRecord } from '../../../src/types.js';
import { cli, jsonl } from '../../helpers/cli.js';

const sha16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const promptOf = (r: RequestRecord) => (r.prompt.kind === 'completion' ? r.prompt.text : '');

describe('MMLU-Pro: official shot shrinking, through evalkit run and the stub server tokenizer', () => {
  let withTokenizer: StubServer;
  let without: StubServer;
  beforeAll(async () => {
    withTokenizer = await startStubServer({ respond: () => ' The answer is (A).' });
    without = await startStubServer({ respond: () => ' The answer is (A).', tokenize: false });
  });
  afterAll(async () => {
    await withTokenizer?.close();
    await without?.close();
  });

  const run = (s: StubServer, maxModelLen: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-mmlu-fit-'));
    const args = ['run', '--model', `openai:${s.url}`, '--task', 'mmlu_pro', '--limit', '3'];
    return cli([...args, '--max-model-len', String(maxModelLen), '--run-dir', dir]).then((r) => ({ r, dir }));
  };

  it('the served tokenizer decides: 5-shot prompts of 4659-4835 tokens lose shots until < 2800 tokens', async () => {
    // The stub tokenizer is byte-level with a BOS: tokens = UTF-8 bytes + 1. --max-model-len 4848 − 2048 = 2800.
    // Question 70: 5..0 shots = 4659, 4049, 3278, 2718, … tokens → 2 shots; 71: 2768 → 2; 72: 2894 ≥ 2800 → 1 (2293).
    const { r, dir } = await run(withTokenizer, 4848);
    expect(r.status, r.stderr).toBe(0);
    const reqs: RequestRecord[] = jsonl(join(dir, RUN_FILES.requests));
    expect(reqs.map((q) => [q.itemId, q.promptInfo])).toEqual([
      ['mmlu_pro/70', { shots: 2, tokensBelow: 2800, fits: true }],
      ['mmlu_pro/71', { shots: 2, tokensBelow: 2800, fits: true }],
      ['mmlu_pro/72', { shots: 1, tokensBelow: 2800, fits: true }],
    ]);
    expect(reqs.map((q) => [Buffer.byteLength(promptOf(q)) + 1, sha16(promptOf(q))])).toEqual([
      [2718, 'baa58fb2d182f8cf'],
      [2768, 'a660a425fa40a423'],
      [2293, '11f6bbf580d7c232'],
    ]);
    // counted with special tokens (BOS) as the official `tokenizer(prompt)`; a prompt whose bytes + 2 are below
    // the limit is not counted: 3 + 3 + 4 counts for the 5/4/3(/2)-shot prompts
    const tok = withTokenizer.requests.filter((x) => x.path === '/tokenize');
    expect(tok).toHaveLength(10);
    expect(tok.every((x) => x.body.add_special_tokens === true)).toBe(true);
    // what was sent is the fitted prompt
    const sent = withTokenizer.requests.filter((x) => x.path === '/v1/completions').map((x) => x.body.prompt);
    expect(sent.sort()).toEqual(reqs.map(promptOf).sort());

    // A user sees it: the results index keeps promptInfo and the item view shows it with the prompt. The index
    // file starts at schema 1 (before promptInfo) and is migrated in place.
    const dbPath = join(mkdtempSync(join(tmpdir(), 'evalkit-mmlu-db-')), 'results.sqlite');
    new ResultsDb(dbPath).close();
    const old = new Database(dbPath);
    old.exec(
      `ALTER TABLE requests DROP COLUMN prompt_info_json; UPDATE meta SET value = '1' WHERE key = 'schema_version'`,
    );
    old.close();
    const db = new ResultsDb(dbPath);
    try {
      const { runId } = await db.indexRun(dir);
      expect(db.request(runId, 'mmlu_pro', 'mmlu_pro/72')?.promptInfo).toEqual({
        shots: 1,
        tokensBelow: 2800,
        fits: true,
      });
      const html = renderItem(db, 'mmlu_pro', 'mmlu_pro/72', [{ runId, label: 'run' }]);
      expect(html).toContain('<span class="prompt-info">shots 1, tokensBelow 2800, fits true</span>');
    } finally {
      db.close();
    }
  });

  it('without a tokenizer: the upper bound bytes + 2, said on stderr; a prompt that never fits is sent 0-shot, fits: false', async () => {
    // --max-model-len 2548 → below 500 tokens: even the 0-shot prompts (810, 860, 986 bytes) do not fit.
    const { r, dir } = await run(without, 2548);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('the server exposes no tokenizer (/tokenize)');
    const reqs: RequestRecord[] = jsonl(join(dir, RUN_FILES.requests));
    expect(reqs.map((q) => q.promptInfo)).toEqual([
      { shots: 0, tokensBelow: 500, promptTokens: 812, tokenCount: 'estimate', fits: false },
      { shots: 0, tokensBelow: 500, promptTokens: 862, tokenCount: 'estimate', fits: false },
      { shots: 0, tokensBelow: 500, promptTokens: 988, tokenCount: 'estimate', fits: false },
    ]);
    // the missing endpoint was asked once, then never again
    expect(without.requests.filter((x) => x.path === '/tokenize')).toHaveLength(1);
  });
});

describe('MMLU-Pro acc_with_random_guess_seeded_once (script since 2025-02-23)', () => {
  const item = (id: string, category: string, options: number, goldIndex: number): Item<MmluProData> => ({
    id,
    data: {
      questionId: 0,
      question: '',
      options: Array.from({ length: options }, (_, i) => `o${i}`),
      gold: 'ABCDEFGHIJ'[goldIndex],
      goldIndex,
      category,
      shots: [],
    },
  });
  const verdict = (itemId: string, acc: number, noAnswer: number): VerdictRecord => ({
    requestId: `mmlu_pro|${itemId}`,
    task: 'mmlu_pro',
    itemId,
    sampleIndex: 0,
    scores: { acc, acc_with_random_guess: acc, no_answer: noAnswer },
  });

  it('one stream over sorted subjects, two passes per subject, the second counted', () => {
    // Dataset order puts math first; the official script sorts subjects: biology draws first.
    const items = [
      item('m1', 'math', 9, 4),
      item('m2', 'math', 10, 0),
      item('b1', 'biology', 10, 4),
      item('b2', 'biology', 10, 1),
      item('b3', 'biology', 10, 0),
    ];
    const verdicts = [
      verdict('m1', 0, 1), // no letter: biology took 4 draws (6, 0 | 4, 5); pass 1 draws 3, pass 2 draws 4 = gold → hit
      verdict('m2', 0, 0), // wrong letter
      verdict('b1', 0, 1), // no letter: pass 1 draw 6, pass 2 draw 4 = gold → hit
      verdict('b2', 1, 0), // right letter
      verdict('b3', 0, 1), // no letter: pass 1 draw 0 (= gold, not counted), pass 2 draw 5 → miss
    ];
    const m = seededOnceAccuracy(items, verdicts);
    expect(m.value).toBe(3 / 5);
    expect(m.items).toBe(5);
    // the 2024 scripts re-seed per guess (acc_with_random_guess): randint(0, 8) and randint(0, 9) are both 6,
    // so none of m1, b1, b3 is guessed right there → 1/5
    expect([mmluProFallbackGuess(9), mmluProFallbackGuess(10)]).toEqual([6, 6]);
  });
});
