/**
 * MBPP family: OLMES rows (assert-style on original MBPP; MBPP+ via EvalPlus tests) and EvalPlus-semantics
 * variants. OLMES facts carry their source; the status of each (verified / inferred / unverified) is listed in
 * docs/fidelity.md#olmes-code.
 *
 * Sources: OLMES `oe_eval/configs/tasks.py` and `oe_eval/tasks/oe_eval_tasks/codex_mbpp.py` as found in the OLMES
 * fork goodfire-ai/olmes@acbb7467750941cce04ae8bc1fbea6786b31a527 (allenai/olmes itself is not in the index), and
 * AI2 olmo-eval's `evals/tasks/mbpp.py` MBPPOlmo3Base, a port of mbpp:3shot::olmo3:n32:v2 (same prompt as
 * mbpp:3shot::olmo3, other sampling) that states byte parity with the legacy oe-eval prompts.
 */
import { parseJsonl, requireField } from '../../datasets/registry.js';
import { aggregateCode } from '../../scoring/code/aggregate.js';
import { type EvalPlusFamily, evalPlusVariant, type PlusMode } from '../../scoring/code/evalplus-variant.js';
import { EVALPLUS, type EvalPlusItemData } from '../../scoring/code/evalplus-data.js';
import { createCheckScorer } from '../../scoring/code/scorers.js';
import type { GenerationParams, Item, TaskLoadContext, TaskVariant } from '../../types.js';

export interface MbppData {
  text: string;
  code: string;
  testList: string[];
  testSetupCode: string;
  /** `code.split(":")[0] + ":"` — the function header OLMES's default MBPP query ends with. */
  signature: string;
}

/** OLMES MBPP default stop sequences (codex_mbpp.py TASK_CONFIG_DEFAULTS), used by the starcoder rows. */
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
/** tasks.py stop_sequences of both mbpp:3shot::olmo3 and mbppplus::none. */
export const OLMES_EVALPLUS_STOPS = ['```', '\n"""', '\nassert', '\n#'];
/** Same list as OLMES_EVALPLUS_STOPS (older name). */
export const OLMES_MBPPPLUS_STOPS = OLMES_EVALPLUS_STOPS;
/** codex_mbpp.py `_process_doc`, prompt_variant "evalplus": the instruction that opens the query's code block. */
export const OLMES_EVALPLUS_TEXT_PREFIX =
  'Please provide a self-contained Python script that solves the following problem in a markdown code block:\n```\n';
/** tasks.py mbppplus::none context_kwargs.assistant_prefix. */
export const OLMES_MBPPPLUS_ASSISTANT_PREFIX =
  '\nBelow is a Python script with a self-contained function that solves the problem and passes corresponding tests:\n```python\n';
/**
 * codex_mbpp.py TASK_CONFIG_DEFAULTS context_kwargs.assistant_prefix. Neither the starcoder rows nor
 * mbpp:3shot::olmo3 override it, and a non-chat OLMES prompt ends with it (olmo-eval's parity port: "the answer
 * prefix ... is appended only to the final (target) prompt").
 */
export const OLMES_MBPP_ASSISTANT_PREFIX = 'Here is the completed function:\n\n```python\n';
/** Per-program timeout: 3 s (olmo-eval's parity scorer for the legacy oe-eval MBPP rows, `_CodeExecScorer3s`). */
export const CHECK_TIMEOUT_MS = 3000;

/** MBPP splits by task id (google-research/mbpp README): prompt 1–10, test 11–510, validation 511–600, train 601–974. */
const inRange = (id: number, lo: number, hi: number) => id >= lo && id <= hi;

async function loadMbpp(ctx: TaskLoadContext) {
  const { text, use, path } = await ctx.datasets.text('mbpp');
  const recs = parseJsonl<Record<string, unknown>>(text, path);
  const all = recs.map((r, i) => {
    const code = requireField<string>(r, 'code', 'string', path, i + 1);
    return {
      num: requireField<number>(r, 'task_id', 'number', path, i + 1),
      data: {
        text: requireField<string>(r, 'text', 'string', path, i + 1),
        code,
        testList: requireField<string[]>(r, 'test_list', 'array', path, i + 1),
        testSetupCode: typeof r.test_setup_code === 'string' ? r.test_setup_code : '',
        signature: code.split(':')[0] + ':',
      } satisfies MbppData,
    };
  });
  const toItem = (x: (typeof all)[number]): Item<MbppData> => ({ id: `Mbpp/${x.num}`, data: x.data });
  return { test: all.filter((x) => inRange(x.num, 11, 510)).map(toItem), use };
}

/**
 * OLMES default MBPP query (codex_mbpp.py `_process_doc`, no prompt_variant): `doc["text"] + code.split(":")[0]
 * + ":"` — no strip and no newline between description and header — then the default assistant prefix, so the
 * model writes the whole function after "```python\n".
 */
export const mbppQuery = (d: MbppData) => d.text + d.signature + OLMES_MBPP_ASSISTANT_PREFIX;

