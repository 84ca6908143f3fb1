/**
 * Run one command inside an environment under bubblewrap, with the code sandbox's isolation principles
 * (docs/sandbox.md, docs/software-engineering.md#isolation):
 *
 *   - namespaces: `--unshare-all` (user, pid, net, ipc, uts, cgroup), `--die-with-parent`, `--new-session`,
 *     `--cap-drop ALL`; no network (no interface but a down loopback);
 *   - filesystem: the environment's root read-only (a built rootfs, or the host's /usr, /lib*, /bin and a few
 *     /etc entries for toolchain environments), private /proc and /dev, a size-limited private tmpfs /tmp, the
 *     attempt's writable work directory at /testbed (or a chosen path), optional read-only extra binds;
 *   - environment: cleared (`--clearenv`), then only PATH/HOME/LANG/LC_ALL/TZ and the caller's variables —
 *     never a host variable;
 *   - identity: when evalkit runs as root, the command runs as an unprivileged host uid (setpriv) so that
 *     RLIMIT_NPROC is enforced (root is exempt from it: that is what stops fork bombs here);
 *   - rlimits (prlimit): processes, address space, file size, open files, no core dumps;
 *   - wall clock: the whole process group is SIGKILLed at the deadline (bwrap's pid namespace dies with it);
 *   - disk: the work directory's size is polled during the command; over the quota the command is killed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ResourceLimits {
  /** Max processes of the sandbox uid (RLIMIT_NPROC). Default 256. */
  processes?: number;
  /** Address space per process, MiB (RLIMIT_AS). Default 8192 (JVM/Go reserve large virtual ranges). */
  memoryMb?: number;
  /** Max size of one written file, MiB (RLIMIT_FSIZE). Default 256. */
  fileSizeMb?: number;
  /** Max bytes of the work directory (polled). Default 2048 MiB. */
  diskMb?: number;
  /** Size of the private /tmp tmpfs, MiB. Default 512. */
  tmpMb?: number;
  /** Open files per process. Default 1024. */
  openFiles?: number;
}

export interface RunCommandOptions {
  /** Built rootfs directory, or 'host' for a read-only view of the host's system directories. */
  root: string | 'host';
  /** Host directory mounted writable at `workdirMount` (owned by the sandbox uid during the run). */
  workdir: string;
  /** Where the work directory appears inside (default /testbed); also the cwd. */
  workdirMount?: string;
  /** cwd inside (default workdirMount). */
  cwd?: string;
  argv: string[];
  env?: Record<string, string>;
  /** Host paths bound read-only at the given destinations. */
  readOnlyBinds?: Array<{ host: string; dest: string }>;
  stdin?: string;
  timeoutMs: number;
  limits?: ResourceLimits;
  /** Bytes of stdout/stderr kept each (head + tail). Default 1 MiB. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Killed at the wall-clock deadline. */
  timedOut: boolean;
  /** Killed because the work directory exceeded the disk quota. */
  diskExceeded: boolean;
  durationMs: number;
  /** Output beyond maxOutputBytes was dropped (middle elided). */
  truncated: boolean;
}

export const BWRAP = '/usr/bin/bwrap';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** /etc entries a host-root environment exposes (toolchains need alternatives, JVM config, CA certs). */
const HOST_ETC = [
  'hosts',
  'alternatives',
  'java-17-openjdk',
  'ssl',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'passwd',
  'group',
  'nsswitch.conf',
];
const HOST_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** A host uid nobody uses, so concurrent sandboxes do not share one RLIMIT_NPROC budget. */
export function sandboxUid(): number {
  return 200_000 + Math.floor(Math.random() * 700_000);
}

/** Give the work directory tree to `uid` (so the unprivileged sandbox can write it). */
export async function chownTree(dir: string, uid: number): Promise<void> {
  const st = await lstat(dir);
  await chown(dir, uid, uid).catch(() => undefined);
  if (!st.isDirectory()) return;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await chownTree(p, uid);
    else await lchown(p, uid, uid).catch(() => undefined);
  }
}

