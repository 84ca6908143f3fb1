import type { Command } from 'commander';
import type { RunOptions } from '../../types.js';
import { resolve } from 'node:path';
import { checkModelSpec, type ModelSpec } from '../../models/spec.js';
import { checkModelKind } from '../../models/registry.js';
import {
  addProviderOptions,
  modelFlagHelp,
  providerOptionsFrom,
  providerSummaries,
} from '../provider-options.js';
import { createProgress } from '../../runner/progress.js';
import { runEvaluation } from '../../runner/run.js';
import { parseShard } from '../../runner/shard.js';
import { addJudgeOptions, judgeRunOptions } from '../../judge/cli-options.js';
import { exportResults } from '../export.js';
import { LANGUAGES, parseLanguages } from '../../tasks/aider-polyglot/data.js';
import { agentProtocolOption } from '../../agent/select-model.js';
import { formatErrorSummary } from '../../runner/error-summary.js';
import { budgetsFromFlags, checkBudgetApi, parseBudgetApi } from '../../reasoning/token-budget.js';
import {
  addScoringOptions,
  collect,
  formatMetrics,
  nonNegativeInt,
  positiveInt,
  runOptionsFrom,
} from '../shared-options.js';

export function register(program: Command): void {
  const cmd = addProviderOptions(
    program
      .command('run')
      .summary('evaluate a model on task variants (resumes an existing --run-dir)')
      .description(
        `evaluate a model on task variants; resumes when --run-dir already holds a run.\n\n${providerSummaries()}`,
      )
      .option('--model <spec>', modelFlagHelp(), 'gguf:default')
      .option('--model-name <name>', 'model name sent to the server and recorded in the manifest')
      .requiredOption('--task <variant>', 'task variant (repeatable); see `evalkit list tasks`', collect)
      .requiredOption('--run-dir <dir>', 'run directory (created, or resumed if it exists)')
      .option(
        '--add-tasks',
        'allow --task variants that an existing --run-dir does not hold yet to be added to it',
      )
      .option(
        '--endpoint <url>',
        'additional OpenAI-compatible endpoint serving the same model (repeatable; load-balanced)',
        collect,
      )
      .option('--concurrency <n>', 'max requests in flight (default 128)', positiveInt('--concurrency'))
      .option(
        '--max-retries <n>',
        'retries per request on 429/5xx/reset/timeout/malformed response before the sample is marked errored (default 6; 0 = none)',
        nonNegativeInt('--max-retries'),
      )
      .option(
        '--retry-delay <ms>',
        'delay before the first retry (doubles per retry up to 30 s, with jitter; default 1000)',
        nonNegativeInt('--retry-delay'),
      )
      .option(
        '--request-timeout <ms>',
        'per-request timeout in milliseconds',
        positiveInt('--request-timeout'),
      )
      .option('--stream', 'use streaming (server-sent events) responses')
      .option('--cache', 'serve identical requests from the request cache (across runs)')
      .option(
        '--olmes-parity',
        'shape the requests of ALL completion-format variants like OLMES (no BOS, EOS in stops, left truncation); by default only the OLMES-alias variants are shaped; recorded in the run (a resume must say the same)',
      )
      .option('--no-olmes-parity', 'never shape requests like OLMES, not even for OLMES-alias variants')
      .option(
        '--max-length <n>',
        'OLMES max_length (prompt + generation tokens) for left truncation',
        positiveInt('--max-length'),
      )
      .option(
        '--eos-token <text>',
        'tokenizer EOS string for OLMES-shaped requests when the server cannot report it',
      )
      .option(
        '--stops-after-reasoning',
        "thinking models: don't send stop strings to the server (they would fire inside the reasoning); cut them client-side in the answer only",
      )
      .option(
        '--budget <spec>',
        'token budget for thinking models: [<task>=]reasoning:<tokens>,answer:<tokens>,effort:<minimal|low|medium|high> (any subset; repeatable; without <task>= for every task); recorded in the run',
        collect,
      )
      .option(
        '--budget-api <api>',
        'how budgets are sent: vllm (max_tokens + thinking_token_budget) | openai (max_completion_tokens + reasoning_effort) | sglang (chat_template_kwargs.thinking_budget)',
        'vllm',
      )
      .option(
        '--shard <i/N>',
        'evaluate only shard i of N (deterministic by request); combine with `evalkit merge`',
      ),
  ) // then the provider flags (--tensor-parallel-size, --threads, ...) from the registry's descriptors
    // repository-level tasks (docs/software-engineering.md)
    .option(
      '--agent-protocol <p>',
      'SWE-bench agent: tools (native tool calls) | text (<tool_call> blocks) | auto',
      (v: string) => agentProtocolOption({ agentProtocol: v }),
      'auto',
    )
    .option(
      '--agent-max-turns <n>',
      'SWE-bench agent: turn budget (default 30)',
      positiveInt('--agent-max-turns'),
    )
    .option(
      '--languages <list>',
      `Aider polyglot: comma-separated languages (default: all six: ${LANGUAGES.join(', ')})`,
      (v: string) => parseLanguages(v).join(','),
    );
  addJudgeOptions(addScoringOptions(cmd)).action(async (o: Record<string, any>) => {
    const options: RunOptions = { ...runOptionsFrom(o), ...judgeRunOptions(o) };
    if (o.agentProtocol && o.agentProtocol !== 'auto') options.agentProtocol = o.agentProtocol;
    if (o.agentMaxTurns) options.agentMaxTurns = o.agentMaxTurns;
    if (o.languages) options.languages = o.languages;
    if (o.budget) options.budgets = budgetsFromFlags(o.budget as string[]);
    if (o.olmesParity !== undefined) options.olmesParity = o.olmesParity as boolean;
    const budgetApi = parseBudgetApi(o.budgetApi);
    checkBudgetApi(options.budgets, budgetApi);
    const model: ModelSpec = {
      model: o.model,
      modelName: o.modelName,
      endpoints: o.endpoint,
      concurrency: o.concurrency,
      maxRetries: o.maxRetries,
      retryDelayMs: o.retryDelay,
      requestTimeoutMs: o.requestTimeout,
      stream: o.stream,
      cache: o.cache,
      maxLength: o.maxLength,
      eosToken: o.eosToken,
      stopsAfterReasoning: o.stopsAfterReasoning,
      budgetApi,
      ...providerOptionsFrom(o),
    };
    checkModelKind(model.model, '--model');
    checkModelSpec(model, 'evalkit run'); // the schema campaign YAML uses too (src/models/spec.ts)
    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      process.stderr.write(
        '\nevalkit: interrupted: requests in flight are abandoned (not recorded; a resume asks for them again), ' +
          'samples already generated are scored and saved. Ctrl-C again to quit at once.\n',
      );
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    try {
      const result = await runEvaluation({
        runDir: o.runDir,
        model,
        tasks: o.task,
        options,
        shard: o.shard ? parseShard(o.shard) : undefined,
        progress: createProgress(process.stderr, o.quiet),
        command: ['evalkit', ...process.argv.slice(2)].join(' '),
        signal: controller.signal,
        maxErrorRate: o.maxErrorRate,
        addTasks: o.addTasks,
      });
      if (result.status === 'interrupted') {
        const c = result.counts;
        process.stderr.write(
          `evalkit: interrupted: ${c.scored} samples scored in this session, ${c.skipped} done before, ` +
            `${Math.max(0, c.total - c.skipped - c.scored)} left; resume with the same command.\n`,
        );
        process.exitCode = 130;
        return;
      }
      process.stdout.write(formatMetrics(result.metrics));
      if (o.export) await exportResults(o.export, resolve(o.runDir));
      process.stdout.write(`run directory: ${resolve(o.runDir)}\n`);
      if (result.errors) process.stderr.write(formatErrorSummary(result.errors));
      if (result.status === 'failed') process.exitCode = 1;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  });
}
