/**
 * `vllm:s3://…` checkpoints: the SigV4 signer against AWS's published test-suite vectors; the sync against a
 * local S3-compatible server that checks every signature (test/helpers/s3-server.ts): only the files vLLM
 * needs, paged listings, byte-identical copies, no second download, resume after a dropped connection with a
 * Range request, checksum and signature failures as one clear line; and end to end, a managed (stand-in)
 * vLLM started on the synced folder and serving under the s3:// name. Needs `npm run build` (dist/).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servingFiles, syncS3Checkpoint } from '../../src/checkpoints/s3-checkpoint.js';
import { EMPTY_SHA256, sigV4Authorization } from '../../src/checkpoints/sigv4.js';
import { createProvider } from '../../src/models/index.js';
import { startS3Stub, type S3Stub } from '../helpers/s3-server.js';

describe('SigV4', () => {
  // AWS SigV4 test suite (aws-sig-v4-test-suite): get-vanilla and post-vanilla.
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const headers = { Host: 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' };
  const scope = { region: 'us-east-1', service: 'service' };
  it('matches the published get-vanilla and post-vanilla signatures', () => {
    expect(
      sigV4Authorization(
        { method: 'GET', path: '/', query: [], headers, payloadHash: EMPTY_SHA256 },
        scope,
        creds,
      ),
    ).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(
      sigV4Authorization(
        { method: 'POST', path: '/', query: [], headers, payloadHash: EMPTY_SHA256 },
        scope,
        creds,
      ),
    ).toMatch(/Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b$/);
  });
});

describe('servingFiles', () => {
  it('keeps config, tokenizer and weights; drops optimizer/trainer state and sub-folders; .bin only without safetensors', () => {
    expect(
      servingFiles([
        'config.json',
        'tokenizer.json',
        'model.safetensors',
        'pytorch_model.bin',
        'optimizer.pt',
        'trainer_state.json',
        'checkpoint-100/config.json',
      ]),
    ).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    expect(servingFiles(['config.json', 'pytorch_model.bin', 'rng_state.pth'])).toEqual([
      'config.json',
      'pytorch_model.bin',
    ]);
  });
});

const PREFIX = 'olmo/step-400/';
const files: Record<string, Buffer> = {
  'config.json': Buffer.from('{"architectures":["OlmoForCausalLM"]}'),
  'generation_config.json': Buffer.from('{"eos_token_id":1}'),
  'tokenizer.json': Buffer.from('{"model":{}}'),
  'tokenizer_config.json': Buffer.from('{"eos_token":"</s>"}'),
  'model-00001-of-00002.safetensors': randomBytes(300_000),
  'model-00002-of-00002.safetensors': randomBytes(200_000),
  'model.safetensors.index.json': Buffer.from('{"weight_map":{}}'),
  'optimizer.pt': randomBytes(400_000),
  'trainer_state.json': Buffer.from('{}'),
  'checkpoint-100/config.json': Buffer.from('{}'),
};
const NEEDED = [
  'config.json',
  'generation_config.json',
  'model-00001-of-00002.safetensors',
  'model-00002-of-00002.safetensors',
  'model.safetensors.index.json',
  'tokenizer.json',
  'tokenizer_config.json',
];

let s3: S3Stub;
let env: NodeJS.ProcessEnv;
const quiet = () => undefined;

beforeAll(async () => {
  s3 = await startS3Stub({
    region: 'eu-west-1',
    objects: { ckpts: Object.fromEntries(Object.entries(files).map(([k, v]) => [PREFIX + k, v])) },
    pageSize: 3, // listings come in pages: the client must follow continuation tokens
  });
  env = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'secret/key+TEST',
  };
});
afterAll(async () => {
  await s3.close();
});

describe('syncS3Checkpoint', () => {
  it('downloads exactly the files vLLM needs, byte for byte; a second sync downloads nothing', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'evalkit-s3-'));
    const first = await syncS3Checkpoint('s3://ckpts/olmo/step-400', cache, { env, log: quiet });
    expect(first.dir).toBe(join(cache, 's3', 'ckpts', 'olmo', 'step-400'));
    expect(first.downloaded).toEqual(NEEDED);
    for (const f of NEEDED) expect(readFileSync(join(first.dir, f)).equals(files[f]!)).toBe(true);
    expect(readdirSync(first.dir).sort()).toEqual(['.evalkit-s3-sync.json', ...NEEDED].sort());
    expect(s3.requests.filter((r) => r.url.includes('list-type=2')).length).toBeGreaterThanOrEqual(4);
    expect(s3.requests.every((r) => r.status !== 403)).toBe(true);

    const before = s3.requests.length;
    const second = await syncS3Checkpoint('s3://ckpts/olmo/step-400/', cache, { env, log: quiet });
    expect(second.downloaded).toEqual([]);
    expect(second.skipped).toEqual(NEEDED);
    expect(s3.requests.slice(before).every((r) => r.url.includes('list-type=2'))).toBe(true);
  });

  it('resumes an interrupted download with a Range request and verifies the MD5', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'evalkit-s3-resume-'));
    const shard = 'model-00001-of-00002.safetensors';
    s3.cutNextDownload(PREFIX + shard, 120_000);
    await expect(syncS3Checkpoint('s3://ckpts/olmo/step-400', cache, { env, log: quiet })).rejects.toThrow(
      `S3 s3://ckpts/${PREFIX}${shard}: download interrupted`,
    );
    const dir = join(cache, 's3', 'ckpts', 'olmo', 'step-400');
    // what arrived before the connection dropped is kept (at most the 120 000 bytes sent)
    const kept = readFileSync(join(dir, shard + '.part')).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(120_000);
    const before = s3.requests.length;
    const again = await syncS3Checkpoint('s3://ckpts/olmo/step-400', cache, { env, log: quiet });
    expect(again.downloaded).toContain(shard);
    const resumed = s3.requests.slice(before).find((r) => r.url.endsWith(shard));
    expect(resumed).toMatchObject({ range: `bytes=${kept}-`, status: 206 });
    expect(readFileSync(join(dir, shard)).equals(files[shard]!)).toBe(true);
    expect(existsSync(join(dir, shard + '.part'))).toBe(false);
  });

  it('a checksum mismatch, a wrong secret, or a folder without config.json is one clear error', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'evalkit-s3-bad-'));
    s3.setEtag(PREFIX + 'tokenizer.json', '0123456789abcdef0123456789abcdef');
    await expect(syncS3Checkpoint('s3://ckpts/olmo/step-400', cache, { env, log: quiet })).rejects.toThrow(
      /S3 s3:\/\/ckpts\/olmo\/step-400\/tokenizer\.json: checksum mismatch \(MD5 [0-9a-f]{32}, ETag 0123456789abcdef0123456789abcdef\)/,
    );
    s3.setEtag(PREFIX + 'tokenizer.json', '');
    await expect(
      syncS3Checkpoint('s3://ckpts/olmo/step-400', cache, {
        env: { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' },
        log: quiet,
      }),
    ).rejects.toThrow('S3 list s3://ckpts/olmo/step-400/: HTTP 403 SignatureDoesNotMatch');
    await expect(syncS3Checkpoint('s3://ckpts/olmo', cache, { env, log: quiet })).rejects.toThrow(
      's3://ckpts/olmo: no config.json in this folder',
    );
    await expect(syncS3Checkpoint('s3://ckpts/x', cache, { env: {}, log: quiet })).rejects.toThrow(
      'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  });
});

describe('vllm:s3://', () => {
  it('syncs, then serves the local copy under the s3:// name', async () => {
    const FIXTURE = resolve(__dirname, '..', 'fixtures', 'fake-vllm', 'vllm');
    const stub = resolve(__dirname, '..', '..', 'dist', 'testing', 'openai-stub-server.js');
    if (!existsSync(stub)) throw new Error(`${stub} missing: run \`npm run build\` before these tests`);
    const cache = await mkdtemp(join(tmpdir(), 'evalkit-s3-vllm-'));
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const provider = await createProvider({
        model: 'vllm:s3://ckpts/olmo/step-400',
        cacheDir: cache,
        runDir: cache,
        maxRetries: 0,
        vllm: { executable: FIXTURE },
      });
      try {
        expect(provider.id).toBe('vllm:s3://ckpts/olmo/step-400#s3://ckpts/olmo/step-400');
        const [g] = await provider.generate({
          requestId: 't|0',
          task: 't',
          itemId: '0',
          prompt: { kind: 'completion', text: 'hi' },
          params: { n: 1, temperature: 0, top_p: 1, max_tokens: 8, stop: [] },
        });
        expect(g!.error).toBeUndefined();
      } finally {
        await provider.close?.();
      }
      const args = JSON.parse(
        /fake-vllm args (\{.*\})/.exec(await readFile(join(cache, 'vllm-server.log'), 'utf8'))![1]!,
      );
      expect(args.model).toBe(join(cache, 's3', 'ckpts', 'olmo', 'step-400'));
      expect(args['served-model-name']).toBe('s3://ckpts/olmo/step-400');
    } finally {
      for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    }
  });
});
