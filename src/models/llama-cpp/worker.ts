/**
 * The embedded engine: a child process (fork of this file) that owns node-llama-cpp, the model and one
 * context sequence. It lives in its own process because llama.cpp aborts the whole process on some bad model
 * files (GGML_ASSERT); the parent only sees a dead child and reports a clear error.
 *
 * Requests are served one at a time in arrival order; the `n` samples of a request run sequentially on the same
 * sequence (the prompt prefix is reused between samples by node-llama-cpp).
 *
 * Sampling follows the request: temperature 0 → greedy; otherwise temperature + top_p with top_k and min_p
 * disabled and no repeat penalty (vLLM's defaults, not node-llama-cpp's top_k=40 default); per-sample seed
 * `seed + sampleIndex` when the request carries a seed.
 */
import type {
  ChatHistoryItem,
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
} from 'node-llama-cpp';
import type { ChatMessage, GenerationParams, Prompt } from '../../types.js';
import type { ChildMessage, ParentMessage, WorkerInit, WorkerModelInfo, WorkerSample } from './protocol.js';
import { cutAtStopInAnswer as cutAtStop } from '../stop-strings.js';

type NlcModule = typeof import('node-llama-cpp');

let nlc: NlcModule;
let llama: Llama;
let model: LlamaModel;
let context: LlamaContext;
let sequence: LlamaContextSequence;
let chatWrapper: ChatWrapper;
const aborts = new Map<number, AbortController>();
let queue: Promise<void> = Promise.resolve();

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

async function init(msg: WorkerInit): Promise<void> {
  nlc = await import('node-llama-cpp');
  llama = await nlc.getLlama({
    gpu: msg.gpuLayers > 0 ? 'auto' : false,
    build: 'never',
    logLevel: nlc.LlamaLogLevel.error,
    progressLogs: false,
  });
  model = await llama.loadModel({ modelPath: msg.modelPath, gpuLayers: msg.gpuLayers });
  const trainContextSize = model.trainContextSize;
  const contextSize = msg.contextSize ?? Math.min(trainContextSize || 4096, 4096);
  context = await model.createContext({ contextSize, threads: msg.threads, sequences: 1 });
  sequence = context.getSequence();
  chatWrapper = nlc.resolveChatWrapper(model);
  const meta = model.fileInfo.metadata as { general?: { name?: string; architecture?: string } };
  const release = llama.llamaCppRelease as { release?: string } | undefined;
  const info: WorkerModelInfo = {
    name: meta.general?.name,
    architecture: meta.general?.architecture,
    contextSize: context.contextSize,
    trainContextSize,
    vocabularyType: String(model.vocabularyType),
    chatWrapper: chatWrapper?.wrapperName ?? 'none',
    hasChatTemplate: typeof (model.fileInfo.metadata as any)?.tokenizer?.chat_template === 'string',
    threads: msg.threads,
    gpu: llama.gpu,
    llamaCppRelease: release?.release,
  };
  send({ type: 'ready', info });
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'user') return { type: 'user', text: m.content };
    return { type: 'model', response: [m.content] };
  });
  // The response is generated into a trailing model item (a trailing assistant message is continued).
  if (history.length === 0 || history[history.length - 1].type !== 'model')
    history.push({ type: 'model', response: [] });
  return history;
}

function finishReason(stopReason: string): string {
  switch (stopReason) {
    case 'maxTokens':
      return 'length';
    case 'abort':
      return 'abort';
    default:
      return 'stop'; // eogToken, stopGenerationTrigger, customStopTrigger
  }
}

