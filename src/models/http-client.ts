/**
 * Minimal HTTP(S) JSON/SSE client on node:http with keep-alive agents. Chosen over global fetch because the
 * provider must classify failures precisely (connection refused vs reset vs timeout vs HTTP status) to decide
 * between retrying, moving to another endpoint and failing fast, and because a keep-alive agent sized to the
 * concurrency limit keeps per-request overhead low at 100k requests.
 */
import http from 'node:http';
import https from 'node:https';

/** Why one HTTP attempt failed; `retryable` drives the retry loop, `endpointFault` drives endpoint ejection. */
export class HttpAttemptError extends Error {
  constructor(
    message: string,
    readonly kind: 'status' | 'network' | 'timeout' | 'protocol' | 'aborted',
    readonly status?: number,
    /** Milliseconds from a Retry-After header. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
  get retryable(): boolean {
    if (this.kind === 'aborted') return false;
    if (this.kind !== 'status') return true;
    return this.status === 429 || this.status === 408 || (this.status !== undefined && this.status >= 500);
  }
  /** The endpoint itself looks broken (not merely busy): counts towards taking it out of rotation. */
  get endpointFault(): boolean {
    return (
      this.kind === 'network' ||
      this.kind === 'timeout' ||
      this.kind === 'protocol' ||
      (this.kind === 'status' && (this.status ?? 0) >= 500)
    );
  }
}

export interface HttpClientOptions {
  maxSockets: number;
  apiKey?: string;
}

export interface PostOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Parse a `text/event-stream` body, calling onEvent per `data:` payload (excluding [DONE]). */
  onEvent?: (data: any) => void;
}

/** Socket errors meaning no connection could be made (as opposed to one that broke). */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Parse a Retry-After header value (delta-seconds or HTTP-date) into milliseconds. */
export function parseRetryAfter(v: string | string[] | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = Array.isArray(v) ? v[0] : v;
  const secs = Number(s);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const t = Date.parse(s);
  if (Number.isFinite(t)) return Math.max(0, t - Date.now());
  return undefined;
}

/** The server's own error message from an OpenAI/vLLM error body, else the raw body (truncated). */
export function serverMessage(body: string): string {
  try {
    const j = JSON.parse(body);
    const m = j?.error?.message ?? j?.message ?? j?.detail;
    if (typeof m === 'string') return m;
    if (m !== undefined) return JSON.stringify(m);
  } catch {
    /* not JSON */
  }
  const t = body.trim();
  return t.length > 500 ? `${t.slice(0, 500)}…` : t || '(empty body)';
}

export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly opts: HttpClientOptions) {
    this.httpAgent = new http.Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets,
      maxFreeSockets: opts.maxSockets,
    });
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets,
      maxFreeSockets: opts.maxSockets,
    });
  }

  /** GET returning parsed JSON (or null for an empty body); throws HttpAttemptError. */
  get(url: string, timeoutMs: number): Promise<any> {
    return this.request('GET', url, undefined, { timeoutMs });
  }

  /** POST a JSON body, returning the parsed JSON response (or undefined after an SSE stream); throws HttpAttemptError. */
  post(url: string, body: unknown, opts: PostOptions): Promise<any> {
    return this.request('POST', url, JSON.stringify(body), opts);
  }

  private request(method: string, url: string, payload: string | undefined, opts: PostOptions): Promise<any> {
    return new Promise((resolve, reject) => {
      let done = false;
      const u = new URL(url);
      const isHttps = u.protocol === 'https:';
      const headers: Record<string, string | number> = {
        accept: opts.onEvent ? 'text/event-stream' : 'application/json',
      };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
      const finish = (err: HttpAttemptError | null, value?: any) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value);
      };
      const onAbort = () => finish(new HttpAttemptError(`${method} ${url}: aborted`, 'aborted'));
      const req = (isHttps ? https : http).request(
        u,
        { method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent },
        (res) => {
          const status = res.statusCode ?? 0;
          const ctype = String(res.headers['content-type'] ?? '');
          if (status >= 200 && status < 300 && opts.onEvent && ctype.includes('text/event-stream')) {
            // SSE: split on blank lines, hand each `data:` payload to the caller.
            res.setEncoding('utf8');
            let buf = '';
            let sawDone = false;
            res.on('data', (chunk: string) => {
              buf += chunk;
              let idx: number;
              while ((idx = buf.search(/\r?\n\r?\n/)) !== -1) {
                const block = buf.slice(0, idx);
                buf = buf.slice(idx + (buf[idx] === '\r' ? 4 : 2));
                const data = block
                  .split(/\r?\n/)
                  .filter((l) => l.startsWith('data:'))
                  .map((l) => l.slice(5).replace(/^ /, ''))
                  .join('\n');
                if (!data) continue;
                if (data === '[DONE]') {
                  sawDone = true;
                  continue;
                }
                try {
                  opts.onEvent!(JSON.parse(data));
                } catch (e) {
                  finish(
                    new HttpAttemptError(
                      `${method} ${url}: bad SSE event: ${(e as Error).message}`,
                      'protocol',
                    ),
                  );
                  return;
                }
              }
            });
            res.on('end', () => {
              if (sawDone) finish(null, undefined);
              else finish(new HttpAttemptError(`${method} ${url}: stream ended without [DONE]`, 'protocol'));
            });
            res.on('aborted', () =>
              finish(new HttpAttemptError(`${method} ${url}: connection reset during stream`, 'network')),
            );
            res.on('error', (e) => finish(new HttpAttemptError(`${method} ${url}: ${e.message}`, 'network')));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('aborted', () =>
            finish(new HttpAttemptError(`${method} ${url}: connection reset mid-response`, 'network')),
          );
          res.on('error', (e) => finish(new HttpAttemptError(`${method} ${url}: ${e.message}`, 'network')));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (status < 200 || status >= 300) {
              finish(
                new HttpAttemptError(
                  `${method} ${url}: HTTP ${status}: ${serverMessage(text)}`,
                  'status',
                  status,
                  parseRetryAfter(res.headers['retry-after']),
                ),
              );
              return;
            }
            if (!text) return finish(null, null);
            try {
              finish(null, JSON.parse(text));
            } catch {
              finish(
                new HttpAttemptError(
                  `${method} ${url}: HTTP ${status} with a body that is not JSON: ${serverMessage(text)}`,
                  'protocol',
                  status,
                ),
              );
            }
          });
        },
      );
      const timer = setTimeout(
        () =>
          finish(
            new HttpAttemptError(
              `${method} ${url}: no complete response within ${opts.timeoutMs} ms`,
              'timeout',
            ),
          ),
        opts.timeoutMs,
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        finish(
          new HttpAttemptError(
            // No connection at all (nothing listening, unknown host): say "server unreachable" plainly.
            (CONNECT_FAILURES.has(e.code ?? '')
              ? `${method} ${url}: server unreachable (${e.code} ${e.message})`
              : `${method} ${url}: ${e.code ?? ''} ${e.message}`
            ).replace(/\s+/g, ' '),
            'network',
          ),
        ),
      );
      if (opts.signal) {
        if (opts.signal.aborted) return onAbort();
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
      req.end(payload);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
