/**
 * Import an OLMES output directory as an evalkit run (schema: allenai/olmes OUTPUT_FORMATS.md and
 * oe_eval/run_eval.py, which writes, per task index NNN and task name with ":" and "/" replaced by "_"):
 *   task-NNN-<task>-metrics.json      {task_name, task_hash, model_hash, model_config, task_config{metadata.alias,
 *                                      primary_metric, num_shots, generation_kwargs, use_chat_format, …},
 *                                      metrics{<metric>: value, primary_score}, num_instances, task_idx}
 *   task-NNN-<task>-predictions.jsonl one line per doc: {doc_id, native_id, metrics{per-doc}, model_output[one
 *                                      entry per request idx: {continuation, …}], label, task_hash, model_hash}
 *   task-NNN-<task>-requests.jsonl    one line per request: {request_type, doc, request{context, stop_sequences,
 *                                      generation_kwargs}, idx, task_name, doc_id, native_id, label}
 *   metrics.json                      {all_primary_scores: ["alias: score"], metrics|tasks: [...], model_config}
 *
 * Per-item outcomes are kept so the baseline takes part in paired tests:
 *  - code tasks (pass_at_k per doc, OLMES PassAtK): c of n per problem. OLMES writes per-sample pass/fail into
 *    model_output only with metric_kwargs.rich_exec_info (`exec_result`); otherwise c is recovered exactly from
 *    the doc's pass_at_1 = c/n and the first c samples are marked passing (which sample passed is then unknown
 *    and flagged in the verdict details; c-of-n statistics are unaffected).
 *  - other tasks: the doc's numeric metrics that are also task-level metrics (exact_match, …) become the
 *    scores of sample 0.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { aggregateTask } from '../metrics/aggregate.js';
import { meanMetric, passAtKMetric } from '../metrics/definitions.js';
import { passAtK } from '../metrics/pass-at-k.js';
import type { GenerationRecord, MetricSpec, Prompt, RequestRecord, VerdictRecord } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { checkAgainstVariant, type ConfigCheck } from './config-check.js';
import { writeImportedRun, type ImportedTask } from './write-run.js';

const TASK_FILE = /^task-(\d{3})-(.+)-metrics\.json$/;

function readJson(path: string): any {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new EvalkitError(`${path}: invalid JSON: ${(e as Error).message}`);
  }
}

function readJsonl(path: string): any[] {
  if (!existsSync(path)) return [];
  const out: any[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push(JSON.parse(line));
      } catch (e) {
        throw new EvalkitError(`${path}:${i + 1}: malformed JSON line: ${(e as Error).message}`);
      }
    });
  return out;
}

/** OLMES metric name → evalkit metric name (pass_at_10 → pass@10; others unchanged). */
export const olmesMetricName = (m: string) => m.replace(/^pass_at_(\d+)$/, 'pass@$1');

function promptOf(req: any): Prompt {
  const ctx = req?.request?.context;
  if (typeof ctx === 'string') return { kind: 'completion', text: ctx };
  const messages = Array.isArray(ctx) ? ctx : Array.isArray(ctx?.messages) ? ctx.messages : undefined;
  if (messages)
    return {
      kind: 'chat',
      messages: messages.map((m: any) => ({ role: m.role, content: String(m.content ?? '') })),
    };
  return { kind: 'completion', text: '' };
}

/** c such that passAtK(n, c, k) equals the reported value (OLMES stores per-doc pass@k estimates). */
function recoverC(n: number, k: number, value: number): number | undefined {
  for (let c = 0; c <= n; c++) if (Math.abs(passAtK(n, c, k) - value) < 1e-6) return c;
  return undefined;
}

export interface OlmesImportResult {
  runDir: string;
  tasks: Array<{
    task: string;
    items: number;
    samples: number;
    primary: string;
    value: number;
    reported?: number;
    configCheck: ConfigCheck;
  }>;
}