async function generateOne(
  prompt: Prompt,
  params: GenerationParams,
  sampleIndex: number,
  signal: AbortSignal,
): Promise<WorkerSample> {
  const started = Date.now();
  const stop = (params.stop ?? []).filter((s) => s.length > 0);
  const sampling = {
    temperature: params.temperature > 0 ? params.temperature : 0,
    topP: params.temperature > 0 ? params.top_p : undefined,
    topK: 0,
    minP: 0,
    repeatPenalty: false as const,
    seed: params.seed !== undefined && params.temperature > 0 ? params.seed + sampleIndex : undefined,
    signal,
    stopOnAbortSignal: true,
  };
  let completionTokens = 0;
  const onToken = (tokens: readonly unknown[]) => {
    completionTokens += tokens.length;
  };
  try {
    if (prompt.kind === 'completion') {
      // Special-token text in the prompt (e.g. "<|im_start|>") is parsed as the special token, as vLLM's HF
      // tokenizer does for /v1/completions; the BOS the GGUF asks for is prepended by LlamaCompletion.
      const { inputTokens, promptTokens } = completionPromptTokens(prompt.text);
      const room = context.contextSize - promptTokens;
      if (room <= 0)
        return {
          sampleIndex,
          text: null,
          error: `prompt of ${promptTokens} tokens does not fit the context size ${context.contextSize} (raise the gguf contextSize option)`,
          latencyMs: Date.now() - started,
        };
      await sequence.clearHistory();
      const completion = new nlc.LlamaCompletion({ contextSequence: sequence });
      try {
        const res = await completion.generateCompletionWithMeta(inputTokens, {
          ...sampling,
          maxTokens: Math.min(params.max_tokens, room),
          customStopTriggers: stop.length ? stop : undefined,
          disableContextShift: true,
          trimWhitespaceSuffix: false,
          onToken,
        });
        const { text, cut } = cutAtStop(res.response, stop);
        return {
          sampleIndex,
          text,
          finishReason: cut ? 'stop' : finishReason(res.metadata.stopReason),
          promptTokens,
          completionTokens,
          latencyMs: Date.now() - started,
        };
      } finally {
        completion.dispose({ disposeSequence: false });
      }
    }
    await sequence.clearHistory();
    const history = toHistory(prompt.messages);
    // Render the prompt through the chat wrapper (resolved from the GGUF's chat template) only to count its tokens.
    const rendered = chatWrapper.generateContextState({ chatHistory: history });
    const promptTokens = rendered.contextText.tokenize(model.tokenizer).length;
    const room = context.contextSize - promptTokens;
    if (room <= 0)
      return {
        sampleIndex,
        text: null,
        error: `chat prompt of ${promptTokens} tokens does not fit the context size ${context.contextSize}`,
        latencyMs: Date.now() - started,
      };
    const chat = new nlc.LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false });
    try {
      const res = await chat.generateResponse(history, {
        ...sampling,
        maxTokens: Math.min(params.max_tokens, room),
        customStopTriggers: stop.length ? stop : undefined,
        trimWhitespaceSuffix: false,
        onToken,
      });
      const { text, cut } = cutAtStop(res.response, stop);
      return {
        sampleIndex,
        text,
        finishReason: cut ? 'stop' : finishReason(res.metadata.stopReason),
        promptTokens,
        completionTokens,
        latencyMs: Date.now() - started,
      };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  } catch (e) {
    return {
      sampleIndex,
      text: null,
      error: `embedded engine: ${(e as Error).message ?? String(e)}`,
      latencyMs: Date.now() - started,
    };
  }
}

/**
 * A completion prompt as the model sees it: special-token text parsed as the special token (as vLLM's HF tokenizer
 * does for /v1/completions); the BOS the GGUF asks for is prepended by LlamaCompletion and counted here.
 */
function completionPromptTokens(text: string) {
  const bos = model.tokens.shouldPrependBosToken && model.tokens.bos != null ? 1 : 0;
  const inputTokens = model.tokenize(text, true, bos ? 'trimLeadingSpace' : undefined);
  return { inputTokens, promptTokens: inputTokens.length + bos };
}

async function handle(msg: ParentMessage): Promise<void> {
  if (msg.type === 'tokenize') {
    send({ type: 'tokens', id: msg.id, count: completionPromptTokens(msg.text).promptTokens });
    return;
  }
  if (msg.type === 'init') {
    try {
      await init(msg);
    } catch (e) {
      send({ type: 'init-error', message: (e as Error).message ?? String(e) });
    }
    return;
  }
  if (msg.type === 'abort') {
    aborts.get(msg.id)?.abort();
    return;
  }
  if (msg.type === 'shutdown') {
    await queue.catch(() => undefined);
    try {
      await context?.dispose();
      await model?.dispose();
      await llama?.dispose();
    } finally {
      process.exit(0);
    }
  }
  if (msg.type === 'generate') {
    const ac = new AbortController();
    aborts.set(msg.id, ac);
    queue = queue.then(async () => {
      const samples: WorkerSample[] = [];
      for (const i of msg.sampleIndices) {
        if (ac.signal.aborted) samples.push({ sampleIndex: i, text: null, error: 'aborted', latencyMs: 0 });
        else samples.push(await generateOne(msg.prompt, msg.params, i, ac.signal));
      }
      aborts.delete(msg.id);
      send({ type: 'result', id: msg.id, samples });
    });
  }
}

process.on('message', (m: ParentMessage) => {
  void handle(m);
});
// The parent went away (crash, SIGKILL): do not linger as an orphan holding the model in memory.
process.on('disconnect', () => process.exit(0));
