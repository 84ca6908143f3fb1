/**
 * `--model vllm:<checkpoint dir | HF id | s3://bucket/path>`: a managed `vllm serve` child process
 * (src/models/vllm), then the OpenAI provider on it.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { EvalkitError } from '../../util/errors.js';
import { collect, positiveInt } from '../../cli/shared-options.js';
import { defineProvider } from './descriptor.js';
import { httpOptions } from './openai.js';

export const vllmProvider = defineProvider({
  kind: 'vllm',
  summary: 'vllm:<checkpoint-dir or s3://bucket/path> (managed vllm serve)',
  forms: ['vllm:<checkpoint or s3://bucket/path>'],
  optionsKey: 'vllm',
  optionsSchema: z.object({
    tensorParallelSize: z.number().int().positive().optional(),
    dataParallelSize: z.number().int().positive().optional(),
    maxModelLen: z.number().int().positive().optional(),
    extraArgs: z.array(z.string()).optional(),
    healthTimeoutMs: z.number().int().positive().optional(),
    executable: z.string().optional(),
  }),
  cliFlags: [
    {
      flags: '--tensor-parallel-size <n>',
      description: 'vllm: tensor parallel size',
      key: 'tensorParallelSize',
      parse: positiveInt('--tensor-parallel-size'),
    },
    {
      flags: '--data-parallel-size <n>',
      description: 'vllm: data parallel size',
      key: 'dataParallelSize',
      parse: positiveInt('--data-parallel-size'),
    },
    {
      flags: '--max-model-len <n>',
      description:
        'model context length: vllm serve --max-model-len, and the context prompts are fitted into (MMLU-Pro drops shots as its official script does; default there 4096)',
      key: 'maxModelLen',
      parse: positiveInt('--max-model-len'),
    },
    {
      flags: '--vllm-arg <arg>',
      description: 'vllm: extra argument passed to `vllm serve` (repeatable)',
      key: 'extraArgs',
      parse: collect,
    },
  ],
  selfDeployed: true,
  speaksOpenAI: true,
  async create(spec, options, location) {
    if (!location) throw new EvalkitError(`--model ${spec.model}: expected vllm:<checkpoint path>`);
    const { startManagedVllm, failFastOnServerExit } = await import('../vllm/index.js');
    const { OpenAICompatibleProvider } = await import('../openai-compatible.js');
    const logFile = join(spec.runDir ?? process.cwd(), 'vllm-server.log');
    const v = options ?? {};
    // vllm:s3://bucket/path: synced once into the local cache (only the files vLLM loads), served from there.
    let checkpoint = location;
    if (location.startsWith('s3://')) {
      const { syncS3Checkpoint } = await import('../../checkpoints/s3-checkpoint.js');
      const cache = spec.cacheDir ?? process.env.EVALKIT_CACHE_DIR ?? join(process.cwd(), '.evalkit-cache');
      checkpoint = (await syncS3Checkpoint(location, cache)).dir;
    }
    const server = await startManagedVllm({
      checkpoint,
      tensorParallelSize: v.tensorParallelSize,
      dataParallelSize: v.dataParallelSize,
      maxModelLen: v.maxModelLen,
      extraArgs: v.extraArgs,
      logFile,
      healthTimeoutMs: v.healthTimeoutMs,
      // An s3:// checkpoint is served under its URL, not under the cache path it happens to sit in.
      servedModelName: spec.modelName ?? (checkpoint !== location ? location : undefined),
      executable: v.executable,
    });
    try {
      const inner = await OpenAICompatibleProvider.create({
        ...httpOptions(spec),
        baseUrl: server.baseUrl,
        endpoints: undefined, // the managed server is the only endpoint
        modelName: server.modelName,
        checkpointDir: checkpoint,
        // Identity is the checkpoint, not the ephemeral port, so resume checks and cache keys survive restarts.
        id: `vllm:${location}#${server.modelName}`,
      });
      // A server that dies mid-run fails the run (with its log tail) instead of erroring every sample.
      return failFastOnServerExit(
        {
          id: inner.id,
          description: { ...inner.description, managedServer: 'vllm', vllmLog: logFile },
          generate: (req, idx, o) => inner.generate(req, idx, o),
          prepare: (variants) => inner.prepare(variants),
          countTokens: (text) => inner.countTokens(text),
          close: () => inner.close(),
        },
        server,
      );
    } catch (e) {
      await server.stop().catch(() => undefined);
      throw e;
    }
  },
});
