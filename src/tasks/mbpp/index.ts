/**
 * MBPP family: OLMES rows (assert-style on original MBPP; MBPP+ with the HF/OriginFmt test script) and
 * EvalPlus-semantics variants. OLMES facts carry their source: allenai/olmes @ 5a51f50
 * (`oe_eval/tasks/oe_eval_tasks/codex_mbpp.py` = mbpp.py, `oe_eval/configs/tasks.py`,
 * `oe_eval/tasks/fewshot_sources.py`), as collected in ../shared/reference/olmes-prompts/FACTS.md; every prompt is
 * checked against OLMES's own rendering by test/tasks/olmes-golden-prompts.test.ts.
 */
import { parseJsonl, requireField } from '../../datasets/registry.js';
import { passAtKMetrics } from '../../metrics/definitions.js';
import { type EvalPlusFamily, evalPlusVariant, type PlusMode } from '../../scoring/code/evalplus-variant.js';
import { EVALPLUS } from '../../scoring/code/evalplus-data.js';
import { PythonRandom } from '../../scoring/code/python-random.js';
import { createCheckScorer, OLMES_PRELOADED_MODULES } from '../../scoring/code/scorers.js';
import type { GenerationParams, Item, TaskLoadContext, TaskVariant } from '../../types.js';

export interface MbppData {
  /** OLMES PROMPT_FIELD: MBPP `text`, MBPP+ (HF/OriginFmt) `prompt`. */
  text: string;
  code: string;
  testList: string[];
  /** MBPP `test_setup_code` (kept for reference: OLMES does not execute it). */
  testSetupCode: string;
  /** `code.split(":")[0] + ":"` — the function header OLMES's default MBPP query ends with. */
  signature: string;
  /** Test code OLMES appends to the completion: MBPP `"\n".join(test_list)`, MBPP+ the OriginFmt `test` script. */
  testProgram: string;
  /** The assert shown in the query (OLMES `random.choice(test_list)`; `test_list[0]` by default). */
  promptTest: string;
  /** The asserts shown in the three shots (mbpp:3shot::olmo3 only). */
  shotTests?: string[];
}

/** OLMES MBPP default stop sequences (mbpp.py L68–84, class default), used by the starcoder rows. */
export const OLMES_MBPP_STOPS = [
  '\nclass',
  '\nassert',
  '\n"""',
  '\nprint',
  '\nif',
  '\n```',
  '\n#',
  '\n<|/',
  '<|eot_id|>',
];
/** tasks.py stop_sequences of both mbpp:3shot::olmo3 (L1656) and mbppplus::none (L1787). */
export const OLMES_EVALPLUS_STOPS = ['```', '\n"""', '\nassert', '\n#'];
/** mbpp.py `_process_doc`, prompt_variant "evalplus": the instruction that opens the query's code block. */
export const OLMES_EVALPLUS_TEXT_PREFIX =
  'Please provide a self-contained Python script that solves the following problem in a markdown code block:\n```\n';
/** tasks.py mbppplus::none context_kwargs.assistant_prefix. */
export const OLMES_MBPPPLUS_ASSISTANT_PREFIX =
  '\nBelow is a Python script with a self-contained function that solves the problem and passes corresponding tests:\n```python\n';
/** mbpp.py TASK_CONFIG_DEFAULTS context_kwargs.assistant_prefix (not overridden by the starcoder / olmo3 rows). */
export const OLMES_MBPP_ASSISTANT_PREFIX = 'Here is the completed function:\n\n```python\n';
/** OLMES `CodePassAtK` default: 3.0 s for the whole program (metric.py L756). */
export const CHECK_TIMEOUT_MS = 3000;
/** `MBPPPlus` class default metric_kwargs.timeout 20.0 s (mbpp.py L331). */
export const PLUS_CHECK_TIMEOUT_MS = 20_000;

/** How the assert shown in a prompt is chosen. */
export type AssertChoice = 'first' | 'random';

