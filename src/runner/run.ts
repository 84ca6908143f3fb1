/**
 * The evaluation pipeline: tasks → requests → generations → verdicts → metrics, streaming and resumable.
 *
 *  - Requests are dispatched lazily with back-pressure (at most `concurrency` in flight), so memory does not
 *    grow with the number of requests.
 *  - Each generation is appended to generations.jsonl and handed to the scorer at once: code execution
 *    overlaps generation.
 *  - Re-running on the same directory resumes: samples with a successful generation are not requested
 *    again; generations without a verdict are scored; errored generations are retried.
 */
import { withTokenBudget } from '../reasoning/token-budget.js';
import { existsSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetResolver } from '../datasets/registry.js';
import { answerForScoring } from '../reasoning/answer.js';
import {
  detectRewardHacking,
  looksLikePython,
  visibleExamplesOfItem,
} from '../scoring/code/reward-hacking.js';
import { modelIdentity, type ModelSpec } from '../models/spec.js';
import { findProvider } from '../models/registry.js';
import {
  loadRunState,
  newSession,
  openRunLogs,
  readManifest,
  RUN_FILES,
  sampleKey,
  writeManifest,
} from '../store/run-dir.js';
import { prepareWritableDir, removeCreatedDirs } from '../store/writable-dir.js';
import { getTask } from '../tasks/registry.js';
import type {
  ConversationDriver,
  DatasetUse,
  GenerationRecord,
  Item,
  ModelProvider,
  PromptFitting,
  RequestRecord,
  RunManifest,
  RunOptions,
  Scorer,
  TaskLoadContext,
  TaskMetrics,
  TaskVariant,
  VerdictRecord,
} from '../types.js';
import { judgeIdentityConflict } from '../judge/spec.js';
import { EvalkitError } from '../util/errors.js';
import { Limiter } from '../util/limiter.js';
import { evalkitGitCommit, evalkitVersion } from '../util/version.js';
import { manifestErrors, summarizeErrors, type ErrorSummary } from './error-summary.js';
import { computeRunMetrics } from './metrics.js';
import { createProgress, retryNotices, type ProgressCounts, type ProgressSink } from './progress.js';
import { acquireRunLock } from './run-lock.js';
import { olmesShapedVariants, withShapingOverride } from './request-shaping.js';
import { shardOfRequest } from './shard.js';

export interface RunSpec {
  runDir: string;
  model: ModelSpec;
  /** Registered variant names, or TaskVariant objects (programmatic use, tests). */
  tasks: Array<string | TaskVariant>;
  options: RunOptions;
  /** Evaluate only the requests of shard `index` of `count` (deterministic by request id). */
  shard?: { index: number; count: number };
  /** Inject a provider (tests, replay). Otherwise created from `model` via src/models/index.ts. */
  provider?: ModelProvider;
  /** Max requests dispatched at once (the provider applies its own HTTP limit too). Default 256. */
  dispatchConcurrency?: number;
  /** Max samples being scored at once. Default 64. */
  scoreConcurrency?: number;
  progress?: ProgressSink;
  /** Command line recorded in the manifest's sessions. */
  command?: string;
  /** Abort the run (Ctrl-C). Finished records stay on disk; the manifest says "interrupted". */
  signal?: AbortSignal;
  /**
   * Tolerated fraction (0..1) of errored samples; above it the run ends with status "failed" (metrics are still
   * written from the scored samples). Default 0: any errored sample fails the run.
   */
  maxErrorRate?: number;
  /**
   * Allow tasks that an existing run directory does not hold yet to be added to it (campaigns add tasks to a
   * checkpoint's directory). Without it, `evalkit run` refuses a changed task set (`--add-tasks`).
   */
  addTasks?: boolean;
}

export interface RunResult {
  runDir: string;
  metrics: Record<string, TaskMetrics>;
  counts: ProgressCounts;
  status: RunManifest['status'];
  /** Errored samples of the run's tasks (undefined when the run was interrupted). */
  errors?: ErrorSummary;
}

