/**
 * OLMES-parity request shaping for base-model completion prompts over HTTP.
 *
 * Facts from OLMES (allenai/olmes, oe_eval/models/eleuther_vllm_causallms.py, `generate_until_verbose`) and
 * lm-evaluation-harness (lm_eval/models/vllm_causallms.py, `modify_gen_kwargs`):
 *  - the context is tokenised with `add_special_tokens=self.add_bos_token` (False by default) → no BOS;
 *  - `eos = tokenizer.decode(eot_token_id)` is appended to the stop sequences ("until");
 *  - the context is LEFT-truncated to `max_length - max_gen_toks` tokens (`x[-max_ctx_len:]`) and handed to
 *    vLLM as token ids;
 *  - sampling uses `skip_special_tokens=False` and `spaces_between_special_tokens=False` (HF defaults);
 *  - the continuation is cut client-side at the first stop sequence (`cut_at_stop_sequence`);
 *  - `logprobs=1` is always requested and `sum_logits = cumulative_logprob` is recorded.
 * The code here is evalkit's own; only the behaviour is taken from those files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GenerationParams, Prompt } from '../types.js';
import type { HttpClient } from './http-client.js';

/**
 * Is a request OLMES-shaped? Decided by the request alone: a completion prompt whose params say
 * `shaping: 'olmes'`. OLMES-alias variants set it; the runner rewrites it once for --olmes-parity /
 * --no-olmes-parity (src/runner/request-shaping.ts), so the request log, the request cache and the provider
 * all see the same fact. Chat prompts are never shaped.
 */
export function isOlmesShaped(req: {
  prompt: Pick<Prompt, 'kind'>;
  params: Pick<GenerationParams, 'shaping'>;
}): boolean {
  return req.prompt.kind === 'completion' && req.params.shaping === 'olmes';
}

/** Root URL (without the /vN suffix) where vLLM serves /tokenize, /detokenize, /tokenizer_info, /health. */
export function rootUrlOf(baseUrl: string): string {
  return baseUrl.replace(/\/v\d+$/, '');
}

function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v;
  if (v && typeof v === 'object' && typeof (v as any).content === 'string' && (v as any).content)
    return (v as any).content;
  return undefined;
}

/** eos_token from a Hugging Face checkpoint directory (tokenizer_config.json), if present. */
export function eosFromCheckpointDir(dir: string): string | undefined {
  const f = join(dir, 'tokenizer_config.json');
  if (!existsSync(f)) return undefined;
  try {
    return tokenString(JSON.parse(readFileSync(f, 'utf8')).eos_token);
  } catch {
    return undefined;
  }
}

export interface EosResolution {
  eos: string;
  /** Where it came from, recorded in the provider description for audit. */
  from: string;
}

/**
 * Find the tokenizer's EOS string. vLLM's /v1/models and /tokenize do not expose it, so in order:
 *  1. an explicit value (provider option `eosToken` / $EVALKIT_EOS_TOKEN);
 *  2. `GET /tokenizer_info` (vLLM ≥ 0.9 with --enable-tokenizer-info-endpoint) → `eos_token`;
 *  3. the checkpoint directory (managed vLLM, or `/v1/models` → `root` when it is a readable local path) →
 *     tokenizer_config.json `eos_token`.
 * Returns undefined when none works; the caller turns that into a clear error.
 */
export async function resolveEosToken(
  client: HttpClient,
  baseUrls: string[],
  opts: { explicit?: string; checkpointDir?: string; timeoutMs: number },
): Promise<EosResolution | undefined> {
  if (opts.explicit) return { eos: opts.explicit, from: 'explicit setting' };
  for (const base of baseUrls) {
    try {
      const info = await client.get(`${rootUrlOf(base)}/tokenizer_info`, opts.timeoutMs);
      const eos = tokenString(info?.eos_token);
      if (eos) return { eos, from: `${rootUrlOf(base)}/tokenizer_info` };
    } catch {
      /* endpoint not enabled: try the next source */
    }
  }
  if (opts.checkpointDir) {
    const eos = eosFromCheckpointDir(opts.checkpointDir);
    if (eos) return { eos, from: join(opts.checkpointDir, 'tokenizer_config.json') };
  }
  for (const base of baseUrls) {
    try {
      const models = await client.get(`${base}/models`, opts.timeoutMs);
      for (const m of models?.data ?? []) {
        for (const dir of [m?.root, m?.id]) {
          if (typeof dir === 'string' && existsSync(dir)) {
            const eos = eosFromCheckpointDir(dir);
            if (eos) return { eos, from: join(dir, 'tokenizer_config.json') };
          }
        }
      }
    } catch {
      /* ignore */
    }
  }
  return undefined;
}

/**
 * Can this prompt possibly exceed `maxCtx` tokens? Tokens of byte-level BPE and SentencePiece-with-byte-fallback
 * tokenizers cover at least one UTF-8 byte each (no special tokens are added in parity mode); SentencePiece's
 * dummy-prefix "▁" can add one more. So `bytes + 1 <= maxCtx` proves no truncation is needed and saves the
 * /tokenize round trip for the vast majority of prompts.
 */
export function mayExceed(prompt: string, maxCtx: number): boolean {
  return Buffer.byteLength(prompt, 'utf8') + 1 > maxCtx;
}

export { cutAtStop } from './stop-strings.js';
