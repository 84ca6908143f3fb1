/**
 * Messages between the GGUF provider (parent, evalkit) and its engine worker (child process running
 * node-llama-cpp). Plain JSON over the fork() IPC channel.
 */
import type { GenerationParams, Prompt } from '../../types.js';

export interface WorkerInit {
  type: 'init';
  modelPath: string;
  threads: number;
  contextSize?: number;
  gpuLayers: number;
}

export interface WorkerGenerate {
  type: 'generate';
  id: number;
  prompt: Prompt;
  params: GenerationParams;
  sampleIndices: number[];
}

export interface WorkerAbort {
  type: 'abort';
  id: number;
}

/** Count the tokens of a completion prompt as `generate` feeds it to the model (the GGUF's BOS included). */
export interface WorkerTokenize {
  type: 'tokenize';
  id: number;
  text: string;
}

export type ParentMessage = WorkerInit | WorkerGenerate | WorkerAbort | WorkerTokenize | { type: 'shutdown' };

/** What the worker learnt about the model at load time (recorded in the provider description). */
export interface WorkerModelInfo {
  name?: string;
  architecture?: string;
  contextSize: number;
  trainContextSize: number;
  vocabularyType: string;
  /** Chat wrapper node-llama-cpp resolved from the GGUF's tokenizer.chat_template. */
  chatWrapper: string;
  hasChatTemplate: boolean;
  threads: number;
  gpu: string | false;
  llamaCppRelease?: string;
}

export interface WorkerSample {
  sampleIndex: number;
  text: string | null;
  finishReason?: string | null;
  error?: string;
  promptTokens?: number;
  completionTokens?: number;
  latencyMs: number;
}

export type ChildMessage =
  | { type: 'ready'; info: WorkerModelInfo }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; samples: WorkerSample[] }
  | { type: 'tokens'; id: number; count: number };