export interface LoadedTask {
  task: TaskVariant;
  /** The items evaluated (the first --limit of them when a limit is set). */
  items: Item[];
  /** Every item the task loaded: what `buildPrompt` sees (test-set few-shot exemplars come from here). */
  allItems: Item[];
  datasets: DatasetUse[];
}

export async function loadTasks(
  names: Array<string | TaskVariant>,
  options: RunOptions,
): Promise<{ loaded: LoadedTask[]; ctx: TaskLoadContext }> {
  const ctx: TaskLoadContext = { datasets: new DatasetResolver({ cacheDir: options.cacheDir }), options };
  const loaded: LoadedTask[] = [];
  const seen = new Set<string>();
  for (const entry of names) {
    // A token budget (--budget) becomes part of the task's generation settings: recorded and part of its identity.
    // So does the OLMES request-shaping override (--olmes-parity / --no-olmes-parity).
    const task = withShapingOverride(
      withTokenBudget(typeof entry === 'string' ? await getTask(entry) : entry, options.budgets),
      options.olmesParity,
    );
    if (seen.has(task.name)) continue;
    seen.add(task.name);
    const { items, datasets } = await task.loadItems(ctx);
    loaded.push({
      task,
      items: options.limit ? items.slice(0, options.limit) : items,
      allItems: items,
      datasets,
    });
  }
  return { loaded, ctx };
}

function describeModel(spec: ModelSpec, provider: ModelProvider): RunManifest['model'] {
  const [kind] = spec.model.split(':', 1);
  return {
    provider: kind,
    id: provider.id,
    name: spec.modelName,
    endpoint: spec.model.slice(kind.length + 1),
    endpoints: spec.endpoints,
    ...provider.description,
  };
}

/**
 * What must not change between sessions of one run directory: the task's data (checksums) and its settings that
 * are values — numbers, flags, identifiers without spaces (an answer key, a data version), structured settings
 * (generation parameters, stops, budgets). Free-text settings (a string with whitespace: how extraction or scoring
 * works, where shots come from) document the definition and are left out, so rewording them does not orphan a
 * run; the prompts and parameters themselves are pinned per request (requests.jsonl) on resume.
 */
export function taskIdentity(
  t: Pick<RunManifest['tasks'][number], 'name' | 'settings' | 'datasets'>,
): string {
  const values = Object.fromEntries(
    Object.entries(t.settings).filter(([, v]) => !(typeof v === 'string' && /\s/.test(v))),
  );
  return JSON.stringify({ name: t.name, settings: values, datasets: t.datasets.map((d) => d.sha256) });
}

/** The flag that reproduces a recorded --limit, for messages. */
const limitFlag = (limit: unknown) => (limit ? `--limit ${limit}` : 'no --limit');

/**
 * An existing run directory is resumed only with the definition it was started with: same --limit, --seed
 * and shard, and the same tasks (new tasks only with `addTasks`). Checked before anything is started or written.
 * Resuming a subset of the tasks is allowed (campaigns resume the unfinished ones).
 */
export function checkResumable(
  runDir: string,
  m: RunManifest,
  spec: Pick<RunSpec, 'options' | 'shard' | 'addTasks'>,
  taskNames: string[],
): void {
  const manifestPath = join(runDir, RUN_FILES.manifest);
  const oldLimit = m.options?.limit;
  const newLimit = spec.options.limit;
  if ((oldLimit ?? null) !== (newLimit ?? null)) {
    throw new EvalkitError(
      `${runDir} was started with ${limitFlag(oldLimit)} and this command has ${limitFlag(newLimit)}; ` +
        `a run directory keeps one item set. Resume it with ${limitFlag(oldLimit)}, or evaluate ` +
        `${newLimit ? `${newLimit} items` : 'all items'} in a new --run-dir.`,
    );
  }
  const oldSeed = m.options?.seed;
  if (oldSeed !== undefined && spec.options.seed !== undefined && oldSeed !== spec.options.seed) {
    throw new EvalkitError(
      `${runDir} was started with --seed ${oldSeed}, this command has --seed ${spec.options.seed}; ` +
        `resume with --seed ${oldSeed} or use a new --run-dir`,
    );
  }
  if (JSON.stringify(m.shard ?? null) !== JSON.stringify(spec.shard ?? null)) {
    throw new EvalkitError(
      `${manifestPath}: shard ${JSON.stringify(m.shard ?? null)} differs from --shard ${JSON.stringify(spec.shard ?? null)}`,
    );
  }
  const have = new Set(m.tasks.map((t) => t.name));
  const added = taskNames.filter((t) => !have.has(t));
  if (added.length && !spec.addTasks) {
    throw new EvalkitError(
      `${runDir} holds ${[...have].join(', ')}; ${added.join(', ')} ${added.length > 1 ? 'are' : 'is'} not in it. ` +
        `To add ${added.length > 1 ? 'them' : 'it'} to this run pass --add-tasks; to keep runs apart use a new --run-dir ` +
        `(compare and report take several run directories).`,
    );
  }
}

