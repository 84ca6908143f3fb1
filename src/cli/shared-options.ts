/** Options shared by `evalkit run` and `evalkit score`, and the metrics table they print. */
import { naturalCompare } from '../util/natural-sort.js';
import type { Command } from 'commander';
import type { RunOptions, TaskMetrics } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { formatGenerationStats } from '../reasoning/generation-stats.js';
import { parseThinkTags } from '../reasoning/split.js';

export const collect = (v: string, prev: string[] = []) => [...prev, v];

export function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new EvalkitError(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < 0)
      throw new EvalkitError(`${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
}

/** A fraction in [0, 1]. */
export function fraction(name: string) {
  return (v: string) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x < 0 || x > 1)
      throw new EvalkitError(`${name} must be a number between 0 and 1, got "${v}"`);
    return x;
  };
}

export function addScoringOptions(cmd: Command): Command {
  return cmd
    .option(
      '--sandbox-workers <n>',
      'parallel sandboxed Python workers for code execution (default: CPU count)',
      positiveInt('--sandbox-workers'),
    )
    .option(
      '--test-details',
      'run every test input instead of stopping at the first failure; record per-input status',
    )
    .option(
      '--unsafe-no-sandbox',
      'execute model code WITHOUT isolation (bubblewrap). Only for trusted code; prints a warning',
    )
    .option('--seed <n>', 'seed for bootstrap CIs and option shuffling', nonNegativeInt('--seed'), 1234)
    .option('--limit <n>', 'only the first N items of each task (smoke runs)', positiveInt('--limit'))
    .option(
      '--export <format>',
      "also write results in another tool's format: evalplus (eval_results.json per HumanEval+/MBPP+ task), every-eval-ever (every-eval-ever.json) or mlflow (mlflow-requests.json; posted to $MLFLOW_TRACKING_URI when set)",
    )
    .option(
      '--no-reasoning-split',
      'score the whole text: do not split reasoning (server reasoning field, <think>…</think> and other think tags) from the answer',
    )
    .option(
      '--think-tags <open,close>',
      'extra think tags for models with their own reasoning markers (repeatable), e.g. "<reason>,</reason>"',
      collect,
    )
    .option(
      '--max-error-rate <fraction>',
      'tolerated fraction of errored samples (generation or scorer failed); above it the run fails (exit 1)',
      fraction('--max-error-rate'),
      0,
    )
    .option('--since <date>', 'LiveCodeBench: only problems whose contest date is on/after YYYY-MM-DD')
    .option('--until <date>', 'LiveCodeBench: only problems whose contest date is on/before YYYY-MM-DD')
    .option(
      '--lcb-data <dir>',
      'LiveCodeBench: directory holding the official test*.jsonl release files (default: download to the cache)',
    )
    .option('--quiet', 'no progress output (retry causes and errors are still printed)');
}

export function runOptionsFrom(o: Record<string, unknown>): RunOptions {
  if (o.unsafeNoSandbox) {
    process.stderr.write(
      'evalkit: WARNING: --unsafe-no-sandbox: model-generated code will run on this machine without isolation.\n',
    );
  }
  const opts: RunOptions = { seed: (o.seed as number | undefined) ?? 1234 };
  if (o.unsafeNoSandbox) opts.unsafeNoSandbox = true;
  if (o.testDetails) opts.testDetails = true;
  if (o.sandboxWorkers) opts.sandboxWorkers = o.sandboxWorkers as number;
  if (o.limit !== undefined) opts.limit = o.limit as number;
  if (o.reasoningSplit === false) opts.reasoningSplit = false;
  if (o.thinkTags) {
    try {
      opts.thinkTags = (o.thinkTags as string[]).map((t) => {
        const { open, close } = parseThinkTags(t);
        return { open, close };
      });
    } catch (e) {
      throw new EvalkitError((e as Error).message);
    }
  }
  for (const k of ['since', 'until', 'lcbData'] as const) if (typeof o[k] === 'string') opts[k] = o[k];
  return opts;
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a');

/** One line per metric: value and 95% CI, in percent for [0,1] metrics. */
export function formatMetrics(metrics: Record<string, TaskMetrics>): string {
  const lines: string[] = [];
  for (const [task, m] of Object.entries(metrics)) {
    const c = m.counts;
    lines.push(
      `${task}  (${c.items} items, ${c.scored} samples scored${c.errored ? `, ${c.errored} ERRORED (excluded)` : ''}` +
        `${c.missingItems ? `, ${c.missingItems} items missing` : ''})`,
    );
    // Primary first, then the declared order (k ascending), then anything else in natural order.
    const order = (m.declared ?? []).map((d) => d.name);
    const rank = (x: string) => (x === m.primary ? -1 : order.includes(x) ? order.indexOf(x) : order.length);
    const names = Object.keys(m.metrics).sort((a, b) => rank(a) - rank(b) || naturalCompare(a, b));
    for (const name of names) {
      const v = m.metrics[name];
      // Metrics on a numeric scale (a judge's 1–10) are printed as they are, proportions in percent.
      const spec = m.declared?.find((d) => d.name === name);
      const fmt = spec?.kind === 'mean' && spec.range ? (x: number) => x.toFixed(2) : pct;
      const ci = v.ci95 ? `  95% CI [${fmt(v.ci95[0])}, ${fmt(v.ci95[1])}]` : '';
      lines.push(`  ${name === m.primary ? '*' : ' '} ${name.padEnd(22)} ${fmt(v.value).padStart(6)}${ci}`);
    }
    if (m.generation && m.generation.samples > 0) lines.push(`    ${formatGenerationStats(m.generation)}`);
  }
  return lines.join('\n') + '\n';
}
