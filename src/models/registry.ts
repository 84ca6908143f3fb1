/**
 * The provider registry: every model provider evalkit knows, in one list. The `--model` kinds, the ModelSpec
 * option schema (src/models/spec.ts: CLI and campaign YAML), the provider flags of `evalkit run`
 * (src/cli/provider-options.ts) and `createProvider` are all derived from it.
 *
 * Adding a provider: write `src/models/providers/<kind>.ts` exporting a descriptor (`defineProvider`, see
 * providers/descriptor.ts) and add it to PROVIDERS below. Descriptors load their heavy modules lazily in
 * `create`, because this file is imported wherever a model spec is validated (config parsing is synchronous).
 */
import type { z } from 'zod';
import type { ModelProvider } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import type { ProviderDescriptor } from './providers/descriptor.js';
import { ggufProvider } from './providers/gguf.js';
import { openaiProvider } from './providers/openai.js';
import { vllmProvider } from './providers/vllm.js';
import type { ModelSpec } from './spec.js';

export const PROVIDERS = [openaiProvider, vllmProvider, ggufProvider] as const;

type AnyProvider = (typeof PROVIDERS)[number];

/** The ModelSpec fields the providers add: `{ vllm?: {...}, gguf?: {...} }`, typed from their schemas. */
export type ProviderOptionGroups = {
  [D in AnyProvider as D['optionsKey'] & string]?: z.infer<D['optionsSchema']>;
};

/** The known `--model` kinds, in registry order. */
export function providerKinds(): string[] {
  return PROVIDERS.map((p) => p.kind);
}

/** "openai:, vllm: or gguf:" (for messages). */
export function kindPrefixesText(): string {
  const prefixes = providerKinds().map((k) => `${k}:`);
  return prefixes.length > 1
    ? `${prefixes.slice(0, -1).join(', ')} or ${prefixes[prefixes.length - 1]}`
    : prefixes.join('');
}

/** Matches a model string starting with a known kind prefix. */
export function modelKindPattern(): RegExp {
  return new RegExp(`^(${providerKinds().join('|')}):`);
}

/** `<kind>:<location>` split at the first colon (undefined without one). */
function splitModel(model: string): { kind: string; location: string } | undefined {
  const m = /^([a-z0-9-]+):(.*)$/s.exec(model);
  return m ? { kind: m[1], location: m[2] } : undefined;
}

/** The descriptor of a kind (`vllm`), or undefined. */
export function providerOfKind(kind: string): ProviderDescriptor | undefined {
  return (PROVIDERS as readonly ProviderDescriptor[]).find((p) => p.kind === kind);
}

/** The descriptor a model string (`vllm:/ckpt`) belongs to, or undefined. */
export function findProvider(model: string): ProviderDescriptor | undefined {
  const split = splitModel(model);
  return split ? providerOfKind(split.kind) : undefined;
}

/** Throws the one-line error for a flag value (`--judge`, `--model`) that names no known kind. */
export function checkModelKind(model: string, flag: string): void {
  if (!findProvider(model))
    throw new EvalkitError(`${flag} must start with ${kindPrefixesText()} (got "${model}")`);
}

/** `--model` forms of every provider, for help texts and errors. */
export function modelForms(): string[] {
  return PROVIDERS.flatMap((p) => p.forms);
}

/** Create the provider a ModelSpec names (src/models/index.ts createProvider). */
export async function createFromRegistry(spec: ModelSpec): Promise<ModelProvider> {
  const split = splitModel(spec.model);
  const provider = split && providerOfKind(split.kind);
  if (!split || !provider)
    throw new EvalkitError(
      `--model "${spec.model}": unknown model kind; known kinds: ${providerKinds().join(', ')}; accepted: ${modelForms().join(', ')}`,
    );
  const options = provider.optionsKey
    ? (spec as unknown as Record<string, unknown>)[provider.optionsKey]
    : undefined;
  return provider.create(spec, options as never, split.location);
}