async function openManifest(
  runDir: string,
  spec: RunSpec,
  provider: ModelProvider,
  loaded: LoadedTask[],
): Promise<RunManifest> {
  const now = new Date().toISOString();
  const session = newSession(spec.command ?? 'evalkit run');
  const tasks = loaded.map((l) => ({
    name: l.task.name,
    family: l.task.family,
    reproduces: l.task.reproduces,
    settings: l.task.settings,
    datasets: l.datasets,
    items: l.items.length,
  }));
  const manifestPath = join(runDir, RUN_FILES.manifest);
  if (existsSync(manifestPath)) {
    const m = await readManifest(runDir);
    const kind = spec.model.model.split(':', 1)[0];
    if (modelIdentity(m.model) !== modelIdentity({ provider: kind, id: provider.id })) {
      throw new EvalkitError(
        `${manifestPath}: this run directory belongs to model "${m.model.id}", not "${provider.id}" ` +
          `(runs are identified by the served model name); use another --run-dir`,
      );
    }
    const moved = m.model.id !== provider.id;
    if (moved) {
      // Same model, new location (a server restarted on another port): resume, and record where it runs now.
      process.stderr.write(`evalkit: resuming ${m.model.id} at its new location ${provider.id}\n`);
      m.model = { ...m.model, ...describeModel(spec.model, provider) };
    }
    const judgeConflict = judgeIdentityConflict(m.options, spec.options);
    if (judgeConflict) throw new EvalkitError(`${manifestPath}: ${judgeConflict}`);
    if (spec.options.judges && !m.options.judges) m.options.judges = spec.options.judges;
    if (spec.options.simulatedUser && !m.options.simulatedUser)
      m.options.simulatedUser = spec.options.simulatedUser;
    for (const t of tasks) {
      const old = m.tasks.find((x) => x.name === t.name);
      if (old && taskIdentity(old) !== taskIdentity(t)) {
        throw new EvalkitError(
          `${manifestPath}: task "${t.name}" was run with different settings or data (evalkit changed?); ` +
            `resuming would mix two definitions. Use a new --run-dir.`,
        );
      }
      if (!old) m.tasks.push(t);
    }
    m.status = 'running';
    m.endedAt = null;
    delete m.failure;
    delete m.errors;
    m.sessions.push(moved ? { ...session, modelId: provider.id } : session);
    await writeManifest(runDir, m);
    return m;
  }
  const m: RunManifest = {
    evalkit: { version: evalkitVersion(), gitCommit: evalkitGitCommit() },
    runId: runDir.split('/').filter(Boolean).pop() ?? 'run',
    createdAt: now,
    startedAt: now,
    endedAt: null,
    status: 'running',
    model: describeModel(spec.model, provider),
    tasks,
    options: spec.options,
    ...(spec.shard ? { shard: spec.shard } : {}),
    sessions: [session],
  };
  await writeManifest(runDir, m);
  return m;
}

async function finishManifest(
  runDir: string,
  status: RunManifest['status'],
  extra: Pick<RunManifest, 'failure' | 'errors'> = {},
): Promise<void> {
  const m = await readManifest(runDir);
  const now = new Date().toISOString();
  m.status = status;
  if (extra.failure) m.failure = extra.failure;
  if (extra.errors) m.errors = extra.errors;
  m.endedAt = now;
  const s = m.sessions[m.sessions.length - 1];
  if (s) s.endedAt = now;
  await writeManifest(runDir, m);
}

