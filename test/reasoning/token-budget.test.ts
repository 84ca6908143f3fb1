/**
 * Per-task token budgets for thinking models: parsed from `--budget` / campaign `options.budgets`, recorded in
 * the task's generation settings (manifest, requests.jsonl, run identity) and sent in the form the server
 * understands. A local OpenAI-protocol server records every request body; in vLLM mode it also enforces
 * `thinking_token_budget` the way vLLM does (forces `</think>` at the budget), so a model that would think
 * past the cap reaches its answer only when the budget is really sent.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCampaign } from '../../src/campaign/config.js';
import {
  budgetedGeneration,
  budgetsFromFlags,
  checkBudgetApi,
  parseBudgetFlag,
  type BudgetApi,
  type TokenBudgets,
} from '../../src/reasoning/token-budget.js';
import { runEvaluation } from '../../src/runner/run.js';
import type { GenerationParams, RunManifest } from '../../src/types.js';
import { cli } from '../helpers/cli.js';
import { stub, useCleanups } from '../helpers/stub-provider.js';

useCleanups();
const quiet = { update() {}, done() {} };

describe('budget flags', () => {
  it('parse per task and for every task; later flags override', () => {
    expect(parseBudgetFlag('gsm8k:chat=reasoning:4096,answer:512')).toEqual({
      task: 'gsm8k:chat',
      budget: { reasoningTokens: 4096, answerTokens: 512 },
    });
    expect(parseBudgetFlag('effort:high')).toEqual({ task: '*', budget: { reasoningEffort: 'high' } });
    expect(budgetsFromFlags(['reasoning:100', 'aime24=answer:50', 'reasoning:200'])).toEqual({
      '*': { reasoningTokens: 200 },
      aime24: { answerTokens: 50 },
    });
  });

  it('bad flags are one clear line', () => {
    expect(() => parseBudgetFlag('reasoning:lots')).toThrow(
      '--budget "reasoning:lots": reasoning must be a positive whole number of tokens (got "lots")',
    );
    expect(() => parseBudgetFlag('gsm8k:chat=think:5')).toThrow(
      '"think:5" is not reasoning:<tokens>, answer:<tokens> or effort:<minimal|low|medium|high>',
    );
    expect(() => parseBudgetFlag('effort:max')).toThrow(
      'effort must be minimal, low, medium, high (got "max")',
    );
    expect(() => checkBudgetApi({ '*': { reasoningTokens: 9 } }, 'openai')).toThrow(
      'the OpenAI API (--budget-api openai) has no reasoning-token budget',
    );
  });

  it('the answer budget defaults to the task max_tokens; the cap is reasoning + answer', () => {
    const g: GenerationParams = { n: 1, temperature: 0, top_p: 1, max_tokens: 512, stop: [] };
    expect(budgetedGeneration(g, undefined)).toBe(g);
    expect(budgetedGeneration(g, { reasoningTokens: 1000 })).toMatchObject({
      max_tokens: 1512,
      reasoning_budget: 1000,
    });
    expect(budgetedGeneration(g, { answerTokens: 64, reasoningEffort: 'low' })).toEqual({
      ...g,
      max_tokens: 64,
      reasoning_effort: 'low',
    });
  });
});

/** GSM8K through the real pipeline against a stub that thinks for 5000 bytes before answering. */
async function budgetedRun(budgets: TokenBudgets | undefined, budgetApi: BudgetApi, runDir?: string) {
  const server = await stub({
    respond: (ctx) => {
      const q = String(ctx.messages?.at(-1)?.content ?? '');
      const gold = q.includes('Janet') ? '18' : '3';
      return `<think>${'hmm '.repeat(1250)}</think>The answer is \\boxed{${gold}}.`;
    },
  });
  const dir = runDir ?? mkdtempSync(join(tmpdir(), 'evalkit-budget-'));
  const res = await runEvaluation({
    runDir: dir,
    model: { model: `openai:${server.url}`, maxRetries: 0, budgetApi },
    tasks: ['gsm8k:chat'],
    options: { limit: 2, ...(budgets ? { budgets } : {}) },
    progress: quiet,
  });
  return {
    res,
    dir,
    bodies: server.requests.filter((r) => r.path.endsWith('/completions')).map((r) => r.body),
  };
}

