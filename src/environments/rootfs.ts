/**
 * Content-addressed Debian root filesystems: `ensureRootfs(recipe)` returns the directory of the rootfs built
 * from that recipe, building it with mmdebstrap the first time (one build per recipe key, even across
 * processes: a lock directory serialises builders, the others wait for the finished marker).
 *
 * Layout under `<cache>/environments/<key>/`: `rootfs/` (the tree, used read-only) and `environment.json`
 * (recipe, build seconds, package versions). `environment.json` is written last, after an atomic rename, so
 * its presence means the rootfs is complete.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultCacheDir } from '../datasets/registry.js';
import { EvalkitError } from '../util/errors.js';
import { type EnvironmentRecipe, preferencesText, recipeKey } from './recipe.js';

const execFileP = promisify(execFile);

/** Mount points that the runner binds into every environment; they must exist in a read-only root. */
export const ROOTFS_MOUNT_POINTS = ['testbed', 'evalkit', 'tmp', 'proc', 'dev'];

export interface BuiltEnvironment {
  key: string;
  name: string;
  rootfs: string;
  /** Seconds the mmdebstrap build took (recorded when it was built). */
  buildSeconds: number;
  /** true when this call built it, false when it came from the cache. */
  built: boolean;
  /** dpkg-query `package=version` of every installed package. */
  packages: string[];
}

interface EnvironmentFile {
  key: string;
  recipe: EnvironmentRecipe;
  builtAt: string;
  buildSeconds: number;
  mmdebstrap: string;
  packages: string[];
}

/**
 * Where rootfs trees live: `$EVALKIT_ENV_DIR`, else /var/cache/evalkit/environments for root, else
 * `<cache>/environments`. Not under `$EVALKIT_CACHE_DIR` by default, because tests point that at a fresh temp
 * dir and a rootfs should be built once per machine. Every component of the path must be traversable by
 * other users: commands run as an unprivileged uid (see run-command.ts), and /root is usually 0700.
 */
export function environmentsDir(cacheDir?: string): string {
  if (cacheDir) return join(cacheDir, 'environments');
  if (process.env.EVALKIT_ENV_DIR) return process.env.EVALKIT_ENV_DIR;
  if (process.getuid?.() === 0) return '/var/cache/evalkit/environments';
  return join(defaultCacheDir(), 'environments');
}

async function readEnvironment(dir: string): Promise<EnvironmentFile | undefined> {
  const p = join(dir, 'environment.json');
  if (!existsSync(p)) return undefined;
  return JSON.parse(await readFile(p, 'utf8')) as EnvironmentFile;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The mmdebstrap argv for a recipe building into `target`. */
export function mmdebstrapArgs(recipe: EnvironmentRecipe, target: string): string[] {
  const args = ['--variant=apt', `--include=${recipe.packages.join(',')}`];
  if (recipe.preferences?.length) {
    const b64 = Buffer.from(preferencesText(recipe.preferences)).toString('base64');
    args.push(
      `--setup-hook=mkdir -p "$1/etc/apt/preferences.d" && echo ${b64} | base64 -d > "$1/etc/apt/preferences.d/evalkit.pref"`,
    );
  }
  for (const hook of recipe.customize ?? []) args.push(`--customize-hook=${hook}`);
  const mounts = ROOTFS_MOUNT_POINTS.map((m) => `"$1/${m}"`).join(' ');
  args.push(`--customize-hook=mkdir -p ${mounts} && chmod 1777 "$1/tmp"`);
  args.push(recipe.suite, target, ...(recipe.sources ?? []));
  return args;
}

/** Build (or find in the cache) the rootfs of a recipe. */
export async function ensureRootfs(
  recipe: EnvironmentRecipe,
  opts: { cacheDir?: string; log?: (line: string) => void; waitTimeoutMs?: number } = {},
): Promise<BuiltEnvironment> {
  const key = recipeKey(recipe);
  const root = environmentsDir(opts.cacheDir);
  const dir = join(root, key);
  const ready = (f: EnvironmentFile, built: boolean): BuiltEnvironment => ({
    key,
    name: recipe.name,
    rootfs: join(dir, 'rootfs'),
    buildSeconds: f.buildSeconds,
    built,
    packages: f.packages,
  });
  const have = await readEnvironment(dir);
  if (have) return ready(have, false);

  await mkdir(root, { recursive: true, mode: 0o755 });
  const lock = join(root, `${key}.lock`);
  const deadline = Date.now() + (opts.waitTimeoutMs ?? 3_600_000);
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const f = await readEnvironment(dir);
      if (f) return ready(f, false);
      const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
      if (holder && !pidAlive(holder)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new EvalkitError(
          `environment ${recipe.name} (${key}): waited too long for the build lock ${lock}`,
        );
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    const again = await readEnvironment(dir);
    if (again) return ready(again, false);
    const mm = await execFileP('mmdebstrap', ['--version']).catch(() => undefined);
    if (!mm)
      throw new EvalkitError(
        `environment ${recipe.name}: mmdebstrap is not installed (apt-get install mmdebstrap; scripts/bootstrap does it)`,
      );
    const staging = join(root, `.build-${key}-${process.pid}`);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const target = join(staging, 'rootfs');
    const args = mmdebstrapArgs(recipe, target);
    opts.log?.(`environment ${recipe.name} (${key}): building with mmdebstrap ${recipe.suite} …`);
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('mmdebstrap', ['--quiet', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err = (err + d.toString()).slice(-8000);
      });
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve()
          : reject(
              new EvalkitError(
                `environment ${recipe.name} (${key}): mmdebstrap exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`,
              ),
            ),
      );
    });
    const buildSeconds = (performance.now() - t0) / 1000;
    const { stdout } = await execFileP(
      'chroot',
      [target, 'dpkg-query', '-W', '-f', '${Package}=${Version}\\n'],
      { maxBuffer: 16 << 20 },
    ).catch(() => ({ stdout: '' }));
    const file: EnvironmentFile = {
      key,
      recipe,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round(buildSeconds * 10) / 10,
      mmdebstrap: mm.stdout.trim(),
      packages: stdout.split('\n').filter(Boolean).sort(),
    };
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    await writeFile(join(dir, 'environment.json'), JSON.stringify(file, null, 2) + '\n');
    opts.log?.(`environment ${recipe.name} (${key}): built in ${file.buildSeconds} s`);
    return ready(file, true);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
