/**
 * MMLU-Pro (TIGER-Lab; 10 options, 14 categories), 5-shot CoT exactly as the upstream
 * TIGER-AI-Lab/MMLU-Pro evaluate_from_local.py builds it (facts re-written): header from
 * cot_prompt_lib/initial_prompt.txt with {$} = category, + "\n", then the 5 validation examples of the
 * category ("Question:\n…\nOptions:\nA. …\n" + cot_content with "A: Let's think step by step." →
 * "Answer: Let's think step by step." + "\n\n"), then the test question ending "Answer: Let's think step by step.".
 * Greedy, 2048 new tokens, stop "Question:". "N/A" padding options are dropped (as upstream preprocess()).
 *
 * The answer key (the state of the test split) is part of the task identity, one variant per published state:
 * `mmlu_pro` = 2024-10 (12,032 questions), `mmlu_pro:2026-02` (12,030), `mmlu_pro:2024-05` (12,032: the 2024-10
 * file with the 48 records that differed in May 2024 put back — the key of the 2024 paper/leaderboard figures,
 * graded with the extraction script of that time). Each records settings.answerKey and settings.extraction.
 * Metrics: acc (an unparsable answer is wrong), acc_with_random_guess (the official number: an unparsable answer
 * gets the official seeded random guess, seed 12345), no_answer (share of samples with no letter extracted);
 * per-category breakdown.
 */
