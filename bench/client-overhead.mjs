#!/usr/bin/env node
// Client overhead of the OpenAI-compatible provider (imports dist/: run `npm run build` first).
//
//   node bench/client-overhead.mjs [--sizes 1000,10000,100000] [--latency-ms 2,20] [--concurrency 128] [--skip-instant]
//
// For each scenario the stub server runs in its own process (`dist/testing/openai-stub-server.js --no-log`),
// and each (scenario, size) runs in a FRESH provider process so its peak RSS (process.resourceUsage().maxRSS)
// belongs to that size alone. Requests are streamed through a dispatch limiter like the runner's (at most
// `dispatch` generate() calls outstanding); results are counted and dropped, never kept.
//
// Metrics: requests/s; for the latency server, fraction of ideal wall time, where
//   ideal = Σ(completion_tokens × latency_ms) / concurrency   (the server's own sleep, perfectly packed);
// peak RSS, and RSS sampled at 25/50/100 % of the run to show memory does not grow with request count.
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

async function worker() {
  const { OpenAICompatibleProvider } = await import(resolve(ROOT, 'dist/models/openai-compatible.js'));
  const url = arg('--url');
  const n = Number(arg('--n'));
  const concurrency = Number(arg('--concurrency', '128'));
  const stream = arg('--stream', 'false') === 'true';
  const latency = Number(arg('--latency-ms', '0'));
  const dispatch = Number(arg('--dispatch', '256'));
  const p = await OpenAICompatibleProvider.create({ baseUrl: url, concurrency, stream, maxRetries: 6 });
  let outstanding = 0;
  let wake = null;
  let done = 0;
  let errors = 0;
  let tokenMs = 0;
  const rssSamples = [];
  const marks = new Set([Math.floor(n / 4), Math.floor(n / 2), n]);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    while (outstanding >= dispatch) await new Promise((r) => (wake = r));
    outstanding++;
    const req = {
      requestId: `bench|${i}`,
      task: 'bench',
      itemId: String(i),
      prompt: { kind: 'completion', text: `def f${i}(x):\n    """Return x plus ${i}."""\n` },
      params: { n: 1, temperature: 0, top_p: 1, max_tokens: 64, stop: ['\n\n'] },
    };
    p.generate(req).then((gens) => {
      for (const g of gens) {
        if (g.error) errors++;
        tokenMs += (g.usage?.completionTokens ?? 0) * latency;
      }
      done++;
      if (marks.has(done)) rssSamples.push(Math.round(process.memoryUsage().rss / 2 ** 20));
      outstanding--;
      const w = wake;
      wake = null;
      w?.();
    });
  }
  while (outstanding > 0) await new Promise((r) => (wake = r));
  const wall = performance.now() - t0;
  await p.close();
  const out = {
    n,
    errors,
    wallMs: Math.round(wall),
    rps: Math.round((n / wall) * 1000),
    idealMs: latency ? Math.round(tokenMs / concurrency) : null,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssMiBAt25_50_100: rssSamples,
    attempts: p.stats.attempts,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function startStub(latency) {
  return new Promise((resolveP, reject) => {
    const c = spawn(
      process.execPath,
      [
        resolve(ROOT, 'dist/testing/openai-stub-server.js'),
        '--port',
        '0',
        '--no-log',
        '--latency-per-token-ms',
        String(latency),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let buf = '';
    c.stdout.on('data', (d) => {
      buf += d;
      const m = /listening on (\S+)/.exec(buf);
      if (m) resolveP({ url: m[1], stop: () => c.kill('SIGTERM') });
    });
    c.on('exit', (code) => reject(new Error(`stub exited ${code}`)));
  });
}

function runWorker(extra) {
  return new Promise((resolveP, reject) => {
    const c = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', ...extra], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) =>
      code === 0
        ? resolveP(JSON.parse(out.trim().split('\n').pop()))
        : reject(new Error(`worker exited ${code}`)),
    );
  });
}

async function main() {
  const sizes = arg('--sizes', '1000,10000,100000').split(',').map(Number);
  const latencies = arg('--latency-ms', '2,20').split(',').map(Number);
  const concurrency = arg('--concurrency', '128');
  const skipInstant = args.includes('--skip-instant');
  const scenarios = [
    ...(skipInstant
      ? []
      : [
          { name: 'instant, non-streaming', latency: 0, stream: false, sizes },
          { name: 'instant, streaming', latency: 0, stream: true, sizes: sizes.filter((s) => s <= 10000) },
        ]),
    // ≥10 ms/token: 100k requests would need > 6 min of pure server sleep, so capped at 10k.
    ...latencies.map((l) => ({
      name: `${l} ms/token, non-streaming`,
      latency: l,
      stream: false,
      sizes: l >= 10 ? sizes.filter((s) => s <= 10000) : sizes,
    })),
  ];
  console.log(
    `# client overhead — node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), ${new Date().toISOString()}`,
  );
  console.log(
    '| scenario | requests | wall s | req/s | ideal s | fraction of ideal | peak RSS MiB | RSS MiB @25/50/100% | errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const sc of scenarios) {
    const stub = await startStub(sc.latency);
    try {
      for (const n of sc.sizes) {
        const r = await runWorker([
          '--url',
          stub.url,
          '--n',
          String(n),
          '--concurrency',
          concurrency,
          '--stream',
          String(sc.stream),
          '--latency-ms',
          String(sc.latency),
        ]);
        const frac = r.idealMs ? (r.idealMs / r.wallMs).toFixed(2) : '—';
        console.log(
          `| ${sc.name} | ${n} | ${(r.wallMs / 1000).toFixed(1)} | ${r.rps} | ${r.idealMs ? (r.idealMs / 1000).toFixed(1) : '—'} | ${frac} | ${r.peakRssMiB} | ${r.rssMiBAt25_50_100.join('/')} | ${r.errors} |`,
        );
      }
    } finally {
      stub.stop();
    }
  }
}

if (args.includes('--worker')) await worker();
else await main();
