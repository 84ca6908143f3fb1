#!/usr/bin/env node
// Coverage of evalkit's 95% intervals (src/metrics/intervals.ts) by simulation, seeded, with the percentile
// bootstrap evalkit used before as the comparison. Run: `npm run bench:coverage` (prints a Markdown table).
//
// Two designs, as evalkit meets them:
//  - one sample per item (greedy pass@1, accuracy): N items, each passes with probability p → Wilson;
//  - n = 20 samples per item (pass@1 as avg@20): item i has its own pass rate q_i ~ Beta with mean p and
//    intra-item correlation 0.5 (items are much more alike within than between), each of its 20 samples
//    passes with probability q_i; the target is the mean of the q_i's distribution, p → clustered Wilson.
// Coverage = share of 20,000 simulated runs whose interval contains the true p.
import { clusteredProportionInterval, wilsonInterval } from '../dist/metrics/intervals.js';

const REPS = Number(
  process.argv.includes('--reps') ? process.argv[process.argv.indexOf('--reps') + 1] : 20000,
);
const NS = [5, 10, 20, 164];
const PS = [0.01, 0.1, 0.5, 0.9, 0.99];
const SAMPLES = 20;
const RHO = 0.5;

let s = 0x2545f491;
const rnd = () => {
  s ^= s << 13;
  s >>>= 0;
  s ^= s >>> 17;
  s ^= s << 5;
  s >>>= 0;
  return s / 2 ** 32;
};
// Beta(a, b) by Jöhnk's method for small shapes, gamma ratio otherwise (Marsaglia–Tsang)
function gamma(a) {
  if (a < 1) return gamma(a + 1) * Math.pow(rnd(), 1 / a);
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x, v;
    do {
      const u1 = rnd() || 1e-12;
      const u2 = rnd();
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rnd();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
const beta = (a, b) => {
  const x = gamma(a);
  return x / (x + gamma(b));
};

function percentileBootstrap(values, B = 400) {
  const N = values.length;
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += values[Math.floor(rnd() * N)];
    means[b] = sum / N;
  }
  means.sort();
  return [means[Math.floor(0.025 * B)], means[Math.min(B - 1, Math.ceil(0.975 * B) - 1)]];
}

function coverage(N, p, design) {
  let hitNew = 0;
  let hitBoot = 0;
  let widthNew = 0;
  const reps = design === 'single' ? REPS : Math.floor(REPS / 4);
  const bootReps = Math.min(reps, 2000);
  // Beta with mean p and intra-item correlation RHO: a + b = 1/RHO - 1
  const ab = 1 / RHO - 1;
  for (let r = 0; r < reps; r++) {
    const values = new Float64Array(N);
    const trials = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      if (design === 'single') {
        values[i] = rnd() < p ? 1 : 0;
        trials[i] = 1;
      } else {
        const q = beta(p * ab, (1 - p) * ab);
        let c = 0;
        for (let k = 0; k < SAMPLES; k++) if (rnd() < q) c++;
        values[i] = c / SAMPLES;
        trials[i] = SAMPLES;
      }
    }
    const ci =
      design === 'single'
        ? wilsonInterval(
            values.reduce((a, b) => a + b, 0),
            N,
          )
        : clusteredProportionInterval(values, trials).ci95;
    if (ci[0] <= p && p <= ci[1]) hitNew++;
    widthNew += ci[1] - ci[0];
    if (r < bootReps) {
      const bci = percentileBootstrap(values);
      if (bci[0] <= p && p <= bci[1]) hitBoot++;
    }
  }
  return { cov: hitNew / reps, boot: hitBoot / bootReps, width: widthNew / reps };
}

const pct = (x) => (100 * x).toFixed(1);
for (const design of ['single', 'clustered']) {
  console.log(
    `\n${design === 'single' ? 'One sample per item — Wilson' : `${SAMPLES} samples per item, intra-item correlation ${RHO} — clustered Wilson (Korn–Graubard)`}`,
  );
  console.log(
    `(coverage of the nominal 95% interval in %; in brackets: the old percentile bootstrap; mean width in pp)\n`,
  );
  console.log(`| items \\ p | ${PS.join(' | ')} |`);
  console.log(`|---|${PS.map(() => '---').join('|')}|`);
  for (const N of NS) {
    const cells = PS.map((p) => {
      const c = coverage(N, p, design);
      return `${pct(c.cov)} [${pct(c.boot)}] w${pct(c.width)}`;
    });
    console.log(`| ${N} | ${cells.join(' | ')} |`);
  }
}
