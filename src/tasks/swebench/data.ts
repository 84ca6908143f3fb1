/**
 * SWE-bench Verified, offline-admitted: instances, per-repo Debian environments and repository snapshots from
 * the dataset registry (mirror ../shared/datasets/swebench-offline; see its PROVENANCE.md for every trap).
 *
 * Repository snapshots: each repo's git bundle (depth-1 base commits) is imported once into a bare repository
 * in the cache; per instance a *template* work tree is made once (`git archive <base>` + the environment's
 * `prepare` files + a single commit "base", so `git diff HEAD` in an attempt shows exactly the model's change);
 * every attempt gets a fresh copy of the template. These host-side git operations only touch trusted data
 * (bundles, prepare text): nothing written by a model is ever handled by host git.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { DatasetResolver, defaultCacheDir, requireField } from '../../datasets/registry.js';
import type { EnvironmentRecipe } from '../../environments/recipe.js';
import type { DatasetUse } from '../../types.js';
import { EvalkitError } from '../../util/errors.js';

const execFileP = promisify(execFile);

export const SUBSET_NAME = 'SWE-bench Verified, offline-admitted 133';

export interface SweInstance {
  instanceId: string;
  repo: string;
  baseCommit: string;
  patch: string;
  testPatch: string;
  problemStatement: string;
  hintsText: string;
  version: string;
  createdAt: string;
  difficulty: string;
  failToPass: string[];
  passToPass: string[];
}

interface PrepareOp {
  op: 'write';
  if_exists?: string;
  path: string;
  text: string;
}

export interface SweEnvironment {
  name: string;
  repo: string;
  recipe: EnvironmentRecipe;
  env: Record<string, string>;
  prepare: PrepareOp[];
}

export interface SweRunSpec {
  environment: string;
  testFiles: string[];
  argv: string[];
  env: Record<string, string>;
  logParser: string;
}

export interface SweData {
  instances: SweInstance[];
  environments: Map<string, SweEnvironment>;
  runSpecs: Map<string, SweRunSpec>;
  admitted: Set<string>;
  datasets: DatasetUse[];
}

const FILES = {
  instances: 'swebench-offline-instances',
  environments: 'swebench-offline-environments',
  admitted: 'swebench-offline-admitted',
};

export const repoSlug = (repo: string) => repo.replace('/', '__');

function parseList(v: unknown, where: string): string[] {
  const arr = typeof v === 'string' ? JSON.parse(v) : v;
  if (!Array.isArray(arr) || arr.some((x) => typeof x !== 'string'))
    throw new EvalkitError(`${where}: expected a JSON list of test ids`);
  return arr as string[];
}

const memo = new Map<string, Promise<SweData>>();

/** Load (once per resolver mirror) instances, environments and the admission list. */
export function loadSweData(datasets: DatasetResolver): Promise<SweData> {
  const key = datasets.dataDir ?? datasets.cacheDir;
  let p = memo.get(key);
  if (!p) {
    p = loadUncached(datasets);
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

async function loadUncached(datasets: DatasetResolver): Promise<SweData> {
  const inst = await datasets.jsonl(FILES.instances);
  const envs = await datasets.json<any>(FILES.environments);
  const adm = await datasets.json<any>(FILES.admitted);
  const instances = inst.records.map((r, i) => {
    const line = i + 1;
    const f = (name: string) => requireField<string>(r, name, 'string', inst.path, line);
    return {
      instanceId: f('instance_id'),
      repo: f('repo'),
      baseCommit: f('base_commit'),
      patch: f('patch'),
      testPatch: f('test_patch'),
      problemStatement: f('problem_statement'),
      hintsText: typeof r.hints_text === 'string' ? r.hints_text : '',
      version: String(r.version ?? ''),
      createdAt: String(r.created_at ?? ''),
      difficulty: String(r.difficulty ?? ''),
      failToPass: parseList(r.FAIL_TO_PASS, `${inst.path}:${line}: FAIL_TO_PASS`),
      passToPass: parseList(r.PASS_TO_PASS, `${inst.path}:${line}: PASS_TO_PASS`),
    } satisfies SweInstance;
  });
  const environments = new Map<string, SweEnvironment>();
  for (const [repo, rv] of Object.entries<any>(envs.value.repos ?? {})) {
    for (const e of rv.environments ?? []) {
      const extra = e.apt_extra ?? {};
      environments.set(e.name, {
        name: e.name,
        repo,
        recipe: {
          name: e.name,
          suite: e.suite,
          packages: e.packages,
          sources: extra.sources,
          preferences: extra.preferences,
          customize: extra.customize,
        },
        env: e.env ?? {},
        prepare: e.prepare ?? [],
      });
    }
  }
  const runSpecs = new Map<string, SweRunSpec>();
  for (const [id, s] of Object.entries<any>(envs.value.instances ?? {})) {
    if (!environments.has(s.environment))
      throw new EvalkitError(`${envs.path}: instances.${id}.environment "${s.environment}" is not defined`);
    runSpecs.set(id, {
      environment: s.environment,
      testFiles: s.test_files,
      argv: s.argv,
      env: s.env ?? {},
      logParser: s.log_parser,
    });
  }
  const admittedList: unknown = adm.value.admitted_ids ?? adm.value.admitted;
  const admitted = new Set<string>(
    Array.isArray(admittedList) ? (admittedList as string[]) : instances.map((i) => i.instanceId),
  );
  for (const i of instances) {
    if (!runSpecs.has(i.instanceId))
      throw new EvalkitError(
        `${envs.path}: no instances.${i.instanceId} entry (environment, argv, test files)`,
      );
  }
  return { instances, environments, runSpecs, admitted, datasets: [inst.use, envs.use, adm.use] };
}

export function environmentOf(data: SweData, instanceId: string): { env: SweEnvironment; run: SweRunSpec } {
  const run = data.runSpecs.get(instanceId);
  if (!run) throw new EvalkitError(`swebench: unknown instance ${instanceId}`);
  return { env: data.environments.get(run.environment)!, run };
}

function swebenchCache(): string {
  return join(defaultCacheDir(), 'swebench');
}

const repoMemo = new Map<string, Promise<string>>();

/** A bare repository holding the bundle's commits (imported once per bundle checksum). */
export function importedRepo(datasets: DatasetResolver, repo: string): Promise<string> {
  let p = repoMemo.get(repo);
  if (!p) {
    p = importUncached(datasets, repo);
    repoMemo.set(repo, p);
    p.catch(() => repoMemo.delete(repo));
  }
  return p;
}

async function importUncached(datasets: DatasetResolver, repo: string): Promise<string> {
  const slug = repoSlug(repo);
  const bundle = await datasets.resolve(`swebench-offline-${slug}-bundle`);
  const shallow = await datasets.resolve(`swebench-offline-${slug}-shallow`);
  const dir = join(swebenchCache(), 'repos', `${slug}-${bundle.use.sha256.slice(0, 12)}.git`);
  if (existsSync(join(dir, 'evalkit-imported'))) return dir;
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  await execFileP('git', ['init', '-q', '--bare', staging]);
  await writeFile(join(staging, 'shallow'), shallow.bytes);
  await execFileP('git', ['--git-dir', staging, 'fetch', '-q', bundle.path, 'refs/heads/*:refs/heads/*'], {
    maxBuffer: 16 << 20,
  });
  await writeFile(join(staging, 'evalkit-imported'), bundle.use.sha256 + '\n');
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return dir;
}

const templateMemo = new Map<string, Promise<string>>();

/**
 * The per-instance template work tree: the base commit's files, the environment's prepare files, and a git
 * repository with one commit ("base") holding both. Cached under the evalkit cache.
 */
export function instanceTemplate(
  datasets: DatasetResolver,
  data: SweData,
  inst: SweInstance,
): Promise<string> {
  let p = templateMemo.get(inst.instanceId);
  if (!p) {
    p = templateUncached(datasets, data, inst);
    templateMemo.set(inst.instanceId, p);
    p.catch(() => templateMemo.delete(inst.instanceId));
  }
  return p;
}

async function templateUncached(
  datasets: DatasetResolver,
  data: SweData,
  inst: SweInstance,
): Promise<string> {
  const gitDir = await importedRepo(datasets, inst.repo);
  const { env } = environmentOf(data, inst.instanceId);
  const fp = createHash('sha256')
    .update(JSON.stringify([gitDir, inst.baseCommit, env.prepare, inst.version]))
    .digest('hex')
    .slice(0, 12);
  const dir = join(swebenchCache(), 'templates', `${inst.instanceId}-${fp}`);
  if (existsSync(join(dir, '.git', 'evalkit-template'))) return dir;
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o755 });
  await execFileP(
    'sh',
    ['-c', 'git --git-dir "$1" archive "$2" | tar -x -C "$3"', 'sh', gitDir, inst.baseCommit, staging],
    {
      maxBuffer: 16 << 20,
    },
  );
  for (const op of env.prepare) {
    if (op.op !== 'write')
      throw new EvalkitError(`swebench environment ${env.name}: unknown prepare op ${op.op}`);
    if (op.if_exists && !existsSync(join(staging, op.if_exists))) continue;
    await writeFile(join(staging, op.path), op.text.replaceAll('{version}', inst.version));
  }
  const git = (...args: string[]) =>
    execFileP(
      'git',
      ['-C', staging, '-c', 'user.name=evalkit', '-c', 'user.email=evalkit@localhost', ...args],
      {
        maxBuffer: 64 << 20,
        env: {
          ...process.env,
          GIT_AUTHOR_DATE: '2000-01-01T00:00:00Z',
          GIT_COMMITTER_DATE: '2000-01-01T00:00:00Z',
        },
      },
    );
  await git('init', '-q');
  await git('add', '-A', '-f');
  await git('commit', '-q', '--no-verify', '-m', 'base');
  await writeFile(join(staging, '.git', 'evalkit-template'), inst.instanceId + '\n');
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return dir;
}