describe('budgets sent to the server', () => {
  it('vllm: max_tokens = reasoning + answer, thinking_token_budget; recorded in manifest and requests', async () => {
    const { res, dir, bodies } = await budgetedRun(
      { 'gsm8k:chat': { reasoningTokens: 300, answerTokens: 100 } },
      'vllm',
    );
    expect(res.status).toBe('completed');
    expect(bodies).toHaveLength(2);
    for (const b of bodies) {
      expect(b.max_tokens).toBe(400);
      expect(b.thinking_token_budget).toBe(300);
      expect(b).not.toHaveProperty('max_completion_tokens');
    }
    // the server ended the thinking at 300 tokens, so both answers arrived and are right
    expect(res.metrics['gsm8k:chat'].metrics.exact_match.value).toBe(1);
    expect(res.metrics['gsm8k:chat'].generation?.lengthRate).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.tasks[0].settings.generation).toMatchObject({ max_tokens: 400, reasoning_budget: 300 });
    expect(manifest.options.budgets).toEqual({ 'gsm8k:chat': { reasoningTokens: 300, answerTokens: 100 } });
    const req = JSON.parse(readFileSync(join(dir, 'requests.jsonl'), 'utf8').split('\n')[0]);
    expect(req.params).toMatchObject({ max_tokens: 400, reasoning_budget: 300 });

    // the budget is part of the run's identity: resuming without it is refused
    await expect(budgetedRun(undefined, 'vllm', dir)).rejects.toThrow(
      /task "gsm8k:chat" was run with different settings/,
    );
  });

  it('without a budget the thinking runs into the task cap and ends inside the reasoning', async () => {
    const { res, bodies } = await budgetedRun(undefined, 'vllm');
    expect(bodies[0]).not.toHaveProperty('thinking_token_budget');
    expect(bodies[0].max_tokens).toBeLessThan(5000);
    expect(res.metrics['gsm8k:chat'].metrics.exact_match.value).toBe(0);
    expect(res.metrics['gsm8k:chat'].generation?.truncatedInReasoningRate).toBe(1);
  });

  it('openai: max_completion_tokens and reasoning_effort, no max_tokens', async () => {
    const { bodies } = await budgetedRun({ '*': { answerTokens: 6000, reasoningEffort: 'low' } }, 'openai');
    for (const b of bodies) {
      expect(b).not.toHaveProperty('max_tokens');
      expect(b.max_completion_tokens).toBe(6000);
      expect(b.reasoning_effort).toBe('low');
      expect(b).not.toHaveProperty('thinking_token_budget');
    }
  });

  it('sglang: chat_template_kwargs.thinking_budget', async () => {
    const { bodies } = await budgetedRun({ '*': { reasoningTokens: 64, reasoningEffort: 'high' } }, 'sglang');
    expect(bodies[0].chat_template_kwargs).toEqual({ thinking_budget: 64 });
    expect(bodies[0].reasoning_effort).toBe('high');
    expect(bodies[0]).not.toHaveProperty('thinking_token_budget');
  });

  it('CLI: a reasoning budget with --budget-api openai stops before anything runs', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'evalkit-budget-cli-')), 'run');
    const r = await cli([
      'run',
      '--model',
      'openai:http://127.0.0.1:9/v1',
      '--task',
      'gsm8k:chat',
      '--run-dir',
      dir,
      '--budget',
      'gsm8k:chat=reasoning:100',
      '--budget-api',
      'openai',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--budget gsm8k:chat=reasoning:100: the OpenAI API (--budget-api openai)');
  });
});

describe('campaign budgets', () => {
  const base = `name: line
suite: [gsm8k:chat]
checkpoints:
  - name: rl
    model: { model: "openai:http://127.0.0.1:1/v1", budgetApi: sglang }
`;
  it('options.budgets reach the run options', () => {
    const c = parseCampaign(
      base.replace(
        'suite:',
        'options:\n  budgets:\n    "*": { reasoningTokens: 8192, reasoningEffort: high }\nsuite:',
      ),
      'c.yaml',
    );
    expect(c.options.budgets).toEqual({ '*': { reasoningTokens: 8192, reasoningEffort: 'high' } });
    expect(c.checkpoints[0].model?.budgetApi).toBe('sglang');
  });
  it('a bad budget names the line and field', () => {
    expect(() =>
      parseCampaign(
        base.replace('suite:', 'options:\n  budgets:\n    "*": { reasoningTokens: -1 }\nsuite:'),
        'c.yaml',
      ),
    ).toThrow(/c\.yaml:4: options\.budgets\.\*\.reasoningTokens/);
  });
});
