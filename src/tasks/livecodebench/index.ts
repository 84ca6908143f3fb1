/**
 * LiveCodeBench code generation (Jain et al. 2024, arXiv:2403.07974): problems from LeetCode (functional),
 * AtCoder and Codeforces (stdin) released over time; `--since/--until` keep only problems whose contest date is
 * after a checkpoint's training cutoff. No problem data is stored in the mirror (PROVENANCE.md): pass
 * `--lcb-data <dir>` (or EVALKIT_LCB_DATA) with the official `test*.jsonl` files, or let the loader download them
 * from the HF dataset into the cache.
 *
 * Prompts are lcb_runner's (prompts/code_generation.py @28fef95e): chat = SYSTEM_MESSAGE_GENERIC + the generic
 * question template; base = the base-model template with the first example of the func/stdin few-shot file.
 * Runner defaults: n=10, T 0.2, top_p 0.95, 2000 tokens, stop "###". Extraction (utils/extraction_utils.py):
 * chat — the text between the last two lines containing "```" ("" if fewer than two); base — the stripped output.
 * Scoring: all public tests, then all private tests; every test must pass; per-test time limit 6 s.
 */
import { acquireSharedRunner, releaseSharedRunner } from '../../sandbox/multilang/index.js';
import { newMarker, type MultiLangRunner } from '../../sandbox/multilang/runner.js';
import { aggregateTask } from '../../metrics/aggregate.js';
import { passAtKMetrics } from '../../metrics/definitions.js';
import type {
  Item,
  MetricSpec,
  Prompt,
  RunOptions,
  Scorer,
  TaskLoadContext,
  TaskMetrics,
  TaskVariant,
  VerdictRecord,
} from '../../types.js';
import { pyJsonEqual, stdinOutputMatches } from './compare.js';
import { LCB_FEWSHOT_FUNCTIONAL, LCB_FEWSHOT_STDIN } from './few-shot.js';
import { LCB_HARNESS_PY, LCB_IMPORT_PREAMBLE } from './harness.js';
import { decodePrivateTests, type LcbTest } from './private-tests.js';
import { loadRelease, type LcbProblem } from './release.js';

export const LCB_SYSTEM_MESSAGE_GENERIC =
  'You are an expert Python programmer. You will be given a question (problem specification) and will generate a correct Python program that matches the specification and passes all tests. You will NOT return anything except for the program.';
export const LCB_FORMAT_WITH_STARTER =
  'You will use the following starter code to write the solution to the problem and enclose your code within delimiters.';
export const LCB_FORMAT_WITHOUT_STARTER =
  'Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the sample inputs). Enclose your code within delimiters as follows.';
/** testing_util.py run_test default per-test timeout (the runner's --timeout). */
export const LCB_TEST_TIMEOUT_S = 6;

export function lcbChatUserPrompt(p: LcbProblem): string {
  let s = `### Question:\n${p.content}\n\n`;
  if (p.starterCode)
    s += `### Format: ${LCB_FORMAT_WITH_STARTER}\n\`\`\`python\n${p.starterCode}\n\`\`\`\n\n`;
  else s += `### Format: ${LCB_FORMAT_WITHOUT_STARTER}\n\`\`\`python\n# YOUR CODE HERE\n\`\`\`\n\n`;
  return s + '### Answer: (use the provided format with backticks)\n\n';
}

export function lcbBasePrompt(p: LcbProblem): string {
  const ex = p.starterCode ? LCB_FEWSHOT_FUNCTIONAL : LCB_FEWSHOT_STDIN;
  const block = (question: string, sample: string, answer: string) =>
    `### Question\n${question}\n\n` +
    (p.starterCode ? `### Starter Code\n${sample}\n\n` : '') +
    `### Answer\n\n${answer}${answer ? '\n\n' : ''}`;
  return block(ex.question, ex.sample_code, ex.answer) + block(p.content, p.starterCode, '');
}

/** extraction_utils.extract_code for chat styles: between the last two lines that contain "```". */
export function extractLcbCode(output: string): string {
  const lines = output.split('\n');
  const idx = lines.flatMap((l, i) => (l.includes('```') ? [i] : []));
  if (idx.length < 2) return '';
  return lines.slice(idx[idx.length - 2] + 1, idx[idx.length - 1]).join('\n');
}

type Verdict = Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'>;
type Format = 'chat' | 'base';

interface TestReport {
  i: number;
  status: 'ok' | 'timeout' | 'error';
  out?: string;
  error?: string;
}