function erroredVerdict(g: GenerationRecord): VerdictRecord {
  return {
    requestId: g.requestId,
    task: g.task,
    itemId: g.itemId,
    sampleIndex: g.sampleIndex,
    scores: null,
    error: g.error ?? 'generation failed',
    reason: `not scored: generation errored (${g.error ?? 'unknown error'})`,
  };
}

/** Score one generation; scorer exceptions become a clearly-labelled errored verdict, never a crash. */
export async function scoreGeneration(
  scorer: Scorer,
  item: Item,
  g: GenerationRecord,
  options: RunOptions,
  signal?: AbortSignal,
): Promise<VerdictRecord> {
  if (g.text === null || g.error) return erroredVerdict(g);
  const base = { requestId: g.requestId, task: g.task, itemId: g.itemId, sampleIndex: g.sampleIndex };
  try {
    // Scorers see only the answer: reasoning (server field or think tags) is split off first.
    const split = answerForScoring(g, options);
    const v = await scorer.score(item, split ? { ...g, text: split.answer } : g, { options, signal });
    if (split?.state === 'truncated-in-reasoning')
      return {
        ...base,
        ...v,
        outcome: 'truncated-in-reasoning',
        reason: `generation ended inside its reasoning (finish_reason ${g.finishReason ?? 'unknown'}): no answer to score`,
      };
    const findings =
      v.extracted && looksLikePython(v.extracted)
        ? detectRewardHacking(v.extracted, visibleExamplesOfItem(item.data as Record<string, unknown>))
        : [];
    if (findings.length) return { ...base, ...v, details: { ...v.details, rewardHacking: findings } };
    return { ...base, ...v };
  } catch (e) {
    return {
      ...base,
      scores: null,
      error: `scorer error: ${(e as Error).message}`,
      reason: `scorer error: ${(e as Error).message}`,
    };
  }
}

/**
 * The token counter tasks fit their prompts with: the provider's tokenizer when it has one, otherwise (and from
 * the first time it says it has none) the documented upper bound UTF-8 bytes + 2 (src/types.ts PromptFitting).
 */
function promptFitting(provider: ModelProvider, model: ModelSpec): PromptFitting {
  let tokenizer = provider.countTokens !== undefined;
  return {
    maxModelLen: model.vllm?.maxModelLen,
    async countTokens(text: string) {
      if (tokenizer) {
        const n = await provider.countTokens!(text);
        if (n !== undefined) return { tokens: n, exact: true };
        tokenizer = false;
        process.stderr.write(
          'evalkit: the server exposes no tokenizer (/tokenize): prompts are fitted into the context with the upper bound "UTF-8 bytes + 2 tokens", which may drop more shots than the reference harness (recorded per request in requests.jsonl promptInfo)\n',
        );
      }
      return { tokens: Buffer.byteLength(text, 'utf8') + 2, exact: false };
    },
  };
}

/** Say on stderr which variants' requests an HTTP provider will shape like OLMES. */
function announceShaping(model: ModelSpec, loaded: LoadedTask[]): void {
  const shaped = olmesShapedVariants(loaded.map((l) => l.task));
  if (!shaped.length || !findProvider(model.model)?.speaksOpenAI) return;
  process.stderr.write(
    `evalkit: OLMES-parity request shaping (no BOS, EOS in stops, left truncation) for: ${shaped.join(', ')}\n`,
  );
}

async function createProviderFor(model: ModelSpec, runDir: string): Promise<ModelProvider> {
  // Loaded lazily: providers pull in HTTP agents, SQLite (request cache), child processes.
  const { createProvider } = await import('../models/index.js');
  return createProvider({ ...model, runDir });
}

