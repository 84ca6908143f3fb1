/**
 * Judge calibration against human politeness ratings: a judge that reproduces the annotators' mean agrees and
 * orders the extreme quartiles correctly; a judge rating at random shows no correlation.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/runner/run.js';
import { politenessPrompt } from '../../../src/tasks/empathy/politeness-calibration.js';
import { parseCsv } from '../../../src/tasks/gpqa/csv.js';
import { startStubServer, type StubServer } from '../../../src/testing/openai-stub-server.js';

const CSV = join(
  process.env.EVALKIT_DATA_DIR!,
  'eqbench3',
  'human-ratings',
  'stanford-politeness-stackexchange',
  'stack-exchange.annotated.csv',
);
const [, ...rows] = parseCsv(readFileSync(CSV, 'utf8'));
const humanMean = new Map(
  rows.map((r) => [
    politenessPrompt(r[2]),
    (Number(r[3]) + Number(r[4]) + Number(r[5]) + Number(r[6]) + Number(r[7])) / 5,
  ]),
);

let server: StubServer | undefined;
afterEach(() => server?.close());

async function calibrate(rate: (human: number, prompt: string) => number) {
  server = await startStubServer({
    modelName: 'judge',
    respond: ({ messages }) =>
      `Fairly clear. [[${rate(humanMean.get(messages![0].content)!, messages![0].content)}]]`,
  });
  const r = await runEvaluation({
    runDir: mkdtempSync(join(tmpdir(), 'politeness-')),
    model: { model: `openai:${server.url}`, modelName: 'judge' },
    tasks: ['empathy:judge-calibration-politeness'],
    options: { seed: 1234 },
    progress: { update() {}, done() {} },
  });
  return r.metrics['empathy:judge-calibration-politeness'];
}

describe('empathy:judge-calibration-politeness', () => {
  it('a judge that matches the human ratings is calibrated', async () => {
    const m = await calibrate((h) => Math.round(h));
    expect(m.counts.items).toBe(300);
    expect(m.metrics.parse_rate.value).toBe(1);
    expect(m.metrics.agreement_within_3.value).toBe(1);
    expect(m.metrics.spearman.value).toBeGreaterThan(0.8);
    expect(m.metrics.extremes_accuracy.value).toBeGreaterThan(0.95);
  });

  it('a judge rating at random is not', async () => {
    const m = await calibrate(
      (_h, p) => 1 + ([...p].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7) % 25),
    );
    expect(Math.abs(m.metrics.spearman.value)).toBeLessThan(0.2);
    expect(m.metrics.spearman.ci95![0]).toBeLessThan(0);
    expect(m.metrics.spearman.ci95![1]).toBeGreaterThan(0);
    expect(Math.abs(m.metrics.extremes_accuracy.value - 0.5)).toBeLessThan(0.15);
  });
});
