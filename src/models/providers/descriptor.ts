/**
 * What one model provider declares about itself (one file per provider in this folder, listed once in
 * src/models/registry.ts): the `--model <kind>:` prefix it answers to, the option group it adds to a ModelSpec
 * (a zod schema: the CLI and campaign YAML both validate against it), the `evalkit run` flags that fill that
 * group, and how to create the provider. Nothing else in evalkit switches on the provider kind.
 */
import type { z } from 'zod';
import type { ModelProvider } from '../../types.js';
import type { BaseModelSpec } from '../spec.js';

/** One `evalkit run` flag that sets a field of the provider's option group. */
export interface ProviderCliFlag {
  /** Commander flags, e.g. `--tensor-parallel-size <n>`. */
  flags: string;
  /** Help text. */
  description: string;
  /** The field of the provider's option group the value goes to. */
  key: string;
  /** Parses (and checks) the value; `previous` is the value so far (repeatable flags). */
  parse?: (value: string, previous: any) => unknown;
}

export interface ProviderDescriptor<
  Kind extends string = string,
  OptionsKey extends string | undefined = string | undefined,
  Options extends z.ZodObject = z.ZodObject,
> {
  /** The `--model` prefix: `<kind>:<location>`. Also what manifests record as `model.provider`. */
  kind: Kind;
  /** One line for `evalkit run --help`: the model forms and what they start. */
  summary: string;
  /** Accepted `--model` forms (shown in `--model`'s help and in the unknown-kind error). */
  forms: string[];
  /** The ModelSpec field (and campaign `model:` key) holding this provider's own options, if it has any. */
  optionsKey: OptionsKey;
  /** Schema of that option group (made strict by the registry: an unknown option is an error). */
  optionsSchema: Options;
  /** `evalkit run` flags filling the option group, in help order. */
  cliFlags: ProviderCliFlag[];
  /** Evaluating it means serving the weights yourself (exporters report self-deployed / open weights). */
  selfDeployed: boolean;
  /** Requests go over the OpenAI HTTP protocol, so OLMES request shaping applies (src/models/olmes-shaping.ts). */
  speaksOpenAI: boolean;
  /** Create the provider; `location` is the `--model` string after `<kind>:`, `options` its option group. */
  create(
    spec: BaseModelSpec,
    options: z.infer<Options> | undefined,
    location: string,
  ): Promise<ModelProvider>;
}

/** Declares a provider, keeping its literal kind/optionsKey types (ModelSpec derives its fields from them). */
export function defineProvider<
  Kind extends string,
  OptionsKey extends string | undefined,
  Options extends z.ZodObject,
>(d: ProviderDescriptor<Kind, OptionsKey, Options>): ProviderDescriptor<Kind, OptionsKey, Options> {
  return d;
}
