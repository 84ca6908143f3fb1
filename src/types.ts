/**
 * evalkit's public types: the plain values that flow between pipeline stages.
 *
 *   RunSpec → TaskVariant.loadItems → Item[] → TaskVariant.buildPrompt → RequestRecord (requests.jsonl)
 *     → ModelProvider.generate → GenerationRecord (generations.jsonl)
 *     → Scorer.score → VerdictRecord (verdicts.jsonl)
 *     → aggregateTask(TaskVariant.metrics) → TaskMetrics (metrics.json)
 *
 * Every record is JSON-serialisable. Stage N can always be re-entered from the files of stage N-1.
 */

// ───────────────────────────── datasets / items ─────────────────────────────

/** One benchmark item (problem/question), after loading and normalising the dataset record. */
export interface Item<D = Record<string, unknown>> {
  /** Stable id, unique within the task, e.g. "HumanEval/0", "Mbpp/2", "gsm8k/17". */
  id: string;
  /** Task-specific payload (prompt parts, tests, reference answer, …). */
  data: D;
  /** Optional categories for per-category breakdowns, e.g. { subject: "Algebra", level: "5" }. */
  categories?: Record<string, string>;
}

/** A dataset file that a task variant read, recorded in the manifest. */
export interface DatasetUse {
  id: string; // registry id, e.g. "humanevalplus-v0.1.10"
  version: string;
  sha256: string;
  source: string; // where it was read from: mirror path, cache path or URL
}

// ───────────────────────────── prompts / requests ─────────────────────────────

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A prompt exactly as sent to the model. `completion` prompts are byte-exact strings. */
export type Prompt = { kind: 'completion'; text: string } | { kind: 'chat'; messages: ChatMessage[] };

export interface GenerationParams {
  /** Number of samples per item. */
  n: number;
  temperature: number;
  top_p: number;
  max_tokens: number;
  /** Stop strings; the provider also cuts client-side at the first stop string found. */
  stop: string[];
  seed?: number;
  /** Token budget of the reasoning (a thinking budget), when the run set one (src/reasoning/token-budget.ts). */
  reasoning_budget?: number;
  /** Reasoning effort (minimal/low/medium/high), when the run set one. */
  reasoning_effort?: string;
  /** Provider-specific extra body fields (e.g. OLMES parity: add_special_tokens=false). */
  extra_body?: Record<string, unknown>;
  /**
   * Request shaping the provider applies to reproduce a reference harness's inference. 'olmes' (set by the
   * OLMES-alias variants): prompt without BOS, tokenizer EOS added to the stops, skip_special_tokens false,
   * left truncation to max_length - max_tokens tokens, client-side cut at the first stop (src/models/olmes-shaping.ts).
   * Applies to completion prompts only; the run option `olmesParity` rewrites it (src/runner/request-shaping.ts).
   */
  shaping?: 'olmes';
}

/** One line of requests.jsonl: one item of one task variant, asking for `params.n` samples. */
export interface RequestRecord {
  /** `${task}|${itemId}` — unique in a run. */
  requestId: string;
  task: string;
  itemId: string;
  prompt: Prompt;
  params: GenerationParams;
  /** What the task decided while fitting the prompt into the model's context (`TaskVariant.fitPrompt`). */
  promptInfo?: Record<string, unknown>;
}

// ───────────────────────────── generations ─────────────────────────────

