/**
 * AWS Signature Version 4 (header form), as AWS documents it ("Create a signed AWS API request"): canonical
 * request → string to sign → HMAC-SHA256 chain of date / region / service / "aws4_request" → Authorization
 * header. Enough for S3-compatible GET/LIST (AWS S3, MinIO, Ceph RGW, R2, GCS interop). Checked against AWS's
 * published SigV4 test-suite vectors (test/checkpoints/s3-checkpoint.test.ts).
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4Request {
  method: string;
  /** Absolute path, already URI-encoded per segment (S3 encodes once). */
  path: string;
  /** Query parameters (unencoded). */
  query: Array<[string, string]>;
  /** Headers to sign (names any case); must include host and x-amz-date. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the payload (or "UNSIGNED-PAYLOAD"). */
  payloadHash: string;
}

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** RFC 3986 percent-encoding as SigV4 requires: unreserved characters kept, everything else %XX. */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An S3 object key as a path: every segment encoded, slashes kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(uriEncode).join('/');
}

/** YYYYMMDD'T'HHMMSS'Z' */
export function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function canonicalRequest(r: SigV4Request): { text: string; signedHeaders: string } {
  const query = r.query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = Object.entries(r.headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = headers.map(([k]) => k).join(';');
  const text = [
    r.method,
    r.path || '/',
    query,
    headers.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders,
    r.payloadHash,
  ].join('\n');
  return { text, signedHeaders };
}

/** The Authorization header value for `r`, signed at `r.headers['x-amz-date']`. */
export function sigV4Authorization(
  r: SigV4Request,
  scope: { region: string; service: string },
  creds: SigV4Credentials,
): string {
  const date =
    Object.entries(r.headers).find(([k]) => k.toLowerCase() === 'x-amz-date')?.[1] ?? amzDate(new Date());
  const day = date.slice(0, 8);
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const { text, signedHeaders } = canonicalRequest(r);
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    date,
    credentialScope,
    createHash('sha256').update(text).digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), scope.region), scope.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}
