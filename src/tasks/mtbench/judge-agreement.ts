/**
 * `mtbench:judge-agreement-gpt4`: calibration of a judge model against a labelled slice. The model under test
 * IS the judge: it gets the exact judge prompts of LMSYS's 160 official GPT-4 judgments of Llama-2-7b-chat
 * (all 80 questions, both turns) and its ratings are compared with GPT-4's. Run it with the judge's spec as
 * `--model` next to the judged tasks; its metrics are the judge's calibration:
 *   - `agreement_within_1` (primary, per sample: |rating − GPT-4| ≤ 1), `exact_agreement`, `mean_abs_diff`,
 *   - `spearman`, `pearson` (with bootstrap CIs), `parse_rate`,
 *   - `mtbench_score`: the MT-Bench score this judge gives Llama-2-7b-chat (GPT-4 gave 6.27).
 */
import { requireField } from '../../datasets/registry.js';
import { correlationWithCI } from '../../judge/judged-metrics.js';
import { parseBracketRating } from '../../judge/parsers.js';
import { meanMetric } from '../../metrics/definitions.js';
import { groupVerdicts } from '../../metrics/group-verdicts.js';
import type { ChatMessage, TaskVariant, VerdictRecord } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { loadJudgeTemplates } from './judge-prompts.js';

export const GPT4_JUDGMENTS_DATASET = 'mtbench-gpt4-judgments-llama-2-7b-chat';

interface CalibrationItem {
  questionId: number;
  turn: number;
  template: string;
  messages: ChatMessage[];
  reference: number;
}

export const judgeAgreementVariant: TaskVariant<CalibrationItem> = {
  name: 'mtbench:judge-agreement-gpt4',
  family: 'mtbench',
  description:
    'judge calibration: the model under test rates Llama-2-7b-chat’s MT-Bench answers with the official judge prompts; agreement with GPT-4’s 160 verdicts',
  reproduces: 'LMSYS GPT-4 single-answer judgments (gpt-4_single.jsonl) as labels',
  settings: {
    format: 'chat',
    shots: 0,
    generation: { n: 1, temperature: 0, top_p: 1, max_tokens: 2048, stop: [] },
    primaryMetric: 'agreement_within_1',
    prompt: 'system = the template’s system_prompt, user = the official user_prompt verbatim',
    scoring:
      'FastChat [[rating]] rule (strict: 1–10); unparseable = scored, counted in parse_rate, no rating',
  },
  async loadItems(ctx) {
    const { records, use, path } = await ctx.datasets.jsonl<Record<string, unknown>>(GPT4_JUDGMENTS_DATASET);
    const { templates, use: tUse } = await loadJudgeTemplates(ctx.datasets);
    const items = records.map((r, i) => {
      const judge = requireField<string[]>(r, 'judge', 'array', path, i + 1);
      const t = templates.get(judge[1]);
      if (!t) throw new EvalkitError(`${path}:${i + 1}: field "judge": unknown template "${judge[1]}"`);
      const questionId = requireField<number>(r, 'question_id', 'number', path, i + 1);
      const turn = requireField<number>(r, 'turn', 'number', path, i + 1);
      return {
        id: `mtbench-judge/${questionId}/turn${turn}`,
        data: {
          questionId,
          turn,
          template: t.name,
          messages: [
            { role: 'system' as const, content: t.system_prompt },
            { role: 'user' as const, content: requireField<string>(r, 'user_prompt', 'string', path, i + 1) },
          ],
          reference: requireField<number>(r, 'score', 'number', path, i + 1),
        },
        categories: { turn: String(turn) },
      };
    });
    return { items, datasets: [use, tUse] };
  },
  buildPrompt(item) {
    return { kind: 'chat', messages: item.data.messages };
  },
  createScorer() {
    return {
      async score(item, g): Promise<Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'>> {
        const r = parseBracketRating(g.text ?? '');
        if (!r.ok)
          return { scores: { parsed: 0, agreement_within_1: 0 }, reason: `unparseable: ${r.reason}` };
        const d = Math.abs(r.value - item.data.reference);
        return {
          scores: {
            parsed: 1,
            rating: r.value,
            abs_diff: d,
            exact: d === 0 ? 1 : 0,
            agreement_within_1: d <= 1 ? 1 : 0,
          },
          extracted: String(r.value),
        };
      },
    };
  },
  metrics: [
    meanMetric('agreement_within_1'),
    meanMetric('exact', 'exact_agreement'),
    meanMetric('abs_diff', 'mean_abs_diff', [0, 9]),
    meanMetric('parsed', 'parse_rate'),
    meanMetric('rating', 'mtbench_score', [1, 10]),
  ],
  // Rank correlations are not per-item quantities: reported, not declared (compare refuses them).
  extraMetrics(items, verdicts, options) {
    const g = groupVerdicts(items, verdicts);
    const parsed = g.withSamples
      .map((it) => ({ it, s: g.byItem.get(it.id)![0].scores! }))
      .filter((r) => r.s.parsed === 1);
    const judge = parsed.map((r) => r.s.rating);
    const gpt4 = parsed.map((r) => r.it.data.reference);
    return {
      spearman: correlationWithCI(judge, gpt4, 'spearman', { seed: options.seed }),
      pearson: correlationWithCI(judge, gpt4, 'pearson', { seed: options.seed }),
    };
  },
};