/** One line of generations.jsonl: one sample (sampleIndex in [0, n)). */
export interface GenerationRecord {
  requestId: string;
  task: string;
  itemId: string;
  sampleIndex: number;
  /**
   * The generated text (the server's `content`) after client-side stop truncation; null when the request
   * errored. May hold inline reasoning (`<think>…</think>`): scorers see only the answer part
   * (src/reasoning/split.ts).
   */
  text: string | null;
  /** The server's separate reasoning field (`reasoning_content` / `reasoning`), when it sent one. */
  reasoning?: string;
  finishReason?: string | null;
  /** Set when the provider gave up after its retry budget: the sample is errored, not failed. */
  error?: string;
  /** Sum of token log-probabilities, when requested. */
  logprobSum?: number;
  usage?: { promptTokens?: number; completionTokens?: number };
  latencyMs?: number;
  /** Which endpoint/provider produced it (for audit). */
  source?: string;
  /**
   * Replay only: the text is a complete program/answer as EvalPlus's `solution` field (not a continuation of
   * the prompt, which is what `completion` and live generations are).
   */
  textIsSolution?: boolean;
  /**
   * Replay only: the text is an EvalPlus sample file's `completion`. `evalplus.evaluate` executes prompt + completion
   * as written (no sanitizing, so trailing module-level code runs and can fail the sample); live completions are
   * sanitized, as EvalPlus's codegen does before it writes `solution`.
   */
  textIsReplayedCompletion?: boolean;
  /**
   * Multi-turn tasks (TaskVariant.createConversationDriver): every message of the conversation in order, each
   * model or simulated-user turn with the exact request that produced it. `text` is the last assistant turn.
   */
  conversation?: ConversationTurn[];
}

/** One message of a multi-turn generation. */
export interface ConversationTurn extends ChatMessage {
  /** 'script': fixed by the task; 'model': the model under test; 'simulated-user': the user simulator. */
  source: 'script' | 'model' | 'simulated-user';
  /** For generated turns: the byte-exact request sent (prompt + parameters). */
  request?: { prompt: Prompt; params: GenerationParams };
  finishReason?: string | null;
}

// ───────────────────────────── providers ─────────────────────────────

export interface GenerateOptions {
  signal?: AbortSignal;
}

/** A model provider: turns one RequestRecord into `params.n` GenerationRecords. */
export interface ModelProvider {
  /** Stable identity of the model (used in manifests and cache keys), e.g. "openai:http://h:8000/v1#my-ckpt". */
  readonly id: string;
  readonly description: Record<string, unknown>;
  /**
   * Generate samples `sampleIndices` (default: all of 0..n-1) of a request. Never throws for server/HTTP
   * failures: after the retry budget the affected samples come back with `error` set and `text: null`.
   */
  generate(req: RequestRecord, sampleIndices?: number[], opts?: GenerateOptions): Promise<GenerationRecord[]>;
  /**
   * Replay providers (pre-generated samples) hold a fixed number of samples per item, which overrides the
   * variant's n; 0 means the item is missing from the samples file (reported, not fatal).
   */
  sampleCount?(task: string, itemId: string): number;
  /**
   * Called once by the runner before the first request, with each task variant's prompt format and generation
   * params: a provider resolves here what those requests need (the EOS string of OLMES-shaped requests), so a
   * missing setting fails the run before it starts (EvalkitError).
   */
  prepare?(variants: ProviderPreparation[]): Promise<void>;
  /**
   * Tokens of `text` by the served model's tokenizer, special tokens (BOS) included; undefined when the server
   * exposes no tokenizer. Used to fit prompts into the context (`TaskVariant.fitPrompt`).
   */
  countTokens?(text: string): Promise<number | undefined>;
  close?(): Promise<void>;
}

/** What `TaskVariant.fitPrompt` gets from the runner. */
export interface PromptFitting {
  /**
   * Tokens of a prompt with the tokenizer's special tokens (BOS), by the served model's tokenizer when the
   * provider exposes one (`exact`), else an upper bound (UTF-8 bytes + 2: every token of a byte-level BPE or
   * byte-fallback SentencePiece covers ≥ 1 byte, + BOS + a dummy-prefix token).
   */
  countTokens(text: string): Promise<{ tokens: number; exact: boolean }>;
  /** The model's context length when the run sets one (`--max-model-len`); else the task's own default. */
  maxModelLen?: number;
}

/** What `ModelProvider.prepare` is told about one task variant of the run. */
export interface ProviderPreparation {
  format: 'completion' | 'chat';
  generation: GenerationParams;
}

// ───────────────────────────── scoring ─────────────────────────────

