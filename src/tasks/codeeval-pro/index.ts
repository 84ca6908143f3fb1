/**
 * HumanEval Pro and MBPP Pro (Yu et al. 2024, arXiv:2412.21199): "self-invoking" problems — solve a base
 * problem, then a harder one whose solution calls the first. Data: CodeEval-Pro/CodeEval-Pro @36f292ea
 * (../shared/datasets/codeeval-pro/PROVENANCE.md).
 *
 * Facts from the official harness (CodeEval-Pro `eval/utils.py`, `eval/inference.py`, `eval/harness.py`; described,
 * not copied):
 *  - instruction: "Write a solution of python file to the following problems, the solution of the second problem
 *    requires single or multiple calls to the first solution." + a ```python fence with raw_problem.strip() and
 *    new_problem.strip(); response prefix: a ```python fence already holding raw_problem.strip() + "\n";
 *  - both wrapped in PROMPT_WRAPPER (`eval/prompt_template.py`, not in any snapshot we could read; the repo credits
 *    Magicoder, whose template is used here: see docs/fidelity.md#codeeval-pro);
 *  - the completion is cut at its first "```"; the program is raw_problem (unstripped) + completion, then
 *    "\n" + test_code (HF `code_eval`: candidate + "\n" + test), 3 s timeout (code_eval default); greedy,
 *    4096 new tokens (README); pass@k with k in 1, 5, 10.
 */
import { requireField } from '../../datasets/registry.js';
import { passAtKMetrics } from '../../metrics/definitions.js';
import { extractCodeBlocks } from '../../scoring/code/sanitize.js';
import { createCheckScorer } from '../../scoring/code/scorers.js';
import type { Item, TaskLoadContext, TaskVariant } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';

export interface ProData {
  rawProblem: string;
  rawSolution: string;
  newProblem: string;
  newSolution: string;
  testCode: string;
}

export const PRO_INSTRUCTION =
  'Write a solution of python file to the following problems, the solution of the second problem requires single or multiple calls to the first solution.';
/** Magicoder's MAGICODER_PROMPT (ise-uiuc/magicoder), which CodeEval-Pro's harness acknowledges as its base. */
export const MAGICODER_SYSTEM =
  'You are an exceptionally intelligent coding assistant that consistently delivers accurate and reliable responses to user instructions.';
/** code_eval's default per-program timeout (HF evaluate `code_eval`, timeout=3.0). */
export const PRO_TIMEOUT_MS = 3000;
/** inference.py EOS list (generation stops), plus "```" where the harness cuts the completion anyway. */
export const PRO_STOPS = ['<|endoftext|>', '<|endofmask|>', '</s>', '<|EOT|>', '```'];

export const proInstruction = (d: ProData) =>
  `${PRO_INSTRUCTION}\n\`\`\`python\n${d.rawProblem.trim()}\n${d.newProblem.trim()}\n\`\`\``;
export const proResponsePrefix = (d: ProData) => `\`\`\`python\n${d.rawProblem.trim()}\n`;
/** The completion-format prompt: Magicoder wrapper around instruction and response prefix. */
export const proCompletionPrompt = (d: ProData) =>
  `${MAGICODER_SYSTEM}\n\n@@ Instruction\n${proInstruction(d)}\n\n@@ Response\n${proResponsePrefix(d)}`;

/** inference.py: keep the completion up to its first "```". */
export const cutAtFence = (s: string) => {
  const i = s.indexOf('```');
  return i === -1 ? s : s.slice(0, i);
};

type Which = 'humaneval' | 'mbpp';
const DATASET: Record<Which, { id: string; records: number; label: string }> = {
  humaneval: { id: 'humaneval-pro', records: 164, label: 'HumanEval Pro' },
  mbpp: { id: 'mbpp-pro', records: 378, label: 'MBPP Pro' },
};

