/**
 * The provider-specific `evalkit run` flags (`--tensor-parallel-size`, `--threads`, ...), generated from the
 * provider registry (src/models/registry.ts): each descriptor lists its flags and the option-group field each
 * one fills, so a new provider's flags appear here without touching any command.
 */
import { Option, type Command } from 'commander';
import { modelForms, PROVIDERS } from '../models/registry.js';
import type { ProviderOptionGroups } from '../models/registry.js';

/** `models: ...` lines for a command description, one per provider. */
export function providerSummaries(): string {
  return `models: ${PROVIDERS.map((p) => p.summary).join(',\n        ')}`;
}

/** Help text of `--model`: every accepted form. */
export function modelFlagHelp(): string {
  return modelForms().join(' | ');
}

function optionOf(flag: (typeof PROVIDERS)[number]['cliFlags'][number]): Option {
  const option = new Option(flag.flags, flag.description);
  if (flag.parse) option.argParser(flag.parse);
  return option;
}

/** Adds every provider's flags to a command, in registry order. */
export function addProviderOptions(cmd: Command): Command {
  for (const p of PROVIDERS) for (const f of p.cliFlags) cmd.addOption(optionOf(f));
  return cmd;
}

/** The option groups (`{ vllm: {...}, gguf: {...} }`) from parsed flags; a group per provider with options. */
export function providerOptionsFrom(o: Record<string, unknown>): ProviderOptionGroups {
  const groups: Record<string, Record<string, unknown>> = {};
  for (const p of PROVIDERS) {
    if (!p.optionsKey) continue;
    groups[p.optionsKey] = Object.fromEntries(p.cliFlags.map((f) => [f.key, o[optionOf(f).attributeName()]]));
  }
  return groups as ProviderOptionGroups;
}
