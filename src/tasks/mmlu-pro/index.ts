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
 * Metrics: acc (an unparsable answer is wrong), acc_with_random_guess (the number the 2024 scripts print: an
 * unparsable answer gets the guess of `random.seed(12345)` re-seeded per guess), no_answer (share of samples with no
 * letter extracted); per-category breakdown; and acc_with_random_guess_seeded_once (extra metric: what the script
 * since 2025-02-23 prints, seeding once per run, see `seededOnceAccuracy`).
 *
 * Long prompts: the official script drops shots (5, 4, …) until the prompt, tokenised with the model tokenizer's
 * special tokens, is shorter than max_model_length − max_new_tokens = 4096 − 2048 tokens (`fitMmluProPrompt`).
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
  MetricValue,
  Prompt,
  PromptFitting,
  Scorer,
  VerdictRecord,
  TaskLoadContext,
  TaskVariant,
} from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { PythonRandom } from '../../scoring/code/python-random.js';

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

/** The prompt with the first `k` shots of the item's category (default: all five). */
export function mmluProPrompt(d: MmluProData, k = d.shots.length): string {
  let p = MMLU_PRO_HEADER.replace('{$}', d.category) + HEADER_FILE_ENDING + '\n';
  for (const s of d.shots.slice(0, k)) p += formatExample(s.question, s.options, s.cot);
  return p + formatExample(d.question, d.options, null);
}

/** The official script's model context (`max_model_length`, also vLLM's max_model_len there). */
export const MMLU_PRO_MAX_MODEL_LENGTH = 4096;

/** What the runner records with each request (requests.jsonl `promptInfo`). */
export interface MmluProPromptInfo {
  /** Shots in the prompt (5 unless the prompt had to be shortened). */
  shots: number;
  /** The limit: the prompt must have fewer tokens than this (max model length − max new tokens). */
  tokensBelow: number;
  /** The counted tokens of the prompt sent (absent when its byte length alone proves it fits). */
  promptTokens?: number;
  /** How tokens were counted: the served model's tokenizer, or the upper bound bytes + 2. */
  tokenCount?: 'tokenizer' | 'estimate';
  /** false when even the 0-shot prompt is too long (the official loop never ends there; evalkit sends it). */
  fits: boolean;
}

/**
 * The official long-prompt rule (evaluate_from_local.py `eval_cot`, since 2024-05-23): k = 5; build the k-shot
 * prompt; count `len(tokenizer(prompt).input_ids)` (special tokens included); keep it if the count is below
 * max_model_length − max_new_tokens, else k − 1. The official loop goes on with negative k (Python `val[:k]`
 * then re-grows the shots and never ends when the 0-shot prompt does not fit): evalkit stops at 0 shots and
 * records `fits: false`. A prompt whose UTF-8 length + 2 is already below the limit fits without counting.
 */
export async function fitMmluProPrompt(
  d: MmluProData,
  maxNewTokens: number,
  fit: PromptFitting,
): Promise<{ text: string; info: MmluProPromptInfo }> {
  const tokensBelow = (fit.maxModelLen ?? MMLU_PRO_MAX_MODEL_LENGTH) - maxNewTokens;
  for (let k = d.shots.length; ; k--) {
    const text = mmluProPrompt(d, k);
    if (Buffer.byteLength(text, 'utf8') + 2 < tokensBelow)
      return { text, info: { shots: k, tokensBelow, fits: true } };
    const n = await fit.countTokens(text);
    const counted = { promptTokens: n.tokens, tokenCount: n.exact ? 'tokenizer' : 'estimate' } as const;
    if (n.tokens < tokensBelow || k === 0)
      return { text, info: { shots: k, tokensBelow, ...counted, fits: n.tokens < tokensBelow } };
  }
}

