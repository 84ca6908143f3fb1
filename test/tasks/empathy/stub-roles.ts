/** Scripted roles for the empathy tests: an assistant that is kind on half of the scenarios, two rule-based judges. */
import { loadScenarios } from '../../../src/tasks/empathy/index.js';
import type { StubRespondContext } from '../../../src/testing/openai-stub-server.js';

export const { scenarios } = loadScenarios();
export const kind = (id: string) => scenarios.findIndex((s) => s.id === id) % 2 === 0;

/** A curt assistant everywhere (a worse checkpoint). */
export function curtAssistant(ctx: StubRespondContext): string {
  const s = scenarios.find((x) => x.opening.trim() === ctx.messages![0].content.trim())!;
  return `Obviously, ${s.facts[0]}. Just google it next time.`;
}

/** The assistant: kind + all facts on even scenarios, curt + first fact only on odd ones. */
export function assistant(ctx: StubRespondContext): string {
  const s = scenarios.find((x) => x.opening.trim() === ctx.messages![0].content.trim())!;
  const turn = (ctx.messages!.length + 1) / 2;
  if (kind(s.id))
    return `I'm sorry, that sounds really stressful — this is a common problem and it is fixable.\n${s.facts.map((f, i) => `${i + 1}. ${f}`).join('\n')}\n(turn ${turn})`;
  return `Obviously, ${s.facts[0]}. Just google it next time.`;
}

const section = (prompt: string, name: string) => prompt.split(`[${name}]\n`)[1].split('\n\n[')[0];
const assistantText = (prompt: string) =>
  section(prompt, 'Conversation')
    .split('### ')
    .filter((b) => b.startsWith('Assistant:'))
    .join('\n')
    .toLowerCase();
const factsOf = (prompt: string) =>
  section(prompt, 'Technical facts a good answer must contain')
    .split('\n')
    .map((l) => l.replace(/^\d+\. /, ''));

/** Judge 1: fact = its longest word appears; warm words → acknowledgement; blame words → respect. */
export function judge1(ctx: StubRespondContext): string {
  const p = ctx.messages![1].content;
  const text = assistantText(p);
  const facts = factsOf(p).map((f) =>
    text.includes(
      f
        .split(/\W+/)
        .sort((a, b) => b.length - a.length)[0]
        .toLowerCase(),
    ),
  );
  const cov = facts.filter(Boolean).length / facts.length;
  const v = {
    technical_correctness: Math.round(2 + 8 * cov),
    acknowledgement: /sorry|stressful|frustrat/.test(text) ? 8 : 3,
    respect: /obviously|just google/.test(text) ? 2 : 9,
    actionable_next_steps: Math.min(10, 2 + text.split('\n').filter((l) => /^\d+\./.test(l)).length * 2),
    facts,
  };
  return `Explanation: rule-based.\nVERDICT: ${JSON.stringify(v)}`;
}

/** Judge 2: stricter coverage rule (whole fact text), length-based steps; no verdict line on every 7th first attempt. */
export function judge2(ctx: StubRespondContext): string {
  const p = ctx.messages![1].content;
  if (ctx.params.seed === undefined && p.length % 7 === 0) return 'Let me think about this answer carefully.';
  const text = assistantText(p);
  const facts = factsOf(p).map((f) => text.includes(f.toLowerCase()));
  const cov = facts.filter(Boolean).length / facts.length;
  const v = {
    technical_correctness: 1 + Math.round(9 * cov * cov),
    acknowledgement: /sorry/.test(text.slice(0, 200)) ? 7 : 4,
    respect: /just google/.test(text) ? 3 : /obviously/.test(text) ? 5 : 10,
    actionable_next_steps: text.length > 400 ? 8 : 4,
    facts,
  };
  return `VERDICT: ${JSON.stringify(v)}`;
}