/**
 * One line of verdicts.jsonl. `scores` holds per-sample numeric outcomes (0/1 for pass/fail metrics),
 * keyed by metric base name, e.g. { base: 1, plus: 0 } for HumanEval+, { exact_match: 1 } for GSM8K.
 */
export interface VerdictRecord {
  requestId: string;
  task: string;
  itemId: string;
  sampleIndex: number;
  /** null when the generation errored (not scored, excluded from metrics and counted separately). */
  scores: Record<string, number> | null;
  /** Human-readable reason for failure (first failing input, expected vs got, timeout, crash…). */
  reason?: string;
  /** What the scorer extracted: the answer string, or the executed program for code tasks. */
  extracted?: string;
  /** Scorer-specific structured detail (per-test statuses, per-instruction results, …). */
  details?: Record<string, unknown>;
  /** Sample errored upstream (copied from the generation's error). */
  error?: string;
  /** Set when the generation ended inside its reasoning: there was no answer (scored as a failure). */
  outcome?: 'truncated-in-reasoning';
}

export interface ScoreContext {
  /** Run-wide options such as --test-details, --unsafe-no-sandbox, cache dirs. */
  options: RunOptions;
  signal?: AbortSignal;
}

export interface Scorer<D = any> {
  /** Score one sample. Must not throw for bad model output: report it as a failing verdict with a reason. */
  score(
    item: Item<D>,
    generation: GenerationRecord,
    ctx: ScoreContext,
  ): Promise<Omit<VerdictRecord, 'requestId' | 'task' | 'itemId' | 'sampleIndex'>>;
  /** Release pooled resources (sandbox workers). */
  close?(): Promise<void>;
}

// ───────────────────────────── metrics ─────────────────────────────

export interface MetricValue {
  value: number;
  /** 95% confidence interval [lo, hi]. */
  ci95?: [number, number];
  stderr?: number;
  /** How it was computed (estimator and interval), e.g. "unbiased pass@10 per item …; 95% CI: Wilson …". */
  method?: string;
  /** Items that entered the value (an item with fewer than k samples has no pass@k / maj@k). */
  items?: number;
  /** Fewest and most scored samples among those items (differ when samples errored or a replay is uneven). */
  samplesPerItem?: [number, number];
}

/**
 * A declared metric: a plain, serialisable value. Task variants declare theirs (`TaskVariant.metrics`); the
 * list is written into metrics.json (`TaskMetrics.declared`), and metrics.json, the results index, `compare`,
 * reports and importers all compute through `src/metrics/definitions.ts` from it. See docs/metrics.md.
 *  - mean:   per item the mean of `scoreKey` over its samples; the mean over items (accuracy, exact_match,
 *            avg@n; `range` for numeric scales such as a 1–10 judge score, default [0, 1]);
 *  - pass@k: per item the unbiased pass@k from its own n and c (samples with score ≥ 1); items with n < k are
 *            left out and counted;
 *  - maj@k:  per item the exact expected majority-vote score over k of its samples (vote keys from
 *            `details.voteKeys[scoreKey]` / `details.voteKey`); items with n < k are left out;
 *  - ratio:  Σ value·weight / Σ weight over items, weight read from `details[weightDetail]` (a number, or an
 *            array's length) — IFEval's instruction-level accuracy.
 */
export type MetricSpec =
  | { name: string; kind: 'mean'; scoreKey: string; range?: [number, number] }
  | { name: string; kind: 'pass@k'; scoreKey: string; k: number }
  | { name: string; kind: 'maj@k'; scoreKey: string; k: number }
  | { name: string; kind: 'ratio'; scoreKey: string; weightDetail: string };

export interface TaskMetrics {
  task: string;
  /** Name of the headline metric, a key of `metrics`. */
  primary: string;
  metrics: Record<string, MetricValue>;
  /** Per-category breakdowns: dimension → category → metric name → value. */
  breakdowns?: Record<string, Record<string, Record<string, MetricValue>>>;
  counts: { items: number; samples: number; scored: number; errored: number; missingItems?: number };
  /** The metric definitions the values were computed with (absent in files written before evalkit 0.2). */
  declared?: MetricSpec[];
  /** Item ids with no scored sample (e.g. a replay file covering a subset). */
  missingItems?: string[];
  /** Length and format drift: cap hits, ended-in-reasoning, no-answer rate, lengths, reward-hacking patterns. */
  generation?: import('./reasoning/generation-stats.js').GenerationStats;
}

