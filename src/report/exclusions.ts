/**
 * What `compare`/`report` leave out of the paired statistics: items flagged by `evalkit contamination`
 * (`--exclude-items contamination.json`), and, with `--truncated-in-reasoning exclude`, samples that ended
 * inside their reasoning (by default they count as failures and their rate is shown next to the score).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { ContaminationReport } from '../contamination/scan.js';
import { EvalkitError } from '../util/errors.js';

export type TruncatedInReasoningPolicy = 'fail' | 'exclude';

export interface ItemExclusions {
  /** The file the exclusions were read from. */
  source: string;
  /** task → excluded item ids. */
  byTask: Map<string, Set<string>>;
}

export interface ExclusionOptions {
  excludeItems?: ItemExclusions;
  truncatedInReasoning?: TruncatedInReasoningPolicy;
}

/**
 * Read the items to exclude: an `evalkit contamination` report (its contaminated items; partial ones are
 * kept) or a plain JSON object `{ "<task>": ["<item id>", …] }`.
 */
export function loadItemExclusions(path: string): ItemExclusions {
  const source = resolve(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(source, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EvalkitError(
      `--exclude-items ${path}: ${code ? `cannot read (${code})` : `not JSON (${(e as Error).message})`}`,
    );
  }
  const byTask = new Map<string, Set<string>>();
  if (raw && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'evalkit-contamination') {
    const rep = raw as ContaminationReport;
    if (!Array.isArray(rep.tasks))
      throw new EvalkitError(`--exclude-items ${path}: contamination report without a "tasks" list`);
    for (const t of rep.tasks) {
      if (!Array.isArray(t.contaminatedItems))
        throw new EvalkitError(`--exclude-items ${path}: task "${t.task}" has no "contaminatedItems" list`);
      byTask.set(t.task, new Set(t.contaminatedItems.map((c) => c.itemId)));
    }
    return { source, byTask };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new EvalkitError(
      `--exclude-items ${path}: expected an evalkit contamination report or {"<task>": ["<item id>", …]}`,
    );
  for (const [task, ids] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string'))
      throw new EvalkitError(`--exclude-items ${path}: "${task}" must be a list of item ids (strings)`);
    byTask.set(task, new Set(ids as string[]));
  }
  return { source, byTask };
}

/** `--exclude-items` and `--truncated-in-reasoning`, shared by compare and report. */
export function addExclusionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--exclude-items <file>',
      'leave these items out of the metric and the paired tests: an `evalkit contamination` report (its contaminated items) or {"<task>": ["<item id>", …]}',
    )
    .option(
      '--truncated-in-reasoning <policy>',
      'samples that ended inside their reasoning: "fail" (scored as failures, the default) or "exclude" (left out of the paired tests)',
      'fail',
    );
}

/** The parsed options (read before any database work: bad input is one line, nothing opened). */
export function exclusionOptionsFrom(o: {
  excludeItems?: string;
  truncatedInReasoning?: string;
}): ExclusionOptions {
  return {
    truncatedInReasoning: parseTruncatedPolicy(o.truncatedInReasoning ?? 'fail'),
    ...(o.excludeItems ? { excludeItems: loadItemExclusions(o.excludeItems) } : {}),
  };
}

export function parseTruncatedPolicy(v: string): TruncatedInReasoningPolicy {
  if (v !== 'fail' && v !== 'exclude')
    throw new EvalkitError(`--truncated-in-reasoning must be fail or exclude (got "${v}")`);
  return v;
}