/** MBPP splits by task id (google-research/mbpp README): prompt 1–10, test 11–510, validation 511–600, train 601–974. */
const inRange = (id: number, lo: number, hi: number) => id >= lo && id <= hi;

async function loadMbpp(ctx: TaskLoadContext) {
  const { text, use, path } = await ctx.datasets.text('mbpp');
  const recs = parseJsonl<Record<string, unknown>>(text, path);
  const all = recs.map((r, i) => {
    const code = requireField<string>(r, 'code', 'string', path, i + 1);
    const testList = requireField<string[]>(r, 'test_list', 'array', path, i + 1);
    return {
      num: requireField<number>(r, 'task_id', 'number', path, i + 1),
      data: {
        text: requireField<string>(r, 'text', 'string', path, i + 1),
        code,
        testList,
        testSetupCode: typeof r.test_setup_code === 'string' ? r.test_setup_code : '',
        signature: code.split(':')[0] + ':',
        // mbpp.py `_process_code_results` (unittest_list "test_list"): no test_setup_code, no challenge tests.
        testProgram: testList.join('\n'),
        promptTest: testList[0] ?? '',
      } satisfies MbppData,
    };
  });
  const toItem = (x: (typeof all)[number]): Item<MbppData> => ({ id: `Mbpp/${x.num}`, data: x.data });
  return { items: all.filter((x) => inRange(x.num, 11, 510)).map(toItem), use };
}

/** MBPP+ as OLMES reads it (HF evalplus/mbppplus = the OriginFmt release): `prompt` keeps its source URLs. */
async function loadMbppPlusOriginFmt(ctx: TaskLoadContext) {
  const { text, use, path } = await ctx.datasets.text('mbppplus-originfmt-v0.2.0');
  const items = parseJsonl<Record<string, unknown>>(text, path).map((r, i): Item<MbppData> => {
    const code = requireField<string>(r, 'code', 'string', path, i + 1);
    const testList = requireField<string[]>(r, 'test_list', 'array', path, i + 1);
    return {
      id: `Mbpp/${requireField<number>(r, 'task_id', 'number', path, i + 1)}`,
      data: {
        text: requireField<string>(r, 'prompt', 'string', path, i + 1),
        code,
        testList,
        testSetupCode: '',
        signature: code.split(':')[0] + ':',
        // mbpp.py L293–297, MBPPPlus unittest_list "test": the whole OriginFmt script (imports, base+plus inputs).
        testProgram: requireField<string>(r, 'test', 'string', path, i + 1),
        promptTest: testList[0] ?? '',
      },
    };
  });
  return { items, use };
}

/**
 * OLMES's assert draws, reproduced with a seeded CPython MT19937 (OLMES itself draws from the unseeded global
 * `random`): `list(test_docs())` draws one `random.choice(test_list)` per doc first; then, with shots, each doc's
 * `fewshot_examples` re-processes all 10 `Original:MBPP` entries (one draw each, 3 asserts each) and keeps the
 * first 3 (FACTS.md A1). With `random.seed(seed)` before `build_all_requests`, OLMES would draw the same.
 */
export function drawOlmesAsserts(items: Item<MbppData>[], seed: number, shots: boolean): void {
  const rnd = new PythonRandom(seed);
  for (const it of items) it.data.promptTest = it.data.testList[rnd.randbelow(it.data.testList.length)];
  if (!shots) return;
  for (const it of items) {
    const drawn = OLMES_MBPP_FEWSHOT_POOL_SIZES.map((n) => rnd.randbelow(n));
    it.data.shotTests = OLMES_MBPP_FEWSHOT.map((s, k) => s.tests[drawn[k]]);
  }
}

/**
 * OLMES default MBPP query (mbpp.py L189, no prompt_variant): `doc["text"] + code.split(":")[0] + ":"` — no strip
 * and no newline between description and header — then the default assistant prefix, so the model writes the
 * whole function after "```python\n".
 */
export const mbppQuery = (d: MbppData) => d.text + d.signature + OLMES_MBPP_ASSISTANT_PREFIX;

