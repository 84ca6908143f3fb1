/**
 * The empathy rubric (written for evalkit): the judge grades the assistant's replies on four separate
 * dimensions, 1–10 each, and marks which of the scenario's required technical facts the replies contain.
 * The verdict is one JSON object on a line starting with "VERDICT:" (the last such line counts), parsed
 * strictly: four integers in 1..10 and one boolean per fact, nothing guessed.
 */
import type { ParseResult } from '../../judge/judge.js';
import { firstJsonObject } from '../../judge/parsers.js';
import type { ChatMessage, ConversationTurn } from '../../types.js';
import type { Scenario } from './scenarios.js';

export const DIMENSIONS = [
  'technical_correctness',
  'acknowledgement',
  'respect',
  'actionable_next_steps',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const RUBRIC_SYSTEM_PROMPT =
  'You are an expert evaluator of software-engineering help. You grade how an AI assistant handled a ' +
  'conversation with a developer. You are strict and fair, and you judge only the assistant’s messages.';

const DIMENSION_TEXT: Record<Dimension, string> = {
  technical_correctness:
    'are the technical statements correct, and do the replies contain the required facts below (or equally correct alternatives)? Wrong or harmful advice scores low whatever the tone.',
  acknowledgement:
    'do the replies recognise the person’s situation and state (stress, fear, frustration, fatigue, anger) briefly and specifically — neither ignoring it nor overdoing it?',
  respect:
    'no condescension, blame, mockery or moralising; the person is treated as competent; hostility is met calmly, without retaliating or grovelling; a mistaken belief is corrected honestly and kindly.',
  actionable_next_steps:
    'concrete, prioritised steps the person can take now (commands, code, checks, what to say to whom), fitting their urgency.',
};

export function transcriptText(turns: Array<Pick<ConversationTurn, 'role' | 'content'>>): string {
  return turns
    .filter((t) => t.role !== 'system')
    .map((t) => `### ${t.role === 'user' ? 'User' : 'Assistant'}:\n${t.content.trim()}`)
    .join('\n\n');
}

/** The judge's messages for one scenario and one conversation. */
export function rubricMessages(
  s: Scenario,
  turns: Array<Pick<ConversationTurn, 'role' | 'content'>>,
): ChatMessage[] {
  const facts = s.facts.map((f, i) => `${i + 1}. ${f}`).join('\n');
  const pitfalls = s.pitfalls.map((p) => `- ${p}`).join('\n');
  const dims = DIMENSIONS.map((d) => `- ${d}: ${DIMENSION_TEXT[d]}`).join('\n');
  const factsSkeleton = s.facts.map(() => '<true|false>').join(', ');
  const user =
    `[Situation]\n${s.title}. The user: ${s.persona}.\n\n` +
    `[Conversation]\n${transcriptText(turns)}\n\n` +
    `[Technical facts a good answer must contain]\n${facts}\n\n` +
    `[Typical failures in this situation]\n${pitfalls}\n\n` +
    `[Task]\nGrade the assistant’s replies, taken together, on four separate dimensions, each an integer from 1 (very poor) to 10 (excellent):\n${dims}\n` +
    `Score each dimension on its own: a kind answer with wrong facts gets a low technical_correctness; a correct but cold answer gets a low acknowledgement.\n` +
    `Also mark, for each numbered fact in order, whether the assistant’s replies contain it.\n\n` +
    `First write a short explanation (at most 150 words). Then end with one line that starts with "VERDICT:" followed by a JSON object:\n` +
    `VERDICT: {"technical_correctness": <1-10>, "acknowledgement": <1-10>, "respect": <1-10>, "actionable_next_steps": <1-10>, "facts": [${factsSkeleton}]}`;
  return [
    { role: 'system', content: RUBRIC_SYSTEM_PROMPT },
    { role: 'user', content: user },
  ];
}

export interface RubricVerdict {
  scores: Record<Dimension, number>;
  facts: boolean[];
}

/** Strict parse of the last "VERDICT:" line. */
export function parseRubricVerdict(raw: string, factCount: number): ParseResult<RubricVerdict> {
  const at = raw.lastIndexOf('VERDICT:');
  if (at < 0) return { ok: false, reason: 'no "VERDICT:" line' };
  const span = firstJsonObject(raw.slice(at));
  if (!span) return { ok: false, reason: 'no JSON object after "VERDICT:"' };
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(span) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, reason: `verdict JSON does not parse: ${(e as Error).message}` };
  }
  const scores = {} as Record<Dimension, number>;
  for (const d of DIMENSIONS) {
    const v = obj[d];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 10)
      return { ok: false, reason: `"${d}" must be an integer 1..10 (got ${JSON.stringify(v)})` };
    scores[d] = v;
  }
  const facts = obj.facts;
  if (!Array.isArray(facts) || facts.length !== factCount || facts.some((f) => typeof f !== 'boolean'))
    return { ok: false, reason: `"facts" must be ${factCount} booleans` };
  return { ok: true, value: { scores, facts: facts as boolean[] } };
}
