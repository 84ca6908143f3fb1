/**
 * MT-Bench judge prompts, assembled the way FastChat's llm_judge does (fastchat/llm_judge/common.py and
 * gen_judgment.py, Apache-2.0; the rules are restated here, the templates are read from judge_prompts.jsonl):
 *   - questions of the categories math / reasoning / coding get the "-math-" templates and the GPT-4 reference
 *     answer from reference_answer/gpt-4.jsonl (not the `reference` field of question.jsonl);
 *   - turn 1 uses `single-v1` / `single-math-v1` (question, answer[, ref_answer_1]); turn 2 uses the
 *     `-multi-turn` template with the whole conversation (question_1, answer_1, question_2, answer_2[, refs]);
 *   - pairwise: `pair-v2` / `pair-math-v1` (+ `-multi-turn`), answers as answer_a / answer_b;
 *   - the template's system_prompt is the system message, the filled template the user message;
 *   - filling is Python `str.format` (`{name}` replaced, `{{`/`}}` unescaped), reproduced by `formatTemplate`.
 */
import { requireField } from '../../datasets/registry.js';
import type { DatasetResolver } from '../../datasets/registry.js';
import type { ChatMessage, DatasetUse } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';

export interface JudgeTemplate {
  name: string;
  type: 'single' | 'pairwise';
  system_prompt: string;
  prompt_template: string;
  output_format: string;
}

export const MTBENCH_JUDGE_PROMPTS_DATASET = 'mtbench-judge-prompts';

/** Categories whose questions are judged against the GPT-4 reference answer (FastChat NEED_REF_CATS). */
export const NEED_REF_CATEGORIES = new Set(['math', 'reasoning', 'coding', 'arena-hard-200']);

/** Python `str.format` with named fields only: `{name}` → vars[name]; `{{` → `{`; `}}` → `}`. */
export function formatTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{|\}\}|\{([A-Za-z_]\w*)\}/g, (m, name: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const v = vars[name!];
    if (v === undefined) throw new EvalkitError(`judge template needs "{${name}}", which was not provided`);
    return v;
  });
}

export async function loadJudgeTemplates(
  datasets: DatasetResolver,
): Promise<{ templates: Map<string, JudgeTemplate>; use: DatasetUse }> {
  const { records, use, path } = await datasets.jsonl<Record<string, unknown>>(MTBENCH_JUDGE_PROMPTS_DATASET);
  const templates = new Map<string, JudgeTemplate>();
  records.forEach((r, i) => {
    const t: JudgeTemplate = {
      name: requireField<string>(r, 'name', 'string', path, i + 1),
      type: requireField<string>(r, 'type', 'string', path, i + 1) as JudgeTemplate['type'],
      system_prompt: requireField<string>(r, 'system_prompt', 'string', path, i + 1),
      prompt_template: requireField<string>(r, 'prompt_template', 'string', path, i + 1),
      output_format: requireField<string>(r, 'output_format', 'string', path, i + 1),
    };
    templates.set(t.name, t);
  });
  return { templates, use };
}

export interface MtbenchQuestion {
  question_id: number;
  category: string;
  turns: [string, string];
  /** GPT-4 reference answers (both turns) for math / reasoning / coding. */
  reference?: [string, string];
}

function template(templates: Map<string, JudgeTemplate>, name: string): JudgeTemplate {
  const t = templates.get(name);
  if (!t) throw new EvalkitError(`judge_prompts.jsonl has no template "${name}"`);
  return t;
}

const needsRef = (q: MtbenchQuestion) => NEED_REF_CATEGORIES.has(q.category);

/** Name of the single-answer template FastChat uses for a question and turn. */
export function singleTemplateName(q: MtbenchQuestion, turn: 1 | 2): string {
  return `single-${needsRef(q) ? 'math-v1' : 'v1'}${turn === 2 ? '-multi-turn' : ''}`;
}

export function pairTemplateName(q: MtbenchQuestion, turn: 1 | 2): string {
  return `pair-${needsRef(q) ? 'math-v1' : 'v2'}${turn === 2 ? '-multi-turn' : ''}`;
}

function refVars(q: MtbenchQuestion): Record<string, string> {
  if (!needsRef(q)) return {};
  if (!q.reference)
    throw new EvalkitError(`MT-Bench question ${q.question_id} (${q.category}) has no reference answer`);
  return { ref_answer_1: q.reference[0], ref_answer_2: q.reference[1] };
}

/** A judge template's system prompt and its prompt template filled with `vars`, as chat messages. */
function filledJudgeMessages(
  templates: Map<string, JudgeTemplate>,
  name: string,
  vars: Record<string, string>,
): { template: string; messages: ChatMessage[] } {
  const t = template(templates, name);
  return {
    template: name,
    messages: [
      { role: 'system', content: t.system_prompt },
      { role: 'user', content: formatTemplate(t.prompt_template, vars) },
    ],
  };
}

/** The judge messages for single-answer grading of `answers` (the model's two turns) at `turn`. */
export function singleJudgeMessages(
  templates: Map<string, JudgeTemplate>,
  q: MtbenchQuestion,
  answers: string[],
  turn: 1 | 2,
): { template: string; messages: ChatMessage[] } {
  const name = singleTemplateName(q, turn);
  const vars =
    turn === 1
      ? { question: q.turns[0], answer: answers[0], ...refVars(q) }
      : {
          question_1: q.turns[0],
          question_2: q.turns[1],
          answer_1: answers[0],
          answer_2: answers[1],
          ...refVars(q),
        };
  return filledJudgeMessages(templates, name, vars);
}

/** The judge messages for a pairwise comparison (answers a in position A, b in position B) at `turn`. */
export function pairJudgeMessages(
  templates: Map<string, JudgeTemplate>,
  q: MtbenchQuestion,
  a: string[],
  b: string[],
  turn: 1 | 2,
): { template: string; messages: ChatMessage[] } {
  const name = pairTemplateName(q, turn);
  const vars =
    turn === 1
      ? { question: q.turns[0], answer_a: a[0], answer_b: b[0], ...refVars(q) }
      : {
          question_1: q.turns[0],
          question_2: q.turns[1],
          answer_a_1: a[0],
          answer_a_2: a[1],
          answer_b_1: b[0],
          answer_b_2: b[1],
          ...refVars(q),
        };
  return filledJudgeMessages(templates, name, vars);
}
