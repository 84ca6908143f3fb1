/**
 * What a person needs next to a model's answer to judge it: the item's question and gold answer (read from
 * the task's dataset, which run directories do not copy), the part of a program the model wrote itself, and
 * the vote histogram of an item sampled n times. Shared by the report and the viewer.
 */
import { DatasetResolver } from '../datasets/registry.js';
import type { SampleRow } from '../store/db/results-db.js';
import { getTask } from '../tasks/registry.js';
import type { Prompt } from '../types.js';

export interface ItemFacts {
  /** The question as a person reads it (no few-shot context): problem text, docstring prompt, task text. */
  question?: string;
  /** Gold answer: reference answer, or the canonical solution of a code task, or the instructions to follow. */
  gold?: string;
  goldKind?: 'answer' | 'reference solution' | 'instructions';
}

/** Per task: item id → facts, the dataset size, or why they are unavailable. */
export interface TaskFacts {
  items: Map<string, ItemFacts>;
  /** Items in the full dataset (to tell a `--limit` subset from the whole task). */
  datasetItems?: number;
  error?: string;
}

const str = (x: unknown) => (typeof x === 'string' && x.trim() ? x : undefined);

/**
 * Question and gold from an item's data, by the field names the task loaders use (src/tasks/*):
 * question (GSM8K, GPQA, MMLU-Pro) | problem (MATH, AIME) | text (MBPP) | prompt (HumanEval, IFEval);
 * gold | canonicalSolution (HumanEval/EvalPlus) | code (MBPP) | instruction_id_list (IFEval).
 */
export function factsFromItemData(data: Record<string, unknown>): ItemFacts {
  let question = str(data.question) ?? str(data.problem) ?? str(data.text) ?? str(data.prompt);
  const options = Array.isArray(data.options) ? (data.options as unknown[]).map(String) : undefined;
  if (question && options?.length)
    question += '\n\n' + options.map((o, i) => `${String.fromCharCode(65 + i)}) ${o}`).join('\n');
  if (str(data.gold)) return { question, gold: String(data.gold), goldKind: 'answer' };
  const solution = str(data.canonicalSolution) ?? str(data.canonical_solution) ?? str(data.code);
  if (solution) return { question, gold: solution, goldKind: 'reference solution' };
  if (Array.isArray(data.instruction_id_list))
    return { question, gold: (data.instruction_id_list as unknown[]).join('\n'), goldKind: 'instructions' };
  const answer = str(data.answer) ?? (typeof data.answer === 'number' ? String(data.answer) : undefined);
  return answer ? { question, gold: answer, goldKind: 'answer' } : { question };
}

/**
 * Loads item facts per task on first use and keeps them (a viewer asks again and again). Tasks that are not
 * registered (imported under an unknown alias) or whose dataset cannot be read give an `error`, never throw.
 */
export class ItemFactsSource {
  private readonly memo = new Map<string, Promise<TaskFacts>>();
  constructor(private readonly datasets = new DatasetResolver()) {}

  forTask(task: string): Promise<TaskFacts> {
    let p = this.memo.get(task);
    if (!p) {
      p = this.load(task);
      this.memo.set(task, p);
    }
    return p;
  }

  async forTasks(tasks: Iterable<string>): Promise<Map<string, TaskFacts>> {
    const out = new Map<string, TaskFacts>();
    for (const t of tasks) out.set(t, await this.forTask(t));
    return out;
  }

  private async load(task: string): Promise<TaskFacts> {
    try {
      const variant = await getTask(task);
      const { items } = await variant.loadItems({ datasets: this.datasets, options: {} });
      return {
        items: new Map(items.map((it) => [it.id, factsFromItemData(it.data as Record<string, unknown>)])),
        datasetItems: items.length,
      };
    } catch (e) {
      return { items: new Map(), error: (e as Error).message.split('\n')[0] };
    }
  }
}

/** The prompt as text: a completion prompt verbatim, a chat prompt's messages with their roles. */
export function promptText(prompt: Prompt | undefined): string {
  if (!prompt) return '';
  return prompt.kind === 'completion'
    ? prompt.text
    : prompt.messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n');
}

/**
 * Split an executed program into the lines copied from the prompt and the lines the model wrote. A HumanEval
 * program is the prompt's signature and docstring followed by the model's continuation, so the copied part is
 * the longest run of leading program lines that ends the prompt. Chat answers (the model writes the whole
 * function) have no copied part.
 */
export function splitProgram(program: string, prompt: string): { given: string; written: string } {
  // Blank lines and trailing spaces are ignored: sanitizers drop the blank lines between imports and the def.
  const lines = program.split('\n');
  const nonBlank = lines.map((l, i) => [l.trimEnd(), i] as const).filter(([l]) => l.trim() !== '');
  const tail = prompt
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  for (let k = Math.min(nonBlank.length - 1, tail.length); k >= 2; k--) {
    let same = true;
    for (let j = 0; j < k && same; j++) same = nonBlank[j][0] === tail[tail.length - k + j];
    if (same) {
      const cut = nonBlank[k - 1][1] + 1;
      return {
        given: lines.slice(0, cut).join('\n'),
        written: lines.slice(cut).join('\n').replace(/^\n+/, ''),
      };
    }
  }
  return { given: '', written: program };
}

/** True when samples of a task are programs (code scores: pass, or EvalPlus base/plus). */
export function isCodeSample(s: Pick<SampleRow, 'scores'>): boolean {
  const keys = Object.keys(s.scores ?? {});
  return keys.includes('pass') || (keys.includes('base') && keys.includes('plus'));
}

export interface Vote {
  /** The answer as the model wrote it (first sample of the group). */
  answer: string;
  count: number;
  passing: number;
}

/**
 * Histogram of the answers of an item's samples, most frequent first. Samples are grouped by the scorer's
 * vote key when it sets one (the normalised answer maj@k votes on), else by the extracted answer; code
 * samples are grouped by outcome (passes / the failure reason).
 */
export function voteHistogram(samples: SampleRow[]): Vote[] {
  const m = new Map<string, Vote>();
  for (const s of samples) {
    let key: string;
    let shown: string;
    if (s.status === 'errored') key = shown = '(errored)';
    else if (isCodeSample(s))
      key = shown = s.status === 'pass' ? 'passes the tests' : (s.reason ?? 'fails').slice(0, 80);
    else {
      const vk = (s.details as { voteKey?: unknown } | null)?.voteKey;
      shown = s.extracted?.trim() ? s.extracted.slice(0, 80) : '(no answer)';
      key = typeof vk === 'string' && vk !== '' ? vk : shown;
    }
    const v = m.get(key) ?? { answer: shown, count: 0, passing: 0 };
    v.count++;
    if (s.status === 'pass') v.passing++;
    m.set(key, v);
  }
  return [...m.values()].sort((a, b) => b.count - a.count || (a.answer < b.answer ? -1 : 1));
}
