/**
 * MMLU-Pro (TIGER-Lab; 10 options, 14 categories), 5-shot CoT exactly as the upstream
 * TIGER-AI-Lab/MMLU-Pro evaluate_from_local.py builds it (facts re-written): header from
 * cot_prompt_lib/initial_prompt.txt with {$} = category, + "\n", then the 5 validation examples of the
 * category ("Question:\n…\nOptions:\nA. …\n" + cot_content with "A: Let's think step by step." →
 * "Answer: Let's think step by step." + "\n\n"), then the test question ending "Answer: Let's think step by step.".
 * Greedy, 2048 new tokens, stop "Question:". "N/A" padding options are dropped (as upstream preprocess()).
 *
 * The data version is part of the task identity: `mmlu_pro` = test split state of 2024-10 (12,032 questions),
 * `mmlu_pro:2026-02` = state of 2026-02 (12,030); both record settings.dataVersion.
 * Metrics: acc (upstream: an unparsable answer gets the upstream seeded random guess, seed 12345) and
 * acc_strict (unparsable = wrong); per-category breakdown.
 */
import { requireField } from '../../datasets/registry.js';
import { sampledMetrics } from '../../metrics/definitions.js';
import { extractMmluProLetter, mmluProFallbackGuess } from '../../scoring/choice/extract.js';
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

export function mmluProPrompt(d: MmluProData): string {
  let p = MMLU_PRO_HEADER.replace('{$}', d.category) + '\n';
  for (const s of d.shots) p += formatExample(s.question, s.options, s.cot);
  return p + formatExample(d.question, d.options, null);
}

export async function loadMmluPro(
  ctx: TaskLoadContext,
  testId: string,
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
  const test = await ctx.datasets.jsonl(testId);
  const items = test.records.map((r, i) => {
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
  return { items, datasets: [val.use, test.use] };
}

/** Upstream scorer: letter match; an unparsable answer gets the seeded random guess (acc) or 0 (acc_strict). */
export function mmluProScorer(): Scorer<MmluProData> {
  return {
    async score(item: Item<MmluProData>, g: GenerationRecord) {
      const err = erroredVerdict(g);
      if (err) return err;
      const letter = extractMmluProLetter(g.text!);
      const strict = letter === item.data.gold ? 1 : 0;
      // Upstream compares the letter to `answer`; the fallback guess is compared to `answer_index`.
      const acc =
        letter !== null
          ? strict
          : mmluProFallbackGuess(item.data.options.length) === item.data.goldIndex
            ? 1
            : 0;
      return {
        scores: { acc, acc_strict: strict },
        ...(letter ? { extracted: letter } : {}),
        ...(strict
          ? {}
          : {
              reason: letter
                ? `extracted ${letter}, expected ${item.data.gold}`
                : `no answer letter found (upstream random guess ${acc ? 'hit' : 'missed'}), expected ${item.data.gold}`,
            }),
        details: { voteKey: letter },
      };
    },
  };
}

function variant(
  name: string,
  testId: string,
  dataVersion: string,
  records: number,
): TaskVariant<MmluProData> {
  return {
    name,
    family: 'mmlu-pro',
    description: `MMLU-Pro 5-shot CoT (upstream evaluate_from_local.py format), test split state ${dataVersion} (${records} questions)`,
    reproduces: 'TIGER-AI-Lab/MMLU-Pro evaluate_from_local.py',
    settings: {
      format: 'completion',
      shots: 5,
      fewShotSource: 'validation split, first 5 examples of the same category (mmlu-pro-validation)',
      generation: { n: 1, temperature: 0, top_p: 1, max_tokens: 2048, stop: ['Question:'] },
      primaryMetric: 'acc',
      dataVersion,
      dataset: testId,
      extraction: '"answer is (X)" → ".*[aA]nswer:\\s*X" → last standalone A–J',
      scoring:
        'acc: letter == answer, unparsable → upstream random guess (random.seed(12345); randint); acc_strict: unparsable = wrong',
    },
    loadItems: (ctx) => loadMmluPro(ctx, testId),
    buildPrompt: (item): Prompt => ({ kind: 'completion', text: mmluProPrompt(item.data) }),
    createScorer: () => mmluProScorer(),
    metrics: sampledMetrics(['acc', 'acc_strict'], 1),
    breakdownBy: ['category'],
  };
}

export const variants: TaskVariant[] = [
  variant('mmlu_pro', 'mmlu-pro-test-2024-10', '2024-10', 12032),
  variant('mmlu_pro:2026-02', 'mmlu-pro-test-2026-02', '2026-02', 12030),
];