/**
 * OLMES prompt_variant "evalplus" query (mbpp.py L157–165): instruction + "```\n" + text.strip() + "\n" + one
 * assert + "\n```\n". Python's `str.strip()` strips whitespace only, like `String.prototype.trim` for this data.
 */
export const evalPlusQuery = (text: string, test: string) =>
  OLMES_EVALPLUS_TEXT_PREFIX + text.trim() + '\n' + test + '\n```\n';

/**
 * FEWSHOT_SOURCES["Original:MBPP"] (fewshot_sources.py L2373–2405), first 3 of its 10 entries (MBPP ids 2, 3, 4),
 * with their `code` stored whitespace-collapsed on one line exactly as in the OLMES source, and their 3 asserts.
 */
export const OLMES_MBPP_FEWSHOT: readonly { taskId: number; text: string; code: string; tests: string[] }[] =
  [
    {
      taskId: 2,
      text: 'Write a function to find the similar elements from the given two tuple lists.',
      code: 'def similar_elements(test_tup1, test_tup2): res = tuple(set(test_tup1) & set(test_tup2)) return (res)',
      tests: [
        'assert similar_elements((3, 4, 5, 6),(5, 7, 4, 10)) == (4, 5)',
        'assert similar_elements((1, 2, 3, 4),(5, 4, 3, 7)) == (3, 4)',
        'assert similar_elements((11, 12, 14, 13),(17, 15, 14, 13)) == (13, 14)',
      ],
    },
    {
      taskId: 3,
      text: 'Write a python function to identify non-prime numbers.',
      code: 'import math def is_not_prime(n): result = False for i in range(2,int(math.sqrt(n)) + 1): if n % i == 0: result = True return result',
      tests: [
        'assert is_not_prime(2) == False',
        'assert is_not_prime(10) == True',
        'assert is_not_prime(35) == True',
      ],
    },
    {
      taskId: 4,
      text: 'Write a function to find the largest integers from a given list of numbers using heap queue algorithm.',
      code: 'import heapq as hq def heap_queue_largest(nums,n): largest_nums = hq.nlargest(n, nums) return largest_nums',
      tests: [
        'assert heap_queue_largest( [25, 35, 22, 85, 14, 65, 75, 22, 58],3)==[85, 75, 65] ',
        'assert heap_queue_largest( [25, 35, 22, 85, 14, 65, 75, 22, 58],2)==[85, 75] ',
        'assert heap_queue_largest( [25, 35, 22, 85, 14, 65, 75, 22, 58],5)==[85, 75, 65, 58, 35]',
      ],
    },
  ];
/** Number of asserts of each of the 10 `Original:MBPP` entries (every entry has 3): one draw each per doc. */
export const OLMES_MBPP_FEWSHOT_POOL_SIZES = Array.from({ length: 10 }, () => 3);

/**
 * mbpp:3shot::olmo3 prompt: each shot is query + code + "\n" (mbpp.py doc_to_target = code + "\n"); shots and
 * the final query are joined by "\n\n"; the final query ends with the default assistant prefix.
 */
export function mbppOlmo3Prompt(d: MbppData): string {
  const shots = OLMES_MBPP_FEWSHOT.map(
    (s, k) => evalPlusQuery(s.text, d.shotTests?.[k] ?? s.tests[0]) + s.code + '\n',
  );
  return [...shots, evalPlusQuery(d.text, d.promptTest) + OLMES_MBPP_ASSISTANT_PREFIX].join('\n\n');
}

/** mbppplus::none prompt: evalplus query + the row's assistant prefix (non-chat prompt ends with it). */
export const olmesMbppPlusPrompt = (d: MbppData) =>
  evalPlusQuery(d.text, d.promptTest) + OLMES_MBPPPLUS_ASSISTANT_PREFIX;

const sampling = (n: number, temperature: number, max_tokens: number, stop: string[]): GenerationParams => ({
  // Every caller is an OLMES-alias row: shape requests as OLMES's vLLM path does.
  shaping: 'olmes',
  n,
  temperature,
  top_p: 0.95,
  max_tokens,
  stop: [...stop],
});

