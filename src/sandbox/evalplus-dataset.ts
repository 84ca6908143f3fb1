/**
 * Build EvalPlusProblem records from the HumanEval+ / MBPP+ release files, keeping the inputs' original JSON text.
 *
 * Why: JavaScript numbers cannot tell `3.0` from `3`, so inputs that went through JSON.parse reach Python as ints
 * where EvalPlus passes floats (18 HumanEval+ and 13 MBPP+ tasks have integral floats in their inputs). A solution
 * can behave differently on them (`3.0 // 2` is `1.0`), so the executor sends these raw texts when present.
 */
import { createHash } from 'node:crypto';
import { DatasetResolver, requireField } from '../datasets/registry.js';
import { EvalkitError } from '../util/errors.js';
import { parsePythonJson } from '../util/pyjson.js';
import type { EvalPlusProblem } from './api.js';

/** Byte spans of the values of a JSON object's top-level keys (the object text must be valid JSON/pyjson). */
export function topLevelValueSpans(text: string): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>();
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  const skipString = () => {
    i++; // opening quote
    while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  const skipValue = () => {
    ws();
    let depth = 0;
    for (; i < n;) {
      const c = text[i];
      if (c === '"') {
        skipString();
        if (depth === 0) return;
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) return; // end of enclosing object
        depth--;
        if (depth === 0) {
          i++;
          return;
        }
      } else if (depth === 0 && (c === ',' || /\s/.test(c))) return;
      i++;
    }
  };
  ws();
  if (text[i] !== '{') throw new Error('not a JSON object');
  i++;
  for (;;) {
    ws();
    if (text[i] === '}') break;
    if (text[i] !== '"') throw new Error(`expected a key at offset ${i}`);
    const ks = i;
    skipString();
    const key = JSON.parse(text.slice(ks, i)) as string;
    ws();
    if (text[i] !== ':') throw new Error(`expected ':' at offset ${i}`);
    i++;
    ws();
    const vs = i;
    skipValue();
    spans.set(key, [vs, i]);
    ws();
    if (text[i] === ',') i++;
  }
  return spans;
}

export type EvalPlusDatasetId = 'humanevalplus-v0.1.10' | 'mbppplus-v0.2.0' | string;

/**
 * Load HumanEval+ (`dataset: 'humaneval'`, ground truth = prompt + canonical_solution) or MBPP+ (`'mbpp'`,
 * ground truth = canonical_solution; EvalPlus prepends the docstring prompt, which does not change behaviour).
 * `datasetHash` is the md5 of the uncompressed file, as EvalPlus computes it.
 */
export async function loadEvalPlusProblems(
  datasetId: EvalPlusDatasetId,
  resolver: DatasetResolver = new DatasetResolver(),
): Promise<EvalPlusProblem[]> {
  const { text, path } = await resolver.text(datasetId);
  const dataset: 'humaneval' | 'mbpp' = /mbpp/i.test(datasetId) ? 'mbpp' : 'humaneval';
  const datasetHash = createHash('md5').update(text).digest('hex');
  const problems: EvalPlusProblem[] = [];
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln];
    if (!line.trim()) continue;
    const where = `${path}:${ln + 1}`;
    let rec: Record<string, unknown>;
    let spans: Map<string, [number, number]>;
    try {
      rec = parsePythonJson<Record<string, unknown>>(line);
      spans = topLevelValueSpans(line);
    } catch (e) {
      throw new EvalkitError(`${where}: invalid JSON (${(e as Error).message})`);
    }
    const str = (name: string): string => requireField<string>(rec, name, 'string', path, ln + 1);
    const taskId = str('task_id');
    const canonical = str('canonical_solution');
    const raw = (name: string): string => {
      const s = spans.get(name);
      if (!s) throw new EvalkitError(`${where}: missing field "${name}"`);
      return line.slice(s[0], s[1]);
    };
    const asList = (v: unknown): unknown[][] => (Array.isArray(v) ? (v as unknown[][]) : []);
    problems.push({
      taskId,
      dataset,
      entryPoint: str('entry_point'),
      groundTruthProgram: dataset === 'humaneval' ? str('prompt') + canonical : canonical,
      baseInputs: asList(rec.base_input),
      plusInputs: asList(rec.plus_input),
      baseInputsJson: raw('base_input'),
      plusInputsJson: raw('plus_input'),
      atol: Number(rec.atol ?? 0) || 0,
      datasetHash,
    });
  }
  return problems;
}