// ───────────────────────────── tasks ─────────────────────────────

/** Everything about a variant that determines its numbers; recorded in full in the manifest. */
export interface VariantSettings {
  /** 'completion' for base-model prompts, 'chat' for instruct models. */
  format: 'completion' | 'chat';
  shots: number;
  /** How shots are chosen, e.g. "fixed: OLMES gsm8k CoT exemplars" or "test-set shots, seed 1234". */
  fewShotSource?: string;
  generation: GenerationParams;
  /** Headline metric, e.g. "pass@1": the name of one of the variant's declared `metrics`. */
  primaryMetric: string;
  /** Free-form extra settings (extraction rule, timeouts, what is executed…). */
  [key: string]: unknown;
}

export interface TaskLoadContext {
  /** Resolved dataset loader (mirror/cache/network). */
  datasets: import('./datasets/registry.js').DatasetResolver;
  options: RunOptions;
  /** The run directory, when running (conversation drivers write side files there, e.g. agent trajectories). */
  runDir?: string;
}

export interface TaskVariant<D = any> {
  /** Unique name; OLMES aliases are used verbatim, e.g. "codex_humanevalplus:temp0.8". */
  name: string;
  /** Benchmark family, e.g. "humaneval", "mbpp", "gsm8k". */
  family: string;
  description: string;
  /** Reference this variant reproduces, e.g. "OLMES codex_humanevalplus:temp0.8". */
  reproduces?: string;
  settings: VariantSettings;
  /** Load items; `datasets` records which files were read (with checksums) for the manifest. */
  loadItems(ctx: TaskLoadContext): Promise<{ items: Item<D>[]; datasets: DatasetUse[] }>;
  /** Build the byte-exact prompt for one item (few-shot context included). `items` = all items (for test-set shots). */
  buildPrompt(item: Item<D>, items: Item<D>[]): Prompt;
  /**
   * Tasks whose reference harness shortens a prompt that does not fit the model's context (MMLU-Pro drops
   * shots): the runner builds their prompts with this instead of `buildPrompt`, giving it a token counter;
   * `info` (e.g. the shots used) is recorded with the request in requests.jsonl.
   */
  fitPrompt?(
    item: Item<D>,
    items: Item<D>[],
    fit: PromptFitting,
  ): Promise<{ prompt: Prompt; info: Record<string, unknown> }>;
  /** Create the scorer (may start sandbox workers). */
  createScorer(ctx: TaskLoadContext): Scorer<D> | Promise<Scorer<D>>;
  /**
   * Declared metrics (build them with the helpers of src/metrics/definitions.ts); `settings.primaryMetric`
   * names one of them. metrics.json is computed from these by `aggregateTask` (src/metrics/aggregate.ts).
   */
  metrics: MetricSpec[];
  /** Dimensions of `Item.categories` to break every declared metric down by (e.g. ['subject', 'level']). */
  breakdownBy?: string[];
  /** Breakdowns that are not by item category (IFEval: by instruction id). Merged into `breakdowns`. */
  extraBreakdowns?(
    items: Item<D>[],
    verdicts: VerdictRecord[],
    options: RunOptions,
  ): NonNullable<TaskMetrics['breakdowns']>;
  /**
   * Reported values that are not declared metrics: diagnostics (judge agreement, parse rate, position bias) or
   * a benchmark's official presentation (EQ-Bench's rounded score). Written to metrics.json next to the
   * declared ones; they have no per-item outcome, so `compare` refuses them. Must not reuse a declared name.
   */
  extraMetrics?(
    items: Item<D>[],
    verdicts: VerdictRecord[],
    options: RunOptions,
  ): Record<string, MetricValue>;
  /**
   * Multi-turn tasks only: the runner hands each request to this driver instead of calling the provider once
   * (a later turn depends on the model's earlier answers, or a simulated user replies). The RequestRecord holds
   * the first turn; every turn's exact request is in GenerationRecord.conversation.
   */
  createConversationDriver?(ctx: TaskLoadContext): ConversationDriver<D> | Promise<ConversationDriver<D>>;
}

