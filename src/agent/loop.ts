/**
 * The multi-turn agent loop: model turn → tool calls run in the session → results back → … until the model
 * submits or a budget (turns, tokens, wall time, malformed replies) runs out. Whatever the exit, the answer is
 * the session's diff at the end (SWE-agent's autosubmission); the exit reason is recorded with it.
 *
 * The trajectory — every message, tool call, tool output and timing — is appended step by step to
 * `<trajectoryPath>.jsonl` (one JSON object a line, flushed per step, so a killed run keeps what it did) and
 * summarised in the returned value.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentMessage, AgentModel, ModelTurn, ToolCall } from './model.js';
import type { AgentSession } from './session.js';
import { AGENT_TOOLS, executeTool } from './tools.js';

export interface AgentBudgets {
  /** Model turns (default 30). */
  maxTurns: number;
  /** Prompt + completion tokens summed over all turns (default 2,000,000). */
  maxTokens: number;
  /** Wall clock of the whole episode, ms (default 30 min). */
  wallMs: number;
  /** Consecutive malformed tool calls before giving up (default 3). */
  maxMalformed: number;
  /** Per-command time limit, ms (default 120 s). */
  commandTimeoutMs: number;
}

export const DEFAULT_BUDGETS: AgentBudgets = {
  maxTurns: 30,
  maxTokens: 2_000_000,
  wallMs: 1_800_000,
  maxMalformed: 3,
  commandTimeoutMs: 120_000,
};

export type AgentExit =
  'submitted' | 'turn_budget' | 'token_budget' | 'wall_time' | 'malformed_limit' | 'model_error';

export interface TrajectoryStep {
  turn: number;
  startedAt: string;
  response: {
    content: string | null;
    toolCalls: ToolCall[];
    malformed?: string;
    finishReason: string | null;
    usage: ModelTurn['usage'];
    latencyMs: number;
  };
  tools: Array<{
    callId: string;
    name: string;
    arguments: string;
    /** The arguments were not a JSON object (the model is told; counts as malformed). */
    malformed?: string;
    output: string;
    exitCode?: number | null;
    timedOut?: boolean;
    durationMs: number;
  }>;
}

export interface AgentResult {
  exit: AgentExit;
  /** The model's change at the end (unified diff; empty if none). */
  patch: string;
  turns: number;
  toolCalls: number;
  malformedCalls: number;
  usage: { promptTokens: number; completionTokens: number };
  wallMs: number;
  error?: string;
  messages: AgentMessage[];
}

export interface RunAgentOptions {
  model: AgentModel;
  session: AgentSession;
  system: string;
  task: string;
  budgets?: Partial<AgentBudgets>;
  /** Trajectory file stem; steps go to `<path>.jsonl`. */
  trajectoryPath?: string;
  signal?: AbortSignal;
}

function record(path: string | undefined, obj: unknown) {
  if (!path) return;
  appendFileSync(`${path}.jsonl`, JSON.stringify(obj) + '\n');
}

