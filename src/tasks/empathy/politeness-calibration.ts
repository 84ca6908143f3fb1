/**
 * `empathy:judge-calibration-politeness`: calibration of a judge's sense of tone against HUMAN ratings. The model
 * under test IS the judge: it rates the politeness of requests that Stack Exchange users wrote to each other
 * (Stanford Politeness Corpus, Danescu-Niculescu-Mizil et al. 2013; 5 annotators each, 1–25 scale), a fixed seeded
 * sample of 300 of the 6,603 requests. Metrics: `spearman` / `pearson` with the corpus' normalised score (bootstrap
 * CIs), `extremes_accuracy` (pairs of a top-quartile and a bottom-quartile request — quartiles of the whole
 * corpus — that the judge orders correctly; ties ½), `agreement_within_3` (primary, per sample: |rating − mean of
 * the 5 human ratings| ≤ 3), `mean_abs_diff`, `parse_rate`. It measures the ASKER's politeness as humans saw
 * it — a proxy for a judge's tone perception, not a measure of empathy in a helper's reply (docs/empathy.md).
 */
import { correlationWithCI } from '../../judge/judged-metrics.js';
import { parseBracketRating } from '../../judge/parsers.js';
import { meanMetric } from '../../metrics/definitions.js';
import { groupVerdicts } from '../../metrics/group-verdicts.js';
import type { TaskVariant, VerdictRecord } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { seededShuffle } from '../../util/rng.js';
import { parseCsv } from '../gpqa/csv.js';

export const POLITENESS_SAMPLE = 300;
const SAMPLE_SEED = 1234;

interface PolitenessItem {
  text: string;
  /** Mean of the 5 annotators' 1–25 ratings. */
  humanMean: number;
  normalized: number;
  /** Quartile of the normalised score over the whole corpus: 'top', 'bottom' or 'middle'. */
  quartile: 'top' | 'bottom' | 'middle';
}

export function politenessPrompt(text: string): string {
  return (
    'Below is a request that one user of a question-and-answer site for programmers wrote to another user. ' +
    'Rate how polite the request is, on a scale from 1 (very impolite) to 25 (very polite), as an average reader ' +
    `would perceive it.\n\nRequest:\n"""\n${text}\n"""\n\n` +
    'Answer with a one-sentence justification, then the rating in exactly this format: [[rating]]'
  );
}

type Verdict = Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'>;

export const politenessCalibrationVariant: TaskVariant<PolitenessItem> = {
  name: 'empathy:judge-calibration-politeness',
  family: 'empathy',
  description:
    'judge calibration against human politeness ratings of 300 Stack Exchange requests (Stanford Politeness Corpus)',
  reproduces: 'human labels: Danescu-Niculescu-Mizil et al. 2013, Stack Exchange part',
  settings: {
    format: 'chat',
    shots: 0,
    generation: { n: 1, temperature: 0, top_p: 1, max_tokens: 512, stop: [] },
    primaryMetric: 'agreement_within_3',
    sample: `${POLITENESS_SAMPLE} requests, seeded shuffle (seed ${SAMPLE_SEED}) of the 6,603`,
    prompt: 'evalkit politeness prompt (src/tasks/empathy/politeness-calibration.ts), one user message',
  },
  async loadItems(ctx) {
    const { text, use, path } = await ctx.datasets.text('politeness-stackexchange');
    const [header, ...rows] = parseCsv(text);
    const col = (name: string) => {
      const i = header.indexOf(name);
      if (i < 0) throw new EvalkitError(`${path}: column "${name}" missing`);
      return i;
    };
    const [cC, cI, cR, cN] = [col('Community'), col('Id'), col('Request'), col('Normalized Score')];
    const cS = [1, 2, 3, 4, 5].map((k) => col(`Score${k}`));
    const all = rows.map((r, i) => {
      const normalized = Number(r[cN]);
      const scores = cS.map((c) => Number(r[c]));
      if (!Number.isFinite(normalized) || scores.some((x) => !Number.isFinite(x)))
        throw new EvalkitError(`${path}:${i + 2}: non-numeric score`);
      return {
        id: `politeness/${r[cC].replace(/\s+/g, '_')}/${r[cI]}`,
        text: r[cR],
        normalized,
        humanMean: scores.reduce((a, b) => a + b, 0) / 5,
      };
    });
    const sorted = all.map((x) => x.normalized).sort((a, b) => a - b);
    const q1 = sorted[Math.floor(sorted.length / 4)];
    const q3 = sorted[Math.floor((3 * sorted.length) / 4)];
    const items = seededShuffle(all, SAMPLE_SEED)
      .slice(0, POLITENESS_SAMPLE)
      .map((x) => ({
        id: x.id,
        data: {
          text: x.text,
          humanMean: x.humanMean,
          normalized: x.normalized,
          quartile: (x.normalized >= q3
            ? 'top'
            : x.normalized <= q1
              ? 'bottom'
              : 'middle') as PolitenessItem['quartile'],
        },
      }));
    return { items, datasets: [use] };
  },
  buildPrompt(item) {
    return { kind: 'chat', messages: [{ role: 'user', content: politenessPrompt(item.data.text) }] };
  },
  createScorer() {
    return {
      async score(item, g): Promise<Verdict> {
        const r = parseBracketRating(g.text ?? '', 1, 25);
        if (!r.ok)
          return { scores: { parsed: 0, agreement_within_3: 0 }, reason: `unparseable: ${r.reason}` };
        const d = Math.abs(r.value - item.data.humanMean);
        return {
          scores: { parsed: 1, rating: r.value, abs_diff: d, agreement_within_3: d <= 3 ? 1 : 0 },
          extracted: String(r.value),
        };
      },
    };
  },
  metrics: [
    meanMetric('agreement_within_3'),
    meanMetric('abs_diff', 'mean_abs_diff', [0, 24]),
    meanMetric('parsed', 'parse_rate'),
  ],
  // Correlations and the top-vs-bottom ordering are not per-item quantities: reported, not declared.
  extraMetrics(items, verdicts, options) {
    const g = groupVerdicts(items, verdicts);
    const seed = options.seed;
    const rows = g.withSamples.map((it) => ({ it, s: g.byItem.get(it.id)![0].scores! }));
    const ok = rows.filter((r) => r.s.parsed === 1);
    const top = ok.filter((r) => r.it.data.quartile === 'top').map((r) => r.s.rating);
    const bottom = ok.filter((r) => r.it.data.quartile === 'bottom').map((r) => r.s.rating);
    let wins = 0;
    for (const t of top) for (const b of bottom) wins += t > b ? 1 : t === b ? 0.5 : 0;
    return {
      spearman: correlationWithCI(
        ok.map((r) => r.s.rating),
        ok.map((r) => r.it.data.normalized),
        'spearman',
        { seed },
      ),
      pearson: correlationWithCI(
        ok.map((r) => r.s.rating),
        ok.map((r) => r.it.data.normalized),
        'pearson',
        { seed },
      ),
      extremes_accuracy: {
        value: top.length && bottom.length ? wins / (top.length * bottom.length) : NaN,
        method: `${top.length} top-quartile × ${bottom.length} bottom-quartile requests; share ordered correctly (ties ½)`,
      },
    };
  },
};
