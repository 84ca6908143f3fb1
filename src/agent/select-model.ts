/**
 * Pick the agent's model protocol for a run: native tool calls when the provider is an OpenAI-compatible HTTP
 * endpoint (its description lists `endpoints` and `modelName`) and the user did not ask for text, else the
 * plain-text protocol through the provider itself.
 */
import type { ModelProvider, RequestRecord, RunOptions } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { type AgentModel, OpenAIToolsModel, ProviderTextModel, type SamplingParams } from './model.js';

export type AgentProtocol = 'tools' | 'text' | 'auto';

export function agentProtocolOption(options: RunOptions): AgentProtocol {
  const p = options.agentProtocol ?? 'auto';
  if (p !== 'tools' && p !== 'text' && p !== 'auto')
    throw new EvalkitError(`--agent-protocol must be tools, text or auto (got "${String(p)}")`);
  return p;
}

export function agentModelFor(
  provider: ModelProvider,
  request: RequestRecord,
  params: SamplingParams,
  protocol: AgentProtocol,
): AgentModel {
  const d = provider.description ?? {};
  const endpoints = Array.isArray(d.endpoints) ? (d.endpoints as string[]) : [];
  const modelName = typeof d.modelName === 'string' ? d.modelName : undefined;
  const http = endpoints.length > 0 && modelName !== undefined;
  if (protocol === 'tools' && !http)
    throw new EvalkitError(
      `--agent-protocol tools needs an OpenAI-compatible HTTP model (openai:<url> or vllm:<checkpoint>); ${provider.id} has no endpoint`,
    );
  if (protocol === 'text' || !http) return new ProviderTextModel(provider, request, params);
  return new OpenAIToolsModel({
    baseUrl: endpoints[0],
    model: modelName!,
    apiKey: process.env.OPENAI_API_KEY,
    params,
  });
}