export async function runAgent(o: RunAgentOptions): Promise<AgentResult> {
  const b = { ...DEFAULT_BUDGETS, ...o.budgets };
  const t0 = performance.now();
  if (o.trajectoryPath) mkdirSync(dirname(o.trajectoryPath), { recursive: true });
  const messages: AgentMessage[] = [
    { role: 'system', content: o.system },
    { role: 'user', content: o.task },
  ];
  record(o.trajectoryPath, {
    kind: 'start',
    at: new Date().toISOString(),
    protocol: o.model.protocol,
    budgets: b,
    messages,
  });
  const usage = { promptTokens: 0, completionTokens: 0 };
  let turns = 0;
  let toolCalls = 0;
  let malformedCalls = 0;
  let malformedRun = 0;
  let exit: AgentExit = 'turn_budget';
  let error: string | undefined;
  const elapsed = () => performance.now() - t0;

  loop: while (true) {
    if (turns >= b.maxTurns) {
      exit = 'turn_budget';
      break;
    }
    if (usage.promptTokens + usage.completionTokens >= b.maxTokens) {
      exit = 'token_budget';
      break;
    }
    if (elapsed() >= b.wallMs) {
      exit = 'wall_time';
      break;
    }
    turns++;
    const startedAt = new Date().toISOString();
    let turn: ModelTurn;
    try {
      const remaining = AbortSignal.timeout(Math.max(1, Math.ceil(b.wallMs - elapsed())));
      turn = await o.model.complete(
        messages,
        AGENT_TOOLS,
        o.signal ? AbortSignal.any([o.signal, remaining]) : remaining,
      );
    } catch (e) {
      exit = elapsed() >= b.wallMs ? 'wall_time' : 'model_error';
      error = (e as Error).message;
      record(o.trajectoryPath, { kind: 'error', turn: turns, at: new Date().toISOString(), error });
      break;
    }
    usage.promptTokens += turn.usage.promptTokens;
    usage.completionTokens += turn.usage.completionTokens;
    const step: TrajectoryStep = {
      turn: turns,
      startedAt,
      response: {
        content: turn.content,
        toolCalls: turn.toolCalls,
        malformed: turn.malformed,
        finishReason: turn.finishReason,
        usage: turn.usage,
        latencyMs: turn.latencyMs,
      },
      tools: [],
    };
    const native = o.model.protocol === 'tools';
    messages.push(
      native && turn.toolCalls.length
        ? {
            role: 'assistant',
            content: turn.content,
            tool_calls: turn.toolCalls.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.name, arguments: c.arguments },
            })),
          }
        : { role: 'assistant', content: turn.content ?? '' },
    );
    const feedback = (text: string) => messages.push({ role: 'user', content: text });

    if (turn.malformed) {
      malformedCalls++;
      malformedRun++;
      feedback(
        `Your tool call could not be parsed: ${turn.malformed}. Reply with exactly one well-formed <tool_call> block.`,
      );
      record(o.trajectoryPath, { kind: 'step', ...step });
      if (malformedRun >= b.maxMalformed) {
        exit = 'malformed_limit';
        break;
      }
      continue;
    }
    if (!turn.toolCalls.length) {
      feedback('No tool call found. Use one of the tools, or call submit when you are done.');
      record(o.trajectoryPath, { kind: 'step', ...step });
      continue;
    }
    let submitted = false;
    let anyMalformed = false;
    for (const call of turn.toolCalls) {
      toolCalls++;
      let args: Record<string, unknown> | undefined;
      let bad: string | undefined;
      try {
        const v = JSON.parse(call.arguments || '{}');
        if (v && typeof v === 'object' && !Array.isArray(v)) args = v;
        else bad = 'arguments must be a JSON object';
      } catch (e) {
        bad = `arguments are not valid JSON (${(e as Error).message})`;
      }
      let output: string;
      let facts: Partial<TrajectoryStep['tools'][number]> = {};
      let durationMs = 0;
      if (bad || !args) {
        anyMalformed = true;
        malformedCalls++;
        output = `error: ${bad}`;
      } else if (submitted) {
        output = 'error: already submitted';
      } else {
        const r = await executeTool(o.session, call.name, args, {
          commandTimeoutMs: b.commandTimeoutMs,
          signal: o.signal,
        });
        output = r.output;
        durationMs = r.durationMs;
        facts = { exitCode: r.exitCode, timedOut: r.timedOut };
        if (!r.ok) {
          anyMalformed = true;
          malformedCalls++;
        }
        if (r.submit) submitted = true;
      }
      step.tools.push({
        callId: call.id,
        name: call.name,
        arguments: call.arguments,
        malformed: bad,
        output,
        durationMs,
        ...facts,
      });
      if (native) messages.push({ role: 'tool', tool_call_id: call.id, content: output });
      else feedback(output);
    }
    record(o.trajectoryPath, { kind: 'step', ...step });
    malformedRun = anyMalformed ? malformedRun + 1 : 0;
    if (submitted) {
      exit = 'submitted';
      break loop;
    }
    if (malformedRun >= b.maxMalformed) {
      exit = 'malformed_limit';
      break;
    }
  }
  const patch = await o.session.diff();
  const result: AgentResult = {
    exit,
    patch,
    turns,
    toolCalls,
    malformedCalls,
    usage,
    wallMs: Math.round(elapsed()),
    ...(error ? { error } : {}),
    messages,
  };
  record(o.trajectoryPath, {
    kind: 'end',
    at: new Date().toISOString(),
    exit,
    turns,
    toolCalls,
    malformedCalls,
    usage,
    wallMs: result.wallMs,
    error,
    patch,
  });
  return result;
}
