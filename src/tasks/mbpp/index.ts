/**
 * MBPP family: OLMES rows (assert-style on original MBPP; MBPP+ via EvalPlus tests) and EvalPlus-semantics
 * variants. OLMES facts carry their source; unverified reconstructions are marked and listed in
 * docs/fidelity/olmes-code.md.
 */
import { parseJsonl, requireField } from '../../datasets/registry.js';
import { aggregateCode } from '../../scoring/code/aggregate.js';
import { EVALPLUS, evalPlusChatMessages, loadEvalPlus, toEvalPlusProblem, type EvalPlusItemData } from '../../scoring/code/evalplus-data.js';
import { PythonRandom } from '../../scoring/code/python-random.js';
import { createCheckScorer, createEvalPlusScorer } from '../../scoring/code/scorers.js';
import type { GenerationParams, Item, TaskLoadContext, TaskVariant } from '../../types.js';

export interface MbppData {
  text: string;
  code: string;
  testList: string[];
  testSetupCode: string;
  /** `code.split(":")[0] + ":"` — the signature the prompt ends with (olmo-eval MBPP port of OLMES). */
  signature: string;
}

/** OLMES MBPP stop sequences (oe_eval lbpp.py/mbpp TASK_CONFIG_DEFAULTS; olmo-eval MBPP_STOP_SEQUENCES). */
export const OLMES_MBPP_STOPS = ['\nclass', '\nassert', '\n"""', '\nprint', '\nif', '\n```', '\n#', '\n<|/', '<|eot_id|>'];
/** oe_eval/configs/tasks.py mbppplus::none stop_sequences. */
export const OLMES_MBPPPLUS_STOPS = ['```', '\n"""', '\nassert', '\n#'];
/** oe_eval/configs/tasks.py mbppplus::none context_kwargs (prompt_variant evalplus). */
export const OLMES_EVALPLUS_TEXT_PREFIX =
  'Please provide a self-contained Python script that solves the following problem in a markdown code block:\n```\n';
export const OLMES_MBPPPLUS_ASSISTANT_PREFIX =
  '\nBelow is a Python script with a self-contained function that solves the problem and passes corresponding tests:\n```python\n';
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
  return {
    test: all.filter((x) => inRange(x.num, 11, 510)).map(toItem),
    prompt: all.filter((x) => inRange(x.num, 1, 10)).map(toItem),
    use,
  };
}

/** Default OLMES MBPP doc_to_text: text + "\n" + signature (olmo-eval MBPP port; OLMES lbpp.py default branch). */
export const mbppQuery = (d: MbppData) => d.text.trim() + '\n' + d.signature;
/** Reconstruction (unverified): the shot target is the rest of the reference code after the signature. */
const mbppTarget = (d: MbppData) => d.code.slice(d.signature.length);

/**
 * mbpp:3shot::olmo3 exemplars: the MBPP "prompt" split shuffled with random.Random(1234), first 3
 * (olmo-eval `_build_fewshot`: "shuffle+slice (not sample) to match the legacy oe-eval behavior").
 */
export function mbppShots(promptSplit: readonly Item<MbppData>[]): Item<MbppData>[] {
  return new PythonRandom(1234).shuffle(promptSplit.slice()).slice(0, 3);
}

const testCode = (item: Item<MbppData>) =>
  (item.data.testSetupCode ? item.data.testSetupCode + '\n' : '') + item.data.testList.join('\n') + '\n';

const sampling = (n: number, temperature: number, max_tokens: number, stop: string[]): GenerationParams => ({
  n,
  temperature,
  top_p: 0.95,
  max_tokens,
  stop: [...stop],
});

function olmesMbppVariant(opts: { name: string; shots: number; generation: GenerationParams; primary: string; description: string }): TaskVariant<MbppData> {
  let shotPrefix = '';
  const name = opts.name;
  return {
    name,
    family: 'mbpp',
    description: opts.description,
    reproduces: `OLMES ${name}`,
    settings: {
      format: 'completion',
      shots: opts.shots,
      fewShotSource: opts.shots ? 'MBPP prompt split (task 1-10), random.Random(1234).shuffle, first 3 (same for every item)' : undefined,
      generation: opts.generation,
      primaryMetric: opts.primary,
      promptShape: opts.shots
        ? 'shots: text.strip()+"\\n"+signature+rest_of_code, joined "\\n\\n", then "\\n\\n"+text.strip()+"\\n"+signature'
        : 'text.strip()+"\\n"+signature (signature = code.split(":")[0]+":")',
      executed: 'signature + completion, then test_setup_code + test_list asserts (original MBPP tests), pass iff it runs cleanly',
      timeoutMs: CHECK_TIMEOUT_MS,
      datasets: ['mbpp'],
      split: 'test (task ids 11-510)',
      maxLength: 4096,
    },
    async loadItems(ctx) {
      const { test, prompt, use } = await loadMbpp(ctx);
      if (opts.shots) shotPrefix = mbppShots(prompt).map((s) => mbppQuery(s.data) + mbppTarget(s.data)).join('\n\n') + '\n\n';
      return { items: test, datasets: [use] };
    },
    buildPrompt: (item) => ({ kind: 'completion', text: shotPrefix + mbppQuery(item.data) }),
    createScorer: (ctx) =>
      createCheckScorer<MbppData>({
        ctx,
        buildProgram: async (item, g) => (g.textIsSolution ? (g.text ?? '') : item.data.signature + (g.text ?? '')),
        testCode,
        timeoutMs: CHECK_TIMEOUT_MS,
      }),
    aggregate: (items, verdicts, options) => aggregateCode({ task: name, bases: ['pass'], primary: opts.primary }, items, verdicts, options),
  };
}

