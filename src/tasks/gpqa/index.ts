/**
 * GPQA-Diamond (198 questions), read in place from the upstream password-protected dataset.zip (ZipCrypto; the
 * password is published in the idavidrein/gpqa README). Plaintext never touches disk.
 *   gpqa_diamond — zero-shot CoT chat prompt (OpenAI simple-evals multiple-choice template), the four options
 *   shuffled per question with a recorded seed (settings.shuffleSeed; item seed = shuffleSeed + row index),
 *   answer-letter extraction, accuracy with 95% CI, breakdown by "High-level domain".
 */
import AdmZip from 'adm-zip';
import { sampledMetrics } from '../../metrics/definitions.js';
import { extractGpqaLetter } from '../../scoring/choice/extract.js';
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
import { seededShuffle } from '../../util/rng.js';
import { parseCsv } from './csv.js';

export const GPQA_ZIP_PASSWORD = 'deserted-untie-orchid';
export const GPQA_SHUFFLE_SEED = 1234;
const LETTERS = ['A', 'B', 'C', 'D'];

export interface GpqaData {
  question: string;
  /** Options in presented order. */
  options: string[];
  /** Correct letter after shuffling. */
  gold: string;
  recordId: string;
}

export async function loadGpqa(
  ctx: TaskLoadContext,
  subset = 'diamond',
  seed = GPQA_SHUFFLE_SEED,
): Promise<{ items: Item<GpqaData>[]; datasets: DatasetUse[] }> {
  const r = await ctx.datasets.resolve('gpqa');
  const entryName = `dataset/gpqa_${subset}.csv`;
  let text: string;
  try {
    const zip = new AdmZip(r.bytes);
    const entry = zip.getEntry(entryName);
    if (!entry) throw new Error(`no entry ${entryName}`);
    text = zip.readFile(entry, GPQA_ZIP_PASSWORD)!.toString('utf8');
  } catch (e) {
    throw new EvalkitError(`${r.path}: cannot read ${entryName}: ${(e as Error).message}`);
  }
  const rows = parseCsv(text);
  const header = rows[0];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new EvalkitError(`${r.path}!${entryName}:1: column "${name}" is missing`);
    return i;
  };
  const q = col('Question');
  const ca = col('Correct Answer');
  const inc = [1, 2, 3].map((k) => col(`Incorrect Answer ${k}`));
  const rid = col('Record ID');
  const dom = col('High-level domain');
  const sub = col('Subdomain');
  const items = rows.slice(1).map((row, i) => {
    const correct = row[ca].trim();
    const options = seededShuffle([correct, ...inc.map((k) => row[k].trim())], seed + i);
    const goldIdx = options.indexOf(correct);
    if (!row[q] || goldIdx < 0)
      throw new EvalkitError(`${r.path}!${entryName}:${i + 2}: field "Question"/"Correct Answer" is empty`);
    return {
      id: `gpqa_${subset}/${row[rid]}`,
      data: { question: row[q].trim(), options, gold: LETTERS[goldIdx], recordId: row[rid] },
      categories: { domain: row[dom], subdomain: row[sub] },
    };
  });
  return { items, datasets: [r.use] };
}

/** OpenAI simple-evals QUERY_TEMPLATE_MULTICHOICE (facts, with attribution). */
export function gpqaPrompt(d: GpqaData): string {
  return `Answer the following multiple choice question. The last line of your response should be of the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think step by step before answering.\n\n${d.question}\n\n${d.options.map((o, i) => `${LETTERS[i]}) ${o}`).join('\n')}`;
}

export function letterScorer<D extends { gold: string }>(extract: (t: string) => string | null): Scorer<D> {
  return {
    async score(item: Item<D>, g: GenerationRecord) {
      const err = erroredVerdict(g);
      if (err) return err;
      const letter = extract(g.text!);
      const ok = letter === item.data.gold;
      return {
        scores: { acc: ok ? 1 : 0 },
        ...(letter ? { extracted: letter } : {}),
        ...(ok
          ? {}
          : {
              reason: letter
                ? `extracted ${letter}, expected ${item.data.gold}`
                : `no answer letter found, expected ${item.data.gold}`,
            }),
        details: { voteKey: letter },
      };
    },
  };
}

const gpqaDiamond: TaskVariant<GpqaData> = {
  name: 'gpqa_diamond',
  family: 'gpqa',
  description:
    'GPQA-Diamond (198), zero-shot CoT, shuffled options (recorded seed), answer-letter accuracy by domain',
  settings: {
    format: 'chat',
    shots: 0,
    generation: { n: 1, temperature: 0, top_p: 1, max_tokens: 8192, stop: [] },
    primaryMetric: 'acc',
    shuffleSeed: GPQA_SHUFFLE_SEED,
    shuffle: 'seededShuffle([correct, incorrect1..3], shuffleSeed + csvRowIndex) (mulberry32 Fisher–Yates)',
    promptTemplate: 'OpenAI simple-evals QUERY_TEMPLATE_MULTICHOICE',
    extraction: 'last "Answer: X" (case-insensitive) → MMLU-Pro chain restricted to A–D',
    dataset: 'gpqa (dataset/gpqa_diamond.csv, decrypted in memory)',
  },
  loadItems: (ctx) => loadGpqa(ctx),
  buildPrompt: (item): Prompt => ({
    kind: 'chat',
    messages: [{ role: 'user', content: gpqaPrompt(item.data) }],
  }),
  createScorer: () => letterScorer<GpqaData>(extractGpqaLetter),
  metrics: sampledMetrics(['acc'], 1),
  breakdownBy: ['domain', 'subdomain'],
};

export const variants: TaskVariant[] = [gpqaDiamond];
