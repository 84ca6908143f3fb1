/**
 * Length and format drift next to a score change: for each compared task, the two checkpoints' generation
 * statistics (metrics.json `generation`, src/reasoning/generation-stats.ts) reduced to the numbers that
 * explain a delta: cap hits, ended-in-reasoning, no extractable answer, answer / reasoning length, and
 * reward-hacking patterns in the extracted code.
 */
import type { GenerationStats } from '../reasoning/generation-stats.js';
import type { TaskMetrics } from '../types.js';
import type { ComparedTask, PairComparison } from './compare.js';
import { esc } from './item-view.js';

export interface DriftSide {
  samples: number;
  /** Share of samples that stopped at the token cap (finish_reason "length"). */
  lengthRate: number;
  truncatedInReasoningRate: number;
  /** Scored samples from which the scorer extracted nothing; null for tasks without extraction (IFEval). */
  noAnswerRate: number | null;
  answerCharsP50: number;
  reasoningCharsP50: number | null;
  completionTokensP50: number | null;
  /** Scored samples with at least one reward-hacking finding, and their share. */
  rewardHacking: number;
  rewardHackingRate: number;
  rewardHackingByKind: Record<string, number>;
}

export interface TaskDrift {
  a: DriftSide | null;
  b: DriftSide | null;
}

export function driftSide(m: TaskMetrics | undefined): DriftSide | null {
  const g: GenerationStats | undefined = m?.generation;
  if (!g) return null;
  return {
    samples: g.samples,
    lengthRate: g.lengthRate,
    truncatedInReasoningRate: g.truncatedInReasoningRate,
    noAnswerRate: g.answerExtraction === false ? null : g.noAnswerRate,
    answerCharsP50: g.answerChars.p50,
    reasoningCharsP50: g.reasoningChars?.p50 ?? null,
    completionTokensP50: g.completionTokens?.p50 ?? null,
    rewardHacking: g.rewardHacking.samples,
    rewardHackingRate: g.rewardHacking.rate,
    rewardHackingByKind: g.rewardHacking.byKind,
  };
}

const pct = (x: number | null | undefined) => (x == null ? '–' : `${(100 * x).toFixed(1)}%`);
const num = (x: number | null | undefined) => (x == null ? '–' : String(Math.round(x)));
const arrow = (a: string, b: string) => (a === b ? a : `${a}→${b}`);

/** The drift columns, in display order: header and how to render one side. */
export const DRIFT_COLUMNS: Array<{ header: string; cell: (s: DriftSide | null) => string }> = [
  { header: 'cap hit', cell: (s) => (s ? pct(s.lengthRate) : '–') },
  { header: 'ended in reasoning', cell: (s) => (s ? pct(s.truncatedInReasoningRate) : '–') },
  { header: 'no answer', cell: (s) => (s ? pct(s.noAnswerRate) : '–') },
  { header: 'answer p50 (chars)', cell: (s) => (s ? num(s.answerCharsP50) : '–') },
  { header: 'reasoning p50 (chars)', cell: (s) => (s ? num(s.reasoningCharsP50) : '–') },
  { header: 'tokens p50', cell: (s) => (s ? num(s.completionTokensP50) : '–') },
  {
    header: 'reward-hacking',
    cell: (s) => (s ? (s.rewardHacking ? `${s.rewardHacking} (${pct(s.rewardHackingRate)})` : '0') : '–'),
  },
];

/** "a→b" per drift column (one value when both sides agree). */
export function driftCells(d: TaskDrift): string[] {
  return DRIFT_COLUMNS.map((c) => arrow(c.cell(d.a), c.cell(d.b)));
}

/** Whether a task's drift is worth a line at all (some generation statistics on either side). */
export function hasDrift(d: TaskDrift | undefined): d is TaskDrift {
  return !!d && (d.a !== null || d.b !== null);
}

/** HTML under a pair's paired-test table: exclusions per task, then the drift table. */
export function renderDriftHtml(pair: PairComparison, excludedFrom: string | undefined): string {
  const parts: string[] = [];
  const excluded = pair.tasks.filter((t) => t.excluded);
  if (excluded.length)
    parts.push(
      `<ul class="exclusions">${excluded
        .map((t) => `<li data-task="${esc(t.task)}">${esc(exclusionText(t, pair, excludedFrom))}</li>`)
        .join('')}</ul>`,
    );
  const withDrift = pair.tasks.filter((t) => hasDrift(t.drift));
  if (withDrift.length)
    parts.push(
      `<table class="drift" data-pair="${esc(pair.a)}→${esc(pair.b)}"><tr><th>drift ${esc(pair.a)} → ${esc(pair.b)}</th>${DRIFT_COLUMNS.map(
        (c) => `<th class="num">${esc(c.header)}</th>`,
      ).join('')}</tr>${withDrift
        .map(
          (t) =>
            `<tr data-task="${esc(t.task)}"><td>${esc(t.task)}</td>${driftCells(t.drift)
              .map((c) => `<td class="num">${esc(c)}</td>`)
              .join('')}</tr>`,
        )
        .join('')}</table>`,
    );
  return parts.join('');
}

/** Markdown lines under a pair's table: exclusions, then the drift table. */
export function renderDriftMarkdown(pair: PairComparison, excludedFrom: string | undefined): string[] {
  const lines: string[] = [];
  for (const t of pair.tasks) if (t.excluded) lines.push(`- ${exclusionText(t, pair, excludedFrom)}`);
  if (lines.length) lines.push('');
  const withDrift = pair.tasks.filter((t) => hasDrift(t.drift));
  if (withDrift.length) {
    lines.push(
      `| drift ${pair.a} → ${pair.b} | ${DRIFT_COLUMNS.map((c) => c.header).join(' | ')} |`,
      `|---|${DRIFT_COLUMNS.map(() => '---:').join('|')}|`,
      ...withDrift.map((t) => `| ${t.task} | ${driftCells(t.drift).join(' | ')} |`),
      '',
    );
  }
  return lines;
}

export function exclusionText(
  t: ComparedTask,
  pair: PairComparison,
  excludedFrom: string | undefined,
): string {
  const parts: string[] = [];
  if (excludedFrom) parts.push(`${t.excluded!.items} flagged item(s) excluded (${excludedFrom})`);
  const tr = t.excluded!.truncatedInReasoning;
  if (tr) parts.push(`samples ended in reasoning excluded: ${tr.a} in ${pair.a}, ${tr.b} in ${pair.b}`);
  return `${t.task}: ${parts.join('; ')}; ${t.paired} items paired`;
}