type PlusMode = 'olmes' | 'evalplus-completion' | 'evalplus-chat';

/** OLMES mbppplus::none prompt (prompt_variant evalplus, non-chat: assistant_prefix appended to the context). */
export function olmesMbppPlusPrompt(d: EvalPlusItemData): string {
  return OLMES_EVALPLUS_TEXT_PREFIX + d.prompt.trim() + '\n```\n' + OLMES_MBPPPLUS_ASSISTANT_PREFIX;
}

function mbppPlusVariant(name: string, mode: PlusMode, generation: GenerationParams, description: string): TaskVariant<EvalPlusItemData> {
  const chat = mode === 'evalplus-chat';
  return {
    name,
    family: 'mbpp',
    description,
    reproduces: mode === 'olmes' ? `OLMES ${name}` : `EvalPlus mbpp (${chat ? 'chat/instruct prompt' : '--backend vllm base prompt'})`,
    settings: {
      format: chat ? 'chat' : 'completion',
      shots: 0,
      generation,
      primaryMetric: 'plus_pass@1',
      promptShape:
        mode === 'olmes'
          ? 'instruction + "```\\n"+prompt.strip()+"\\n```\\n" + assistant_prefix ending in "```python\\n"'
          : chat
            ? 'EvalPlus make_raw_chat_prompt: user instruction + assistant prefill "<response_prefix>\\n```python\\n"'
            : 'raw MBPP+ prompt (docstring with one assert)',
      extraction:
        mode === 'olmes'
          ? 'completion as the program (self-contained script), unsanitized'
          : chat
            ? 'EvalPlus sanitize(response, entry_point)'
            : 'EvalPlus sanitize(prompt + completion, entry_point); replayed `solution` used as-is',
      executed: 'EvalPlus base + plus inputs (MBPP+ v0.2.0, 378 tasks); plus = base AND plus; outputs compared outside the sandbox',
      timeouts: 'per input max(4 s, 4 x ground-truth time) (EvalPlus rule, in src/sandbox)',
      datasets: ['mbppplus-v0.2.0'],
    },
    loadItems: (ctx) => loadEvalPlus(ctx, 'mbppplus-v0.2.0', 'mbpp'),
    buildPrompt: (item) =>
      chat
        ? { kind: 'chat', messages: evalPlusChatMessages(item.data.prompt) }
        : { kind: 'completion', text: mode === 'olmes' ? olmesMbppPlusPrompt(item.data) : item.data.prompt },
    createScorer: (ctx) =>
      createEvalPlusScorer<EvalPlusItemData>({
        ctx,
        problem: (item) => toEvalPlusProblem(item.id, item.data),
        buildProgram: async (item, g, sanitizer) => {
          const text = g.text ?? '';
          if (g.textIsSolution || mode === 'olmes') return text;
          return sanitizer.sanitize(chat ? text : item.data.prompt + text, item.data.entryPoint);
        },
      }),
    aggregate: (items, verdicts, options) =>
      aggregateCode({ task: name, bases: ['base', 'plus'], primary: 'plus_pass@1' }, items, verdicts, options),
  };
}

export const variants: TaskVariant[] = [
  olmesMbppVariant({
    name: 'mbpp:3shot::olmo3',
    shots: 3,
    generation: sampling(20, 0.8, 512, OLMES_MBPP_STOPS), // DESIGN.md baseline row
    primary: 'pass@1',
    description: 'MBPP, 3 prompt-split shots (seed 1234), OLMo 3 base-model setting [prompt shape reconstructed]',
  }),
  olmesMbppVariant({
    name: 'mbpp::starcoder_pass@1',
    shots: 0,
    generation: sampling(20, 0.2, 512, OLMES_MBPP_STOPS), // oe_eval tasks.py: T 0.2, top_p 0.95, repeats 20, pass_at_ks [1]
    primary: 'pass@1',
    description: 'MBPP 0-shot, StarCoder pass@1 protocol (n=20, T=0.2)',
  }),
  olmesMbppVariant({
    name: 'mbpp::starcoder_pass@10',
    shots: 0,
    generation: sampling(20, 0.8, 512, OLMES_MBPP_STOPS), // oe_eval tasks.py: T 0.8, top_p 0.95, repeats 20, pass_at_ks [10]
    primary: 'pass@10',
    description: 'MBPP 0-shot, StarCoder pass@10 protocol (n=20, T=0.8)',
  }),
  // oe_eval/configs/tasks.py mbppplus::none: non-chat, prompt_variant evalplus, T 0.8, top_p 0.95, no repeats, pass_at_ks [1].
  mbppPlusVariant('mbppplus::none', 'olmes', sampling(1, 0.8, 512, OLMES_MBPPPLUS_STOPS), 'MBPP+ (OLMES), EvalPlus-style instruction prompt as completion, n=1'),
  mbppPlusVariant(
    'mbppplus',
    'evalplus-completion',
    { n: 1, temperature: 0, top_p: 1, max_tokens: EVALPLUS.maxNewTokens, stop: [...EVALPLUS.baseEos, ...EVALPLUS.extraEosDirect.mbpp] },
    'MBPP+ with EvalPlus semantics: base-model greedy completion, sanitized, base+plus tests',
  ),
  mbppPlusVariant(
    'mbppplus:chat',
    'evalplus-chat',
    { n: 1, temperature: 0, top_p: 1, max_tokens: EVALPLUS.maxNewTokens, stop: [...EVALPLUS.chatEos] },
    'MBPP+ with EvalPlus semantics: instruct prompt, code-block extraction + sanitize, base+plus tests',
  ),
];