/** Run the sample on the tests' inputs in the sandbox and judge the reported outputs here. */
export async function judgeLcbSample(
  runner: MultiLangRunner,
  p: LcbProblem,
  code: string,
  tests: LcbTest[],
  timeoutS = LCB_TEST_TIMEOUT_S,
): Promise<{ pass: boolean; reason?: string; testsRun: number; status: string }> {
  const marker = newMarker();
  const header = {
    mode: p.testType,
    func_name: p.funcName ?? null,
    timeout_s: timeoutS,
    preamble: LCB_IMPORT_PREAMBLE,
  };
  const stdin =
    [marker, JSON.stringify(header), ...tests.map((t) => JSON.stringify(t.input))].join('\n') + '\n';
  const out = await runner.run({
    language: 'py',
    files: { 'harness.py': LCB_HARNESS_PY, 'program.py': code },
    stdin,
    // compute_code_generation_metrics.py: a whole-sample budget of (timeout + 1) per test + 5 s
    runTimeoutMs: ((timeoutS + 1) * tests.length + 5) * 1000,
  });
  const reports = new Map<number, TestReport>();
  for (const line of (out.run?.stdout ?? '').split('\n')) {
    if (!line.startsWith(marker + ' ')) continue;
    try {
      const r = JSON.parse(line.slice(marker.length + 1)) as TestReport;
      if (typeof r.i === 'number' && !reports.has(r.i)) reports.set(r.i, r);
    } catch {
      /* not ours */
    }
  }
  const setup = reports.get(-1);
  if (setup)
    return {
      pass: false,
      testsRun: 0,
      status: setup.status,
      reason: `could not load the solution: ${setup.error}`,
    };
  for (let i = 0; i < tests.length; i++) {
    const r = reports.get(i);
    const which = i < p.publicTests.length ? `public test ${i}` : `private test ${i - p.publicTests.length}`;
    if (!r) {
      const why =
        out.status === 'timeout' ? 'sample time budget exceeded' : (out.reason ?? 'the program ended early');
      return {
        pass: false,
        testsRun: i,
        status: out.status === 'timeout' ? 'timeout' : 'error',
        reason: `${which}: no result (${why})`,
      };
    }
    if (r.status === 'timeout')
      return {
        pass: false,
        testsRun: i + 1,
        status: 'timeout',
        reason: `${which}: time limit ${timeoutS} s exceeded`,
      };
    if (r.status === 'error')
      return { pass: false, testsRun: i + 1, status: 'error', reason: `${which}: runtime error ${r.error}` };
    const ok =
      p.testType === 'functional'
        ? pyJsonEqual(JSON.parse(r.out ?? 'null'), JSON.parse(tests[i].output))
        : stdinOutputMatches(r.out ?? '', tests[i].output);
    if (!ok)
      return {
        pass: false,
        testsRun: i + 1,
        status: 'fail',
        reason: `${which}: wrong answer: got ${JSON.stringify((r.out ?? '').slice(0, 120))}`,
      };
  }
  return { pass: true, testsRun: tests.length, status: 'pass' };
}

