/**
 * MultiPL-E: HumanEval translated to JavaScript, C++, Java, Rust and Go (Cassano et al., IEEE TSE 2023), the
 * `reworded` prompts that the HF dataset `nuprl/MultiPL-E` config `humaneval-<lang>` serves and published numbers
 * use (../shared/datasets/multipl-e/PROVENANCE.md). Base-model completion: the prompt is the record's `prompt`
 * byte for byte, generation stops at the record's `stop_tokens`, the program is prompt + completion + tests,
 * compiled and run in the multi-language sandbox (src/sandbox/multilang/); pass = the tests run to the end (exit
 * code 0 and the completion marker, see harness.ts). pass@k per language = per variant.
 */
import { requireField } from '../../datasets/registry.js';
import {
  acquireSharedRunner,
  newMarker,
  releaseSharedRunner,
  type MultiplELanguage,
} from '../../sandbox/multilang/index.js';
import type { MultiLangRunner } from '../../sandbox/multilang/runner.js';
import { passAtKMetrics } from '../../metrics/definitions.js';
import type { Item, Scorer, TaskLoadContext, TaskVariant, VerdictRecord } from '../../types.js';
import { assembleProgram, cutAtStop } from './harness.js';

export interface MultiplEData {
  name: string;
  language: MultiplELanguage;
  prompt: string;
  tests: string;
  stopTokens: string[];
}

/** Dataset registry ids of the reworded files (src/datasets/registry.ts). */
export const MULTIPLE_DATASET = (lang: MultiplELanguage) => `multipl-e-humaneval-${lang}-reworded`;

export async function loadMultiplE(ctx: TaskLoadContext, lang: MultiplELanguage) {
  const { records, use, path } = await ctx.datasets.jsonl(MULTIPLE_DATASET(lang));
  const items: Item<MultiplEData>[] = records.map((r, i) => {
    const name = requireField<string>(r, 'name', 'string', path, i + 1);
    const num = /^HumanEval_(\d+)_/.exec(name)?.[1];
    return {
      id: `HumanEval/${num ?? name}`,
      data: {
        name,
        language: lang,
        prompt: requireField<string>(r, 'prompt', 'string', path, i + 1),
        tests: requireField<string>(r, 'tests', 'string', path, i + 1),
        stopTokens: requireField<string[]>(r, 'stop_tokens', 'array', path, i + 1),
      },
    };
  });
  // Records are sorted by name as strings upstream; order by HumanEval number.
  items.sort((a, b) => Number(a.id.split('/')[1]) - Number(b.id.split('/')[1]));
  return { items, use };
}

type Verdict = Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'>;

export function createMultiplEScorer(ctx: TaskLoadContext): Scorer<MultiplEData> {
  let runner: Promise<MultiLangRunner> | undefined;
  return {
    async score(item, g): Promise<Verdict> {
      const d = item.data;
      const completion = cutAtStop(g.text ?? '', d.stopTokens);
      const marker = newMarker();
      const { files, program } = assembleProgram(d.language, d.name, d.prompt, completion, d.tests, marker);
      runner ??= acquireSharedRunner(ctx.options);
      const out = await (await runner).run({ language: d.language, files, marker });
      const pass = out.status === 'pass' ? 1 : 0;
      return {
        scores: { pass },
        extracted: program,
        ...(pass ? {} : { reason: out.reason ?? out.status }),
        details: {
          status: out.status,
          ...(out.compile ? { compile_ms: out.compile.ms } : {}),
          ...(out.run ? { run_ms: out.run.ms } : {}),
        },
      };
    },
    async close() {
      if (runner) {
        runner = undefined;
        await releaseSharedRunner();
      }
    },
  };
}

/** Each language's `stop_tokens` (identical for every record of a file; test/tasks/multipl-e checks that). */
export const MULTIPLE_STOPS: Record<MultiplELanguage, string[]> = {
  js: ['\nfunction ', '\n/*', '\n//', '\nconsole.log'],
  cpp: ['\n}'],
  java: ['\n    }\n'],
  rs: ['\n}'],
  go: ['\nfunc', 'struct', '\n// '],
};

const LANGUAGE_NAMES: Record<MultiplELanguage, string> = {
  js: 'JavaScript',
  cpp: 'C++',
  java: 'Java',
  rs: 'Rust',
  go: 'Go',
};

function multiplEVariant(lang: MultiplELanguage): TaskVariant<MultiplEData> {
  const name = `multipl-e:humaneval-${lang}`;
  return {
    name,
    family: 'multipl-e',
    description: `MultiPL-E HumanEval in ${LANGUAGE_NAMES[lang]} (reworded prompts), base-model completion, pass@k`,
    reproduces: `MultiPL-E humaneval-${lang} (nuprl/MultiPL-E @7bc20f22, reworded)`,
    settings: {
      format: 'completion',
      shots: 0,
      // MultiPL-E completions.py defaults: temperature 0.2, top_p 0.95, max_tokens 512. n=20 here (the paper
      // draws 200; pass@1 is unbiased for any n, with a wider interval).
      generation: { n: 20, temperature: 0.2, top_p: 0.95, max_tokens: 512, stop: [...MULTIPLE_STOPS[lang]] },
      primaryMetric: 'pass@1',
      promptShape: 'record.prompt verbatim',
      stops: "the file's stop_tokens (the scorer cuts at the first one again)",
      executed: 'prompt + completion + tests, with a completion marker printed after the tests (harness.ts)',
      sandbox: 'src/sandbox/multilang (bubblewrap, rlimits, no-fork seccomp in the run step)',
      datasets: [MULTIPLE_DATASET(lang)],
    },
    async loadItems(ctx) {
      const { items, use } = await loadMultiplE(ctx, lang);
      return { items, datasets: [use] };
    },
    buildPrompt: (item) => ({ kind: 'completion', text: item.data.prompt }),
    createScorer: (ctx) => createMultiplEScorer(ctx),
    metrics: passAtKMetrics(['pass'], 20),
  };
}

export const variants: TaskVariant[] = (['js', 'cpp', 'java', 'rs', 'go'] as const).map(multiplEVariant);
