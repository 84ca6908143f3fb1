/**
 * A judge = a model provider (any `--model` spec: openai:<url>, vllm:<ckpt>, gguf:<file>) + its sampling
 * settings. The spec is recorded in the run manifest (`options.judges`) and is part of the run's identity:
 * a run directory judged by one judge refuses to resume with another (verdicts would mix two judges).
 */
import type { RunOptions } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { checkModelKind } from '../models/registry.js';

export interface JudgeSpec {
  /** Provider spec exactly as for `--model`, e.g. "openai:http://127.0.0.1:8000/v1". */
  model: string;
  /** Model name sent in the request body (`--judge-model-name`). */
  modelName?: string;
  /** Judge sampling temperature. Default 0 (FastChat's GPT-4 judge). */
  temperature?: number;
  /** Max tokens of a verdict. Default 2048 (FastChat). */
  maxTokens?: number;
  /** Extra attempts when a verdict does not parse (recorded, never guessed). Default 2. */
  parseRetries?: number;
  /** Short name used in score keys and reports; default "j1", "j2", … by position. */
  label?: string;
}

export const JUDGE_DEFAULTS = { temperature: 0, maxTokens: 2048, parseRetries: 2 } as const;

/** The spec with every default filled in: what a verdict depends on. */
export function resolvedJudge(
  spec: JudgeSpec,
  index: number,
): Required<Omit<JudgeSpec, 'modelName'>> & {
  modelName?: string;
} {
  return {
    model: spec.model,
    ...(spec.modelName !== undefined ? { modelName: spec.modelName } : {}),
    temperature: spec.temperature ?? JUDGE_DEFAULTS.temperature,
    maxTokens: spec.maxTokens ?? JUDGE_DEFAULTS.maxTokens,
    parseRetries: spec.parseRetries ?? JUDGE_DEFAULTS.parseRetries,
    label: spec.label ?? `j${index + 1}`,
  };
}

/** Stable identity string of a list of judges (order matters: labels are positional). */
export function judgesIdentity(specs: JudgeSpec[] | undefined): string {
  return JSON.stringify((specs ?? []).map((s, i) => resolvedJudge(s, i)));
}

/**
 * Why a run directory recorded with `recorded` options cannot resume with `now` (judges or simulated user
 * differ), or undefined when it can. A run recorded without judges may gain them (tasks added later).
 */
export function judgeIdentityConflict(recorded: RunOptions, now: RunOptions): string | undefined {
  if (recorded.judges?.length && now.judges?.length) {
    const a = judgesIdentity(recorded.judges);
    const b = judgesIdentity(now.judges);
    if (a !== b)
      return (
        `this run was judged by ${a}, not ${b}; resuming would mix verdicts of two judges. ` +
        `Use a new --run-dir (or the same --judge flags).`
      );
  }
  if (recorded.judges?.length && !now.judges?.length)
    return `this run was judged by ${judgesIdentity(recorded.judges)}; pass the same --judge flags to resume`;
  if (recorded.simulatedUser && now.simulatedUser) {
    const a = judgesIdentity([recorded.simulatedUser]);
    const b = judgesIdentity([now.simulatedUser]);
    if (a !== b) return `this run's simulated user was ${a}, not ${b}; use a new --run-dir`;
  }
  return undefined;
}

/**
 * Judges from CLI flags: `--judge` (repeatable) with `--judge-model-name` matched by position (one name for
 * all judges is also accepted).
 */
export function judgesFromFlags(o: {
  judge?: string[];
  judgeModelName?: string[];
  judgeTemperature?: number;
  judgeMaxTokens?: number;
  judgeParseRetries?: number;
  judgeLabel?: string[];
}): JudgeSpec[] | undefined {
  const models = o.judge ?? [];
  if (!models.length) {
    if (o.judgeModelName?.length) throw new EvalkitError('--judge-model-name given without --judge');
    return undefined;
  }
  const names = o.judgeModelName ?? [];
  if (names.length > 1 && names.length !== models.length)
    throw new EvalkitError(
      `--judge-model-name given ${names.length} times for ${models.length} --judge flags (give one per judge)`,
    );
  const labels = o.judgeLabel ?? [];
  return models.map((model, i) => {
    checkModelKind(model, '--judge');
    const spec: JudgeSpec = { model };
    const name = names.length === 1 ? names[0] : names[i];
    if (name) spec.modelName = name;
    if (o.judgeTemperature !== undefined) spec.temperature = o.judgeTemperature;
    if (o.judgeMaxTokens !== undefined) spec.maxTokens = o.judgeMaxTokens;
    if (o.judgeParseRetries !== undefined) spec.parseRetries = o.judgeParseRetries;
    if (labels[i]) spec.label = labels[i];
    return spec;
  });
}

export function simulatedUserFromFlags(o: {
  simulatedUser?: string;
  simulatedUserModelName?: string;
}): JudgeSpec | undefined {
  if (!o.simulatedUser) return undefined;
  checkModelKind(o.simulatedUser, '--simulated-user');
  return {
    model: o.simulatedUser,
    ...(o.simulatedUserModelName ? { modelName: o.simulatedUserModelName } : {}),
    temperature: 0.7,
    maxTokens: 1024,
    label: 'user',
  };
}
