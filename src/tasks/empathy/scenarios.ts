/**
 * The empathic software-help scenarios (data/empathy-scenarios/*.yaml, written by the evalkit team; see the
 * folder's README): loading and the schema every scenario must satisfy. One YAML file per situation; a
 * scenario's id is `<situation>/<slug>` where <situation> is the file name.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { lineOf } from '../../campaign/config.js';
import type { DatasetUse } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';

const nonEmpty = z.string().trim().min(1);

export const scenarioSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'must look like <situation>/<slug> (lowercase, digits, dashes)'),
    title: nonEmpty,
    persona: nonEmpty,
    /** The opening user message. */
    opening: z.string().trim().min(20, 'an opening message of at least 20 characters'),
    /** Scripted user replies after each assistant answer (multi-turn scenarios). */
    followUps: z.array(z.string().trim().min(5)).max(4).optional(),
    /** Technical facts a good answer must contain. */
    facts: z.array(nonEmpty).min(2).max(6),
    /** What a bad answer typically does in this situation (shown to the judge). */
    pitfalls: z.array(nonEmpty).min(1).max(4),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema> & { situation: string };

/** data/empathy-scenarios, found from src/ or dist/ (three levels up from this file's folder). */
export function scenariosDir(): string {
  const env = process.env.EVALKIT_EMPATHY_SCENARIOS;
  if (env) return resolve(env);
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data', 'empathy-scenarios');
}

/** Load and validate every scenario; errors name the file, line and field. */
export function loadScenarios(dir = scenariosDir()): { scenarios: Scenario[]; use: DatasetUse } {
  if (!existsSync(dir)) throw new EvalkitError(`empathy scenarios not found: ${dir}`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  if (!files.length) throw new EvalkitError(`${dir}: no *.yaml scenario files`);
  const hash = createHash('sha256');
  const scenarios: Scenario[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const path = join(dir, f);
    const text = readFileSync(path, 'utf8');
    hash.update(`${f}\u0000${text}\u0000`);
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw new EvalkitError(
        `${path}:${e.pos ? lc.linePos(e.pos[0]).line : '?'}: invalid YAML: ${e.message.split('\n')[0]}`,
      );
    }
    const list = z.array(z.unknown()).safeParse(doc.toJS());
    if (!list.success) throw new EvalkitError(`${path}: expected a list of scenarios`);
    const situation = basename(f, '.yaml');
    list.data.forEach((raw, i) => {
      const r = scenarioSchema.safeParse(raw);
      if (!r.success) {
        const iss = r.error.issues[0];
        const line = lineOf(doc, lc, [i, ...iss.path]);
        throw new EvalkitError(
          `${path}${line ? `:${line}` : ''}: scenario ${i + 1}: ${iss.path.join('.') || '(scenario)'}: ${iss.message}`,
        );
      }
      const s = r.data;
      const line = lineOf(doc, lc, [i, 'id']);
      if (s.id.split('/')[0] !== situation)
        throw new EvalkitError(
          `${path}${line ? `:${line}` : ''}: id "${s.id}" must start with "${situation}/" (the file name)`,
        );
      const dup = seen.get(s.id);
      if (dup)
        throw new EvalkitError(`${path}${line ? `:${line}` : ''}: id "${s.id}" already used in ${dup}`);
      seen.set(s.id, path);
      scenarios.push({ ...s, situation });
    });
  }
  return {
    scenarios,
    use: {
      id: 'empathy-scenarios',
      version: `evalkit data/empathy-scenarios (${files.length} files, ${scenarios.length} scenarios)`,
      sha256: hash.digest('hex'),
      source: dir,
    },
  };
}
