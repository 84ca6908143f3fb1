#!/usr/bin/env node
// Judge throughput and the cost of the judge cache (imports dist/: run `npm run build` first).
//
//   node bench/judge-throughput.mjs [--n 2000] [--dispatch 256] [--unparseable 0.1] [--latency-per-token-ms 0]
//                                   [--warmup 300]
//
// A stub OpenAI-compatible judge runs in its own process (dist/testing/openai-stub-server.js, replying
// "… Rating: [[7]]"; with --unparseable F a deterministic fraction F of first attempts gets a reply without a
// verdict, so the judge retries at temperature + 0.15). The bench asks N distinct MT-Bench-sized judge prompts
// (~2.3 KB each) through `Judge.ask` with the strict FastChat parser, at most --dispatch asks outstanding, after
// an unreported warm-up of --warmup asks (JIT, sockets, server):
//   1. no cache  — a judge whose provider has no request cache (the pure client + HTTP cost);
//   2. cold      — the real judge (request cache on, fresh SQLite cache): every call misses and is written;
//   3. warm      — the same N asks again: every call is a cache hit (what a resume or a re-judging costs).
// Printed: verdicts/s, judge HTTP requests per verdict, cache hits, the cache file size per cached call, peak RSS.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { arg, ROOT } from './lib/cli-args.mjs';

const N = Number(arg('--n', '2000'));
const DISPATCH = Number(arg('--dispatch', '256'));
const UNPARSEABLE = Number(arg('--unparseable', '0'));
const LATENCY = Number(arg('--latency-per-token-ms', '0'));
const WARMUP = Number(arg('--warmup', '300'));

// The judge server: its own process so its work does not share the client's event loop.
const serverScript = `
import { startStubServer } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/testing/openai-stub-server.js')).href)};
const bad = ${UNPARSEABLE};
const hash = (s) => { let h = 2166136261; for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619); return (h >>> 0) / 2 ** 32; };
const s = await startStubServer({
  modelName: 'judge',
  logBodies: false,
  latencyPerTokenMs: ${LATENCY},
  respond: ({ messages, params }) => {
    const text = messages.map((m) => m.content).join('\\n');
    if (params.temperature === 0 && hash(text) < bad) return 'The answer is partly right but I will not rate it.';
    return 'The assistant answers the question correctly and explains the steps. Rating: [[7]]';
  },
});
process.stdout.write(s.url + '\\n');
process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
`;

function startServer() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', serverScript], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolveUrl({ url: line.trim(), child });
    });
    child.on('exit', (code) => reject(new Error(`judge server exited ${code}`)));
  });
}

const { Judge } = await import(join(ROOT, 'dist/judge/judge.js'));
const { createProvider } = await import(join(ROOT, 'dist/models/index.js'));
const { parseBracketRating } = await import(join(ROOT, 'dist/judge/parsers.js'));

const filler =
  'The user asks how to fix a failing build after upgrading a dependency; the assistant explains the lockfile, ' +
  'the peer dependency conflict and the command to run, with a short apology for the confusion. ';
function prompt(i) {
  return [
    { role: 'system', content: 'You are a helpful assistant.' },
    {
      role: 'user',
      content:
        `[Instruction]\nPlease act as an impartial judge and evaluate the quality of the response (#${i}). ` +
        'Rate it on a scale of 1 to 10 by strictly following this format: "[[rating]]".\n\n' +
        `[Question]\nQuestion ${i}: ${filler.repeat(4)}\n\n[The Start of Assistant's Answer]\n${filler.repeat(6)}\n` +
        "[The End of Assistant's Answer]",
    },
  ];
}

async function pass(judge, label, n = N, offset = 0) {
  let outstanding = 0;
  let wake = null;
  const stat = { verdicts: 0, unparseable: 0, errored: 0, calls: 0, cached: 0 };
  const t0 = performance.now();
  for (let i = offset; i < offset + n; i++) {
    while (outstanding >= DISPATCH) await new Promise((r) => (wake = r));
    outstanding++;
    judge
      .ask(prompt(i), (raw) => parseBracketRating(raw), `bench/${i}`)
      .then((a) => {
        stat[a.status === 'ok' ? 'verdicts' : a.status]++;
        stat.calls += a.calls.length;
        stat.cached += a.calls.filter((c) => c.cached).length;
        outstanding--;
        const w = wake;
        wake = null;
        w?.();
      });
  }
  while (outstanding > 0) await new Promise((r) => (wake = r));
  const ms = performance.now() - t0;
  return {
    pass: label,
    asks: n,
    ...stat,
    wallMs: Math.round(ms),
    verdictsPerS: Math.round((n / ms) * 1000),
    requestsPerVerdict: +((stat.calls - stat.cached) / n).toFixed(3),
  };
}

const dirSize = (d) =>
  readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((t, e) => t + statSync(join(e.parentPath ?? e.path, e.name)).size, 0);

const { url, child } = await startServer();
const cacheDir = mkdtempSync(join(tmpdir(), 'evalkit-judge-bench-'));
const spec = { model: `openai:${url}`, modelName: 'judge' };
try {
  const rows = [];
  const plain = new Judge(
    spec,
    0,
    await createProvider({ model: spec.model, modelName: 'judge', cache: false }),
  );
  // Warm-up (not reported): JIT, sockets and the server process, on prompts the measured passes do not use.
  if (WARMUP) await pass(plain, 'warm-up', WARMUP, N);
  rows.push(await pass(plain, 'no cache'));
  await plain.close();
  const judge = await Judge.create(spec, 0, cacheDir);
  rows.push(await pass(judge, 'cold'));
  rows.push(await pass(judge, 'warm'));
  await judge.close();
  const bytes = dirSize(cacheDir);
  const cachedCalls = rows[1].calls;
  process.stdout.write(
    JSON.stringify(
      {
        node: process.version,
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        n: N,
        dispatch: DISPATCH,
        unparseableFraction: UNPARSEABLE,
        latencyPerTokenMs: LATENCY,
        rows,
        cacheBytes: bytes,
        cacheBytesPerCall: Math.round(bytes / cachedCalls),
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      null,
      2,
    ) + '\n',
  );
} finally {
  child.kill('SIGTERM');
  rmSync(cacheDir, { recursive: true, force: true });
}
