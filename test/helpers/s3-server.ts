/**
 * A small S3-compatible HTTP server for tests: path-style ListObjectsV2 (paged) and GetObject (with Range),
 * behind SigV4 header authentication that it checks like S3 does: known access key, credential scope
 * (day of x-amz-date, region, "s3", "aws4_request"), x-amz-content-sha256 present, and the signature
 * recomputed over the request as received (method, path, query, the signed headers). Errors are S3's XML.
 * Faults for tests: cut an object's first download after N bytes; serve an ETag that does not match the bytes.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sigV4Authorization } from '../../src/checkpoints/sigv4.js';

export interface S3StubOptions {
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** bucket → key → content */
  objects: Record<string, Record<string, Buffer>>;
  /** Keys per ListObjectsV2 page (default 1000). */
  pageSize?: number;
}

export interface S3Stub {
  endpoint: string;
  requests: Array<{ method: string; url: string; range?: string; status: number }>;
  /** The next GET of `key` sends only `bytes` bytes, then drops the connection. */
  cutNextDownload(key: string, bytes: number): void;
  /** Advertise this ETag for `key` (e.g. a wrong MD5). */
  setEtag(key: string, etag: string): void;
  close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startS3Stub(o: S3StubOptions): Promise<S3Stub> {
  const region = o.region ?? 'us-east-1';
  const ak = o.accessKeyId ?? 'AKIDTEST';
  const sk = o.secretAccessKey ?? 'secret/key+TEST';
  const requests: S3Stub['requests'] = [];
  const cuts = new Map<string, number>();
  const etags = new Map<string, string>();
  const etagOf = (key: string, body: Buffer) =>
    etags.get(key) ?? createHash('md5').update(body).digest('hex');

  const fail = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`,
    );
  };

  /** null when the request is properly signed, else the S3 error code and message. */
  function checkSignature(req: IncomingMessage, url: URL): [string, string] | null {
    const auth = req.headers.authorization ?? '';
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m) return ['AccessDenied', 'missing or malformed Authorization header'];
    const [, key, day, reg, service, signed, signature] = m;
    if (key !== ak)
      return ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
    const date = String(req.headers['x-amz-date'] ?? '');
    if (!date.startsWith(day!) || reg !== region || service !== 's3')
      return [
        'AuthorizationHeaderMalformed',
        'credential scope does not match the request date, region or service',
      ];
    const payload = req.headers['x-amz-content-sha256'];
    if (typeof payload !== 'string')
      return ['InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'];
    const names = signed!.split(';');
    if (!names.includes('host') || !names.includes('x-amz-date'))
      return ['AccessDenied', 'host and x-amz-date must be signed'];
    const headers = Object.fromEntries(names.map((n) => [n, String(req.headers[n] ?? '')]));
    // The query as received, decoded (the signer encodes it again canonically).
    const query = [...url.searchParams.entries()] as Array<[string, string]>;
    const expected = sigV4Authorization(
      { method: req.method ?? 'GET', path: url.pathname, query, headers, payloadHash: payload },
      { region, service: 's3' },
      { accessKeyId: ak, secretAccessKey: sk },
    );
    if (!expected.endsWith(`Signature=${signature}`))
      return [
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      ];
    return null;
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const log = { method: req.method ?? 'GET', url: req.url ?? '/', range: req.headers.range, status: 200 };
    requests.push(log);
    const denied = checkSignature(req, url);
    if (denied) {
      log.status = 403;
      return fail(res, 403, denied[0], denied[1]);
    }
    const [, bucket, ...rest] = url.pathname.split('/');
    const store = o.objects[decodeURIComponent(bucket ?? '')];
    if (!store) {
      log.status = 404;
      return fail(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    }
    const key = rest.map(decodeURIComponent).join('/');
    if (!key) {
      if (url.searchParams.get('list-type') !== '2')
        return fail(res, 400, 'InvalidRequest', 'only ListObjectsV2');
      const prefix = url.searchParams.get('prefix') ?? '';
      const keys = Object.keys(store)
        .filter((k) => k.startsWith(prefix))
        .sort();
      const start = Number(url.searchParams.get('continuation-token') ?? 0);
      const page = keys.slice(start, start + (o.pageSize ?? 1000));
      const more = start + page.length < keys.length;
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${xml(bucket!)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><IsTruncated>${more}</IsTruncated>` +
          (more ? `<NextContinuationToken>${start + page.length}</NextContinuationToken>` : '') +
          page
            .map(
              (k) =>
                `<Contents><Key>${xml(k)}</Key><Size>${store[k]!.length}</Size><ETag>&quot;${etagOf(k, store[k]!)}&quot;</ETag></Contents>`,
            )
            .join('') +
          `</ListBucketResult>`,
      );
      return;
    }
    const body = store[key];
    if (!body) {
      log.status = 404;
      return fail(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    }
    let from = 0;
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    if (range) from = Number(range[1]);
    const chunk = body.subarray(from);
    log.status = range ? 206 : 200;
    res.writeHead(log.status, {
      'content-length': chunk.length,
      etag: `"${etagOf(key, body)}"`,
      ...(range ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    const cut = cuts.get(key);
    if (cut !== undefined) {
      cuts.delete(key);
      res.write(chunk.subarray(0, cut), () => res.destroy());
      return;
    }
    res.end(chunk);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    cutNextDownload: (key, bytes) => cuts.set(key, bytes),
    setEtag: (key, etag) => etags.set(key, etag),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
