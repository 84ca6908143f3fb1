/** Readers for the FastChat MT-Bench reference files in ../shared/reference/mtbench-judgments/. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_REFERENCE } from '../../helpers/paths.js';

export const MTBENCH_REF = join(SHARED_REFERENCE, 'mtbench-judgments');

export interface OfficialJudgment {
  question_id: number;
  model: string;
  judge: [string, string];
  user_prompt: string;
  judgment: string;
  score: number;
  turn: 1 | 2;
}

export const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

export const llama2Judgments = () =>
  readJsonl<OfficialJudgment>(join(MTBENCH_REF, 'model_judgment', 'gpt-4_single.Llama-2-7b-chat.jsonl'));

/** Llama-2-7b-chat's answers (derived from the judge prompts; see the folder's PROVENANCE.md). */
export function llama2Answers(): Map<number, [string, string]> {
  const rows = readJsonl<{ question_id: number; choices: Array<{ turns: [string, string] }> }>(
    join(MTBENCH_REF, 'derived', 'Llama-2-7b-chat.answers-extracted.jsonl'),
  );
  return new Map(rows.map((r) => [r.question_id, r.choices[0].turns]));
}

/** Published MT-bench score of a model in a leaderboard table (CSV with a header). */
export function publishedScore(table: string, model: string): number {
  const lines = readFileSync(join(MTBENCH_REF, 'published', table), 'utf8')
    .split('\n')
    .filter(Boolean);
  const header = lines[0].split(',');
  const col = header.indexOf('MT-bench (score)');
  const row = lines
    .slice(1)
    .map((l) => l.split(','))
    .find((r) => r[0] === model);
  if (!row || col < 0) throw new Error(`${table}: no MT-bench score for ${model}`);
  return Number(row[col]);
}
