/**
 * Several OpenAI-compatible servers serving the same model (data-parallel vLLM replicas). Requests go to the
 * healthy endpoint with the fewest requests in flight, so a faster server, which finishes sooner, naturally
 * takes more work. An endpoint that fails repeatedly (connection refused/reset, timeouts, 5xx) is taken out of
 * rotation and probed (GET <base>/models) after a cool-down that doubles up to `maxCooldownMs` while it stays
 * down; a successful probe or request puts it back.
 */
import type { HttpClient } from './http-client.js';

export interface Endpoint {
  /** Base URL ending in /v1 (no trailing slash). */
  url: string;
  inFlight: number;
  /** Consecutive endpoint faults. */
  failures: number;
  healthy: boolean;
  cooldownMs: number;
  probeTimer?: NodeJS.Timeout;
  /** Completed attempts (success or failure) — for tests and descriptions. */
  served: number;
  /** When the current run of consecutive faults began (undefined while the endpoint answers). */
  downSince?: number;
}

export interface EndpointPoolOptions {
  /** Consecutive endpoint faults before ejection. Default 2. */
  failureThreshold?: number;
  /** First cool-down before probing an ejected endpoint. Default 2000 ms. */
  cooldownMs?: number;
  maxCooldownMs?: number;
  probeTimeoutMs?: number;
}

export function normalizeBaseUrl(u: string): string {
  let s = u.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//.test(s)) throw new Error(`endpoint "${u}" must start with http:// or https://`);
  if (!/\/v\d+$/.test(s)) s += '/v1';
  return s;
}

export class EndpointPool {
  readonly endpoints: Endpoint[];
  private rr = 0;
  private waiters: Array<() => void> = [];
  private closed = false;
  private readonly threshold: number;
  private readonly cooldown0: number;
  private readonly maxCooldown: number;
  private readonly probeTimeout: number;

  constructor(
    urls: string[],
    private readonly client: HttpClient,
    opts: EndpointPoolOptions = {},
  ) {
    const uniq = [...new Set(urls.map(normalizeBaseUrl))];
    this.endpoints = uniq.map((url) => ({
      url,
      inFlight: 0,
      failures: 0,
      healthy: true,
      cooldownMs: 0,
      served: 0,
    }));
    this.threshold = opts.failureThreshold ?? 2;
    this.cooldown0 = opts.cooldownMs ?? 2000;
    this.maxCooldown = opts.maxCooldownMs ?? 60_000;
    this.probeTimeout = opts.probeTimeoutMs ?? 5000;
  }

  /**
   * The healthy endpoint with the least load, preferring ones not in `avoid` (where this request already
   * failed). Ties rotate so equal servers share evenly. Null when every endpoint is out of rotation.
   */
  pick(avoid?: Set<Endpoint>): Endpoint | null {
    const n = this.endpoints.length;
    let best: Endpoint | null = null;
    let bestAvoided = true;
    const start = this.rr++ % n;
    for (let k = 0; k < n; k++) {
      const e = this.endpoints[(start + k) % n];
      if (!e.healthy) continue;
      const avoided = avoid?.has(e) ?? false;
      if (!best || (bestAvoided && !avoided) || (avoided === bestAvoided && e.inFlight < best.inFlight)) {
        best = e;
        bestAvoided = avoided;
      }
    }
    return best;
  }

  /** Resolves when some endpoint becomes healthy again (after a probe), or after `maxWaitMs`. */
  waitForHealthy(maxWaitMs: number): Promise<void> {
    if (this.endpoints.some((e) => e.healthy) || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const t = setTimeout(done, maxWaitMs);
      this.waiters.push(done);
    });
  }

  success(e: Endpoint): void {
    e.served++;
    e.failures = 0;
    e.downSince = undefined;
    if (!e.healthy) this.markHealthy(e);
  }

  /** Record an endpoint fault; ejects it after `failureThreshold` consecutive faults. */
  fault(e: Endpoint, eject = true): void {
    e.served++;
    e.failures++;
    e.downSince ??= Date.now();
    if (!eject) return;
    if (e.healthy && e.failures >= this.threshold) {
      e.healthy = false;
      e.cooldownMs = this.cooldown0;
      this.scheduleProbe(e);
    }
  }

  private markHealthy(e: Endpoint): void {
    e.healthy = true;
    e.failures = 0;
    e.cooldownMs = 0;
    if (e.probeTimer) clearTimeout(e.probeTimer);
    e.probeTimer = undefined;
    for (const w of this.waiters.splice(0)) w();
  }

  private scheduleProbe(e: Endpoint): void {
    if (this.closed) return;
    e.probeTimer = setTimeout(async () => {
      e.probeTimer = undefined;
      if (this.closed || e.healthy) return;
      try {
        await this.client.get(`${e.url}/models`, this.probeTimeout);
        this.markHealthy(e);
      } catch {
        e.cooldownMs = Math.min(this.maxCooldown, e.cooldownMs * 2);
        this.scheduleProbe(e);
      }
    }, e.cooldownMs);
    e.probeTimer.unref();
  }

  /** How long EVERY endpoint has been failing without a single success (0 if any endpoint is fine). */
  allDownForMs(): number {
    const now = Date.now();
    let min = Infinity;
    for (const e of this.endpoints) min = Math.min(min, e.downSince === undefined ? 0 : now - e.downSince);
    return min === Infinity ? 0 : min;
  }

  /** Milliseconds until the next probe of any ejected endpoint (upper bound for waiting). */
  nextProbeInMs(): number {
    const down = this.endpoints.filter((e) => !e.healthy);
    return down.length ? Math.min(...down.map((e) => e.cooldownMs)) + this.probeTimeout : 0;
  }

  close(): void {
    this.closed = true;
    for (const e of this.endpoints) if (e.probeTimer) clearTimeout(e.probeTimer);
    for (const w of this.waiters.splice(0)) w();
  }
}