type OlmesMbppRow = 'olmo3' | 'starcoder' | 'plus';

const PROMPT_SHAPES: Record<OlmesMbppRow, string> = {
  olmo3:
    'evalplus variant: per shot instruction+"```\\n"+text.strip()+"\\n"+assert+"\\n```\\n"+code+"\\n"; joined "\\n\\n"; final query + "Here is the completed function:\\n\\n```python\\n"',
  starcoder: 'text + code.split(":")[0] + ":" + "Here is the completed function:\\n\\n```python\\n"',
  plus: 'instruction+"```\\n"+prompt.strip()+"\\n"+assert+"\\n```\\n" + "\\nBelow is a Python script … tests:\\n```python\\n"',
};

function olmesMbppVariant(opts: {
  name: string;
  row: OlmesMbppRow;
  generation: GenerationParams;
  primary: string;
  description: string;
  asserts?: AssertChoice;
}): TaskVariant<MbppData> {
  const { name, row } = opts;
  const plus = row === 'plus';
  const asserts = opts.asserts ?? 'first';
  const timeoutMs = plus ? PLUS_CHECK_TIMEOUT_MS : CHECK_TIMEOUT_MS;
  return {
    name,
    family: 'mbpp',
    description: opts.description,
    reproduces: `OLMES ${name.replace(/:random-asserts$/, '')}`,
    settings: {
      format: 'completion',
      shots: row === 'olmo3' ? 3 : 0,
      fewShotSource:
        row === 'olmo3'
          ? 'FEWSHOT_SOURCES["Original:MBPP"] first 3 (task ids 2, 3, 4; single-line code), same for every item'
          : undefined,
      generation: opts.generation,
      primaryMetric: opts.primary,
      promptShape: PROMPT_SHAPES[row],
      ...(row === 'starcoder'
        ? {}
        : {
            promptAsserts:
              asserts === 'first'
                ? 'test_list[0] (the deterministic choice of the OLMES golden prompts)'
                : "random.choice(test_list) in OLMES's draw order, CPython MT19937 seeded with the run's --seed",
          }),
      executed: `completion + "\\n" + ${plus ? 'the OriginFmt test script (base+plus inputs)' : 'test_list asserts (no test_setup_code)'}, compiled first, run with __name__ != "__main__", exit/quit disabled; pass iff it runs cleanly within ${timeoutMs / 1000} s`,
      timeoutMs,
      datasets: [plus ? 'mbppplus-originfmt-v0.2.0' : 'mbpp'],
      ...(plus ? {} : { split: 'test (task ids 11-510)' }),
      maxLength: 4096,
    },
    async loadItems(ctx) {
      const { items, use } = plus ? await loadMbppPlusOriginFmt(ctx) : await loadMbpp(ctx);
      if (asserts === 'random')
        drawOlmesAsserts(
          items,
          typeof ctx.options.seed === 'number' ? ctx.options.seed : 1234,
          row === 'olmo3',
        );
      return { items, datasets: [use] };
    },
    buildPrompt: (item) => ({
      kind: 'completion',
      text:
        row === 'olmo3'
          ? mbppOlmo3Prompt(item.data)
          : plus
            ? olmesMbppPlusPrompt(item.data)
            : mbppQuery(item.data),
    }),
    createScorer: (ctx) =>
      createCheckScorer<MbppData>({
        ctx,
        // mbpp.py `_process_code_results`: the raw continuation is the program; nothing is prepended.
        buildProgram: async (_item, g) => g.text ?? '',
        testCode: (item) => item.data.testProgram,
        timeoutMs,
        preload: OLMES_PRELOADED_MODULES,
      }),
    metrics: passAtKMetrics(['pass'], opts.generation.n),
  };
}

const MBPP_PLUS: EvalPlusFamily = {
  family: 'mbpp',
  datasetId: 'mbppplus-v0.2.0',
  datasetLabel: 'MBPP+ v0.2.0, 378 tasks',
  completionPromptShape: 'raw MBPP+ prompt (docstring with one assert)',
};

