/**
 * Token budgets for thinking models, per task: how many tokens the reasoning may take, how many the answer,
 * and (where the server understands it) a reasoning effort. A budget becomes part of the task's generation
 * settings (`settings.generation`: recorded in the manifest, part of the run's identity, written with every
 * request in requests.jsonl), and the provider sends it in the form the server understands (`budgetApi`):
 *
 *  - `vllm` (default): `max_tokens` = reasoning + answer tokens, `thinking_token_budget` = reasoning tokens
 *    (vLLM ≥ 0.11 with a reasoning parser / `--reasoning-config` ends the thinking at that many tokens),
 *    `reasoning_effort` passed through (gpt-oss chat templates read it);
 *  - `openai`: `max_completion_tokens` (reasoning + visible tokens; the API's replacement of `max_tokens`
 *    for reasoning models) and `reasoning_effort`; the API has no separate reasoning-token cap;
 *  - `sglang`: `max_tokens` and `chat_template_kwargs.thinking_budget` (read by chat templates that define it,
 *    e.g. Qwen3's), `reasoning_effort` passed through.
 *
 * Without a budget nothing changes: the task's own `max_tokens` is sent as before.
 */
import type { GenerationParams, TaskVariant } from '../types.js';
import { EvalkitError } from '../util/errors.js';

export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];
export const BUDGET_APIS = ['vllm', 'openai', 'sglang'] as const;
export type BudgetApi = (typeof BUDGET_APIS)[number];

export interface TokenBudget {
  /** Tokens the reasoning may take (sent as the server's thinking budget). */
  reasoningTokens?: number;
  /** Tokens for the answer after the reasoning; default: the task's own max_tokens. */
  answerTokens?: number;
  reasoningEffort?: ReasoningEffort;
}

/** Budgets by task variant name; "*" applies to every task without its own entry. */
export type TokenBudgets = Record<string, TokenBudget>;

const KEYS: Record<string, keyof TokenBudget> = {
  reasoning: 'reasoningTokens',
  answer: 'answerTokens',
  effort: 'reasoningEffort',
};

/**
 * One `--budget` flag: `[<task>=]reasoning:<n>,answer:<n>,effort:<low|medium|high|minimal>` (any subset);
 * without a task it applies to every task ("*").
 */
export function parseBudgetFlag(spec: string): { task: string; budget: TokenBudget } {
  const eq = spec.indexOf('=');
  const task = eq >= 0 ? spec.slice(0, eq).trim() : '*';
  const body = eq >= 0 ? spec.slice(eq + 1) : spec;
  const budget: TokenBudget = {};
  for (const part of body.split(',')) {
    const [k, v, ...rest] = part.split(':').map((s) => s.trim());
    const key = KEYS[k ?? ''];
    if (!key || v === undefined || rest.length)
      throw new EvalkitError(
        `--budget "${spec}": "${part}" is not reasoning:<tokens>, answer:<tokens> or effort:<${REASONING_EFFORTS.join('|')}>`,
      );
    if (key === 'reasoningEffort') {
      if (!(REASONING_EFFORTS as readonly string[]).includes(v))
        throw new EvalkitError(
          `--budget "${spec}": effort must be ${REASONING_EFFORTS.join(', ')} (got "${v}")`,
        );
      budget.reasoningEffort = v as ReasoningEffort;
    } else {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new EvalkitError(
          `--budget "${spec}": ${k} must be a positive whole number of tokens (got "${v}")`,
        );
      budget[key] = n;
    }
  }
  if (!task) throw new EvalkitError(`--budget "${spec}": empty task name before "="`);
  return { task, budget };
}

/** `--budget` flags → budgets by task (a later flag for the same task overrides an earlier one). */
export function budgetsFromFlags(flags: string[]): TokenBudgets {
  const out: TokenBudgets = {};
  for (const f of flags) {
    const { task, budget } = parseBudgetFlag(f);
    out[task] = { ...out[task], ...budget };
  }
  return out;
}

export function parseBudgetApi(v: string | undefined): BudgetApi {
  const api = v ?? 'vllm';
  if (!(BUDGET_APIS as readonly string[]).includes(api))
    throw new EvalkitError(`--budget-api must be ${BUDGET_APIS.join(', ')} (got "${api}")`);
  return api as BudgetApi;
}

/** Refuse, before anything runs, a budget the chosen API cannot express. */
export function checkBudgetApi(budgets: TokenBudgets | undefined, api: BudgetApi): void {
  if (api !== 'openai') return;
  for (const [task, b] of Object.entries(budgets ?? {}))
    if (b.reasoningTokens)
      throw new EvalkitError(
        `--budget ${task === '*' ? '' : `${task}=`}reasoning:${b.reasoningTokens}: the OpenAI API (--budget-api openai) has no reasoning-token budget; use effort:<level> and answer:<tokens>, or --budget-api vllm|sglang`,
      );
}

export function budgetFor(task: string, budgets: TokenBudgets | undefined): TokenBudget | undefined {
  return budgets?.[task] ?? budgets?.['*'];
}

/** The generation settings of a task under a budget (unchanged without one). */
export function budgetedGeneration(g: GenerationParams, b: TokenBudget | undefined): GenerationParams {
  if (!b || (!b.reasoningTokens && !b.answerTokens && !b.reasoningEffort)) return g;
  const answer = b.answerTokens ?? g.max_tokens;
  return {
    ...g,
    max_tokens: answer + (b.reasoningTokens ?? 0),
    ...(b.reasoningTokens ? { reasoning_budget: b.reasoningTokens } : {}),
    ...(b.reasoningEffort ? { reasoning_effort: b.reasoningEffort } : {}),
  };
}

/** The task with its budget applied to `settings.generation` (so the manifest and every request record it). */
export function withTokenBudget(task: TaskVariant, budgets: TokenBudgets | undefined): TaskVariant {
  const generation = budgetedGeneration(task.settings.generation, budgetFor(task.name, budgets));
  if (generation === task.settings.generation) return task;
  return { ...task, settings: { ...task.settings, generation } };
}

/** Put a request's budget into the request body in the form `api` understands. */
export function applyBudgetToBody(body: Record<string, unknown>, p: GenerationParams, api: BudgetApi): void {
  if (p.reasoning_effort) body.reasoning_effort = p.reasoning_effort;
  if (api === 'openai') {
    if (p.reasoning_budget)
      throw new EvalkitError(
        `--budget-api openai: the OpenAI API has no reasoning-token budget (reasoning:${p.reasoning_budget}); use effort:<level> and answer:<tokens>, or --budget-api vllm|sglang`,
      );
    // Reasoning models refuse `max_tokens` here; `max_completion_tokens` counts reasoning and visible tokens.
    delete body.max_tokens;
    body.max_completion_tokens = p.max_tokens;
    return;
  }
  if (!p.reasoning_budget) return;
  if (api === 'vllm') body.thinking_token_budget = p.reasoning_budget;
  else
    body.chat_template_kwargs = {
      ...((body.chat_template_kwargs as Record<string, unknown> | undefined) ?? {}),
      thinking_budget: p.reasoning_budget,
    };
}
