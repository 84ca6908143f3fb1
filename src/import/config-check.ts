/**
 * Compare an imported task configuration with evalkit's variant of the same alias, so a baseline imported
 * from another tool is never silently compared with numbers produced under different settings.
 */
import type { GenerationParams, VariantSettings } from '../types.js';

export interface ImportedSettings {
  shots?: number;
  format?: 'completion' | 'chat';
  generation?: Partial<GenerationParams>;
  primaryMetric?: string;
  fewShotSource?: string;
}

export interface ConfigCheck {
  alias: string;
  /** 'match', 'differs', or 'unknown-alias' when evalkit has no variant of that name. */
  status: 'match' | 'differs' | 'unknown-alias';
  differences: Array<{ field: string; imported: unknown; evalkit: unknown }>;
  note?: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function checkAgainstVariant(alias: string, imported: ImportedSettings): Promise<ConfigCheck> {
  let settings: VariantSettings;
  try {
    const { getTask } = await import('../tasks/registry.js');
    settings = (await getTask(alias)).settings;
  } catch (e) {
    return {
      alias,
      status: 'unknown-alias',
      differences: [],
      note: `evalkit has no variant "${alias}" (${(e as Error).message.split(';')[0]}); settings not checked`,
    };
  }
  const diffs: ConfigCheck['differences'] = [];
  const cmp = (field: string, a: unknown, b: unknown) => {
    if (a === undefined) return;
    if (!same(a, b)) diffs.push({ field, imported: a, evalkit: b });
  };
  cmp('shots', imported.shots, settings.shots);
  cmp('format', imported.format, settings.format);
  cmp('primaryMetric', imported.primaryMetric, settings.primaryMetric);
  const g = imported.generation ?? {};
  cmp('generation.n', g.n, settings.generation.n);
  cmp('generation.temperature', g.temperature, settings.generation.temperature);
  cmp('generation.top_p', g.top_p, settings.generation.top_p);
  cmp('generation.max_tokens', g.max_tokens, settings.generation.max_tokens);
  if (g.stop !== undefined && !same([...g.stop].sort(), [...settings.generation.stop].sort()))
    diffs.push({ field: 'generation.stop', imported: g.stop, evalkit: settings.generation.stop });
  return { alias, status: diffs.length ? 'differs' : 'match', differences: diffs };
}

export function formatConfigCheck(c: ConfigCheck): string {
  if (c.status === 'unknown-alias') return `  ${c.alias}: ${c.note}`;
  if (c.status === 'match') return `  ${c.alias}: settings match evalkit's variant`;
  return [
    `  ${c.alias}: ${c.differences.length} setting(s) differ from evalkit's variant:`,
    ...c.differences.map(
      (d) => `    ${d.field}: imported ${JSON.stringify(d.imported)} vs evalkit ${JSON.stringify(d.evalkit)}`,
    ),
  ].join('\n');
}
