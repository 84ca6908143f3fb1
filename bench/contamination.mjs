#!/usr/bin/env node
// Contamination-scan benchmark: throughput (GB/min), peak memory, recall on planted items, false hits on a
// clean control. Run: `npm run bench:contamination -- --gb 5` (needs the dataset mirror, EVALKIT_DATA_DIR or
// ../shared/datasets). Writes the generated corpus under bench/output/contamination (deleted afterwards unless
// --keep).
//
// Corpus: JSONL documents {"text": ...} mixing realistic near-misses — GSM8K *train* problems with their worked
// answers and MBPP tasks outside the 500-task test split (same style and vocabulary as the test items, but
// not test items) — with filler prose built from the same vocabulary. Into the contaminated corpus, test
// items of several tasks are planted at random lines, perturbed (case changes, collapsed whitespace, extra
// punctuation, embedded in a longer document). The clean control is the same generator without plants.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const GB = Number(arg('gb', '5'));
const CONTROL_GB = Number(arg('control-gb', '1'));
const keep = args.includes('--keep');
const outDir = resolve(arg('out', join(root, 'bench', 'output', 'contamination')));
process.env.EVALKIT_DATA_DIR ??= resolve(root, '..', 'shared', 'datasets');
const data = process.env.EVALKIT_DATA_DIR;

// xorshift32, seeded: the corpus is the same on every run
let seed = 0x9e3779b9;
const rnd = () => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 2 ** 32;
};
const pick = (a) => a[Math.floor(rnd() * a.length)];

const readJsonl = (p) =>
  readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

// near-miss documents
const gsmTrain = readJsonl(join(data, 'gsm8k', 'train.jsonl')).map((r) => `${r.question}\n${r.answer}`);
const mbpp = readJsonl(join(data, 'mbpp', 'mbpp.jsonl'));
const mbppNonTest = mbpp
  .filter((r) => r.task_id < 11 || r.task_id > 510)
  .map((r) => `${r.text}\n${r.code}\n${r.test_list.join('\n')}`);
const nearMiss = [...gsmTrain, ...mbppNonTest];
const vocab = [
  ...new Set(
    nearMiss
      .join(' ')
      .split(/\s+/)
      .filter((w) => /^[a-z]{2,12}$/i.test(w)),
  ),
];
const filler = () => {
  const words = [];
  const len = 60 + Math.floor(rnd() * 300);
  for (let i = 0; i < len; i++) words.push(pick(vocab));
  return words.join(' ') + '.';
};

// planted test items (the text a crawler would have picked up: question/prompt + answer/solution)
const gsmTest = readJsonl(join(data, 'gsm8k', 'test.jsonl'));
const math500 = readJsonl(join(data, 'math500', 'test.jsonl'));
const mbppTest = mbpp.filter((r) => r.task_id >= 11 && r.task_id <= 510);
const plants = [];
for (let i = 0; i < 30; i++) {
  const r = gsmTest[Math.floor(rnd() * gsmTest.length)];
  plants.push({
    task: 'gsm8k::olmes',
    id: `gsm8k/${gsmTest.indexOf(r)}`,
    text: `${r.question}\n${r.answer}`,
  });
}
for (let i = 0; i < 30; i++) {
  const r = math500[Math.floor(rnd() * math500.length)];
  plants.push({ task: 'minerva_math_500::olmes', id: r.unique_id, text: `${r.problem}\n${r.solution}` });
}
for (let i = 0; i < 30; i++) {
  const r = mbppTest[Math.floor(rnd() * mbppTest.length)];
  plants.push({ task: 'mbpp:3shot::olmo3', id: `Mbpp/${r.task_id}`, text: `${r.text}\n${r.code}` });
}
const uniquePlants = [...new Map(plants.map((p) => [`${p.task}|${p.id}`, p])).values()];
const perturb = (t, k) => {
  switch (k % 4) {
    case 0:
      return t;
    case 1:
      return t.toUpperCase();
    case 2:
      return t.replace(/\s+/g, ' ').replace(/([.,])/g, '$1$1');
    default:
      return `${filler()} ${t} ${filler()}`;
  }
};

// One 64 MiB block of documents, generated once and written repeatedly (generation, not the scan, would
// otherwise dominate the benchmark's wall time); planted documents go between blocks at seeded positions.
let block;
function baseBlock() {
  if (block) return block;
  const lines = [];
  let size = 0;
  while (size < 64 * 2 ** 20) {
    const doc = rnd() < 0.5 ? pick(nearMiss) : filler();
    const line = JSON.stringify({ text: doc, source: 'synthetic' }) + '\n';
    lines.push(line);
    size += Buffer.byteLength(line);
  }
  block = Buffer.from(lines.join(''));
  return block;
}

