/**
 * `/trajectory?run=&task=&item=&sample=`: one multi-turn sample turn by turn. Two sources, whichever the sample
 * has:
 *   - an agent trajectory file (src/agent/trajectory.ts; SWE-bench agent): every model message, tool call with
 *     its arguments, tool output with exit code and duration, the budgets used so far at each turn, the exit
 *     reason and the final patch;
 *   - the generation record's `conversation` (Aider polyglot's two tries with test feedback, judge-driven
 *     conversations): every message in order, model turns with their finish reason.
 * Then the verdict (status, scores, reason) and the hidden tests' results from the verdict's details (SWE-bench:
 * FAIL_TO_PASS / PASS_TO_PASS, test log tail; Aider: each try's test run).
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AgentMessage } from '../agent/model.js';
import { readTrajectory, type Trajectory } from '../agent/trajectory.js';
import { esc } from '../report/item-view.js';
import type { ResultsDb, SampleRow } from '../store/db/results-db.js';
import { RUN_FILES } from '../store/run-dir.js';
import type { ConversationTurn, GenerationRecord } from '../types.js';

export const TRAJECTORY_CSS = `
ol.turns{list-style:none;padding:0;margin:0}li.turn{border:1px solid #d5d9de;border-radius:6px;padding:8px 10px;margin:10px 0}
li.turn>h3{margin:0 0 4px;font-size:14px}li.turn.error{border-color:#e0b4b4;background:#fdf6f6}
.used{color:#555;font-size:12px;font-weight:400}.tool{border-left:3px solid #0072b2;padding-left:8px;margin:6px 0}
pre.model{background:#fff;border:1px solid #e3e6e9}pre.output{background:#f3f1ea}.malformed{color:#a32121;font-size:12px}
ul.tests{columns:2;font-family:ui-monospace,monospace;font-size:12px;margin:4px 0}ul.tests li.fail{color:#a32121}ul.tests li.pass{color:#1d6b31}
li.turn.script{border-style:dashed;background:#fafbfc}
`;

const secs = (ms: number | undefined) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : '?');
const tokens = (u?: { promptTokens?: number; completionTokens?: number }) =>
  (u?.promptTokens ?? 0) + (u?.completionTokens ?? 0);

/**
 * A <pre> block. The newline after the tag is part of the markup: HTML drops one newline right after `<pre>`,
 * so text that itself starts with a newline (test output often does) keeps it.
 */
const pre = (cls: string, html: string, id?: string) =>
  `<pre class="${cls}"${id ? ` id="${id}"` : ''}>\n${html}</pre>`;

/** The generation record of one sample from the run's generations.jsonl (the last one written for it). */
export async function readGeneration(
  runDir: string,
  task: string,
  itemId: string,
  sampleIndex: number,
): Promise<GenerationRecord | undefined> {
  const path = join(runDir, RUN_FILES.generations);
  if (!existsSync(path)) return undefined;
  // Parse only the lines that mention the item (a run may hold 100,000 generations).
  const needle = JSON.stringify(itemId);
  let found: GenerationRecord | undefined;
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.includes(needle)) continue;
    let g: GenerationRecord;
    try {
      g = JSON.parse(line) as GenerationRecord;
    } catch {
      continue; // a torn last line of a killed run
    }
    if (g.task === task && g.itemId === itemId && g.sampleIndex === sampleIndex) found = g;
  }
  return found;
}

function prettyArgs(name: string, args: string): string {
  let v: unknown;
  try {
    v = JSON.parse(args || '{}');
  } catch {
    return args;
  }
  if (name === 'bash' && v && typeof v === 'object' && typeof (v as any).command === 'string')
    return `$ ${(v as any).command}`;
  return JSON.stringify(v, null, 2);
}

function taskMessages(messages: AgentMessage[] | ConversationTurn[]): string {
  return messages
    .filter((m) => m.role === 'system' || m.role === 'user')
    .map(
      (m) =>
        `<details class="given" data-role="${m.role}"><summary>${m.role === 'system' ? 'system prompt' : 'task'} (${(m.content ?? '').length} characters)</summary>${pre('given', esc(m.content ?? ''))}</details>`,
    )
    .join('');
}

