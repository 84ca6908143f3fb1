/**
 * Per-repo test-log parsers with SWE-bench's rules (facts from swebench/harness/log_parsers/python.py at
 * SWE-bench/SWE-bench@fdefc6a2, MIT; re-implemented, not copied): each turns the test command's output into
 * a map test id → status (PASSED, FAILED, SKIPPED, ERROR, XFAIL).
 */

export type TestStatus = 'PASSED' | 'FAILED' | 'SKIPPED' | 'ERROR' | 'XFAIL';
export type StatusMap = Map<string, TestStatus>;

const STATUSES: TestStatus[] = ['FAILED', 'PASSED', 'SKIPPED', 'ERROR', 'XFAIL'];
const ALT = STATUSES.join('|');
const STATUS_FIRST = new RegExp(`^(${ALT})\\s+(\\S+)`);
const TEST_FIRST = new RegExp(`^(\\S+)\\s+(${ALT})(?:\\s|$)`);

/** One pytest `-rA` summary line (`STATUS id`, `FAILED id - msg`) or verbose line (`id STATUS`). */
function pytestLine(line: string): [string, TestStatus] | undefined {
  const a = STATUS_FIRST.exec(line);
  if (a) {
    const status = a[1] as TestStatus;
    let id = a[2];
    if (status === 'FAILED') id = line.replaceAll(' - ', ' ').split(/\s+/)[1];
    // `SKIPPED [3] file.py:12: reason` is a skip summary, not a test id
    if (status === 'SKIPPED' && /^\[\d+\]/.test(id)) return undefined;
    return [id, status];
  }
  const b = TEST_FIRST.exec(line);
  if (b) return [b[1], b[2] as TestStatus];
  return undefined;
}

export function parsePytest(log: string): StatusMap {
  const m: StatusMap = new Map();
  for (const line of log.split('\n')) {
    const r = pytestLine(line);
    if (r) m.set(r[0], r[1]);
  }
  return m;
}

/** `name[/abs/path/file]` → `name[/file]` (requests' parametrize options carry absolute paths). */
function normaliseOption(id: string): string {
  const m = /^(.*?)\[(.*)\]/.exec(id);
  if (!m) return id;
  let opt = m[2];
  if (opt.startsWith('/') && !opt.startsWith('//') && !opt.includes('*')) opt = '/' + opt.split('/').at(-1);
  return `${m[1]}[${opt}]`;
}

export function parsePytestOptions(log: string): StatusMap {
  const m: StatusMap = new Map();
  for (const line of log.split('\n')) {
    const r = pytestLine(line);
    if (r) m.set(normaliseOption(r[0]), r[1]);
  }
  return m;
}

/** pytest with colour: `ESC[NNm` codes and control characters removed first. */
export function parsePytestV2(log: string): StatusMap {
  const m: StatusMap = new Map();
  for (let line of log.split('\n')) {
    line = line.replace(/\[(\d+)m/g, '').replace(/[\x01-\x1f]/g, '');
    const r = pytestLine(line);
    if (r) m.set(r[0], r[1]);
  }
  return m;
}

/** sympy's bin/test --verbose: `test_name ok|F|E` lines; `___ path.py:test_name ___` banners mark failures. */
export function parseSympy(log: string): StatusMap {
  const m: StatusMap = new Map();
  for (const b of log.matchAll(/(_*) (.*)\.py:(.*) (_*)/g)) m.set(`${b[2]}.py:${b[3]}`, 'FAILED');
  for (const raw of log.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('test_')) continue;
    const name = line.split(/\s+/)[0];
    if (line.endsWith(' E')) m.set(name, 'ERROR');
    if (line.endsWith(' F')) m.set(name, 'FAILED');
    if (line.endsWith(' ok')) m.set(name, 'PASSED');
  }
  return m;
}

export const LOG_PARSERS: Record<string, (log: string) => StatusMap> = {
  parse_log_pytest: parsePytest,
  parse_log_flask: parsePytest,
  parse_log_requests: parsePytestOptions,
  parse_log_sphinx: parsePytestV2,
  parse_log_sympy: parseSympy,
};

export function parserFor(name: string): (log: string) => StatusMap {
  const p = LOG_PARSERS[name];
  if (!p) throw new Error(`no log parser "${name}" (known: ${Object.keys(LOG_PARSERS).join(', ')})`);
  return p;
}

/**
 * Status of an expected test id in a parsed log, with SWE-bench's rule for ids truncated inside a parametrize
 * bracket (more `[` than `]`): match by prefix when every match has the same status. Absent → undefined.
 */
export function statusOf(map: StatusMap, id: string): TestStatus | undefined {
  const direct = map.get(id);
  if (direct) return direct;
  const open = id.split('[').length - 1;
  const close = id.split(']').length - 1;
  if (open <= close) return undefined;
  const hits = [...map].filter(([k]) => k.startsWith(id)).map(([, s]) => s);
  if (hits.length && hits.every((s) => s === hits[0])) return hits[0];
  return undefined;
}

export interface TestGrade {
  failToPass: { passed: string[]; failed: string[]; neither: string[] };
  passToPass: { passed: string[]; failed: string[]; neither: string[] };
  resolved: boolean;
}

/**
 * SWE-bench grading (swebench/harness/grading.py): a test *passed* if PASSED/XFAIL, *failed* if absent or
 * FAILED/ERROR; anything else (SKIPPED) is neither and drops out of the denominator. Resolved ("FULL") = no
 * FAIL_TO_PASS and no PASS_TO_PASS test failed and F2P has no unmet case (SWE-bench: f2p rate 1 and p2p rate 1,
 * where an empty denominator counts as 1).
 */
export function gradeTests(map: StatusMap, failToPass: string[], passToPass: string[]): TestGrade {
  const split = (ids: string[]) => {
    const r = { passed: [] as string[], failed: [] as string[], neither: [] as string[] };
    for (const t of ids) {
      const s = statusOf(map, t);
      if (s === 'PASSED' || s === 'XFAIL') r.passed.push(t);
      else if (s === undefined || s === 'FAILED' || s === 'ERROR') r.failed.push(t);
      else r.neither.push(t);
    }
    return r;
  };
  const f2p = split(failToPass);
  const p2p = split(passToPass);
  return { failToPass: f2p, passToPass: p2p, resolved: f2p.failed.length === 0 && p2p.failed.length === 0 };
}
