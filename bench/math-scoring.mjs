// Throughput of the chat MATH scorer: 10,000 chat-style outputs built from the MATH-500 reference answers
// (correct in varied notation, wrong answers, no answer). Run `npm run build` first; imports dist/.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { chatMathScorer } from '../dist/scoring/math/scorers.js';
import { scoreMinervaOlmes } from '../dist/scoring/math/minerva.js';

const dataDir =
  process.env.EVALKIT_DATA_DIR ?? resolve(import.meta.dirname, '..', '..', 'shared', 'datasets');
const recs = readFileSync(resolve(dataDir, 'math500/test.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const styles = [
  (a) => `Let me work through this.\n... some algebra ...\nTherefore the answer is $\\boxed{${a}}$.`,
  (a) => `Step 1: ... Step 2: ...\nThe final answer is $${a}$.`,
  (a) => `We get $x = ${a}$, so the result is \\boxed{${a}}.`,
  (a) => `<think>try 5, no</think>\nSo \\boxed{\\displaystyle ${a}}`,
  (a, w) => `Hmm... I get \\boxed{${w}}.`,
  () => 'I am not sure how to solve this.',
];
const outputs = [];
for (let i = 0; i < 10_000; i++) {
  const r = recs[i % recs.length];
  const w = recs[(i * 7 + 3) % recs.length].answer;
  outputs.push({
    item: { id: r.unique_id, data: { gold: r.answer } },
    text: styles[i % styles.length](r.answer, w),
  });
}
const scorer = chatMathScorer({ numeric: false });
const t0 = performance.now();
let correct = 0;
for (const [i, o] of outputs.entries()) {
  const v = await scorer.score(
    o.item,
    { requestId: 'b', task: 'bench', itemId: o.item.id, sampleIndex: i, text: o.text },
    { options: {} },
  );
  correct += v.scores.exact_match;
}
const chatMs = performance.now() - t0;
const t1 = performance.now();
let flex = 0;
for (const o of outputs) flex += scoreMinervaOlmes(o.text, o.item.data.gold).exact_match_flex;
const olmesMs = performance.now() - t1;
console.log(
  JSON.stringify(
    {
      outputs: outputs.length,
      chatSeconds: +(chatMs / 1000).toFixed(2),
      chatCorrect: correct,
      olmesSeconds: +(olmesMs / 1000).toFixed(2),
      olmesFlexCorrect: flex,
      node: process.version,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      date: new Date().toISOString(),
    },
    null,
    1,
  ),
);
