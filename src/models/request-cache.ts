/**
 * On-disk request cache shared across runs: `<cacheDir>/requests/cache.sqlite` (better-sqlite3, WAL so several
 * evalkit processes can share it). One row per SAMPLE, keyed by sha256 over (model identity, endpoint kind,
 * prompt, generation params, request-shaping settings, sample index). Only successful samples are stored:
 * errors are never cached, so a later run retries them.
 *
 * Note: for sampled decoding (temperature > 0) a hit returns the sample drawn in an earlier run; that is the
 * point (re-runs and re-scoring reuse the exact generations), and the source field says `cache:`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface CachedSample {
  text: string;
  reasoning?: string;
  finishReason?: string | null;
  logprobSum?: number;
  usage?: { promptTokens?: number; completionTokens?: number };
  source?: string;
}

export class RequestCache {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement;
  private readonly putStmt: Database.Statement;
  readonly path: string;

  constructor(cacheDir: string) {
    const dir = join(cacheDir, 'requests');
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'cache.sqlite');
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS samples (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TEXT NOT NULL)',
    );
    this.getStmt = this.db.prepare('SELECT value FROM samples WHERE key = ?');
    this.putStmt = this.db.prepare(
      'INSERT OR REPLACE INTO samples (key, value, created_at) VALUES (?, ?, ?)',
    );
  }

  /** Cache key of one sample: `identity` is everything about the request except the sample index. */
  static key(identity: unknown, sampleIndex: number): string {
    return createHash('sha256').update(JSON.stringify(identity)).update(`\u0000${sampleIndex}`).digest('hex');
  }

  get(key: string): CachedSample | undefined {
    const row = this.getStmt.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as CachedSample) : undefined;
  }

  put(key: string, value: CachedSample): void {
    this.putStmt.run(key, JSON.stringify(value), new Date().toISOString());
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