/**
 * OLMES prompt_variant "evalplus" query (codex_mbpp.py `_process_doc`): instruction + "```\n" + text.strip() + "\n"
 * + one assert + "\n```\n". OLMES draws the assert with the unseeded `random.choice(test_list)`; AI2 olmo-eval's
 * ports that claim byte parity with the legacy oe-eval prompts use `test_list[0]`, and so do we.
 */
export const evalPlusQuery = (text: string, test: string) =>
  OLMES_EVALPLUS_TEXT_PREFIX + text.trim() + '\n' + test + '\n```\n';

/**
 * FEWSHOT_SOURCES["Original:MBPP"], first 3 entries (task ids 2, 3, 4), as reproduced by AI2 olmo-eval
 * (`evals/tasks/mbpp.py` MBPPOlmo3Base `_LEGACY_FEWSHOT`, "hardcoded ... to guarantee identical prompts"). The
 * code strings are single-line (the reference code with every whitespace run collapsed to one space), exactly as
 * in the oe-eval source; test/tasks/mbpp checks that against mbpp.jsonl. Shots are taken in source order.
 */
export const OLMES_MBPP_FEWSHOT: readonly { taskId: number; text: string; code: string; test: string }[] = [
  {
    taskId: 2,
    text: 'Write a function to find the similar elements from the given two tuple lists.',
    code: 'def similar_elements(test_tup1, test_tup2): res = tuple(set(test_tup1) & set(test_tup2)) return (res)',
    test: 'assert similar_elements((3, 4, 5, 6),(5, 7, 4, 10)) == (4, 5)',
  },
  {
    taskId: 3,
    text: 'Write a python function to identify non-prime numbers.',
    code: 'import math def is_not_prime(n): result = False for i in range(2,int(math.sqrt(n)) + 1): if n % i == 0: result = True return result',
    test: 'assert is_not_prime(2) == False',
  },
  {
    taskId: 4,
    text: 'Write a function to find the largest integers from a given list of numbers using heap queue algorithm.',
    code: 'import heapq as hq def heap_queue_largest(nums,n): largest_nums = hq.nlargest(n, nums) return largest_nums',
    test: 'assert heap_queue_largest( [25, 35, 22, 85, 14, 65, 75, 22, 58],3)==[85, 75, 65] ',
  },
];

/**
 * mbpp:3shot::olmo3 prompt: each shot is query + code + "\n" (codex_mbpp.py doc_to_target = code + "\n"); shots and
 * the final query are joined by "\n\n"; the final query ends with the default assistant prefix.
 */
export function mbppOlmo3Prompt(d: MbppData): string {
  const shots = OLMES_MBPP_FEWSHOT.map((s) => evalPlusQuery(s.text, s.test) + s.code + '\n');
  return [...shots, evalPlusQuery(d.text, d.testList[0] ?? '') + OLMES_MBPP_ASSISTANT_PREFIX].join('\n\n');
}

/** codex_mbpp.py `_process_code_results`: test_setup_code.rstrip() + "\n" + "\n".join(test_list). */
const testCode = (item: Item<MbppData>) =>
  (item.data.testSetupCode ? item.data.testSetupCode.replace(/\s+$/, '') + '\n' : '') +
  item.data.testList.join('\n');

const sampling = (n: number, temperature: number, max_tokens: number, stop: string[]): GenerationParams => ({
  // Every caller is an OLMES-alias row: shape requests as OLMES's vLLM path does.
  shaping: 'olmes',
  n,
  temperature,
  top_p: 0.95,
  max_tokens,
  stop: [...stop],
});

function olmesMbppVariant(opts: {
  name: string;
  olmo3: boolean;
  generation: GenerationParams;
  primary: string;
  description: string;
}): TaskVariant<MbppData> {
  const name = opts.name;
  return {
    name,
    family: 'mbpp',
    description: opts.description,
    reproduces: `OLMES ${name}`,
    settings: {
      format: 'completion',
      shots: opts.olmo3 ? 3 : 0,
      fewShotSource: opts.olmo3
        ? 'FEWSHOT_SOURCES["Original:MBPP"] first 3 (task ids 2, 3, 4; single-line code), same for every item'
        : undefined,
      generation: opts.generation,
      primaryMetric: opts.primary,
      promptShape: opts.olmo3
        ? 'evalplus variant: per shot instruction+"```\\n"+text.strip()+"\\n"+test_list[0]+"\\n```\\n"+code+"\\n"; joined "\\n\\n"; final query + "Here is the completed function:\\n\\n```python\\n"'
        : 'text + code.split(":")[0] + ":" + "Here is the completed function:\\n\\n```python\\n"',
      executed:
        'completion + "\\n" + test_setup_code + test_list asserts (original MBPP tests), pass iff it runs cleanly',
      timeoutMs: CHECK_TIMEOUT_MS,
      datasets: ['mbpp'],
      split: 'test (task ids 11-510)',
      maxLength: 4096,
    },
    async loadItems(ctx) {
      const { test, use } = await loadMbpp(ctx);
      return { items: test, datasets: [use] };
    },
    buildPrompt: (item) => ({
      kind: 'completion',
      text: opts.olmo3 ? mbppOlmo3Prompt(item.data) : mbppQuery(item.data),
    }),
    createScorer: (ctx) =>
      createCheckScorer<MbppData>({
        ctx,
        // codex_mbpp.py `_process_code_results`: the raw continuation is the program; nothing is prepended.
        buildProgram: async (_item, g) => g.text ?? '',
        testCode,
        timeoutMs: CHECK_TIMEOUT_MS,
      }),
    aggregate: (items, verdicts, options) =>
      aggregateCode({ task: name, bases: ['pass'], primary: opts.primary }, items, verdicts, options),
  };
}

