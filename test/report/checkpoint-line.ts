/**
 * A checkpoint line pre-sft → sft → rl evaluated through the real pipeline: a campaign config, `runCampaign`
 * (runner, OpenAI provider, scorers with the real sandbox for code, metrics), one real OpenAI-protocol stub
 * servers on 127.0.0.1 (one per checkpoint, as vLLM would serve them), and the results database.
 *
 * Suite (first LIMIT items of each task):
 *   gsm8k:chat                 n = 1   a checkpoint solves item i when its skill exceeds a per-item difficulty
 *   humanevalplus              n = 1   code (EvalPlus base + plus tests in the sandbox): the canonical body,
 *                                      or a plausible wrong one
 *   minerva_math_500:chat:n32  n = 32  each sample is right with the checkpoint's per-item probability; wrong
 *                                      samples spread over three wrong answers (so vote histograms mean something)
 * Difficulties are fixed per item, so skills pre-sft < sft < rl give mostly fail → pass flips and a few
 * pass → fail ones (each checkpoint has its own per-item noise).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointDirs, runCampaign } from '../../src/campaign/campaign.js';
import { loadCampaign } from '../../src/campaign/config.js';
import { DatasetResolver } from '../../src/datasets/registry.js';
import { ResultsDb } from '../../src/store/db/results-db.js';
import { runEvaluation } from '../../src/runner/run.js';
import { getTask } from '../../src/tasks/registry.js';
import {
  startStubServer,
  type StubRespondContext,
  type StubServer,
} from '../../src/testing/openai-stub-server.js';
import { mulberry32 } from '../../src/util/rng.js';

export const LINE_LIMIT = 12;
export const CHECKPOINTS = ['pre-sft', 'sft', 'rl'] as const;
export const SUITE = ['gsm8k:chat', 'humanevalplus', 'minerva_math_500:chat:n32'];
const SKILL: Record<string, number> = { 'pre-sft': 0.15, sft: 0.6, rl: 0.85 };

/** Deterministic uniform in [0,1) from a string. */
function u(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return mulberry32(h >>> 0)();
}

/** Does checkpoint `cp` solve item `id`? Difficulty per item, plus a little per-checkpoint noise. */
export const solves = (cp: string, id: string) =>
  u(`difficulty|${id}`) + 0.4 * (u(`${cp}|${id}`) - 0.5) < SKILL[cp];

export interface CheckpointLine {
  dir: string;
  configFile: string;
  dbPath: string;
  runDirs: Record<string, string>;
  /** The evaluated items of each task as loaded from the dataset: question text, gold answer or canonical body. */
  items: Record<string, Array<{ id: string; question: string; gold: string }>>;
  close(): Promise<void>;
}

export async function buildCheckpointLine(): Promise<CheckpointLine> {
  const datasets = new DatasetResolver();
  const byText = new Map<
    string,
    { id: string; gold: string; kind: 'gsm8k' | 'math' | 'code'; body?: string }
  >();
  const evaluated: CheckpointLine['items'] = {};
  for (const name of SUITE) {
    const task = await getTask(name);
    const { items } = await task.loadItems({ datasets, options: {} });
    evaluated[name] = [];
    for (const it of items.slice(0, LINE_LIMIT)) {
      const d = it.data as Record<string, string>;
      evaluated[name].push({
        id: it.id,
        question: d.question ?? d.problem ?? d.prompt,
        gold: d.gold ?? d.canonicalSolution,
      });
      if (name.startsWith('gsm8k')) byText.set(d.question, { id: it.id, gold: d.gold, kind: 'gsm8k' });
      else if (name.startsWith('minerva')) byText.set(d.problem, { id: it.id, gold: d.gold, kind: 'math' });
      else byText.set(d.prompt, { id: it.id, gold: '', kind: 'code', body: d.canonicalSolution });
    }
  }
  const find = (text: string) => {
    for (const [k, v] of byText) if (text.startsWith(k) || text.endsWith(k)) return v;
    return undefined;
  };
  const respond = (ctx: StubRespondContext): string => {
    const cp = String(ctx.params.model);
    const text = ctx.prompt ?? ctx.messages?.map((m) => m.content).join('\n') ?? '';
    const item = find(text);
    if (!item) return 'I do not know.';
    if (item.kind === 'code')
      return solves(cp, item.id)
        ? `${item.body}\n`
        : `    # TODO: handle the general case\n    return None\n`;
    if (item.kind === 'gsm8k') {
      const ok = solves(cp, item.id);
      const answer = ok ? item.gold : String(Number(item.gold) + (u(`${cp}|off|${item.id}`) < 0.5 ? 1 : 10));
      return `Let me work through this step by step.\nFirst I collect the quantities given in the question, then combine them.\nSo the answer is \\boxed{${answer}}.`;
    }
    // MATH, n = 32: sample-level correctness with the checkpoint's per-item probability.
    const p = Math.min(0.97, Math.max(0.03, SKILL[cp] + 0.8 * (0.5 - u(`difficulty|${item.id}`))));
    const r = u(`${cp}|${item.id}|${ctx.sampleIndex}`);
    const wrong = ['0', '1', '-1'][Math.floor(u(`w|${cp}|${item.id}|${ctx.sampleIndex}`) * 3)];
    return `We simplify the expression carefully.\nThe final answer is $\\boxed{${r < p ? item.gold : wrong}}$.`;
  };
  const servers: Record<string, StubServer> = {};
  for (const cp of CHECKPOINTS) servers[cp] = await startStubServer({ modelName: cp, respond });
  const dir = mkdtempSync(join(tmpdir(), 'evalkit-line-'));
  const configFile = join(dir, 'evalkit.campaign.yaml');
  writeFileSync(
    configFile,
    [
      'name: line',
      `runsRoot: ${join(dir, 'runs')}`,
      `suite: [${SUITE.join(', ')}]`,
      `options: { seed: 1234, limit: ${LINE_LIMIT} }`,
      'checkpoints:',
      ...CHECKPOINTS.flatMap((cp) => [
        `  - name: ${cp}`,
        `    model: { model: "openai:${servers[cp].url}", modelName: ${cp}, concurrency: 8, cache: false }`,
      ]),
      '',
    ].join('\n'),
  );
  const campaign = loadCampaign(configFile);
  // The campaign's own evaluation step, with the progress line silenced.
  await runCampaign(campaign, {
    log: () => undefined,
    runEvaluation: (spec) => runEvaluation({ ...spec, progress: { update() {}, done() {} } }),
  });
  const dbPath = join(dir, 'runs', '.evalkit-index.sqlite');
  const db = new ResultsDb(dbPath);
  const runDirs = checkpointDirs(campaign);
  for (const d of Object.values(runDirs)) await db.indexRun(d);
  db.close();
  return {
    dir,
    configFile,
    dbPath,
    runDirs,
    items: evaluated,
    close: async () => {
      for (const s of Object.values(servers)) await s.close();
    },
  };
}