export function createLcbScorer(ctx: TaskLoadContext, format: Format): Scorer<LcbProblem> {
  let runner: Promise<MultiLangRunner> | undefined;
  return {
    async score(item, g): Promise<Verdict> {
      const text = g.text ?? '';
      const code = g.textIsSolution ? text : format === 'chat' ? extractLcbCode(text) : text.trim();
      if (!code.trim())
        return {
          scores: { pass: 0 },
          extracted: code,
          reason: 'no code extracted',
          details: { status: 'no_code' },
        };
      const p = item.data;
      const tests = [
        ...p.publicTests,
        ...decodePrivateTests(p.privateTestsField, `${p.source} private_test_cases`),
      ];
      runner ??= acquireSharedRunner(ctx.options);
      const r = await judgeLcbSample(await runner, p, code, tests);
      return {
        scores: { pass: r.pass ? 1 : 0 },
        extracted: code,
        ...(r.pass ? {} : { reason: r.reason }),
        details: { status: r.status, tests: tests.length, tests_run: r.testsRun },
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

/** pass@k overall and per difficulty (easy/medium/hard), each over the problems of that difficulty. */
/** The declared metrics: pass@1, pass@5, pass@10 over n = 10 samples per problem. */
const LCB_METRICS = passAtKMetrics(['pass'], 10);

/** pass@k per difficulty (the same declared metrics restricted to the difficulty's problems). */
function byDifficulty(
  metrics: MetricSpec[],
  items: Item<LcbProblem>[],
  verdicts: VerdictRecord[],
  options: RunOptions,
): Record<string, TaskMetrics> {
  const out: Record<string, TaskMetrics> = {};
  for (const diff of [...new Set(items.map((i) => i.data.difficulty))].sort()) {
    const sub = items.filter((i) => i.data.difficulty === diff);
    const ids = new Set(sub.map((i) => i.id));
    out[diff] = aggregateTask(
      { name: diff, metrics, settings: { primaryMetric: metrics[0].name } },
      sub,
      verdicts.filter((v) => ids.has(v.itemId)),
      options,
    );
  }
  return out;
}

const RELEASE_TAGS = [
  'release_latest',
  'release_v1',
  'release_v2',
  'release_v3',
  'release_v4',
  'release_v5',
  'release_v6',
];

function lcbVariant(tag: string, format: Format): TaskVariant<LcbProblem> {
  const name = `livecodebench${tag === 'release_latest' ? '' : ':' + tag}${format === 'base' ? ':base' : ''}`;
  return {
    name,
    family: 'livecodebench',
    description: `LiveCodeBench code generation ${tag}, ${format === 'chat' ? 'chat (generic prompt)' : 'base model (1-shot prompt)'}; --since/--until filter by contest date`,
    reproduces: `lcb_runner codegeneration --release_version ${tag} (${format === 'chat' ? 'OpenAIChat' : 'base'} style)`,
    settings: {
      format: format === 'chat' ? 'chat' : 'completion',
      shots: format === 'base' ? 1 : 0,
      ...(format === 'base'
        ? { fewShotSource: 'lcb_runner few_shot_examples/generation/{func,stdin}.json [0]' }
        : {}),
      generation: { n: 10, temperature: 0.2, top_p: 0.95, max_tokens: 2000, stop: ['###'] },
      primaryMetric: 'pass@1',
      release: tag,
      extraction: format === 'chat' ? 'between the last two lines containing ```' : 'whole output, stripped',
      executed: 'public then private tests; stdin or functional; outputs compared outside the sandbox',
      perTestTimeoutS: LCB_TEST_TIMEOUT_S,
    },
    async loadItems(ctx) {
      const o = ctx.options;
      const { problems, datasets } = await loadRelease({
        tag,
        since: typeof o.since === 'string' ? o.since : undefined,
        until: typeof o.until === 'string' ? o.until : undefined,
        dataDir: typeof o.lcbData === 'string' ? o.lcbData : process.env.EVALKIT_LCB_DATA || undefined,
        cacheDir: typeof o.cacheDir === 'string' ? o.cacheDir : undefined,
      });
      const items: Item<LcbProblem>[] = problems.map((p) => ({
        id: `${p.platform}/${p.questionId}`,
        data: p,
        categories: { difficulty: p.difficulty, platform: p.platform },
      }));
      return { items, datasets };
    },
    buildPrompt: (item): Prompt =>
      format === 'chat'
        ? {
            kind: 'chat',
            messages: [
              { role: 'system', content: LCB_SYSTEM_MESSAGE_GENERIC },
              { role: 'user', content: lcbChatUserPrompt(item.data) },
            ],
          }
        : { kind: 'completion', text: lcbBasePrompt(item.data) },
    createScorer: (ctx) => createLcbScorer(ctx, format),
    metrics: LCB_METRICS,
    // Per difficulty: reported as `pass@1_easy` … and as a breakdown (not separately comparable).
    extraMetrics: (items, verdicts, options) =>
      Object.fromEntries(
        Object.entries(byDifficulty(LCB_METRICS, items, verdicts, options)).flatMap(([diff, m]) =>
          Object.entries(m.metrics).map(([k, v]) => [`${k}_${diff}`, v]),
        ),
      ),
    extraBreakdowns: (items, verdicts, options) => ({
      difficulty: Object.fromEntries(
        Object.entries(byDifficulty(LCB_METRICS, items, verdicts, options)).map(([diff, m]) => [
          diff,
          { ...m.metrics, problems: { value: m.counts.items } },
        ]),
      ),
    }),
  };
}

export const variants: TaskVariant[] = RELEASE_TAGS.flatMap((t) => [
  lcbVariant(t, 'chat'),
  lcbVariant(t, 'base'),
]);
