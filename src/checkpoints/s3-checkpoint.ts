/**
 * `vllm:s3://bucket/path/to/checkpoint`: the checkpoint is synced once from an S3-compatible store into a
 * local cache, then served from there.
 *
 *  - Endpoint, region and credentials as the AWS tools read them: `AWS_ENDPOINT_URL_S3` or
 *    `AWS_ENDPOINT_URL` (MinIO, Ceph, R2, …; default `https://s3.<region>.amazonaws.com`), `AWS_REGION` /
 *    `AWS_DEFAULT_REGION` (default us-east-1), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 *    `AWS_SESSION_TOKEN`. Path-style requests, SigV4-signed (sigv4.ts): ListObjectsV2 and GetObject only.
 *  - Only what vLLM loads: the top-level config, generation config, tokenizer and chat-template files and
 *    the weights (`*.safetensors` + index; `pytorch_model*.bin` only when there are no safetensors).
 *    Optimizer states, trainer states and sub-folders (other checkpoints) are not downloaded.
 *  - Resumable: a file is downloaded to `<name>.part` and continued with a Range request after an
 *    interruption (as long as the object's ETag is unchanged); finished files are recorded with their ETag
 *    and size in `.evalkit-s3-sync.json` and skipped next time.
 *  - Checksummed: the size must match the listing; a single-part ETag (the object's MD5) must match the MD5
 *    of the bytes received; multipart ETags (`…-N`) are checked by size only.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../store/run-dir.js';
import { EvalkitError } from '../util/errors.js';
import { amzDate, EMPTY_SHA256, encodeKeyPath, sigV4Authorization, type SigV4Credentials } from './sigv4.js';

export interface S3Location {
  bucket: string;
  /** Key prefix without a trailing slash ("" for the bucket root). */
  prefix: string;
}

export interface S3Config {
  endpoint: string;
  region: string;
  credentials: SigV4Credentials;
}

export interface S3Object {
  key: string;
  size: number;
  etag: string;
}

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new EvalkitError(`${url}: expected s3://<bucket>/<path to the checkpoint folder>`);
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/\/+$/, '') };
}

export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3Config {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const endpoint = (
    env.AWS_ENDPOINT_URL_S3 ||
    env.AWS_ENDPOINT_URL ||
    `https://s3.${region}.amazonaws.com`
  ).replace(/\/+$/, '');
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)
    throw new EvalkitError(
      's3:// checkpoint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL_S3 for a non-AWS store)',
    );
  return {
    endpoint,
    region,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
    },
  };
}

/** One signed request to the store. */
async function s3Fetch(
  cfg: S3Config,
  bucket: string,
  key: string,
  query: Array<[string, string]>,
  extra: Record<string, string> = {},
): Promise<Response> {
  const url = new URL(`${cfg.endpoint}/${bucket}${key ? '/' + encodeKeyPath(key) : ''}`);
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-date': amzDate(new Date()),
    'x-amz-content-sha256': EMPTY_SHA256,
    ...(cfg.credentials.sessionToken ? { 'x-amz-security-token': cfg.credentials.sessionToken } : {}),
  };
  const authorization = sigV4Authorization(
    { method: 'GET', path: url.pathname, query, headers, payloadHash: EMPTY_SHA256 },
    { region: cfg.region, service: 's3' },
    cfg.credentials,
  );
  const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const target = `${url.origin}${url.pathname}${qs ? '?' + qs : ''}`;
  try {
    // Host is signed but set by fetch itself (from the same URL).
    const { host: _host, ...sent } = headers;
    return await fetch(target, { headers: { ...sent, ...extra, authorization } });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new EvalkitError(
      `S3 ${cfg.endpoint}: cannot reach the store (${cause?.code ?? cause?.message ?? (e as Error).message})`,
    );
  }
}

async function s3Error(where: string, res: Response): Promise<EvalkitError> {
  const body = await res.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const msg = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return new EvalkitError(`${where}: HTTP ${res.status}${code ? ` ${code}` : ''}${msg ? `: ${msg}` : ''}`);
}

