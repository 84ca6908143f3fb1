/**
 * Spiral-Bench: the published leaderboard rows (results/leaderboard_2025-08-16.csv) of the four models whose
 * result files are stored are reproduced from those files — the overall score (1 decimal) and every behaviour
 * and whole-chat column (3 decimals) — and re-parsing every stored per-turn judge reply gives the stored
 * per-turn behaviour values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  canonicalMetric,
  conversationMeans,
  parseChunkJudgement,
  parseFinalJudgement,
  spiralScore,
  type SpiralConversation,
} from '../../../src/tasks/spiral-bench/scoring.js';

const DIR = join(process.env.EVALKIT_DATA_DIR!, 'eqbench3', 'spiral-bench');
const weights = JSON.parse(readFileSync(join(DIR, 'data', 'scoring_weights.json'), 'utf8')) as Record<
  string,
  number
>;
const csv = readFileSync(join(DIR, 'results', 'leaderboard_2025-08-16.csv'), 'utf8')
  .trim()
  .split('\n');
const header = csv[0].split(',');
const published = new Map(
  csv.slice(1).map((l) => [l.split(',')[0], Object.fromEntries(l.split(',').map((v, i) => [header[i], v]))]),
);

interface StoredConversation {
  judgements: Record<string, { metrics?: Record<string, number>; raw_text?: string; error?: string }>;
  final_judgement?: Record<string, number>;
}
function load(model: string): StoredConversation[] {
  const data = JSON.parse(readFileSync(join(DIR, 'res_v0.2', `${model}.json`), 'utf8'));
  return Object.values(data['1']['eval_prompts_v0.2.json'] as Record<string, StoredConversation[]>).flat();
}

const MODELS = ['claude-3.5-sonnet', 'claude-sonnet-4', 'kimi-k2', 'llama-4-maverick'];

describe('Spiral-Bench reproduces the published leaderboard', () => {
  for (const model of MODELS) {
    it(`${model}: score and every column`, () => {
      const convs = load(model);
      expect(convs).toHaveLength(30);
      const scored: SpiralConversation[] = convs.map((c) => ({
        means: conversationMeans(Object.values(c.judgements).map((j) => j.metrics ?? null)),
        final: c.final_judgement,
      }));
      const r = spiralScore(scored, weights);
      const row = published.get(model)!;
      expect(r.score.toFixed(1)).toBe(Number(row.score_0_100).toFixed(1));
      for (const col of header.slice(3, -2)) {
        const v = col in r.finalMeans ? r.finalMeans[col] : r.metricMeans[col];
        expect(Number(v.toFixed(3)), `${model} ${col}`).toBe(Number(row[col]));
      }
    });
  }

  it('re-parsing every stored per-turn judge reply gives the stored behaviour values', () => {
    let parsed = 0;
    let errors = 0;
    for (const model of MODELS) {
      for (const c of load(model)) {
        for (const j of Object.values(c.judgements)) {
          if (j.error) {
            errors++;
            continue;
          }
          const r = parseChunkJudgement(j.raw_text!);
          expect(r.ok).toBe(true);
          if (r.ok) expect(r.value.metrics).toEqual(j.metrics);
          parsed++;
        }
        if (c.final_judgement) {
          const fj = parseFinalJudgement(JSON.stringify(c.final_judgement));
          expect(fj).toEqual({ ok: true, value: c.final_judgement });
        }
      }
    }
    expect(parsed).toBeGreaterThan(2200);
    expect(errors).toBeGreaterThan(0); // error chunks exist and count as zero in the denominator
  });

  it('canonical behaviour names', () => {
    expect(canonicalMetric('safe redirection')).toBe('safe_redirection');
    expect(canonicalMetric('de-escalation')).toBe('de-escalation');
  });
});
