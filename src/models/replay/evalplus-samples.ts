/**
 * Reader for EvalPlus sample files (pre-generated solutions), so `evalkit score --samples` can score them:
 *  - `.jsonl`: one object per line with `task_id` and `solution` (full program) or `completion` (continuation
 *    of the prompt); several lines per task are several samples, indexed in file order;
 *  - directory form (EvalPlus `load_solutions`): `<dir>/<task_id with "/" replaced by "_">/<n>.py`, each
 *    file one solution; samples are indexed by the numeric file name order.
 * A file may cover a subset of the tasks (missing tasks are reported by the aggregate, not here).
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EvalkitError } from '../../util/errors.js';

export interface EvalPlusSample {
  taskId: string;
  sampleIndex: number;
  solution?: string;
  completion?: string;
  /** 1-based line in the .jsonl file (absent for the directory form). */
  line?: number;
}

export async function readSamples(path: string): Promise<{ samples: EvalPlusSample[]; source: string }> {
  const source = resolve(path);
  if (!existsSync(source)) throw new EvalkitError(`${source}: samples file or directory not found`);
  return statSync(source).isDirectory()
    ? { samples: await readDirectory(source), source }
    : { samples: parseSamplesJsonl(await readFile(source, 'utf8'), source), source };
}

/** Parse the .jsonl form; errors name file, line and field. */
export function parseSamplesJsonl(text: string, file: string): EvalPlusSample[] {
  const out: EvalPlusSample[] = [];
  const counts = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw) continue;
    const line = i + 1;
    let rec: unknown;
    try {
      rec = JSON.parse(raw);
    } catch (e) {
      throw new EvalkitError(`${file}:${line}: malformed JSON line: ${(e as Error).message}`);
    }
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec))
      throw new EvalkitError(`${file}:${line}: expected a JSON object`);
    const r = rec as Record<string, unknown>;
    if (typeof r.task_id !== 'string' || !r.task_id) {
      throw new EvalkitError(
        `${file}:${line}: field "task_id" ${r.task_id === undefined ? 'is missing' : 'must be a non-empty string'}`,
      );
    }
    const hasSolution = r.solution !== undefined;
    const hasCompletion = r.completion !== undefined;
    if (!hasSolution && !hasCompletion)
      throw new EvalkitError(`${file}:${line}: field "solution" or "completion" is missing`);
    if (hasSolution && typeof r.solution !== 'string')
      throw new EvalkitError(`${file}:${line}: field "solution" must be a string`);
    if (!hasSolution && typeof r.completion !== 'string')
      throw new EvalkitError(`${file}:${line}: field "completion" must be a string`);
    const idx = counts.get(r.task_id) ?? 0;
    counts.set(r.task_id, idx + 1);
    out.push({
      taskId: r.task_id,
      sampleIndex: idx,
      ...(hasSolution ? { solution: r.solution as string } : { completion: r.completion as string }),
      line,
    });
  }
  return out;
}

async function readDirectory(dir: string): Promise<EvalPlusSample[]> {
  const out: EvalPlusSample[] = [];
  const taskDirs = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const td of taskDirs) {
    const taskId = td.replace(/_/g, '/'); // EvalPlus: task_id.replace("/", "_") when writing, reversed here
    const files = (await readdir(join(dir, td))).filter((f) => f.endsWith('.py'));
    const keyed = files.map((f) => {
      const n = Number(f.slice(0, -3));
      if (!Number.isInteger(n) || n < 0)
        throw new EvalkitError(`${join(dir, td, f)}: sample file name must be <n>.py with integer n`);
      return { f, n };
    });
    keyed.sort((a, b) => a.n - b.n);
    for (let i = 0; i < keyed.length; i++) {
      out.push({ taskId, sampleIndex: i, solution: await readFile(join(dir, td, keyed[i].f), 'utf8') });
    }
  }
  if (!out.length)
    throw new EvalkitError(`${dir}: no samples found (expected <task_id with / as _>/<n>.py files)`);
  return out;
}