function agentSection(t: Trajectory): { budgets: string; body: string } {
  const b = t.start?.budgets;
  const started = t.start ? Date.parse(t.start.at) : undefined;
  let cumTokens = 0;
  let toolCalls = 0;
  const turns: string[] = [];
  const errors = new Map(t.errors.map((e) => [e.turn, e]));
  for (const s of t.steps) {
    cumTokens += tokens(s.response.usage);
    toolCalls += s.tools.length;
    const elapsed = started !== undefined ? Date.parse(s.startedAt) - started : undefined;
    const used = [
      `turn ${s.turn}${b ? ` of ${b.maxTurns}` : ''}`,
      `${tokens(s.response.usage)} tokens (${s.response.usage.promptTokens} prompt + ${s.response.usage.completionTokens} completion), ${cumTokens}${b ? ` of ${b.maxTokens}` : ''} so far`,
      `started at ${secs(elapsed)}${b ? ` of ${secs(b.wallMs)}` : ''}`,
      `model ${secs(s.response.latencyMs)}`,
      `finish ${s.response.finishReason ?? '?'}`,
    ];
    const tools = s.tools
      .map(
        (c) =>
          `<div class="tool" data-tool="${esc(c.name)}" data-call="${esc(c.callId)}"><div class="label">tool call: ${esc(c.name)}</div>${pre('args', esc(prettyArgs(c.name, c.arguments)))}${c.malformed ? `<p class="malformed">malformed: ${esc(c.malformed)}</p>` : ''}<div class="label">output${c.exitCode !== undefined && c.exitCode !== null ? ` · exit code ${c.exitCode}` : ''} · ${secs(c.durationMs)}${c.timedOut ? ' · <span class="fail">timed out</span>' : ''}</div>${pre('output', esc(c.output))}</div>`,
      )
      .join('');
    turns.push(
      `<li class="turn" data-turn="${s.turn}"><h3>Turn ${s.turn} <span class="used">${esc(used.join(' · '))}</span></h3><div class="label">model</div>${pre('model', s.response.content ? esc(s.response.content) : '<span class="meta">(no text)</span>')}${s.response.malformed ? `<p class="malformed">malformed tool call: ${esc(s.response.malformed)}</p>` : ''}${tools || (s.response.malformed ? '' : '<p class="meta">no tool call</p>')}</li>`,
    );
  }
  for (const e of errors.values())
    turns.push(
      `<li class="turn error" data-turn="${e.turn}"><h3>Turn ${e.turn} <span class="used">model call failed</span></h3>${pre('output', esc(e.error))}</li>`,
    );
  const end = t.end;
  const row = (what: string, used: string, limit: string) =>
    `<tr data-budget="${esc(what)}"><td>${esc(what)}</td><td class="num">${esc(used)}</td><td class="num">${esc(limit)}</td></tr>`;
  const turnsUsed = end?.turns ?? t.steps.length;
  const budgets = `<table id="budgets"><tr><th>budget</th><th>used</th><th>limit</th></tr>${[
    row('turns', String(turnsUsed), b ? String(b.maxTurns) : '?'),
    row('tokens', String(end ? tokens(end.usage) : cumTokens), b ? String(b.maxTokens) : '?'),
    row('wall time', end ? secs(end.wallMs) : '?', b ? secs(b.wallMs) : '?'),
    row('tool calls', String(end?.toolCalls ?? toolCalls), '–'),
    row('malformed calls', String(end?.malformedCalls ?? '?'), b ? `${b.maxMalformed} in a row` : '?'),
    row('per command', '–', b ? secs(b.commandTimeoutMs) : '?'),
  ].join(
    '',
  )}</table><p id="exit">exit: <b>${esc(end?.exit ?? 'unfinished (no end record: the run was interrupted)')}</b>${end?.error ? ` · ${esc(end.error)}` : ''} · protocol ${esc(t.start?.protocol ?? '?')}</p>`;
  const body = `<h2>Task given to the agent</h2>${taskMessages(t.start?.messages ?? [])}<h2>Turns (${t.steps.length})</h2><ol class="turns" id="turns">${turns.join('')}</ol>${end ? `<h2>Final patch (the answer)</h2>${pre('patch', end.patch ? esc(end.patch) : '<span class="meta">(empty: no change)</span>', 'patch')}` : ''}`;
  return { budgets, body };
}