/**
 * Text + first assert of an EvalPlus MBPP+ prompt. The prompt is '"""\n' + sanitized-MBPP text + "\n" +
 * test_list[0] + '\n"""\n' (360 of 378 v0.2.0 tasks equal sanitized-mbpp.json's prompt + test_list[0]; the rest
 * carry EvalPlus's fixes), i.e. HF evalplus/mbppplus `prompt` + one assert, without the docstring quotes.
 */
export function mbppPlusTextAndTest(prompt: string): string {
  const t = prompt.trim();
  const inner = t.length >= 6 && t.startsWith('"""') && t.endsWith('"""') ? t.slice(3, -3) : t;
  return inner.trim();
}

/**
 * OLMES mbppplus::none prompt (prompt_variant evalplus, non-chat: assistant_prefix appended): instruction + "```\n"
 * + prompt.strip() + "\n" + random.choice(test_list) + "\n```\n" + assistant_prefix; we use EvalPlus's first assert.
 */
export function olmesMbppPlusPrompt(d: EvalPlusItemData): string {
  return (
    OLMES_EVALPLUS_TEXT_PREFIX + mbppPlusTextAndTest(d.prompt) + '\n```\n' + OLMES_MBPPPLUS_ASSISTANT_PREFIX
  );
}

const MBPP_PLUS: EvalPlusFamily = {
  family: 'mbpp',
  datasetId: 'mbppplus-v0.2.0',
  datasetLabel: 'MBPP+ v0.2.0, 378 tasks',
  olmesPrompt: olmesMbppPlusPrompt,
  // OLMES executes the raw completion as a self-contained script (codex_mbpp.py _process_code_results).
  olmesProgram: (_d, completion) => completion,
  olmesPromptShape:
    'instruction + "```\\n"+text+"\\n"+first assert+"\\n```\\n" + assistant_prefix ending in "```python\\n"',
  olmesExtraction: 'completion as the program (self-contained script), unsanitized',
  completionPromptShape: 'raw MBPP+ prompt (docstring with one assert)',
};

const mbppPlusVariant = (name: string, mode: PlusMode, generation: GenerationParams, description: string) =>
  evalPlusVariant(MBPP_PLUS, name, mode, generation, description);

export const variants: TaskVariant[] = [
  olmesMbppVariant({
    name: 'mbpp:3shot::olmo3',
    olmo3: true,
    // tasks.py mbpp:3shot::olmo3: prompt_variant evalplus, num_shots 3, stops ["```", '\n"""', "\nassert", "\n#"],
    // T 0.8, top_p 0.95, repeats 20, pass_at_ks [1, 10]; max_gen_toks 512 (codex_mbpp.py default).
    generation: sampling(20, 0.8, 512, OLMES_EVALPLUS_STOPS),
    primary: 'pass@1',
    description:
      'MBPP, OLMES evalplus-style prompt with 3 fixed Original:MBPP shots, OLMo 3 base-model setting',
  }),
  olmesMbppVariant({
    name: 'mbpp::starcoder_pass@1',
    olmo3: false,
    // tasks.py: T 0.2, top_p 0.95, repeats 20, pass_at_ks [1]; default prompt, stops and max_gen_toks 512 (codex_mbpp.py).
    generation: sampling(20, 0.2, 512, OLMES_MBPP_STOPS),
    primary: 'pass@1',
    description: 'MBPP 0-shot, StarCoder pass@1 protocol (n=20, T=0.2)',
  }),
  olmesMbppVariant({
    name: 'mbpp::starcoder_pass@10',
    olmo3: false,
    // tasks.py: T 0.8, top_p 0.95, repeats 20, pass_at_ks [10], primary pass_at_10.
    generation: sampling(20, 0.8, 512, OLMES_MBPP_STOPS),
    primary: 'pass@10',
    description: 'MBPP 0-shot, StarCoder pass@10 protocol (n=20, T=0.8)',
  }),
  // oe_eval/configs/tasks.py mbppplus::none: non-chat, prompt_variant evalplus, T 0.8, top_p 0.95, no repeats, pass_at_ks [1].
  mbppPlusVariant(
    'mbppplus::none',
    'olmes',
    sampling(1, 0.8, 512, OLMES_EVALPLUS_STOPS),
    'MBPP+ (OLMES), EvalPlus-style instruction prompt as completion, n=1',
  ),
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
