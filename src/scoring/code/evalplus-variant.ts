/**
 * The HumanEval+ / MBPP+ variants executed with EvalPlus semantics (base + plus inputs, outputs compared outside
 * the sandbox), in their two prompt modes: EvalPlus base-model completion and EvalPlus chat. The two families
 * differ only in data. (The OLMES rows codex_humanevalplus:temp0.8 / mbppplus::none execute OLMES's own way,
 * one check program per sample: src/tasks/humaneval, src/tasks/mbpp.)
 */
import type { GenerationParams, TaskVariant } from '../../types.js';
import { passAtKMetrics } from '../../metrics/definitions.js';
import {
  type EvalPlusItemData,
  evalPlusChatMessages,
  loadEvalPlus,
  toEvalPlusProblem,
} from './evalplus-data.js';
import { createEvalPlusScorer } from './scorers.js';

export type PlusMode = 'evalplus-completion' | 'evalplus-chat';

export interface EvalPlusFamily {
  family: 'humaneval' | 'mbpp';
  datasetId: string;
  /** e.g. "HumanEval+ v0.1.10". */
  datasetLabel: string;
  /** EvalPlus base-model mode: what the raw prompt is. */
  completionPromptShape: string;
}

export function evalPlusVariant(
  f: EvalPlusFamily,
  name: string,
  mode: PlusMode,
  generation: GenerationParams,
  description: string,
): TaskVariant<EvalPlusItemData> {
  const chat = mode === 'evalplus-chat';
  return {
    name,
    family: f.family,
    description,
    reproduces: `EvalPlus ${f.family} (${chat ? 'chat/instruct prompt' : '--backend vllm base prompt'})`,
    settings: {
      format: chat ? 'chat' : 'completion',
      shots: 0,
      generation,
      primaryMetric: 'plus_pass@1',
      promptShape: chat
        ? 'EvalPlus make_raw_chat_prompt: user instruction + assistant prefill "<response_prefix>\\n```python\\n"'
        : f.completionPromptShape,
      extraction: chat
        ? 'EvalPlus sanitize(response, entry_point): longest parseable chunk + dependency closure'
        : 'EvalPlus sanitize(prompt + completion, entry_point); replayed `solution` / prompt + replayed `completion` used as-is',
      executed: `EvalPlus base + plus inputs (${f.datasetLabel}); plus = base AND plus; outputs compared outside the sandbox`,
      timeouts: 'per input max(4 s, 4 x ground-truth time) (EvalPlus rule, in src/sandbox)',
      datasets: [f.datasetId],
    },
    loadItems: (ctx) => loadEvalPlus(ctx, f.datasetId, f.family),
    buildPrompt: (item) =>
      chat
        ? { kind: 'chat', messages: evalPlusChatMessages(item.data.prompt) }
        : { kind: 'completion', text: item.data.prompt },
    createScorer: (ctx) =>
      createEvalPlusScorer<EvalPlusItemData>({
        ctx,
        problem: (item) => toEvalPlusProblem(item.id, item.data),
        buildProgram: async (item, g, sanitizer) => {
          const text = g.text ?? '';
          if (g.textIsSolution) return text;
          // evalplus.evaluate runs a sample file's prompt + completion verbatim (docs/fidelity.md#evalplus)
          if (g.textIsReplayedCompletion) return item.data.prompt + text;
          return sanitizer.sanitize(chat ? text : item.data.prompt + text, item.data.entryPoint);
        },
      }),
    metrics: passAtKMetrics(['base', 'plus'], generation.n),
  };
}