export async function loadPro(ctx: TaskLoadContext, which: Which) {
  const { value, use, path } = await ctx.datasets.json<unknown>(DATASET[which].id);
  if (!Array.isArray(value)) throw new EvalkitError(`${path}: expected one JSON array of problems`);
  const items: Item<ProData>[] = value.map((raw, i) => {
    const r = raw as Record<string, unknown>;
    const where = `${path} (array element)`;
    const id = requireField<number>(r, 'id', 'number', where, i + 1);
    return {
      id: `${which === 'humaneval' ? 'HumanEvalPro' : 'MbppPro'}/${id}`,
      data: {
        rawProblem: requireField<string>(r, 'raw_problem', 'string', where, i + 1),
        rawSolution: requireField<string>(r, 'raw_solution', 'string', where, i + 1),
        newProblem: requireField<string>(r, 'new_problem', 'string', where, i + 1),
        newSolution: requireField<string>(r, 'new_solution', 'string', where, i + 1),
        testCode: requireField<string>(r, 'test_code', 'string', where, i + 1),
      },
    };
  });
  return { items, use };
}

/** The scorer of a Pro variant; `timeoutMs` other than code_eval's 3 s only for ground-truth checks under load. */
export function createProScorer(
  ctx: TaskLoadContext,
  format: 'completion' | 'chat',
  timeoutMs = PRO_TIMEOUT_MS,
) {
  return createCheckScorer<ProData>({
    ctx,
    buildProgram: async (item, g) => {
      const text = g.text ?? '';
      if (g.textIsSolution) return text;
      if (format === 'completion') return item.data.rawProblem + cutAtFence(text);
      const blocks = extractCodeBlocks(text);
      return blocks.length ? blocks[blocks.length - 1] : text;
    },
    testCode: (item) => item.data.testCode,
    timeoutMs,
  });
}

function proVariant(which: Which, format: 'completion' | 'chat'): TaskVariant<ProData> {
  const name = `${which}_pro${format === 'chat' ? ':chat' : ''}`;
  const label = DATASET[which].label;
  return {
    name,
    family: 'codeeval-pro',
    description:
      format === 'completion'
        ? `${label}: self-invoking problems, official instruction + response prefix as one completion prompt, greedy`
        : `${label}: self-invoking problems, official instruction as a chat message, code block extracted, greedy`,
    reproduces: `CodeEval-Pro ${which}_pro (eval/inference.py + eval/harness.py @36f292ea)`,
    settings: {
      format,
      shots: 0,
      generation: {
        n: 1,
        temperature: 0,
        top_p: 1,
        max_tokens: 4096,
        stop: format === 'completion' ? [...PRO_STOPS] : [],
      },
      primaryMetric: 'pass@1',
      promptShape:
        format === 'completion'
          ? 'Magicoder wrapper: system line, "@@ Instruction", instruction + fenced raw+new problem, "@@ Response", "```python\\n" + raw_problem.strip() + "\\n"'
          : 'user message = instruction + fenced raw+new problem',
      executed:
        format === 'completion'
          ? 'raw_problem + completion (cut at first ```) + "\\n" + test_code; pass iff it runs cleanly'
          : 'last ```python block of the answer + "\\n" + test_code (whole answer when it has no block); pass iff it runs cleanly',
      timeoutMs: PRO_TIMEOUT_MS,
      datasets: [DATASET[which].id],
    },
    async loadItems(ctx) {
      const { items, use } = await loadPro(ctx, which);
      return { items, datasets: [use] };
    },
    buildPrompt: (item) =>
      format === 'completion'
        ? { kind: 'completion', text: proCompletionPrompt(item.data) }
        : { kind: 'chat', messages: [{ role: 'user', content: proInstruction(item.data) }] },
    createScorer: (ctx) => createProScorer(ctx, format),
    metrics: passAtKMetrics(['pass'], 1),
  };
}

export const variants: TaskVariant[] = [
  proVariant('humaneval', 'completion'),
  proVariant('mbpp', 'completion'),
  proVariant('humaneval', 'chat'),
  proVariant('mbpp', 'chat'),
];
