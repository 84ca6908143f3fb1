/**
 * Multi-turn generation for the conversation drivers of MT-Bench, EQ-Bench 3, Spiral-Bench and the empathy
 * scenarios. One conversation per sample: the model answers the opening (the recorded RequestRecord), then
 * each later user turn is either scripted by the task or written by a simulated user (another model, which
 * sees the conversation with roles swapped: the model's replies as "user" messages), and the model answers
 * with the whole history. Every generated turn keeps its exact request (`ConversationTurn.request`).
 * A failed turn ends the conversation: the sample is errored (retried on resume), the turns so far are kept.
 */
import type {
  ChatMessage,
  ConversationTurn,
  GenerateOptions,
  GenerationParams,
  GenerationRecord,
  ModelProvider,
  RequestRecord,
} from '../types.js';

/** A later user turn: fixed text, or written by the simulated user. */
export type UserTurn = { script: string } | { simulate: true };

export interface SimulatedUser {
  provider: ModelProvider;
  /** The simulator's system prompt (persona and instructions). */
  system: string;
  params: GenerationParams;
  /** Text appended to the simulator's last message before it writes turn k (0-based model turn just answered). */
  injection?: (turn: number) => string | undefined;
  /**
   * Build the simulator's whole request for turn k instead (benchmarks with their own layout, e.g. Spiral-Bench:
   * per-turn system prompt and instructions appended to the last message). `turns` = the conversation so far.
   */
  buildMessages?: (turns: ConversationTurn[], turn: number) => ChatMessage[];
}

export interface ConversationPlan {
  /** User turns after the opening one. */
  followUps: UserTurn[];
  /** Parameters of the model's k-th answer (0-based); default: the request's. */
  paramsForTurn?: (turn: number) => GenerationParams;
  simulatedUser?: SimulatedUser;
}

function sourceOf(messages: ChatMessage[]): ConversationTurn[] {
  return messages.map((m) => ({ ...m, source: 'script' as const }));
}

/** Run one conversation for one sample index. Never throws for provider failures. */
export async function runConversation(
  model: ModelProvider,
  request: RequestRecord,
  sampleIndex: number,
  plan: ConversationPlan,
  opts: GenerateOptions = {},
): Promise<GenerationRecord> {
  if (request.prompt.kind !== 'chat')
    throw new Error(`${request.requestId}: multi-turn tasks need chat prompts`);
  const turns: ConversationTurn[] = sourceOf(request.prompt.messages);
  const base = { requestId: request.requestId, task: request.task, itemId: request.itemId, sampleIndex };
  let latency = 0;
  const fail = (error: string): GenerationRecord => ({ ...base, text: null, error, conversation: turns });
  const modelTurns = 1 + plan.followUps.length;
  for (let k = 0; k < modelTurns; k++) {
    if (k > 0) {
      const next = plan.followUps[k - 1];
      if ('script' in next) turns.push({ role: 'user', content: next.script, source: 'script' });
      else {
        const sim = plan.simulatedUser;
        if (!sim) return fail(`turn ${k + 1} needs a simulated user: pass --simulated-user`);
        let swapped: ChatMessage[];
        if (sim.buildMessages) swapped = sim.buildMessages(turns, k);
        else {
          swapped = [{ role: 'system', content: sim.system }];
          for (const t of turns) {
            if (t.role === 'system') continue;
            swapped.push({ role: t.role === 'assistant' ? 'user' : 'assistant', content: t.content });
          }
          const inj = sim.injection?.(k);
          if (inj)
            swapped[swapped.length - 1] = {
              ...swapped[swapped.length - 1],
              content: `${swapped[swapped.length - 1].content}\n\n${inj}`,
            };
        }
        const simReq: RequestRecord = {
          ...request,
          requestId: `${request.requestId}#user${k}`,
          prompt: { kind: 'chat', messages: swapped },
          params: sim.params,
        };
        const [u] = await sim.provider.generate(simReq, [sampleIndex], opts);
        if (!u || u.text === null || u.error)
          return fail(`simulated user turn ${k + 1} failed: ${u?.error ?? 'no output'}`);
        turns.push({
          role: 'user',
          content: u.text.trim(),
          source: 'simulated-user',
          request: { prompt: simReq.prompt, params: simReq.params },
          finishReason: u.finishReason ?? null,
        });
      }
    }
    const params = plan.paramsForTurn?.(k) ?? request.params;
    const messages: ChatMessage[] = turns.map((t) => ({ role: t.role, content: t.content }));
    const req: RequestRecord =
      k === 0 && params === request.params
        ? request
        : {
            ...request,
            requestId: k === 0 ? request.requestId : `${request.requestId}#t${k + 1}`,
            prompt: { kind: 'chat', messages },
            params,
          };
    const [g] = await model.generate(req, [sampleIndex], opts);
    latency += g?.latencyMs ?? 0;
    if (!g || g.text === null || g.error) return fail(`turn ${k + 1}: ${g?.error ?? 'no output'}`);
    turns.push({
      role: 'assistant',
      content: g.text,
      source: 'model',
      request: { prompt: req.prompt, params: req.params },
      finishReason: g.finishReason ?? null,
    });
    if (opts.signal?.aborted) return fail('interrupted');
  }
  const last = turns[turns.length - 1];
  return {
    ...base,
    text: last.content,
    finishReason: last.finishReason ?? null,
    latencyMs: latency,
    conversation: turns,
    source: model.id,
  };
}

/** The assistant turns of a generation (multi-turn: from the conversation; else the text). */
export function assistantTurns(g: GenerationRecord): string[] {
  if (g.conversation) return g.conversation.filter((t) => t.role === 'assistant').map((t) => t.content);
  return g.text === null ? [] : [g.text];
}