function conversationSection(g: GenerationRecord, tries?: number): { budgets: string; body: string } {
  const conv = g.conversation ?? [];
  const given: ConversationTurn[] = [];
  let i = 0;
  while (i < conv.length && conv[i].source === 'script' && conv[i].role !== 'assistant')
    given.push(conv[i++]);
  let modelTurns = 0;
  const turns = conv.slice(i).map((m) => {
    if (m.source === 'model') modelTurns++;
    const label =
      m.source === 'model'
        ? `Model turn ${modelTurns}${tries ? ` of ${tries}` : ''} <span class="used">finish ${esc(m.finishReason ?? '?')}</span>`
        : m.source === 'simulated-user'
          ? 'Simulated user'
          : 'Harness feedback <span class="used">(sent to the model)</span>';
    return `<li class="turn ${m.source === 'model' ? '' : 'script'}" data-source="${m.source}"><h3>${label}</h3>${pre(m.source === 'model' ? 'model' : 'output', esc(m.content))}</li>`;
  });
  const budgets = `<table id="budgets"><tr><th>budget</th><th>used</th><th>limit</th></tr><tr data-budget="model turns"><td>model turns</td><td class="num">${modelTurns}</td><td class="num">${tries ?? '–'}</td></tr><tr data-budget="tokens"><td>tokens</td><td class="num">${tokens(g.usage)}</td><td class="num">–</td></tr><tr data-budget="wall time"><td>wall time</td><td class="num">${secs(g.latencyMs)}</td><td class="num">–</td></tr></table><p id="exit">finish: <b>${esc(g.finishReason ?? '?')}</b></p>`;
  const body = `<h2>Task given to the model</h2>${taskMessages(given)}<h2>Turns (${conv.length - i})</h2><ol class="turns" id="turns">${turns.join('')}</ol>`;
  return { budgets, body };
}

const testList = (ids: unknown, cls: 'pass' | 'fail') =>
  Array.isArray(ids) && ids.length
    ? `<ul class="tests ${cls}">${ids.map((t) => `<li class="${cls}">${esc(String(t))}</li>`).join('')}</ul>`
    : '<span class="meta">none</span>';

/** What the hidden tests said, from the verdict's details (SWE-bench and Aider shapes; anything else as JSON). */
function hiddenTests(s: SampleRow): string {
  const d = s.details ?? {};
  if (typeof d.outcome === 'string') {
    const f2pPassed = (d.failToPassPassed as string[] | undefined) ?? [];
    const f2pFailed = (d.failToPassFailed as string[] | undefined) ?? [];
    const p2pFailed = (d.passToPassFailed as string[] | undefined) ?? [];
    const touched = (d.testFilesTouched as string[] | undefined) ?? [];
    return `<p>outcome <b id="outcome">${esc(d.outcome)}</b>${d.appliedWith ? ` · patch applied with ${esc(String(d.appliedWith))}` : ''}${touched.length ? ` · <span class="fail">test files edited by the model (reset before grading): ${esc(touched.join(', '))}</span>` : ''}</p>
<table id="hidden-tests"><tr><th>tests</th><th>pass</th><th>fail</th></tr>
<tr data-kind="FAIL_TO_PASS"><td>FAIL_TO_PASS</td><td>${testList(f2pPassed, 'pass')}</td><td>${testList(f2pFailed, 'fail')}</td></tr>
<tr data-kind="PASS_TO_PASS"><td>PASS_TO_PASS</td><td class="num">${typeof d.passToPassPassedCount === 'number' ? d.passToPassPassedCount : '?'}</td><td>${testList(p2pFailed, 'fail')}</td></tr></table>
${typeof d.testLogTail === 'string' ? `<details><summary>test log (end)</summary>${pre('output', esc(d.testLogTail), 'test-log')}</details>` : ''}`;
  }
  if (Array.isArray(d.attempts)) {
    const rows = (d.attempts as Array<Record<string, any>>)
      .map(
        (a, i) =>
          `<tr data-try="${i + 1}"><td>${i + 1}</td><td class="${a.wellFormed ? 'pass' : 'fail'}">${a.wellFormed ? 'yes' : `no: ${esc(a.parseError ?? '')}`}</td><td class="${a.passed ? 'pass' : 'fail'}">${a.passed ? 'pass' : 'fail'}${a.timedOut ? ' (timeout)' : ''}</td><td class="num">${a.testMs !== undefined ? secs(a.testMs) : '–'}</td><td>${a.testOutputTail !== undefined ? `${pre('output', esc(a.testOutputTail))}` : '<span class="meta">tests not run</span>'}</td></tr>`,
      )
      .join('');
    return `<table id="hidden-tests"><tr><th>try</th><th>edit well-formed</th><th>tests</th><th>test time</th><th>test output (end)</th></tr>${rows}</table>`;
  }
  return Object.keys(d).length
    ? `${pre('details', esc(JSON.stringify(d, null, 2)), 'details')}`
    : '<p class="meta">no details recorded</p>';
}

