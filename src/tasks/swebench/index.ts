/**
 * SWE-bench Verified, offline-admitted (docs/software-engineering.md). Two variants over the same admitted
 * instances and the same grading:
 *
 *   swebench-verified-offline:agent   multi-turn agent (bash / view / edit / submit tools) in the instance's
 *                                     Debian environment; the answer is the diff at the end
 *   swebench-verified-offline:patch   single shot: issue + the files the gold patch edits ("oracle" context);
 *                                     the answer is a unified diff (for base and SFT checkpoints)
 *
 * Report results as "SWE-bench Verified, offline-admitted 133" (or the run's N): a named subset, with Debian's
 * package versions and no network, not comparable with leaderboard numbers.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runAgent } from '../../agent/loop.js';
import { agentModelFor, agentProtocolOption } from '../../agent/select-model.js';
import { trajectoryStem } from '../../agent/trajectory.js';
import { environmentSession } from '../../agent/session.js';
import { ensureRootfs } from '../../environments/rootfs.js';
import { createWorkspace } from '../../environments/workspace.js';
import { meanMetric } from '../../metrics/definitions.js';
import type { GenerationRecord, Item, Scorer, TaskLoadContext, TaskVariant } from '../../types.js';
import {
  environmentOf,
  importedRepo,
  instanceTemplate,
  loadSweData,
  type SweData,
  type SweInstance,
  SUBSET_NAME,
} from './data.js';
import { gradePatch, patchPaths, SWEBENCH_TEST_TIMEOUT_MS } from './grade.js';
import { AGENT_SYSTEM, agentTask, extractPatch, oraclePrompt } from './prompts.js';

const execFileP = promisify(execFile);

export interface SweItemData {
  instance: SweInstance;
  /** Patch mode: the files the gold patch edits, at the base commit. */
  oracleFiles?: Array<{ path: string; text: string }>;
}

const KEYS = ['resolved', 'empty_patch', 'patch_apply_failed', 'timeout', 'test_files_touched'];

async function loadItems(ctx: TaskLoadContext, withOracle: boolean) {
  const data = await loadSweData(ctx.datasets);
  const items: Item<SweItemData>[] = [];
  for (const inst of data.instances) {
    if (!data.admitted.has(inst.instanceId)) continue;
    let oracleFiles: SweItemData['oracleFiles'];
    if (withOracle) {
      const gitDir = await importedRepo(ctx.datasets, inst.repo);
      oracleFiles = [];
      for (const path of patchPaths(inst.patch)) {
        const r = await execFileP('git', ['--git-dir', gitDir, 'show', `${inst.baseCommit}:${path}`], {
          maxBuffer: 64 << 20,
        }).catch(() => undefined);
        if (r) oracleFiles.push({ path, text: r.stdout });
      }
    }
    items.push({
      id: inst.instanceId,
      data: { instance: inst, oracleFiles },
      categories: { repo: inst.repo, difficulty: inst.difficulty || 'unknown' },
    });
  }
  return { items, datasets: data.datasets };
}

function createSweScorer(ctx: TaskLoadContext, mode: 'agent' | 'patch'): Scorer<SweItemData> {
  let data: Promise<SweData> | undefined;
  return {
    async score(item, g) {
      data ??= loadSweData(ctx.datasets);
      const patch = mode === 'patch' ? extractPatch(g.text ?? '') : (g.text ?? '');
      const r = await gradePatch(ctx.datasets, await data, item.data.instance, patch, {
        testTimeoutMs: Number(ctx.options.swebenchTestTimeoutMs ?? SWEBENCH_TEST_TIMEOUT_MS),
      });
      return {
        scores: {
          resolved: r.resolved ? 1 : 0,
          empty_patch: r.outcome === 'empty_patch' ? 1 : 0,
          patch_apply_failed: r.outcome === 'patch_apply_failed' ? 1 : 0,
          timeout: r.outcome === 'timeout' ? 1 : 0,
          test_files_touched: r.testFilesTouched.length ? 1 : 0,
          ...(mode === 'agent' ? { submitted: g.finishReason === 'agent:submitted' ? 1 : 0 } : {}),
        },
        reason: `${r.outcome}: ${r.reason}${r.testFilesTouched.length ? ` [test files edited: ${r.testFilesTouched.join(', ')}]` : ''}`,
        extracted: patch,
        details: {
          outcome: r.outcome,
          appliedWith: r.appliedWith,
          testFilesTouched: r.testFilesTouched,
          failToPassFailed: r.grade?.failToPass.failed,
          passToPassFailed: r.grade?.passToPass.failed,
          failToPassPassed: r.grade?.failToPass.passed,
          passToPassPassedCount: r.grade?.passToPass.passed.length,
          testLogTail: r.logTail,
          timings: r.timings,
          ...(g.finishReason?.startsWith('agent:') ? { agentExit: g.finishReason.slice(6) } : {}),
        },
      };
    },
  };
}