export async function runEvaluation(spec: RunSpec): Promise<RunResult> {
  const runDir = resolve(spec.runDir);
  const progress = spec.progress ?? createProgress(process.stderr);
  const options = spec.options;
  const manifestPath = join(runDir, RUN_FILES.manifest);
  // Everything that can be checked is checked before anything is created: the directory can be written, the
  // tasks exist and load, an existing run is resumed with its own definition.
  const resumed = existsSync(manifestPath) ? await readManifest(runDir) : undefined;
  const { loaded, ctx } = await loadTasks(spec.tasks, options);
  if (resumed)
    checkResumable(
      runDir,
      resumed,
      spec,
      loaded.map((l) => l.task.name),
    );
  const { created } = prepareWritableDir(runDir, 'run directory');
  const release = await acquireRunLock(runDir);
  let provider: ModelProvider | undefined;
  const scorers = new Map<string, Scorer>();
  const conversationDrivers = new Map<string, ConversationDriver>();
  let logs: Awaited<ReturnType<typeof openRunLogs>> | undefined;
  let status: RunManifest['status'] = 'failed';
  let extra: Pick<RunManifest, 'failure' | 'errors'> = {};
  const counts: ProgressCounts = { total: 0, generated: 0, scored: 0, errored: 0, skipped: 0 };
  try {
    ctx.runDir = runDir;
    const model = { ...spec.model };
    model.onRetry ??= retryNotices(progress);
    const theProvider: ModelProvider = spec.provider ?? (await createProviderFor(model, runDir));
    provider = theProvider;
    announceShaping(model, loaded);
    await theProvider.prepare?.(
      loaded.map((l) => ({ format: l.task.settings.format, generation: l.task.settings.generation })),
    );
    await openManifest(runDir, spec, theProvider, loaded);
    const state = await loadRunState(runDir, { tasks: new Set(loaded.map((l) => l.task.name)) });
    logs = await openRunLogs(runDir);
    const theLogs = logs;

    const dispatch = new Limiter(spec.dispatchConcurrency ?? 256);
    const scoring = new Limiter(spec.scoreConcurrency ?? 64);
    const failures: unknown[] = [];
    const aborted = () => spec.signal?.aborted === true;

    const scorerFor = async (l: LoadedTask): Promise<Scorer> => {
      let s = scorers.get(l.task.name);
      if (!s) {
        s = await l.task.createScorer(ctx);
        scorers.set(l.task.name, s);
      }
      return s;
    };

    /** Multi-turn tasks generate through their conversation driver (one per task, like scorers). */
    const conversationDriverFor = async (l: LoadedTask): Promise<ConversationDriver | undefined> => {
      if (!l.task.createConversationDriver) return undefined;
      let d = conversationDrivers.get(l.task.name);
      if (!d) {
        d = await l.task.createConversationDriver(ctx);
        conversationDrivers.set(l.task.name, d);
      }
      return d;
    };

    const submitScore = async (l: LoadedTask, item: Item, g: GenerationRecord) => {
      await scoring.acquire();
      void (async () => {
        try {
          const v =
            g.error || g.text === null
              ? erroredVerdict(g)
              : await scoreGeneration(await scorerFor(l), item, g, options, spec.signal);
          // A scorer cut short by Ctrl-C did not judge the sample: leave it unscored for the resume.
          if (aborted() && v.scores === null && !g.error) return;
          theLogs.verdicts.append(v);
          counts.scored++;
          if (v.scores === null) counts.errored++;
          progress.update(counts, 'run');
        } catch (e) {
          failures.push(e);
        } finally {
          scoring.release();
        }
      })();
    };

    const fitting = promptFitting(theProvider, spec.model);
    const samplesFor = (l: LoadedTask, item: Item) =>
      theProvider.sampleCount ? theProvider.sampleCount(l.task.name, item.id) : l.task.settings.generation.n;
    for (const l of loaded) {
      for (const item of l.items) {
        const requestId = `${l.task.name}|${item.id}`;
        if (spec.shard && shardOfRequest(requestId, spec.shard.count) !== spec.shard.index) continue;
        counts.total += samplesFor(l, item);
      }
    }
    progress.update(counts, 'run');

    outer: for (const l of loaded) {
      for (const item of l.items) {
        if (aborted() || failures.length) break outer;
        const requestId = `${l.task.name}|${item.id}`;
        if (spec.shard && shardOfRequest(requestId, spec.shard.count) !== spec.shard.index) continue;
        const n = samplesFor(l, item);
        if (n === 0) continue; // replay file without this item: reported as missing by the aggregate
        const params =
          n === l.task.settings.generation.n
            ? l.task.settings.generation
            : { ...l.task.settings.generation, n };
        const fitted = l.task.fitPrompt ? await l.task.fitPrompt(item, l.allItems, fitting) : undefined;
        const prompt = fitted?.prompt ?? l.task.buildPrompt(item, l.allItems);
        const req: RequestRecord = {
          requestId,
          task: l.task.name,
          itemId: item.id,
          prompt,
          params,
          ...(fitted ? { promptInfo: fitted.info } : {}),
        };
        const old = state.requests.get(requestId);
        if (!old) theLogs.requests.append(req);
        else if (
          JSON.stringify(old.prompt) !== JSON.stringify(prompt) ||
          JSON.stringify(old.params) !== JSON.stringify(params)
        ) {
          throw new EvalkitError(
            `${join(runDir, RUN_FILES.requests)}: request ${requestId} was recorded with a different prompt or parameters; ` +
              `resuming would mix two prompt definitions. Use a new --run-dir.`,
          );
        }
        const missing: number[] = [];
        for (let i = 0; i < params.n; i++) {
          const key = sampleKey(requestId, i);
          const g = state.generations.get(key);
          if (g && !g.error && g.text !== null) {
            if (state.verdicts.has(key)) counts.skipped++;
            else {
              counts.generated++;
              await submitScore(l, item, g);
            }
          } else missing.push(i);
        }
        if (!missing.length) continue;
        await dispatch.acquire();
        void (async () => {
          try {
            const driver = await conversationDriverFor(l);
            const gens = driver
              ? await driver.generate(theProvider, item, req, missing, { signal: spec.signal })
              : await theProvider.generate(req, missing, { signal: spec.signal });
            for (const g of gens) {
              // Requests cut off by Ctrl-C are not recorded: the resume asks for them again.
              if (aborted() && g.error) continue;
              theLogs.generations.append(g);
              counts.generated++;
              await submitScore(l, item, g);
            }
            progress.update(counts, 'run');
          } catch (e) {
            failures.push(e);
          } finally {
            dispatch.release();
          }
        })();
      }
    }
    await dispatch.idle();
    await scoring.idle();
    if (failures.length) throw failures[0];
    progress.done(counts, aborted() ? 'interrupted' : 'run');
    if (aborted()) {
      status = 'interrupted';
      return { runDir, metrics: {}, counts, status };
    }
    theLogs.close();
    logs = undefined;
    const metrics = await computeRunMetrics(runDir, loaded, options);
    const errors = await summarizeErrors(
      runDir,
      loaded.map((l) => l.task.name),
      spec.maxErrorRate ?? 0,
    );
    status = errors.failed ? 'failed' : 'completed';
    extra = errors.errored ? { errors: manifestErrors(errors) } : {};
    if (errors.failed)
      extra.failure = `${errors.errored} of ${errors.samples} samples errored (tolerated: --max-error-rate ${errors.maxErrorRate})`;
    return { runDir, metrics, counts, status, errors };
  } catch (e) {
    if (spec.signal?.aborted) status = 'interrupted';
    else extra = { failure: (e as Error).message };
    throw e;
  } finally {
    logs?.close();
    await Promise.allSettled([...scorers.values(), ...conversationDrivers.values()].map((s) => s.close?.()));
    if (!spec.provider) await provider?.close?.().catch(() => undefined);
    if (existsSync(manifestPath)) await finishManifest(runDir, status, extra).catch(() => undefined);
    release();
    // A start that failed before the run existed (no manifest) leaves nothing behind.
    if (!existsSync(manifestPath)) {
      try {
        unlinkSync(join(runDir, '.lock'));
      } catch {
        /* released */
      }
      removeCreatedDirs(runDir, created);
    }
  }
}