function verdictSection(s: SampleRow | undefined): string {
  if (!s) return '<p class="meta" id="verdict">not scored yet</p>';
  const scores = Object.entries(s.scores ?? {})
    .map(([k, v]) => `<span data-score="${esc(k)}">${esc(k)} ${v}</span>`)
    .join(' · ');
  return `<p id="verdict"><span class="${s.status}">${s.status}</span> · ${scores || '<span class="meta">no scores</span>'}</p><p class="meta" id="reason">${esc(s.reason ?? s.error ?? s.genError ?? '')}</p>`;
}

/** The page; `undefined` when the run or the sample's record is unknown (the server answers 404). */
export async function trajectoryPage(
  db: ResultsDb,
  runId: string,
  task: string,
  itemId: string,
  sampleIndex: number,
): Promise<{ title: string; body: string } | undefined> {
  const run = db.getRun(runId);
  if (!run) return undefined;
  const sample = db.itemSamples(runId, task, itemId).find((s) => s.sampleIndex === sampleIndex);
  const traj = await readTrajectory(run.dir, task, itemId, sampleIndex);
  let part: { budgets: string; body: string } | undefined;
  let source = '';
  if (traj) {
    part = agentSection(traj);
    source = `agent trajectory ${traj.path}`;
  } else {
    const g = await readGeneration(run.dir, task, itemId, sampleIndex);
    if (g?.conversation?.length) {
      let tries: number | undefined;
      try {
        tries = Number(db.manifest(runId).tasks.find((t) => t.name === task)?.settings.tries);
      } catch {
        tries = undefined; // an imported run without a manifest
      }
      part = conversationSection(g, tries && Number.isFinite(tries) && tries > 0 ? tries : undefined);
      source = `conversation in ${join(run.dir, RUN_FILES.generations)}`;
    }
  }
  if (!part && !sample) return undefined;
  const itemLink = `/item?${new URLSearchParams({ task, item: itemId, runs: runId })}`;
  const title = `${task} ${itemId} #${sampleIndex}`;
  const body = `<style>${TRAJECTORY_CSS}</style><h1>${esc(task)} · ${esc(itemId)} · sample ${sampleIndex}</h1><p class="meta">run <a href="/run/${encodeURIComponent(runId)}?${new URLSearchParams({ task })}">${esc(runId)}</a> · ${esc(run.modelName ?? run.modelId ?? '')} · <a href="${esc(itemLink)}">item page</a>${source ? ` · ${esc(source)}` : ''}</p>
<h2>Verdict</h2>${verdictSection(sample)}${part?.budgets ?? ''}
<h2>Hidden tests</h2>${sample ? hiddenTests(sample) : '<p class="meta">not scored yet</p>'}
${part?.body ?? '<p class="meta" id="no-trajectory">No trajectory or conversation was recorded for this sample (a single-turn task).</p>'}`;
  return { title, body };
}