const GENERATION = { n: 1, temperature: 0, top_p: 1, max_tokens: 4096, stop: [] as string[] };

const agentVariant: TaskVariant<SweItemData> = {
  name: 'swebench-verified-offline:agent',
  family: 'swebench',
  description: `${SUBSET_NAME}: multi-turn agent with bash/view/edit/submit tools in the instance's Debian environment`,
  settings: {
    format: 'chat',
    shots: 0,
    generation: GENERATION,
    primaryMetric: 'resolved',
    subset: SUBSET_NAME,
    agent:
      'evalkit agent loop: tools bash, view_file, edit_file, submit; 30 turns, 2M tokens, 30 min wall, 120 s per command',
    grading:
      'SWE-bench rules: model patch, reset test files, test patch, test command, repo log parser, F2P+P2P',
    testTimeoutMs: SWEBENCH_TEST_TIMEOUT_MS,
  },
  loadItems: (ctx) => loadItems(ctx, false),
  buildPrompt: (item) => ({
    kind: 'chat',
    messages: [
      { role: 'system', content: AGENT_SYSTEM },
      { role: 'user', content: agentTask(item.data.instance, 'see the repository (pytest / bin/test)') },
    ],
  }),
  createScorer: (ctx) => createSweScorer(ctx, 'agent'),
  metrics: [...KEYS, 'submitted'].map((k) => meanMetric(k)),
  breakdownBy: ['repo'],
  createConversationDriver: (ctx) => ({
    async generate(provider, item, request, sampleIndices, opts) {
      const inst = item.data.instance;
      const data = await loadSweData(ctx.datasets);
      const { env, run } = environmentOf(data, inst.instanceId);
      const rootfs = await ensureRootfs(env.recipe);
      const template = await instanceTemplate(ctx.datasets, data, inst);
      const protocol = agentProtocolOption(ctx.options);
      const out: GenerationRecord[] = [];
      for (const sampleIndex of sampleIndices) {
        const ws = await createWorkspace(template);
        const session = environmentSession({
          root: rootfs.rootfs,
          workspace: ws,
          env: { PYTHONDONTWRITEBYTECODE: '1', ...env.env, ...run.env },
        });
        const stem = ctx.runDir
          ? trajectoryStem(ctx.runDir, request.task, inst.instanceId, sampleIndex)
          : undefined;
        if (stem) {
          await mkdir(join(stem, '..'), { recursive: true });
          await rm(`${stem}.jsonl`, { force: true });
        }
        const params = request.params;
        const model = agentModelFor(
          provider,
          request,
          {
            temperature: params.temperature,
            top_p: params.top_p,
            max_tokens: params.max_tokens,
            seed: params.seed,
          },
          protocol,
        );
        const t0 = performance.now();
        try {
          const prompt = request.prompt.kind === 'chat' ? request.prompt.messages : [];
          const r = await runAgent({
            model,
            session,
            system: prompt[0]?.content ?? AGENT_SYSTEM,
            task: agentTask(inst, run.argv.join(' ')),
            budgets: { maxTurns: Number(ctx.options.agentMaxTurns ?? 30) },
            trajectoryPath: stem,
            signal: opts?.signal,
          });
          out.push({
            requestId: request.requestId,
            task: request.task,
            itemId: request.itemId,
            sampleIndex,
            text: r.patch,
            finishReason: `agent:${r.exit}`,
            usage: r.usage,
            latencyMs: Math.round(performance.now() - t0),
            source: `agent(${model.protocol}):${provider.id}`,
          });
        } finally {
          await session.dispose();
        }
      }
      return out;
    },
  }),
};

const patchVariant: TaskVariant<SweItemData> = {
  name: 'swebench-verified-offline:patch',
  family: 'swebench',
  description: `${SUBSET_NAME}: single-shot unified diff from the issue and the gold patch's files ("oracle" context)`,
  settings: {
    format: 'chat',
    shots: 0,
    generation: GENERATION,
    primaryMetric: 'resolved',
    subset: SUBSET_NAME,
    context:
      'SWE-bench "oracle": full text (numbered lines) of the files the gold patch edits, at the base commit',
    extraction: '<patch>…</patch>, else a ```diff fence, else from the first diff header',
    grading:
      'SWE-bench rules: model patch, reset test files, test patch, test command, repo log parser, F2P+P2P',
    testTimeoutMs: SWEBENCH_TEST_TIMEOUT_MS,
  },
  loadItems: (ctx) => loadItems(ctx, true),
  buildPrompt: (item) => ({
    kind: 'chat',
    messages: [{ role: 'user', content: oraclePrompt(item.data.instance, item.data.oracleFiles ?? []) }],
  }),
  createScorer: (ctx) => createSweScorer(ctx, 'patch'),
  metrics: KEYS.map((k) => meanMetric(k)),
  breakdownBy: ['repo'],
};

export const variants: TaskVariant[] = [agentVariant, patchVariant];