const xmlText = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** ListObjectsV2 over every page under `prefix/`. */
export async function listObjects(cfg: S3Config, loc: S3Location): Promise<S3Object[]> {
  const out: S3Object[] = [];
  let token: string | undefined;
  const prefix = loc.prefix ? loc.prefix + '/' : '';
  do {
    const query: Array<[string, string]> = [
      ['list-type', '2'],
      ['prefix', prefix],
      ...(token ? ([['continuation-token', token]] as Array<[string, string]>) : []),
    ];
    const res = await s3Fetch(cfg, loc.bucket, '', query);
    if (res.status !== 200) throw await s3Error(`S3 list s3://${loc.bucket}/${prefix}`, res);
    const xml = await res.text();
    for (const c of xml.match(/<Contents>[\s\S]*?<\/Contents>/g) ?? []) {
      const key = /<Key>([\s\S]*?)<\/Key>/.exec(c)?.[1];
      const size = /<Size>(\d+)<\/Size>/.exec(c)?.[1];
      const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(c)?.[1];
      if (key !== undefined && size !== undefined)
        out.push({ key: xmlText(key), size: Number(size), etag: xmlText(etag ?? '').replace(/"/g, '') });
    }
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
      ? xmlText(/<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '')
      : undefined;
  } while (token);
  return out;
}

const SERVING_FILE =
  /^(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|tokenizer\.model|special_tokens_map\.json|added_tokens\.json|vocab\.json|vocab\.txt|merges\.txt|chat_template\.jinja|chat_template\.json|preprocessor_config\.json|[^/]*\.tiktoken|[^/]*\.safetensors|model\.safetensors\.index\.json)$/;
const TORCH_WEIGHTS = /^(pytorch_model[^/]*\.bin|pytorch_model\.bin\.index\.json)$/;

/** The files of a checkpoint folder that vLLM needs (relative names). */
export function servingFiles(names: string[]): string[] {
  const top = names.filter((n) => !n.includes('/'));
  const picked = top.filter((n) => SERVING_FILE.test(n));
  if (!picked.some((n) => n.endsWith('.safetensors')))
    picked.push(...top.filter((n) => TORCH_WEIGHTS.test(n)));
  return picked.sort();
}

interface SyncState {
  source: string;
  files: Record<string, { etag: string; size: number }>;
}

async function md5OfFile(path: string): Promise<ReturnType<typeof createHash>> {
  const h = createHash('md5');
  if (existsSync(path)) for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h;
}

/** Download one object into `dest`, resuming `dest.part`; verify size and (single-part) MD5. */
async function fetchObject(cfg: S3Config, loc: S3Location, obj: S3Object, dest: string, resumeEtag?: string) {
  const part = dest + '.part';
  let have = existsSync(part) && resumeEtag === obj.etag ? statSync(part).size : 0;
  if (have > obj.size) have = 0;
  const hash = have ? await md5OfFile(part) : createHash('md5');
  const res = await s3Fetch(cfg, loc.bucket, obj.key, [], have ? { range: `bytes=${have}-` } : {});
  if (res.status !== 200 && res.status !== 206)
    throw await s3Error(`S3 get s3://${loc.bucket}/${obj.key}`, res);
  const append = have > 0 && res.status === 206;
  const h = append ? hash : createHash('md5');
  // Each chunk is on disk before the next is read: bytes received before a dropped connection are kept
  // for the next attempt to resume from.
  const fh = await open(part, append ? 'a' : 'w');
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      h.update(chunk);
      await fh.write(chunk);
    }
  } catch (e) {
    throw new EvalkitError(
      `S3 s3://${loc.bucket}/${obj.key}: download interrupted (${(e as Error).message}); run again to resume`,
    );
  } finally {
    await fh.close();
  }
  const size = statSync(part).size;
  if (size !== obj.size)
    throw new EvalkitError(
      `S3 s3://${loc.bucket}/${obj.key}: received ${size} bytes, the listing says ${obj.size}`,
    );
  const md5 = h.digest('hex');
  if (/^[0-9a-f]{32}$/.test(obj.etag) && md5 !== obj.etag)
    throw new EvalkitError(
      `S3 s3://${loc.bucket}/${obj.key}: checksum mismatch (MD5 ${md5}, ETag ${obj.etag}); the partial file was kept as ${part}`,
    );
  renameSync(part, dest);
}

/**
 * Sync the checkpoint at `url` into `<cacheDir>/s3/<bucket>/<prefix>` and return that folder. Files already
 * there with the same ETag and size are not downloaded again.
 */
export async function syncS3Checkpoint(
  url: string,
  cacheDir: string,
  opts: { env?: NodeJS.ProcessEnv; log?: (s: string) => void } = {},
): Promise<{ dir: string; downloaded: string[]; skipped: string[] }> {
  const loc = parseS3Url(url);
  const cfg = s3ConfigFromEnv(opts.env);
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const objects = await listObjects(cfg, loc);
  const base = loc.prefix ? loc.prefix + '/' : '';
  const byName = new Map(objects.map((o) => [o.key.slice(base.length), o]));
  const wanted = servingFiles([...byName.keys()]);
  if (!wanted.includes('config.json'))
    throw new EvalkitError(
      `${url}: no config.json in this folder (found ${objects.length} objects${objects.length ? `: ${[...byName.keys()].slice(0, 5).join(', ')}${objects.length > 5 ? ', …' : ''}` : ''}); point at the checkpoint folder itself`,
    );
  const dir = join(cacheDir, 's3', loc.bucket, ...(loc.prefix ? loc.prefix.split('/') : []));
  mkdirSync(dir, { recursive: true });
  const stateFile = join(dir, '.evalkit-s3-sync.json');
  let state: SyncState = { source: url, files: {} };
  if (existsSync(stateFile)) {
    try {
      state = JSON.parse(readFileSync(stateFile, 'utf8')) as SyncState;
    } catch {
      /* unreadable state: everything is checked again */
    }
  }
  const partial: Record<string, string> =
    (state as SyncState & { partial?: Record<string, string> }).partial ?? {};
  const downloaded: string[] = [];
  const skipped: string[] = [];
  for (const name of wanted) {
    const obj = byName.get(name)!;
    const dest = join(dir, name);
    const done = state.files[name];
    if (
      done &&
      done.etag === obj.etag &&
      done.size === obj.size &&
      existsSync(dest) &&
      statSync(dest).size === obj.size
    ) {
      skipped.push(name);
      continue;
    }
    log(`evalkit: s3: ${name} (${(obj.size / 2 ** 20).toFixed(1)} MiB)`);
    // Remember which version the .part belongs to before downloading, so an interrupted file resumes only
    // against the same object.
    const resumeEtag = partial[name];
    partial[name] = obj.etag;
    await writeJsonAtomic(stateFile, { ...state, partial });
    await fetchObject(cfg, loc, obj, dest, resumeEtag);
    delete partial[name];
    state.files[name] = { etag: obj.etag, size: obj.size };
    await writeJsonAtomic(stateFile, { ...state, partial });
    downloaded.push(name);
  }
  return { dir, downloaded, skipped };
}