/**
 * `acc_with_random_guess` as the official script prints it since 2025-02-23 (evaluate_from_local.py /
 * evaluate_from_api.py, commits 996df13 / 3016805: `random.seed(12345)` once at import instead of before every
 * guess). The guess of an unparsable answer then depends on every guess drawn before it in the process: subjects
 * in sorted order, items in dataset order, and `save_res` runs twice per subject (the first pass only logs; the
 * second pass's counts are returned), so each subject's guesses draw twice from the one stream. Replayed here
 * over the items of this run in that order (one sample per item; errored samples are left out).
 */
export function seededOnceAccuracy(items: Item<MmluProData>[], verdicts: VerdictRecord[]): MetricValue {
  const byItem = new Map(verdicts.filter((v) => v.scores && v.sampleIndex === 0).map((v) => [v.itemId, v]));
  const subjects = [...new Set(items.map((it) => it.data.category))].sort();
  const rng = new PythonRandom(12345);
  let correct = 0;
  let scored = 0;
  for (const subject of subjects) {
    const rows = items.filter((it) => it.data.category === subject && byItem.has(it.id));
    for (const pass of [1, 2]) {
      for (const it of rows) {
        const s = byItem.get(it.id)!.scores!;
        const hit = s.no_answer ? rng.randbelow(it.data.options.length) === it.data.goldIndex : s.acc === 1;
        if (pass === 2) {
          scored++;
          if (hit) correct++;
        }
      }
    }
  }
  return {
    value: scored ? correct / scored : 0,
    items: scored,
    method:
      'official script since 2025-02-23: random.seed(12345) once per run; unparsable answers guessed in the order ' +
      'sorted subjects → dataset order, two passes per subject (second counted); no per-item outcome',
  };
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

/** The official sampling: greedy, max_new_tokens 2048, stop "Question:". */
const GENERATION = { n: 1, temperature: 0, top_p: 1, max_tokens: 2048, stop: ['Question:'] };

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
      generation: { ...GENERATION, stop: [...GENERATION.stop] },
      primaryMetric: 'acc',
      answerKey: key.version,
      extraction,
      extractionRule: EXTRACTION_RULES[extraction],
      dataset: key.testId,
      scoring:
        "acc: letter == answer, unparsable = wrong; acc_with_random_guess: unparsable → the 2024 scripts' guess " +
        '(random.seed(12345) before each guess; randint(0, len(options) - 1) == answer_index); no_answer: no letter ' +
        'found; extra acc_with_random_guess_seeded_once: the script since 2025-02-23 (one seed per run)',
      contextFit:
        'official shot shrinking: 5 → 0 shots until tokens(prompt, special tokens included) < max_model_length ' +
        `(${MMLU_PRO_MAX_MODEL_LENGTH}, or --max-model-len) − max_tokens; shots used per request in requests.jsonl promptInfo`,
    },
    loadItems: (ctx) => loadMmluPro(ctx, key),
    buildPrompt: (item): Prompt => ({ kind: 'completion', text: mmluProPrompt(item.data) }),
    fitPrompt: async (item, _items, fit) => {
      const { text, info } = await fitMmluProPrompt(item.data, GENERATION.max_tokens, fit);
      return { prompt: { kind: 'completion', text }, info: { ...info } };
    },
    createScorer: () => mmluProScorer(extraction),
    metrics: sampledMetrics(['acc', 'acc_with_random_guess', 'no_answer'], 1),
    extraMetrics: (items, verdicts) => ({
      acc_with_random_guess_seeded_once: seededOnceAccuracy(items, verdicts),
    }),
    breakdownBy: ['category'],
  };
}

export const variants: TaskVariant[] = [
  variant('mmlu_pro', MMLU_PRO_ANSWER_KEYS['2024-10'], '2024-07'),
  variant('mmlu_pro:2026-02', MMLU_PRO_ANSWER_KEYS['2026-02'], '2024-07'),
  variant('mmlu_pro:2024-05', MMLU_PRO_ANSWER_KEYS['2024-05'], '2024-05'),
];
