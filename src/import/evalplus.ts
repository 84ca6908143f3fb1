/**
 * Import EvalPlus `eval_results.json` (evalplus >= 0.2: {date, hash, eval: {task_id: [{task_id, solution,
 * base_status, plus_status, base_fail_tests, plus_fail_tests}]}}) as an evalkit run. Every sample keeps its
 * verdict: scores {base, plus}, where plus = 1 only when base AND plus pass (EvalPlus's definition), so
 * c-of-n per problem is preserved for paired tests.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { aggregateTask } from '../metrics/aggregate.js';
import { passAtKMetrics } from '../metrics/definitions.js';
import type { GenerationRecord, Item, RequestRecord, VerdictRecord } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { checkAgainstVariant, type ConfigCheck } from './config-check.js';
import { writeImportedRun, type ImportedTask } from './write-run.js';

interface EvalPlusSample {
  task_id: string;
  solution?: string;
  base_status: string;
  plus_status?: string;
  base_fail_tests?: unknown;
  plus_fail_tests?: unknown;
}

export interface EvalPlusImportOptions {
  /** evalkit task name; default humanevalplus / mbppplus from the task ids. */
  task?: string;
  runId?: string;
  model?: string;
  force?: boolean;
}

export async function importEvalPlus(
  file: string,
  outDir: string,
  opts: EvalPlusImportOptions = {},
): Promise<{ task: string; configCheck: ConfigCheck; metrics: ImportedTask['metrics'] }> {
  let doc: { date?: string; hash?: string; eval?: Record<string, EvalPlusSample[]> };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new EvalkitError(`${file}: cannot read EvalPlus results: ${(e as Error).message}`);
  }
  if (!doc || typeof doc.eval !== 'object' || doc.eval === null)
    throw new EvalkitError(`${file}: field "eval" missing: not an EvalPlus eval_results.json`);
  const ids = Object.keys(doc.eval);
  const dataset = ids.every((id) => id.startsWith('HumanEval/'))
    ? 'humaneval'
    : ids.every((id) => id.startsWith('Mbpp/'))
      ? 'mbpp'
      : undefined;
  const task =
    opts.task ?? (dataset === 'humaneval' ? 'humanevalplus' : dataset === 'mbpp' ? 'mbppplus' : undefined);
  if (!task)
    throw new EvalkitError(
      `${file}: task ids are neither all HumanEval/* nor all Mbpp/*; pass --task <name>`,
    );
  const requests: RequestRecord[] = [];
  const generations: GenerationRecord[] = [];
  const verdicts: VerdictRecord[] = [];
  const items: Item[] = [];
  let maxN = 0;
  for (const id of ids) {
    const samples = doc.eval[id];
    if (!Array.isArray(samples)) throw new EvalkitError(`${file}: eval["${id}"] must be a list of samples`);
    items.push({ id, data: {} });
    maxN = Math.max(maxN, samples.length);
    const requestId = `${task}|${id}`;
    requests.push({
      requestId,
      task,
      itemId: id,
      prompt: { kind: 'completion', text: '' },
      params: { n: samples.length, temperature: NaN, top_p: NaN, max_tokens: NaN, stop: [] },
    });
    samples.forEach((s, i) => {
      if (typeof s.base_status !== 'string')
        throw new EvalkitError(`${file}: eval["${id}"][${i}].base_status missing`);
      const base = s.base_status === 'pass' ? 1 : 0;
      const plus = base && s.plus_status === 'pass' ? 1 : 0;
      generations.push({
        requestId,
        task,
        itemId: id,
        sampleIndex: i,
        text: s.solution ?? null,
        textIsSolution: true,
        source: 'evalplus-import',
      });
      const failing = [
        base
          ? null
          : `base tests ${s.base_status}${Array.isArray(s.base_fail_tests) && s.base_fail_tests.length ? `; first failing input: ${JSON.stringify(s.base_fail_tests[0]).slice(0, 200)}` : ''}`,
        plus || !base
          ? null
          : `plus tests ${s.plus_status}${Array.isArray(s.plus_fail_tests) && s.plus_fail_tests.length ? `; first failing input: ${JSON.stringify(s.plus_fail_tests[0]).slice(0, 200)}` : ''}`,
      ].filter(Boolean);
      verdicts.push({
        requestId,
        task,
        itemId: id,
        sampleIndex: i,
        scores: { base, plus },
        extracted: s.solution,
        ...(failing.length ? { reason: failing.join('; ') } : {}),
        details: { base_status: s.base_status, plus_status: s.plus_status ?? null },
      });
    });
  }
  const check = await checkAgainstVariant(task, { generation: { n: maxN } });
  const metrics = aggregateTask(
    {
      name: task,
      metrics: passAtKMetrics(['base', 'plus'], maxN),
      settings: { primaryMetric: 'plus_pass@1' },
    },
    items,
    verdicts,
    {},
  );
  const settings = {
    format: 'completion' as const,
    shots: 0,
    generation: { n: maxN, temperature: NaN, top_p: NaN, max_tokens: NaN, stop: [] },
    primaryMetric: 'plus_pass@1',
    evalplusHash: doc.hash ?? null,
  };
  writeImportedRun(outDir, {
    runId: opts.runId ?? basename(outDir),
    model: {
      provider: 'evalplus-import',
      id: opts.model ?? basename(file).replace(/_eval_results\.json$/, ''),
      name: opts.model,
    },
    from: 'evalplus',
    source: file,
    createdAt: doc.date ? new Date(doc.date.replace(' ', 'T') + 'Z').toISOString() : undefined,
    tasks: [
      {
        name: task,
        family: dataset ?? 'code',
        settings,
        requests,
        generations,
        verdicts,
        metrics,
        configCheck: check,
      },
    ],
    extra: { evalplusHash: doc.hash ?? null, evalplusDate: doc.date ?? null },
    force: opts.force,
  });
  return { task, configCheck: check, metrics };
}
