/**
 * `--model gguf:<path.gguf> | gguf:hf:<owner>/<repo>/<file.gguf> | gguf:default`: embedded llama.cpp in a child
 * process (src/models/llama-cpp).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { EvalkitError } from '../../util/errors.js';
import { positiveInt } from '../../cli/shared-options.js';
import { defineProvider } from './descriptor.js';

/**
 * The embedded default model (`--model gguf:default`, what `evalkit run` uses without --model): a small real
 * coding model from the Hugging Face hub, downloaded once into the cache. $EVALKIT_DEFAULT_GGUF overrides it.
 */
export const DEFAULT_GGUF =
  'hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf';

/**
 * Resolve `gguf:default` to a file. Offline (download impossible) it falls back to evalkit's built-in tiny
 * random-weight GGUF, with a loud warning: every stage of the pipeline is real, the scores are not.
 */
export async function resolveDefaultGguf(cacheDir?: string): Promise<string> {
  const { resolveGgufModel, writeTinyGguf } = await import('../llama-cpp/index.js');
  const override = process.env.EVALKIT_DEFAULT_GGUF;
  if (override) return resolveGgufModel(override.replace(/^gguf:/, ''), cacheDir);
  try {
    return await resolveGgufModel(DEFAULT_GGUF, cacheDir);
  } catch (e) {
    const root = cacheDir ?? process.env.EVALKIT_CACHE_DIR ?? join(homedir(), '.cache', 'evalkit');
    const tiny = join(root, 'models', 'evalkit-tiny-random.gguf');
    if (!existsSync(tiny)) await writeTinyGguf(tiny);
    process.stderr.write(
      `evalkit: WARNING: the default model could not be fetched (${(e as Error).message.split('\n')[0]}).\n` +
        `evalkit: WARNING: using evalkit's built-in TINY RANDOM-WEIGHT model (${tiny}): the pipeline is real, ` +
        `its answers are gibberish and its scores are 0. Pass --model to evaluate a real model.\n`,
    );
    return tiny;
  }
}

export const ggufProvider = defineProvider({
  kind: 'gguf',
  summary: 'gguf:<file.gguf> or gguf:hf:<owner>/<repo>/<file.gguf> (embedded llama.cpp)',
  forms: ['gguf:<path>', 'gguf:hf:<owner>/<repo>/<file>', 'gguf:default (embedded default model)'],
  optionsKey: 'gguf',
  optionsSchema: z.object({
    threads: z.number().int().positive().optional(),
    contextSize: z.number().int().positive().optional(),
    gpuLayers: z.number().int().nonnegative().optional(),
  }),
  cliFlags: [
    {
      flags: '--threads <n>',
      description: 'gguf: CPU threads for llama.cpp (default 1)',
      key: 'threads',
      parse: positiveInt('--threads'),
    },
  ],
  selfDeployed: true,
  speaksOpenAI: false,
  async create(spec, options, location) {
    if (!location)
      throw new EvalkitError(
        `--model ${spec.model}: expected gguf:<path.gguf> or gguf:hf:<owner>/<repo>/<file.gguf>`,
      );
    const { createGgufProvider } = await import('../llama-cpp/index.js');
    return createGgufProvider({
      model: location === 'default' ? await resolveDefaultGguf(spec.cacheDir) : location,
      threads: options?.threads,
      contextSize: options?.contextSize,
      gpuLayers: options?.gpuLayers,
      cacheDir: spec.cacheDir,
    });
  },
});