export async function importOlmes(
  srcDir: string,
  outDir: string,
  opts: { runId?: string; model?: string; force?: boolean } = {},
): Promise<OlmesImportResult> {
  if (!existsSync(srcDir)) throw new EvalkitError(`OLMES output directory not found: ${srcDir}`);
  const files = readdirSync(srcDir)
    .filter((f) => TASK_FILE.test(f))
    .sort();
  if (!files.length)
    throw new EvalkitError(`${srcDir}: no task-NNN-<task>-metrics.json files: not an OLMES output directory`);
  const runLevelPath = join(srcDir, 'metrics.json');
  const runLevel = existsSync(runLevelPath) ? readJson(runLevelPath) : undefined;
  const tasks: ImportedTask[] = [];
  const summary: OlmesImportResult['tasks'] = [];
  let modelConfig: any = runLevel?.model_config;
  for (const f of files) {
    const [, idx, safe] = TASK_FILE.exec(f)!;
    const mPath = join(srcDir, f);
    const m = readJson(mPath);
    for (const field of ['task_name', 'task_config', 'metrics'])
      if (m[field] === undefined) throw new EvalkitError(`${mPath}: field "${field}" missing`);
    const tc = m.task_config;
    const alias: string = tc.metadata?.alias ?? m.task_name;
    modelConfig = m.model_config ?? modelConfig;
    const predPath = join(srcDir, `task-${idx}-${safe}-predictions.jsonl`);
    if (!existsSync(predPath))
      throw new EvalkitError(`${predPath}: predictions file missing for task ${alias}`);
    const preds = readJsonl(predPath);
    const reqs = readJsonl(join(srcDir, `task-${idx}-${safe}-requests.jsonl`));
    const reqByDoc = new Map<string, any>();
    for (const r of reqs)
      if (!reqByDoc.has(String(r.doc_id)) || r.idx === 0) reqByDoc.set(String(r.doc_id), r);
    const gk = tc.generation_kwargs ?? {};
    const primaryOlmes: string =
      tc.primary_metric ?? Object.keys(m.metrics).find((k) => k !== 'primary_score') ?? 'primary_score';
    const primary = olmesMetricName(primaryOlmes);
    const taskLevel = Object.entries(m.metrics as Record<string, unknown>).filter(
      ([k, v]) => k !== 'primary_score' && typeof v === 'number',
    ) as Array<[string, number]>;
    const isCode = preds.some(
      (p) => p.metrics && Object.keys(p.metrics).some((k) => /^pass_at_\d+$/.test(k)),
    );
    const requests: RequestRecord[] = [];
    const generations: GenerationRecord[] = [];
    const verdicts: VerdictRecord[] = [];
    const perDoc = new Map<string, number[]>(); // evalkit metric → per-doc values
    preds.forEach((p, line) => {
      const where = `${predPath}:${line + 1}`;
      if (p.doc_id === undefined) throw new EvalkitError(`${where}: field "doc_id" missing`);
      if (!p.metrics || typeof p.metrics !== 'object')
        throw new EvalkitError(`${where}: field "metrics" missing`);
      const itemId = String(p.native_id ?? p.doc_id);
      const requestId = `${alias}|${itemId}`;
      const outputs: any[] = Array.isArray(p.model_output) ? p.model_output : [];
      const n = Math.max(1, outputs.length);
      const req = reqByDoc.get(String(p.doc_id));
      requests.push({
        requestId,
        task: alias,
        itemId,
        prompt: promptOf(req),
        params: {
          n,
          temperature: gk.do_sample === false ? 0 : (gk.temperature ?? 0),
          top_p: gk.top_p ?? 1,
          max_tokens: gk.max_gen_toks ?? 0,
          stop: req?.request?.stop_sequences ?? gk.stop_sequences ?? [],
        },
      });
      outputs.forEach((o, i) =>
        generations.push({
          requestId,
          task: alias,
          itemId,
          sampleIndex: i,
          text: typeof o?.continuation === 'string' ? o.continuation : null,
          source: 'olmes-import',
        }),
      );
      for (const [k, v] of Object.entries(p.metrics)) {
        if (typeof v === 'number' || typeof v === 'boolean') {
          const name = olmesMetricName(k);
          if (!perDoc.has(name)) perDoc.set(name, []);
          perDoc.get(name)!.push(Number(v));
        }
      }
      if (isCode) {
        let passed: boolean[];
        let orderKnown = true;
        if (outputs.length && outputs.every((o) => typeof o?.exec_result === 'string'))
          passed = outputs.map((o) => o.exec_result === 'passed');
        else {
          const kEntry = Object.entries(p.metrics).find(([k]) => /^pass_at_\d+$/.test(k)) as
            [string, number] | undefined;
          const k = kEntry ? Number(kEntry[0].slice(8)) : 1;
          const c = kEntry ? recoverC(n, k, Number(kEntry[1])) : undefined;
          if (c === undefined)
            throw new EvalkitError(
              `${where}: cannot recover passes from metrics ${JSON.stringify(p.metrics)} with ${n} outputs`,
            );
          passed = Array.from({ length: n }, (_, i) => i < c);
          orderKnown = false;
        }
        passed.forEach((ok, i) =>
          verdicts.push({
            requestId,
            task: alias,
            itemId,
            sampleIndex: i,
            scores: { pass: ok ? 1 : 0 },
            ...(ok
              ? {}
              : {
                  reason: outputs[i]?.exec_result
                    ? `OLMES exec_result: ${outputs[i].exec_result}`
                    : 'failed (OLMES pass@k count; per-sample result not recorded)',
                }),
            ...(typeof outputs[i]?.tested_completion === 'string'
              ? { extracted: outputs[i].tested_completion }
              : {}),
            details: { olmesDocId: p.doc_id, ...(orderKnown ? {} : { sampleOrderUnknown: true }) },
          }),
        );
      } else {
        const scores: Record<string, number> = {};
        for (const [k] of taskLevel) {
          const v = p.metrics[k];
          if (typeof v === 'number' || typeof v === 'boolean') scores[olmesMetricName(k)] = Number(v);
        }
        if (!Object.keys(scores).length)
          throw new EvalkitError(
            `${where}: no per-doc value for any task metric (${taskLevel.map(([k]) => k).join(', ')})`,
          );
        const answer = outputs[0]?.model_answer;
        verdicts.push({
          requestId,
          task: alias,
          itemId,
          sampleIndex: 0,
          scores,
          ...(answer !== undefined ? { extracted: String(answer) } : {}),
          ...(scores[primary] === 0
            ? {
                reason: `OLMES ${primaryOlmes} = 0${p.label !== undefined ? `; label ${JSON.stringify(p.label)}` : ''}`,
              }
            : {}),
          details: { olmesDocId: p.doc_id, label: p.label ?? null },
        });
      }
    });
    // Declared metrics: pass@k over the per-sample passes (code), the mean of each per-doc metric (others);
    // task-level numbers without per-doc values are kept as reported, without a CI, and cannot be compared.
    const declared: MetricSpec[] = [];
    for (const [k] of taskLevel) {
      const name = olmesMetricName(k);
      const pk = /^pass@(\d+)$/.exec(name);
      if (isCode && pk) declared.push(passAtKMetric('pass', Number(pk[1])));
      else if (!isCode && perDoc.get(name)?.length === preds.length) declared.push(meanMetric(name));
    }
    if (!declared.some((d) => d.name === primary))
      throw new EvalkitError(
        `${mPath}: primary metric ${primaryOlmes} has no per-doc values in ${predPath}; cannot import it as a comparable metric`,
      );
    const tm = aggregateTask(
      { name: alias, metrics: declared, settings: { primaryMetric: primary } },
      preds.map((p) => ({ id: String(p.native_id ?? p.doc_id), data: {} })),
      verdicts,
      {},
    );
    for (const [k, reported] of taskLevel) {
      const name = olmesMetricName(k);
      if (tm.metrics[name])
        tm.metrics[name].method = `imported from OLMES (reported ${reported}); ${tm.metrics[name].method}`;
      else
        tm.metrics[name] = {
          value: reported,
          method: 'imported from OLMES task metrics (no per-doc values: no CI, not comparable)',
        };
    }
    const settings = {
      format: (tc.use_chat_format ? 'chat' : 'completion') as 'chat' | 'completion',
      shots: tc.num_shots ?? 0,
      ...(tc.fewshot_source ? { fewShotSource: String(tc.fewshot_source) } : {}),
      generation: {
        n: gk.repeats ?? tc.repeats ?? 1,
        temperature: gk.do_sample === false ? 0 : (gk.temperature ?? 0),
        top_p: gk.top_p ?? 1,
        max_tokens: gk.max_gen_toks ?? 0,
        stop: gk.stop_sequences ?? [],
      },
      primaryMetric: primary,
      olmesTaskName: m.task_name,
      olmesTaskHash: m.task_hash ?? null,
    };
    const configCheck = await checkAgainstVariant(alias, {
      shots: tc.num_shots,
      format: settings.format,
      primaryMetric: primary,
      generation: {
        n: settings.generation.n,
        temperature: settings.generation.temperature,
        ...(gk.top_p !== undefined ? { top_p: gk.top_p } : {}),
        ...(gk.max_gen_toks !== undefined ? { max_tokens: gk.max_gen_toks } : {}),
        ...(gk.stop_sequences !== undefined ? { stop: gk.stop_sequences } : {}),
      },
    });
    tasks.push({
      name: alias,
      family: String(m.task_name).split(':')[0],
      settings,
      requests,
      generations,
      verdicts,
      metrics: tm,
      configCheck,
    });
    const reportedPrimary =
      typeof m.metrics.primary_score === 'number' ? m.metrics.primary_score : m.metrics[primaryOlmes];
    summary.push({
      task: alias,
      items: preds.length,
      samples: verdicts.length,
      primary,
      value: tm.metrics[primary]?.value ?? NaN,
      reported: reportedPrimary,
      configCheck,
    });
  }
  const modelName: string = opts.model ?? modelConfig?.metadata?.alias ?? modelConfig?.model ?? 'olmes-model';
  writeImportedRun(outDir, {
    runId: opts.runId ?? basename(outDir),
    model: {
      provider: 'olmes-import',
      id: `olmes:${modelConfig?.model ?? modelName}`,
      name: modelName,
      olmesModelConfig: modelConfig ?? null,
    },
    from: 'olmes',
    source: srcDir,
    tasks,
    extra: { allPrimaryScores: runLevel?.all_primary_scores ?? null },
    force: opts.force,
  });
  return { runDir: outDir, tasks: summary };
}