/** The full argv (setpriv / prlimit / bwrap / command) for one sandboxed command. */
export function sandboxArgv(o: RunCommandOptions, uid: number | undefined): string[] {
  const lim = o.limits ?? {};
  const mount = o.workdirMount ?? '/testbed';
  const b: string[] = [BWRAP, '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
  if (o.root === 'host') {
    for (const d of HOST_DIRS) {
      if (existsSync(`/${d}`)) b.push('--ro-bind', `/${d}`, `/${d}`);
    }
    for (const e of HOST_ETC) {
      if (existsSync(`/etc/${e}`)) b.push('--ro-bind', `/etc/${e}`, `/etc/${e}`);
    }
  } else {
    b.push('--ro-bind', o.root, '/');
  }
  b.push('--proc', '/proc', '--dev', '/dev');
  b.push('--size', String((lim.tmpMb ?? 512) * 1024 * 1024), '--tmpfs', '/tmp');
  b.push('--bind', o.workdir, mount);
  for (const rb of o.readOnlyBinds ?? []) b.push('--ro-bind', rb.host, rb.dest);
  b.push('--chdir', o.cwd ?? mount, '--clearenv');
  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    HOME: '/tmp',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    ...(o.env ?? {}),
  };
  for (const [k, v] of Object.entries(env)) b.push('--setenv', k, v);
  b.push('--', ...o.argv);
  const prl = [
    'prlimit',
    `--nproc=${lim.processes ?? 256}`,
    `--as=${(lim.memoryMb ?? 8192) * 1024 * 1024}`,
    `--fsize=${(lim.fileSizeMb ?? 256) * 1024 * 1024}`,
    `--nofile=${lim.openFiles ?? 1024}`,
    '--core=0',
    '--',
  ];
  const who =
    uid === undefined
      ? []
      : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all'];
  return [...who, ...prl, ...b];
}

/** Total bytes of regular files under dir (symlinks not followed); stops early above `cap`. */
export async function treeBytes(dir: string, cap = Infinity): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length && total <= cap) {
    const d = stack.pop()!;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile())
        total += await lstat(p).then(
          (s) => s.blocks * 512,
          () => 0,
        );
    }
  }
  return total;
}

class OutputBuffer {
  private head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(b: Buffer) {
    const half = this.max >> 1;
    if (this.headLen < half) {
      const take = b.subarray(0, half - this.headLen);
      this.head.push(take);
      this.headLen += take.length;
      b = b.subarray(take.length);
    }
    if (!b.length) return;
    this.tail.push(b);
    this.tailLen += b.length;
    while (this.tailLen > half && this.tail.length > 1) {
      this.tailLen -= this.tail.shift()!.length;
      this.truncated = true;
    }
    if (this.tailLen > half) {
      const only = this.tail[0];
      this.tail[0] = only.subarray(only.length - half);
      this.tailLen = half;
      this.truncated = true;
    }
  }
  text(): string {
    const h = Buffer.concat(this.head).toString('utf8');
    const t = Buffer.concat(this.tail).toString('utf8');
    return this.truncated ? `${h}\n[… output truncated by evalkit …]\n${t}` : h + t;
  }
}

/** Run one command in the environment; never throws for the command's own failure. */
export async function runCommand(o: RunCommandOptions): Promise<CommandResult> {
  const uid = isRoot() ? sandboxUid() : undefined;
  if (uid !== undefined) await chownTree(o.workdir, uid);
  const argv = sandboxArgv(o, uid);
  const maxOut = o.maxOutputBytes ?? 1 << 20;
  const out = new OutputBuffer(maxOut);
  const err = new OutputBuffer(maxOut);
  const t0 = performance.now();
  const diskCap = (o.limits?.diskMb ?? 2048) * 1024 * 1024;
  return await new Promise<CommandResult>((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: {},
    });
    let timedOut = false;
    let diskExceeded = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, o.timeoutMs);
    let polling = false;
    const poll = setInterval(() => {
      if (polling) return;
      polling = true;
      void treeBytes(o.workdir, diskCap).then((n) => {
        polling = false;
        if (n > diskCap) {
          diskExceeded = true;
          killGroup();
        }
      });
    }, 2000);
    const onAbort = () => killGroup();
    o.signal?.addEventListener('abort', onAbort);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.stdin ?? '');
    child.on('error', (e) => {
      err.push(Buffer.from(`evalkit: could not start the sandbox: ${e.message}\n`));
    });
    child.on('close', async (code, sig) => {
      clearTimeout(timer);
      clearInterval(poll);
      o.signal?.removeEventListener('abort', onAbort);
      killGroup();
      if (!diskExceeded && (await treeBytes(o.workdir, diskCap)) > diskCap) diskExceeded = true;
      resolve({
        exitCode: code,
        signal: sig,
        stdout: out.text(),
        stderr: err.text(),
        timedOut,
        diskExceeded,
        durationMs: Math.round(performance.now() - t0),
        truncated: out.truncated || err.truncated,
      });
    });
  });
}