const mbppPlusVariant = (name: string, mode: PlusMode, generation: GenerationParams, description: string) =>
  evalPlusVariant(MBPP_PLUS, name, mode, generation, description);

export const variants: TaskVariant[] = [
  olmesMbppVariant({
    name: 'mbpp:3shot::olmo3',
    row: 'olmo3',
    // tasks.py L1656: prompt_variant evalplus, num_shots 3, these stops, T 0.8, top_p 0.95, repeats 20,
    // pass_at_ks [1, 10]; max_gen_toks 512 (class default).
    generation: sampling(20, 0.8, 512, OLMES_EVALPLUS_STOPS),
    primary: 'pass@1',
    description:
      'MBPP, OLMES evalplus-style prompt with 3 fixed Original:MBPP shots, OLMo 3 base-model setting',
  }),
  olmesMbppVariant({
    name: 'mbpp:3shot::olmo3:random-asserts',
    row: 'olmo3',
    asserts: 'random',
    generation: sampling(20, 0.8, 512, OLMES_EVALPLUS_STOPS),
    primary: 'pass@1',
    description:
      "mbpp:3shot::olmo3 with OLMES's random.choice of the shown asserts (query and shots), seeded by --seed",
  }),
  olmesMbppVariant({
    name: 'mbpp::starcoder_pass@1',
    row: 'starcoder',
    // tasks.py: T 0.2, top_p 0.95, repeats 20, pass_at_ks [1]; default prompt, stops and max_gen_toks 512 (codex_mbpp.py).
    generation: sampling(20, 0.2, 512, OLMES_MBPP_STOPS),
    primary: 'pass@1',
    description: 'MBPP 0-shot, StarCoder pass@1 protocol (n=20, T=0.2)',
  }),
  olmesMbppVariant({
    name: 'mbpp::starcoder_pass@10',
    row: 'starcoder',
    // tasks.py: T 0.8, top_p 0.95, repeats 20, pass_at_ks [10], primary pass_at_10.
    generation: sampling(20, 0.8, 512, OLMES_MBPP_STOPS),
    primary: 'pass@10',
    description: 'MBPP 0-shot, StarCoder pass@10 protocol (n=20, T=0.8)',
  }),
  // tasks.py L1787 mbppplus::none (class MBPPPlus): HF evalplus/mbppplus (OriginFmt), prompt_variant evalplus,
  // assistant_prefix, T 0.8, top_p 0.95, repeats 1, pass_at_ks [1], unittest_list "test", 20 s whole program.
  olmesMbppVariant({
    name: 'mbppplus::none',
    row: 'plus',
    generation: sampling(1, 0.8, 512, OLMES_EVALPLUS_STOPS),
    primary: 'pass@1',
    description:
      'MBPP+ (OLMES): evalplus-style instruction prompt as completion, n=1, OriginFmt test script (20 s)',
  }),
  olmesMbppVariant({
    name: 'mbppplus::none:random-asserts',
    row: 'plus',
    asserts: 'random',
    generation: sampling(1, 0.8, 512, OLMES_EVALPLUS_STOPS),
    primary: 'pass@1',
    description: "mbppplus::none with OLMES's random.choice of the shown assert, seeded by --seed",
  }),
  mbppPlusVariant(
    'mbppplus',
    'evalplus-completion',
    {
      n: 1,
      temperature: 0,
      top_p: 1,
      max_tokens: EVALPLUS.maxNewTokens,
      stop: [...EVALPLUS.baseEos, ...EVALPLUS.extraEosDirect.mbpp],
    },
    'MBPP+ with EvalPlus semantics: base-model greedy completion, sanitized, base+plus tests',
  ),
  mbppPlusVariant(
    'mbppplus:chat',
    'evalplus-chat',
    { n: 1, temperature: 0, top_p: 1, max_tokens: EVALPLUS.maxNewTokens, stop: [...EVALPLUS.chatEos] },
    'MBPP+ with EvalPlus semantics: instruct prompt, code-block extraction + sanitize, base+plus tests',
  ),
];