import { requireField } from '../../datasets/registry.js';
import { sampledMetrics } from '../../metrics/definitions.js';
import {
  extractMmluProLetter,
  mmluProFallbackGuess,
  type MmluProExtraction,
} from '../../scoring/choice/extract.js';
import { erroredVerdict } from '../../scoring/math/scorers.js';
import type {
  DatasetUse,
  GenerationRecord,
  Item,
  Prompt,
  Scorer,
  TaskLoadContext,
  TaskVariant,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';

const LETTERS = 'ABCDEFGHIJ'.split('');
export const MMLU_PRO_HEADER =
  'The following are multiple choice questions (with answers) about {$}. Think step by step and then finish your answer with "the answer is (X)" where X is the correct letter choice.';

export interface MmluProData {
  questionId: number;
  question: string;
  options: string[];
  gold: string;
  goldIndex: number;
  category: string;
  /** The 5-shot context (validation examples of the category). */
  shots: MmluProShot[];
}

export interface MmluProShot {
  question: string;
  options: string[];
  cot: string;
}

function dropNA(options: string[]): string[] {
  return options.filter((o) => o !== 'N/A');
}

function formatExample(question: string, options: string[], cot: string | null): string {
  let p = `Question:\n${question}\nOptions:\n`;
  options.forEach((o, i) => (p += `${LETTERS[i]}. ${o}\n`));
  if (cot !== null)
    p += cot.replace("A: Let's think step by step.", "Answer: Let's think step by step.") + '\n\n';
  else p += "Answer: Let's think step by step.";
  return p;
}

/**
 * The official header file `cot_prompt_lib/initial_prompt.txt` (since 2024-05-23) ends in three line breaks, and
 * `generate_cot_prompt` appends one more: the header is followed by four "\n" before the first "Question:".
 */
const HEADER_FILE_ENDING = '\n\n\n';

export function mmluProPrompt(d: MmluProData): string {
  let p = MMLU_PRO_HEADER.replace('{$}', d.category) + HEADER_FILE_ENDING + '\n';
  for (const s of d.shots) p += formatExample(s.question, s.options, s.cot);
  return p + formatExample(d.question, d.options, null);
}

/** An answer key: the test-split file, and optionally a file of records that replace theirs by question_id. */
export interface MmluProAnswerKey {
  version: '2024-05' | '2024-10' | '2026-02';
  testId: string;
  replacedRecordsId?: string;
  records: number;
}

export const MMLU_PRO_ANSWER_KEYS: Record<MmluProAnswerKey['version'], MmluProAnswerKey> = {
  '2024-05': {
    version: '2024-05',
    testId: 'mmlu-pro-test-2024-10',
    replacedRecordsId: 'mmlu-pro-test-2024-05-changed-records',
    records: 12032,
  },
  '2024-10': { version: '2024-10', testId: 'mmlu-pro-test-2024-10', records: 12032 },
  '2026-02': { version: '2026-02', testId: 'mmlu-pro-test-2026-02', records: 12030 },
};

export async function loadMmluPro(
  ctx: TaskLoadContext,
  key: MmluProAnswerKey,
  k = 5,
): Promise<{ items: Item<MmluProData>[]; datasets: DatasetUse[] }> {
  const val = await ctx.datasets.jsonl('mmlu-pro-validation');
  const shotsBy = new Map<string, MmluProShot[]>();
  val.records.forEach((r, i) => {
    const cat = requireField<string>(r, 'category', 'string', val.path, i + 1);
    const arr = shotsBy.get(cat) ?? [];
    arr.push({
      question: requireField<string>(r, 'question', 'string', val.path, i + 1),
      options: dropNA(requireField<string[]>(r, 'options', 'array', val.path, i + 1)),
      cot: requireField<string>(r, 'cot_content', 'string', val.path, i + 1),
    });
    shotsBy.set(cat, arr);
  });
  const test = await ctx.datasets.jsonl(key.testId);
  const records = test.records;
  const datasets = [val.use, test.use];
  if (key.replacedRecordsId) {
    const patch = await ctx.datasets.jsonl(key.replacedRecordsId);
    const at = new Map(records.map((r, i) => [r.question_id, i]));
    patch.records.forEach((r, i) => {
      const idx = at.get(requireField<number>(r, 'question_id', 'number', patch.path, i + 1));
      if (idx === undefined)
        throw new EvalkitError(`${patch.path}:${i + 1}: question_id ${r.question_id} is not in ${test.path}`);
      records[idx] = r;
    });
    datasets.push(patch.use);
  }
  const items = records.map((r, i) => {
    const category = requireField<string>(r, 'category', 'string', test.path, i + 1);
    const options = dropNA(requireField<string[]>(r, 'options', 'array', test.path, i + 1));
    const gold = requireField<string>(r, 'answer', 'string', test.path, i + 1);
    const shots = (shotsBy.get(category) ?? []).slice(0, k);
    if (shots.length < k)
      throw new EvalkitError(
        `${val.path}: only ${shots.length} validation examples for category "${category}" (need ${k})`,
      );
    const qid = requireField<number>(r, 'question_id', 'number', test.path, i + 1);
    return {
      id: `mmlu_pro/${qid}`,
      data: {
        questionId: qid,
        question: requireField<string>(r, 'question', 'string', test.path, i + 1),
        options,
        gold,
        goldIndex: requireField<number>(r, 'answer_index', 'number', test.path, i + 1),
        category,
        shots,
      },
      categories: { category },
    };
  });
  return { items, datasets };
}

/**
 * Official scoring: the extracted letter is compared with `answer`. An unparsable answer is wrong for `acc`; for
 * `acc_with_random_guess` (the number the official scripts print) it gets the official seeded guess, which is
 * compared with `answer_index`. `no_answer` marks the samples where no letter was found.
 */
export function mmluProScorer(extraction: MmluProExtraction): Scorer<MmluProData> {
  return {
    async score(item: Item<MmluProData>, g: GenerationRecord) {
      const err = erroredVerdict(g);
      if (err) return err;
      const letter = extractMmluProLetter(g.text!, extraction);
      const acc = letter === item.data.gold ? 1 : 0;
      const guessHit = mmluProFallbackGuess(item.data.options.length) === item.data.goldIndex;
      const withGuess = letter !== null ? acc : guessHit ? 1 : 0;
      return {
        scores: { acc, acc_with_random_guess: withGuess, no_answer: letter === null ? 1 : 0 },
        ...(letter ? { extracted: letter } : {}),
        ...(acc
          ? {}
          : {
              reason: letter
                ? `extracted ${letter}, expected ${item.data.gold}`
                : `no answer letter found (the official random guess ${guessHit ? 'hits' : 'misses'}), expected ${item.data.gold}`,
            }),
        details: { voteKey: letter },
      };
    },
  };
}

const EXTRACTION_RULES: Record<MmluProExtraction, string> = {
  '2024-07':
    'official script since 2024-07-14: "answer is (X)" → ".*[aA]nswer:\\s*X" → last standalone A–J (Python re semantics)',
  '2024-05': 'official script of 2024-05 (2024 paper/leaderboard figures): "answer is (X)" only',
};

function variant(
  name: string,
  key: MmluProAnswerKey,
  extraction: MmluProExtraction,
): TaskVariant<MmluProData> {
  return {
    name,
    family: 'mmlu-pro',
    description: `MMLU-Pro 5-shot CoT (official evaluate_from_local.py format), answer key ${key.version} (${key.records} questions), extraction of ${extraction}`,
    reproduces: 'TIGER-AI-Lab/MMLU-Pro evaluate_from_local.py',
    settings: {
      format: 'completion',
      shots: 5,
      fewShotSource: 'validation split, first 5 examples of the same category (mmlu-pro-validation)',
      generation: { n: 1, temperature: 0, top_p: 1, max_tokens: 2048, stop: ['Question:'] },
      primaryMetric: 'acc',
      answerKey: key.version,
      extraction,
      extractionRule: EXTRACTION_RULES[extraction],
      dataset: key.testId,
      scoring:
        'acc: letter == answer, unparsable = wrong; acc_with_random_guess: unparsable → the official guess ' +
        '(random.seed(12345); randint(0, len(options) - 1) == answer_index); no_answer: no letter found',
    },
    loadItems: (ctx) => loadMmluPro(ctx, key),
    buildPrompt: (item): Prompt => ({ kind: 'completion', text: mmluProPrompt(item.data) }),
    createScorer: () => mmluProScorer(extraction),
    metrics: sampledMetrics(['acc', 'acc_with_random_guess', 'no_answer'], 1),
    breakdownBy: ['category'],
  };
}

export const variants: TaskVariant[] = [
  variant('mmlu_pro', MMLU_PRO_ANSWER_KEYS['2024-10'], '2024-07'),
  variant('mmlu_pro:2026-02', MMLU_PRO_ANSWER_KEYS['2026-02'], '2024-07'),
  variant('mmlu_pro:2024-05', MMLU_PRO_ANSWER_KEYS['2024-05'], '2024-05'),
];