async function writeCorpus(dir, gb, withPlants) {
  mkdirSync(dir, { recursive: true });
  const files = 4;
  const blocksPerFile = Math.max(1, Math.round((gb * 2 ** 30) / files / baseBlock().length));
  const plantAt = new Map(); // "file:block" -> planted lines written before that block
  if (withPlants)
    uniquePlants.forEach((p, k) => {
      const key = `${k % files}:${Math.floor(rnd() * blocksPerFile)}`;
      const list = plantAt.get(key) ?? [];
      list.push(JSON.stringify({ text: perturb(p.text, k), source: 'synthetic' }) + '\n');
      plantAt.set(key, list);
    });
  for (let f = 0; f < files; f++) {
    const ws = createWriteStream(join(dir, `part-${f}.jsonl`));
    for (let b = 0; b < blocksPerFile; b++) {
      const planted = plantAt.get(`${f}:${b}`);
      if (planted) ws.write(planted.join(''));
      if (!ws.write(baseBlock())) await new Promise((r) => ws.once('drain', r));
    }
    await new Promise((r) => ws.end(r));
  }
}

function scanWithRss(dir, out, tasks) {
  const r = execFileSync(
    'bash',
    [
      '-c',
      `/usr/bin/time -f 'RSS_KB=%M' "$@" 2>&1 >/dev/null | grep RSS_KB`,
      'x',
      process.execPath,
      join(root, 'bin', 'evalkit.js'),
      'contamination',
      '--data',
      dir,
      '--out',
      out,
      '--quiet',
      ...tasks.flatMap((t) => ['--task', t]),
    ],
    { encoding: 'utf8' },
  );
  return Number(/RSS_KB=(\d+)/.exec(r)?.[1] ?? NaN) / 1024;
}

const tasks = [
  'gsm8k::olmes',
  'minerva_math_500::olmes',
  'mbpp:3shot::olmo3',
  'codex_humaneval:3shot::olmo3',
  'mmlu_pro',
  'ifeval',
  'gpqa_diamond',
  'aime24',
];
if (!existsSync('/usr/bin/time')) throw new Error('needs /usr/bin/time (Debian package "time")');
console.log(
  `machine: ${cpus().length}× ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; ${new Date().toISOString()}`,
);
const dirty = join(outDir, 'dirty');
const clean = join(outDir, 'clean');
rmSync(outDir, { recursive: true, force: true });
let t = Date.now();
await writeCorpus(dirty, GB, true);
await writeCorpus(clean, CONTROL_GB, false);
console.log(
  `generated ${GB} GiB (planted ${uniquePlants.length} items) + ${CONTROL_GB} GiB clean control in ${((Date.now() - t) / 1000).toFixed(0)} s`,
);

for (const [name, dir, gb] of [
  ['planted', dirty, GB],
  ['clean control', clean, CONTROL_GB],
]) {
  const out = join(outDir, `${name.replace(' ', '-')}.json`);
  t = Date.now();
  const rssMb = scanWithRss(dir, out, tasks);
  const secs = (Date.now() - t) / 1000;
  const rep = JSON.parse(readFileSync(out, 'utf8'));
  const found = new Set(rep.tasks.flatMap((x) => x.contaminatedItems.map((i) => `${i.task}|${i.itemId}`)));
  const partial = rep.tasks.reduce((s, x) => s + x.partial, 0);
  const expected = name === 'planted' ? uniquePlants.map((p) => `${p.task}|${p.id}`) : [];
  const missed = expected.filter((k) => !found.has(k));
  const extra = [...found].filter((k) => !expected.includes(k));
  console.log(
    `${name}: ${gb} GiB in ${secs.toFixed(1)} s wall = ${(gb / (secs / 60)).toFixed(2)} GiB/min (scan only ${(rep.scan.bytes / 2 ** 30 / (rep.scan.seconds / 60)).toFixed(2)} GiB/min, ${rep.scan.workers} threads), peak RSS ${rssMb.toFixed(0)} MiB; ` +
      `planted ${expected.length}, found ${expected.length - missed.length}, missed ${missed.length}${missed.length ? ' ' + missed.join(',') : ''}; other contaminated ${extra.length}${extra.length ? ' ' + extra.slice(0, 10).join(',') : ''}; partial ${partial}`,
  );
}
console.log(
  `load after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
if (!keep) rmSync(outDir, { recursive: true, force: true });
