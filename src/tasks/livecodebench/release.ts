/**
 * LiveCodeBench code-generation release files (HF dataset `livecodebench/code_generation_lite`): which files a
 * version tag reads, where they come from (a local directory, the cache, or a download), and the streaming loader
 * with the contest-date window. Facts from the HF loading script and lcb_runner (PROVENANCE.md); our own code.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { defaultCacheDir } from '../../datasets/registry.js';
import type { DatasetUse } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';
import { decodePublicTests, type LcbTest } from './private-tests.js';

export const LCB_FILES = [
  'test.jsonl',
  'test2.jsonl',
  'test3.jsonl',
  'test4.jsonl',
  'test5.jsonl',
  'test6.jsonl',
];
export const LCB_BASE_URL = 'https://huggingface.co/datasets/livecodebench/code_generation_lite/resolve/main';

/** Files read by a version tag: release_vN = files 1..N, release_latest = all, vN = file N, vA_vB = A..B. */
export function releaseFiles(tag: string): string[] {
  const n = LCB_FILES.length;
  const range = (a: number, b: number) => LCB_FILES.slice(a - 1, b);
  if (tag === 'release_latest') return range(1, n);
  let m = /^release_v(\d+)$/.exec(tag);
  if (m && +m[1] >= 1 && +m[1] <= n) return range(1, +m[1]);
  m = /^v(\d+)$/.exec(tag);
  if (m && +m[1] >= 1 && +m[1] <= n) return range(+m[1], +m[1]);
  m = /^v(\d+)_v(\d+)$/.exec(tag);
  if (m && +m[1] >= 1 && +m[1] < +m[2] && +m[2] <= n) return range(+m[1], +m[2]);
  throw new EvalkitError(
    `unknown LiveCodeBench version tag "${tag}" (release_v1…release_v${n}, release_latest, v1…v${n}, vA_vB with A < B)`,
  );
}

export interface LcbProblem {
  title: string;
  content: string;
  platform: string;
  questionId: string;
  contestId: string;
  contestDate: string;
  starterCode: string;
  difficulty: string;
  publicTests: LcbTest[];
  /** The raw field (JSON text or base64 zlib pickle), decoded only when the problem is scored. */
  privateTestsField: string;
  funcName?: string;
  testType: 'stdin' | 'functional';
  /** Where it was read from: file:line. */
  source: string;
}

/** `YYYY-MM-DD` (midnight) or a full ISO datetime without zone → comparable key; throws on bad input. */
export function dateKey(s: string, what: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?$/.exec(s.trim());
  if (!m || Number.isNaN(Date.parse(m[1])))
    throw new EvalkitError(`${what}: "${s}" is not a date (YYYY-MM-DD)`);
  const t = m[2] ?? '00:00:00';
  return `${m[1]}T${t.length === 5 ? t + ':00' : t}`;
}

const STR_FIELDS = [
  'question_title',
  'question_content',
  'platform',
  'question_id',
  'contest_id',
  'contest_date',
  'starter_code',
  'difficulty',
  'public_test_cases',
  'private_test_cases',
  'metadata',
] as const;

export function parseRecord(rec: Record<string, unknown>, where: string): LcbProblem {
  for (const f of STR_FIELDS)
    if (typeof rec[f] !== 'string')
      throw new EvalkitError(
        `${where}: field "${f}" ${rec[f] === undefined ? 'is missing' : 'is not a string'}`,
      );
  const s = rec as Record<(typeof STR_FIELDS)[number], string>;
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(s.metadata) as Record<string, unknown>;
  } catch {
    throw new EvalkitError(`${where}: field "metadata" is not JSON text`);
  }
  const publicTests = decodePublicTests(s.public_test_cases, `${where} public_test_cases`);
  const functional = publicTests[0]?.testtype === 'functional' || typeof meta.func_name === 'string';
  if (functional && typeof meta.func_name !== 'string')
    throw new EvalkitError(`${where}: functional problem without metadata.func_name`);
  dateKey(s.contest_date, `${where} contest_date`);
  return {
    title: s.question_title,
    content: s.question_content,
    platform: s.platform,
    questionId: s.question_id,
    contestId: s.contest_id,
    contestDate: s.contest_date,
    starterCode: s.starter_code,
    difficulty: s.difficulty,
    publicTests,
    privateTestsField: s.private_test_cases,
    ...(functional ? { funcName: meta.func_name as string } : {}),
    testType: functional ? 'functional' : 'stdin',
    source: where,
  };
}

/** Resolve one release file: <dir>/<file> if a data dir is given, else the cache, else download it there. */
async function resolveFile(
  file: string,
  dataDir: string | undefined,
  cacheDir: string,
): Promise<{ path: string; url?: string }> {
  if (dataDir) {
    const p = join(dataDir, file);
    if (!existsSync(p))
      throw new EvalkitError(
        `LiveCodeBench: ${p} not found (--lcb-data / EVALKIT_LCB_DATA must hold ${file})`,
      );
    return { path: p };
  }
  const dir = join(cacheDir, 'datasets', 'livecodebench');
  const p = join(dir, file);
  if (existsSync(p)) return { path: p };
  const url = `${LCB_BASE_URL}/${file}`;
  mkdirSync(dir, { recursive: true });
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    throw new EvalkitError(
      `LiveCodeBench: download of ${url} failed (${(e as Error).message}); offline? pass --lcb-data <dir>`,
    );
  }
  if (!res.ok || !res.body)
    throw new EvalkitError(`LiveCodeBench: download of ${url} failed: HTTP ${res.status}`);
  const tmp = `${p}.tmp-${process.pid}`;
  await pipeline(Readable.fromWeb(res.body as never), createWriteStream(tmp));
  renameSync(tmp, p);
  return { path: p, url };
}

export interface LoadOptions {
  tag: string;
  since?: string;
  until?: string;
  dataDir?: string;
  cacheDir?: string;
}

/** Stream the tag's files line by line, keep problems whose contest_date is within [since, until]. */
export async function loadRelease(
  o: LoadOptions,
): Promise<{ problems: LcbProblem[]; datasets: DatasetUse[] }> {
  const since = o.since ? dateKey(o.since, '--since') : undefined;
  const until = o.until ? dateKey(o.until, '--until') : undefined;
  if (since && until && since > until)
    throw new EvalkitError(`--since ${o.since} is after --until ${o.until}`);
  const problems: LcbProblem[] = [];
  const datasets: DatasetUse[] = [];
  for (const file of releaseFiles(o.tag)) {
    const { path, url } = await resolveFile(file, o.dataDir, o.cacheDir ?? defaultCacheDir());
    const hash = createHash('sha256');
    const stream = createReadStream(path);
    stream.on('data', (c) => hash.update(c));
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    let line = 0;
    for await (const text of rl) {
      line++;
      if (!text.trim()) continue;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(text) as Record<string, unknown>;
      } catch (e) {
        throw new EvalkitError(`${path}:${line}: malformed JSON line: ${(e as Error).message}`);
      }
      const p = parseRecord(rec, `${path}:${line}`);
      const d = dateKey(p.contestDate, `${path}:${line} contest_date`);
      if ((since && d < since) || (until && d > until)) continue;
      problems.push(p);
    }
    datasets.push({
      id: `livecodebench-${file}`,
      version: `code_generation_lite ${o.tag}`,
      sha256: hash.digest('hex'),
      source: url ?? path,
    });
  }
  return { problems, datasets };
}
