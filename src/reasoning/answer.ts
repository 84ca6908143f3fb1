import type { GenerationRecord, RunOptions } from '../types.js';
import { DEFAULT_THINK_TAGS, splitReasoning, type ReasoningSplit, type ThinkTags } from './split.js';

/** The think tags in force for a run: user tags (`--think-tags`) first, then the defaults. */
export function thinkTagsFor(options: RunOptions): ThinkTags[] {
  const extra = (options.thinkTags ?? []).map((t) => ({ name: 'custom', open: t.open, close: t.close }));
  return [...extra, ...DEFAULT_THINK_TAGS];
}

/**
 * The split a scorer should see, or undefined when the generation has no reasoning (or the split is off
 * with `--no-reasoning-split`): scorers then get the generation as it is.
 */
export function answerForScoring(g: GenerationRecord, options: RunOptions): ReasoningSplit | undefined {
  if (options.reasoningSplit === false || g.text === null) return undefined;
  const split = splitReasoning(g.text, g.reasoning, g.finishReason, thinkTagsFor(options));
  return split.state === 'none' ? undefined : split;
}
