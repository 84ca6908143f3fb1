/**
 * Export a run's metrics to the Every Eval Ever format (EvalEval coalition, schema `eval.schema.json` v0.3.0,
 * https://github.com/evaleval/every_eval_ever, MIT): one JSON record per run with one `evaluation_results`
 * entry per task × metric, each with its score, its 95% CI and the generation settings. Field names and
 * enums follow the published schema; the test validates the output against it with an independent validator.
 */
import type { RunManifest, TaskMetrics } from '../types.js';
import { providerOfKind } from '../models/registry.js';

export const EEE_SCHEMA_VERSION = '0.3.0';

const strings = (o: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );

export function everyEvalEverRecord(
  manifest: RunManifest,
  metrics: Record<string, TaskMetrics>,
  opts: { organization?: string; retrievedAt?: Date } = {},
): Record<string, unknown> {
  const retrieved = opts.retrievedAt ?? new Date();
  const modelName = manifest.model.name ?? manifest.model.id;
  // evalkit serves some checkpoints itself (the registry's self-deployed providers: vLLM, GGUF)
  const selfDeployed = providerOfKind(manifest.model.provider)?.selfDeployed ?? false;
  const results: Record<string, unknown>[] = [];
  for (const t of manifest.tasks) {
    const m = metrics[t.name];
    if (!m) continue;
    const g = t.settings.generation;
    for (const [metric, v] of Object.entries(m.metrics)) {
      if (!Number.isFinite(v.value)) continue;
      const proportion = v.value >= 0 && v.value <= 1 && !/score|rating|elo/i.test(metric);
      results.push({
        evaluation_result_id: `${t.name}/${metric}`,
        evaluation_name: t.name,
        source_data: {
          dataset_name: t.family,
          source_type: 'other',
          additional_details: strings({
            files: t.datasets.map((d) => `${d.id}@${d.version} sha256:${d.sha256}`).join(', '),
            items: String(m.counts.items),
            reproduces: t.reproduces,
          }),
        },
        evaluation_timestamp: manifest.endedAt ?? manifest.startedAt,
        metric_config: {
          evaluation_description: `${t.name}: ${metric}${metric === m.primary ? ' (primary)' : ''}`,
          metric_name: metric,
          lower_is_better: false,
          score_type: 'continuous',
          min_score: 0,
          max_score: proportion ? 1 : Math.max(1, Math.ceil(v.value)),
          additional_details: strings({ primary: String(metric === m.primary), method: v.method }),
        },
        score_details: {
          score: v.value,
          details: strings({
            scored_samples: String(m.counts.scored),
            errored_samples: String(m.counts.errored),
          }),
          ...(v.ci95 || v.stderr !== undefined
            ? {
                uncertainty: {
                  ...(v.stderr !== undefined ? { standard_error: { value: v.stderr } } : {}),
                  ...(v.ci95
                    ? {
                        confidence_interval: {
                          lower: v.ci95[0],
                          upper: v.ci95[1],
                          confidence_level: 0.95,
                          ...(v.method ? { method: v.method } : {}),
                        },
                      }
                    : {}),
                  num_samples: m.counts.scored,
                },
              }
            : {}),
        },
        generation_config: {
          generation_args: {
            temperature: g.temperature,
            top_p: g.top_p,
            max_tokens: g.max_tokens,
            ...(manifest.sessions[0]?.command ? { execution_command: manifest.sessions[0].command } : {}),
          },
          additional_details: strings({
            n: String(g.n),
            stop: g.stop,
            shots: String(t.settings.shots),
            format: t.settings.format,
          }),
        },
      });
    }
  }
  return {
    schema_version: EEE_SCHEMA_VERSION,
    evaluation_id: `evalkit/${modelName}/${Math.floor(retrieved.getTime() / 1000)}`,
    evaluation_timestamp: manifest.endedAt ?? manifest.startedAt,
    retrieved_timestamp: String(Math.floor(retrieved.getTime() / 1000)),
    source_metadata: {
      source_name: 'evalkit run',
      source_type: 'evaluation_run',
      source_organization_name: opts.organization ?? 'unknown',
      evaluator_relationship: 'first_party',
      additional_details: strings({ run_id: manifest.runId }),
    },
    eval_library: {
      name: 'evalkit',
      version: manifest.evalkit.version,
      ...(manifest.evalkit.gitCommit
        ? { additional_details: { git_commit: manifest.evalkit.gitCommit } }
        : {}),
    },
    model_info: {
      name: modelName,
      id: modelName,
      additional_details: {
        // evalkit runs checkpoints it serves itself (vLLM, GGUF) or a server the user runs; "unknown" for the
        // rest. Weights: evaluating a checkpoint means having its weights; an OpenAI-compatible URL may not.
        deployment_type: selfDeployed ? 'self_deployed' : 'unknown',
        model_availability: selfDeployed ? 'open_weights' : 'unknown',
        ...strings({ provider: manifest.model.provider, endpoint: manifest.model.endpoint }),
      },
    },
    evaluation_results: results,
  };
}