/** Drives one multi-turn conversation per sample (see TaskVariant.createConversationDriver). */
export interface ConversationDriver<D = any> {
  /** Like ModelProvider.generate, but may call `model` several times per sample. Never throws for HTTP failures. */
  generate(
    model: ModelProvider,
    item: Item<D>,
    request: RequestRecord,
    sampleIndices: number[],
    opts?: GenerateOptions,
  ): Promise<GenerationRecord[]>;
  close?(): Promise<void>;
}

// ───────────────────────────── runs ─────────────────────────────

export interface RunOptions {
  /** Run code without isolation (prints a warning). */
  unsafeNoSandbox?: boolean;
  /** Keep executing after the first failing test input and record per-input statuses. */
  testDetails?: boolean;
  /** Worker processes for sandboxed execution. */
  sandboxWorkers?: number;
  /** Seed for bootstrap CIs and any shuffling. */
  seed?: number;
  /** Directory for caches (datasets, ground-truth timings, request cache). */
  cacheDir?: string;
  /** Restrict to the first N items (smoke runs). */
  limit?: number;
  /** Split reasoning from answers before scoring (default true); extra think tags beyond the defaults. */
  reasoningSplit?: boolean;
  thinkTags?: Array<{ open: string; close: string }>;
  /** Judge models for judge-graded tasks (`--judge`); part of the run's identity (src/judge/spec.ts). */
  judges?: import('./judge/spec.js').JudgeSpec[];
  /** Per-task token budgets for reasoning and answer (`--budget`, campaign `options.budgets`). */
  budgets?: import('./reasoning/token-budget.js').TokenBudgets;
  /** Model that plays the user in multi-turn tasks with a simulated user (`--simulated-user`). */
  simulatedUser?: import('./judge/spec.js').JudgeSpec;
  /**
   * Override of OLMES request shaping (`--olmes-parity` / `--no-olmes-parity`, campaign `options.olmesParity`):
   * true shapes every completion-format variant, false none; absent = as each variant says (`shaping`).
   * Applied once to the variants' generation params (src/runner/request-shaping.ts).
   */
  olmesParity?: boolean;
  [key: string]: unknown;
}

export interface RunManifest {
  evalkit: { version: string; gitCommit: string | null };
  runId: string;
  createdAt: string;
  startedAt: string;
  endedAt: string | null;
  status: 'running' | 'completed' | 'failed' | 'interrupted';
  model: { provider: string; id: string; name?: string; endpoint?: string; [key: string]: unknown };
  tasks: Array<{
    name: string;
    family: string;
    reproduces?: string;
    settings: VariantSettings;
    datasets: DatasetUse[];
    items: number;
  }>;
  options: RunOptions;
  /** Set when this directory holds one deterministic shard of a larger run (`--shard i/N`). */
  shard?: { index: number; count: number };
  /** Set when this run re-judges another run's generations with other judges (`evalkit score --judge --out-dir`). */
  rejudgedFrom?: { runId: string; runDir: string; judges: import('./judge/spec.js').JudgeSpec[] };
  /** Why the run failed (status "failed"): the error, or how many samples errored beyond --max-error-rate. */
  failure?: string;
  /** Errored samples at the end of the last session (excluded from metrics; a resume retries them). */
  errors?: {
    errored: number;
    samples: number;
    maxErrorRate: number;
    reasons: Array<{ reason: string; count: number }>;
  };
  /** Each time the run was (re)started (`modelId`: the provider id of that session, e.g. a new server URL). */
  sessions: Array<{
    startedAt: string;
    endedAt: string | null;
    command: string;
    host: string;
    pid: number;
    modelId?: string;
  }>;
}
