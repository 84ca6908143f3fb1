/**
 * Campaign config (`evalkit.campaign.yaml`): a suite of task variants and the checkpoints of one training
 * line, each either evaluated by evalkit (model settings = ModelSpec fields) or an existing/imported run
 * directory (e.g. the pre-SFT OLMES baseline brought in with `evalkit import olmes`).
 *
 *   name: olmo-line
 *   runsRoot: runs                # campaign runs go to <runsRoot>/<name>/<checkpoint>
 *   suite: [codex_humanevalplus:temp0.8, mbppplus::none]
 *   options: { seed: 1234 }
 *   checkpoints:
 *     - name: pre-sft
 *       run: runs/imported/pre-sft   # existing run directory
 *     - name: post-sft
 *       model: { model: "openai:http://127.0.0.1:8000/v1", modelName: post-sft, concurrency: 64 }
 *
 * Validation errors name the file, the line and the field path.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { z } from 'zod';
import { modelSpecSchema, type ModelSpec } from '../models/spec.js';
import type { RunOptions } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { checkBudgetApi, REASONING_EFFORTS } from '../reasoning/token-budget.js';

const checkpointSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
    description: z.string().optional(),
    // `model.olmesParity` (true | false | "marked" = the default) is this checkpoint's OLMES request-shaping
    // override: a run option (RunOptions.olmesParity), not a model setting; accepted here for the checkpoint.
    model: modelSpecSchema
      .extend({ olmesParity: z.union([z.boolean(), z.literal('marked')]).optional() })
      .optional(),
    run: z.string().optional(),
    tasks: z.array(z.string()).optional(),
  })
  .strict()
  .refine((c) => (c.model ? 1 : 0) + (c.run ? 1 : 0) === 1, {
    message: 'give exactly one of "model" (evaluate) or "run" (existing/imported run directory)',
  });

const campaignSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
    description: z.string().optional(),
    runsRoot: z.string().default('runs'),
    suite: z.array(z.string().min(1)).min(1),
    options: z
      .object({
        seed: z.number().int().optional(),
        limit: z.number().int().positive().optional(),
        sandboxWorkers: z.number().int().positive().optional(),
        testDetails: z.boolean().optional(),
        // OLMES request shaping for every checkpoint: true = all completion variants, false = none (--olmes-parity)
        olmesParity: z.boolean().optional(),
        // Per-task token budgets: { "<task>" | "*": { reasoningTokens, answerTokens, reasoningEffort } }
        budgets: z
          .record(
            z.string(),
            z
              .object({
                reasoningTokens: z.number().int().positive().optional(),
                answerTokens: z.number().int().positive().optional(),
                reasoningEffort: z.enum(REASONING_EFFORTS).optional(),
              })
              .strict(),
          )
          .optional(),
      })
      .strict()
      .default({}),
    checkpoints: z.array(checkpointSchema).min(1),
    // Where results are posted after each evaluated checkpoint (docs/post-rl.md).
    tracking: z
      .object({
        mlflow: z
          .object({
            uri: z.string().regex(/^https?:\/\//, 'must be an http(s) URL'),
            experiment: z.string().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type CampaignConfig = z.infer<typeof campaignSchema>;

export interface Checkpoint {
  name: string;
  description?: string;
  kind: 'evaluate' | 'run';
  model?: ModelSpec;
  /** This checkpoint's OLMES request-shaping override (YAML `model.olmesParity`); wins over `options.olmesParity`. */
  olmesParity?: boolean;
  /** Absolute run directory of this checkpoint. */
  runDir: string;
  tasks: string[];
}

export interface Campaign {
  file: string;
  name: string;
  /** Absolute runs root; campaign-evaluated checkpoints live in <runsRoot>/<name>/<checkpoint>. */
  runsRoot: string;
  suite: string[];
  options: RunOptions;
  checkpoints: Checkpoint[];
  tracking?: { mlflow?: { uri: string; experiment?: string } };
}

export function lineOf(
  doc: ReturnType<typeof parseDocument>,
  lc: LineCounter,
  path: PropertyKey[],
): number | undefined {
  let node: unknown = doc.contents;
  let last: Node | undefined = node as Node;
  for (const key of path) {
    if (isMap(node)) node = node.get(key as string, true);
    else if (isSeq(node)) node = node.get(Number(key), true);
    else break;
    if (node) last = node as Node;
    else break;
  }
  const off = last?.range?.[0];
  return off === undefined ? undefined : lc.linePos(off).line;
}

export function parseCampaign(text: string, file: string): Campaign {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.pos ? lc.linePos(e.pos[0]).line : '?';
    throw new EvalkitError(`${file}:${line}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const parsed = campaignSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const msgs = parsed.error.issues.slice(0, 5).map((iss) => {
      const line = lineOf(doc, lc, iss.path);
      const field = iss.path.length ? iss.path.join('.') : '(top level)';
      return `${file}${line ? `:${line}` : ''}: ${field}: ${iss.message}`;
    });
    throw new EvalkitError(`invalid campaign config:\n  ${msgs.join('\n  ')}`);
  }
  const c = parsed.data;
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const names = new Set<string>();
  const checkpoints: Checkpoint[] = c.checkpoints.map((cp, i) => {
    if (names.has(cp.name)) {
      const line = lineOf(doc, lc, ['checkpoints', i, 'name']);
      throw new EvalkitError(
        `${file}${line ? `:${line}` : ''}: checkpoints.${i}.name: duplicate checkpoint "${cp.name}"`,
      );
    }
    names.add(cp.name);
    const { olmesParity, ...model } = cp.model ?? { model: '' };
    return {
      name: cp.name,
      description: cp.description,
      kind: cp.model ? 'evaluate' : 'run',
      model: cp.model ? (model as ModelSpec) : undefined,
      ...(typeof olmesParity === 'boolean' ? { olmesParity } : {}),
      runDir: cp.run ? abs(cp.run) : join(abs(c.runsRoot), c.name, cp.name),
      tasks: cp.tasks ?? c.suite,
    };
  });
  for (const cp of checkpoints)
    if (cp.model?.budgetApi)
      try {
        checkBudgetApi(c.options.budgets, cp.model.budgetApi);
      } catch (e) {
        throw new EvalkitError(`${file}: checkpoint ${cp.name}: ${(e as Error).message}`);
      }
  return {
    file: resolve(file),
    name: c.name,
    runsRoot: abs(c.runsRoot),
    suite: c.suite,
    options: { seed: 1234, ...c.options },
    checkpoints,
    ...(c.tracking ? { tracking: c.tracking } : {}),
  };
}

export function loadCampaign(file = 'evalkit.campaign.yaml'): Campaign {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new EvalkitError(`campaign config not found: ${resolve(file)}`);
  }
  return parseCampaign(text, file);
}
