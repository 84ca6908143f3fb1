/**
 * `createProvider(spec)`: turn the user's --model string into a ModelProvider, through the provider registry
 * (src/models/registry.ts; one descriptor per provider in src/models/providers/):
 *
 *   openai:<url>                      OpenAI-compatible server (openai-compatible.ts)
 *   vllm:<checkpoint>                 managed `vllm serve` (src/models/vllm), then the OpenAI provider on it
 *   gguf:<path.gguf> | gguf:hf:<…>    embedded llama.cpp (src/models/llama-cpp)
 *
 * Each descriptor imports its provider's modules lazily, so their heavy dependencies load only when used.
 */
import type { ModelProvider } from '../types.js';
import { createFromRegistry } from './registry.js';
import type { ModelSpec } from './spec.js';

export { OpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible.js';
export { DEFAULT_GGUF, resolveDefaultGguf } from './providers/gguf.js';

export async function createProvider(spec: ModelSpec): Promise<ModelProvider> {
  return createFromRegistry(spec);
}
