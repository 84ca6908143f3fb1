/**
 * Reusable isolation pieces for running untrusted code (the Python sandbox uses them; other language runners can
 * follow the same recipe, see docs/sandbox.md#recipe):
 *
 *  - `bubblewrapArgs`: a bubblewrap command line with fresh user/pid/net/ipc/uts/cgroup namespaces, the payload as
 *    pid 1 (`--as-pid-1`: no bubblewrap init inside that a job could ptrace or signal), read-only system dirs, a
 *    read-only `/dev` with a private `/dev/shm`, a private `/tmp`, no host environment (`--clearenv` plus spawning
 *    bubblewrap itself with `MINIMAL_ENV`).
 *  - `seccompProgram`: a classic-BPF seccomp denylist (numbers from Linux's syscall tables; own code): process
 *    creation, namespaces, mounts, ptrace and cross-process memory access, io_uring, keyrings, bpf/perf, module and
 *    clock/reboot calls; signals only to the job itself (the pid is patched into the program per job).
 */
import { existsSync } from 'node:fs';
import { arch } from 'node:process';

/** The only environment bubblewrap (and everything under it) ever sees: nothing from the host. */
export const MINIMAL_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/bin:/bin',
  LANG: 'C.UTF-8',
});

export interface BubblewrapOptions {
  /** Host paths bound read-only at the same place (e.g. a toolchain outside /usr). */
  roBinds?: { host: string; sandbox: string }[];
  /** Size of the private /tmp (bytes). */
  tmpfsBytes: number;
  /** Size of the private /dev/shm (bytes, default 64 MiB). */
  shmBytes?: number;
  /** Run the command as pid 1 of the sandbox's pid namespace (default true; see module comment). */
  asPid1?: boolean;
  /** Extra `--setenv NAME VALUE` pairs (the environment starts empty). */
  env?: Record<string, string>;
  /** Working directory inside the sandbox (default /tmp). */
  chdir?: string;
  /** Extra raw bubblewrap arguments placed before the command (e.g. `--seccomp FD`). */
  extra?: string[];
}

/**
 * The identity every evalkit sandbox runs under (Python code sandbox and the multi-language runners): nobody
 * (65534) in a fresh user namespace, its own hostname, killed with its parent, its own session (no terminal
 * injection), no capabilities, and an empty environment (callers add their own with --setenv).
 */
export const BWRAP_IDENTITY_ARGS: readonly string[] = [
  '--uid',
  '65534',
  '--gid',
  '65534',
  '--hostname',
  'sandbox',
  '--die-with-parent',
  '--new-session',
  '--cap-drop',
  'ALL',
  '--clearenv',
];

/**
 * bubblewrap arguments (without the program path) for `command`. Spawn `/usr/bin/bwrap` with these and
 * `env: { ...MINIMAL_ENV }` so that bubblewrap itself never holds the host's variables.
 */
export function bubblewrapArgs(command: string[], opts: BubblewrapOptions): string[] {
  const args = [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...BWRAP_IDENTITY_ARGS,
  ];
  if (opts.asPid1 !== false) args.push('--as-pid-1');
  const env = { ...MINIMAL_ENV, HOME: '/tmp', ...(opts.env ?? {}) };
  for (const [k, v] of Object.entries(env)) args.push('--setenv', k, v);
  args.push('--ro-bind', '/usr', '/usr');
  for (const d of ['lib', 'lib64', 'lib32', 'bin', 'sbin']) {
    // merged-/usr systems: these are symlinks into /usr
    if (existsSync(`/${d}`)) args.push('--symlink', `usr/${d}`, `/${d}`);
  }
  args.push(
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(opts.shmBytes ?? 64 * 1024 * 1024),
    '--tmpfs',
    '/dev/shm',
    '--remount-ro',
    '/dev',
    '--size',
    String(opts.tmpfsBytes),
    '--tmpfs',
    '/tmp',
    '--dir',
    '/etc',
    // Debian resolves libblas/liblapack (numpy) through the symlinks of /etc/alternatives.
    '--ro-bind-try',
    '/etc/alternatives',
    '/etc/alternatives',
  );
  for (const b of opts.roBinds ?? []) args.push('--ro-bind', b.host, b.sandbox);
  args.push('--chdir', opts.chdir ?? '/tmp', ...(opts.extra ?? []), ...command);
  return args;
}

// ------------------------------------------------------------------------------------------------ seccomp

const LD_W_ABS = 0x20;
const JEQ = 0x15;
const JGE = 0x35;
const JSET = 0x45;
const RET = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const RET_KILL_PROCESS = 0x80000000;
const EPERM = 1;
const EAGAIN = 11;
const ENOSYS = 38;
const CLONE_THREAD = 0x00010000;
/** CLONE_NEWTIME | NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET */
const CLONE_NEW_ANY =
  0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

/** Syscalls a job never needs (each fails with EPERM). */
const DENIED = [
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'unshare',
  'setns',
  'mount',
  'umount2',
  'pivot_root',
  'chroot',
  'move_mount',
  'open_tree',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'mount_setattr',
  'keyctl',
  'add_key',
  'request_key',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'swapon',
  'swapoff',
  'reboot',
  'settimeofday',
  'clock_settime',
  'clock_adjtime',
  'adjtimex',
  'acct',
  'quotactl',
  'quotactl_fd',
  'name_to_handle_at',
  'open_by_handle_at',
  'ioperm',
  'iopl',
  'syslog',
  'vhangup',
  'lookup_dcookie',
  'sethostname',
  'setdomainname',
  'pidfd_open',
  'pidfd_getfd',
  'pidfd_send_signal',
  'kcmp',
  'process_madvise',
  'fanotify_init',
  'uselib',
  '_sysctl',
  'nfsservctl',
  'tkill',
] as const;

type Nr = Record<string, number>;

/** Linux syscall numbers (x86_64: arch/x86/entry/syscalls/syscall_64.tbl; aarch64: asm-generic/unistd.h). */
const TABLES: Record<string, { audit: number; nr: Nr }> = {
  x64: {
    audit: 0xc000003e,
    nr: {
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
      unshare: 272,
      setns: 308,
      mount: 165,
      umount2: 166,
      pivot_root: 155,
      chroot: 161,
      move_mount: 429,
      open_tree: 428,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      keyctl: 250,
      add_key: 248,
      request_key: 249,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      kexec_load: 246,
      kexec_file_load: 320,
      init_module: 175,
      finit_module: 313,
      delete_module: 176,
      swapon: 167,
      swapoff: 168,
      reboot: 169,
      settimeofday: 164,
      clock_settime: 227,
      clock_adjtime: 305,
      adjtimex: 159,
      acct: 163,
      quotactl: 179,
      quotactl_fd: 443,
      name_to_handle_at: 303,
      open_by_handle_at: 304,
      ioperm: 173,
      iopl: 172,
      syslog: 103,
      vhangup: 153,
      lookup_dcookie: 212,
      sethostname: 170,
      setdomainname: 171,
      pidfd_open: 434,
      pidfd_getfd: 438,
      pidfd_send_signal: 424,
      kcmp: 312,
      process_madvise: 440,
      fanotify_init: 300,
      uselib: 134,
      _sysctl: 156,
      nfsservctl: 180,
      tkill: 200,
      kill: 62,
      tgkill: 234,
      rt_sigqueueinfo: 129,
      rt_tgsigqueueinfo: 297,
      clone: 56,
      clone3: 435,
      fork: 57,
      vfork: 58,
    },
  },
  arm64: {
    audit: 0xc00000b7,
    nr: {
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
      unshare: 97,
      setns: 268,
      mount: 40,
      umount2: 39,
      pivot_root: 41,
      chroot: 51,
      move_mount: 429,
      open_tree: 428,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      keyctl: 219,
      add_key: 217,
      request_key: 218,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      kexec_load: 104,
      kexec_file_load: 294,
      init_module: 105,
      finit_module: 273,
      delete_module: 106,
      swapon: 224,
      swapoff: 225,
      reboot: 142,
      settimeofday: 170,
      clock_settime: 112,
      clock_adjtime: 266,
      adjtimex: 171,
      acct: 89,
      quotactl: 60,
      quotactl_fd: 443,
      name_to_handle_at: 264,
      open_by_handle_at: 265,
      syslog: 116,
      vhangup: 58,
      lookup_dcookie: 18,
      sethostname: 161,
      setdomainname: 162,
      pidfd_open: 434,
      pidfd_getfd: 438,
      pidfd_send_signal: 424,
      kcmp: 272,
      process_madvise: 440,
      fanotify_init: 262,
      nfsservctl: 42,
      tkill: 130,
      kill: 129,
      tgkill: 131,
      rt_sigqueueinfo: 138,
      rt_tgsigqueueinfo: 240,
      clone: 220,
      clone3: 435,
    },
  },
};

export interface SeccompProgram {
  /** `struct sock_filter[]` bytes, little-endian (what prctl(PR_SET_SECCOMP) and bwrap's --seccomp take). */
  bytes: Buffer;
  /** Instruction indices whose `k` must be set to the job's own pid before installing (signals to self only). */
  pidSlots: number[];
}

export interface SeccompOptions {
  /** Refuse fork/vfork/clone without CLONE_THREAD (EAGAIN) and clone3 (ENOSYS, glibc falls back). Default true. */
  noProcessCreation?: boolean;
  /**
   * Signals (kill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo) only to the job itself (pid patched into
   * `pidSlots`, or 0 = own process group). Default true. Without a pid patch no other process can be signalled.
   */
  signalsToSelfOnly?: boolean;
}

/** The sandbox's seccomp denylist for the current architecture, or null where it has no syscall table. */
export function seccompProgram(opts: SeccompOptions = {}): SeccompProgram | null {
  const table = TABLES[arch];
  if (!table) return null;
  const nr = table.nr;
  const prog: [number, number, number, number][] = [];
  const pidSlots: number[] = [];
  const ins = (code: number, jt: number, jf: number, k: number) => prog.push([code, jt, jf, k >>> 0]);
  ins(LD_W_ABS, 0, 0, 4); // seccomp_data.arch
  ins(JEQ, 1, 0, table.audit);
  ins(RET, 0, 0, RET_KILL_PROCESS);
  ins(LD_W_ABS, 0, 0, 0); // seccomp_data.nr
  ins(JGE, 0, 1, 0x40000000); // x32 ABI
  ins(RET, 0, 0, RET_ERRNO | EPERM);
  for (const name of DENIED) {
    const n = nr[name];
    if (n === undefined) continue;
    ins(JEQ, 0, 1, n);
    ins(RET, 0, 0, RET_ERRNO | EPERM);
  }
  if (opts.noProcessCreation !== false) {
    ins(JEQ, 0, 1, nr.clone3);
    ins(RET, 0, 0, RET_ERRNO | ENOSYS);
    for (const name of ['fork', 'vfork']) {
      if (nr[name] === undefined) continue;
      ins(JEQ, 0, 1, nr[name]);
      ins(RET, 0, 0, RET_ERRNO | EAGAIN);
    }
    ins(JEQ, 0, 6, nr.clone);
    ins(LD_W_ABS, 0, 0, 16); // args[0] low word: clone flags
    ins(JSET, 0, 1, CLONE_NEW_ANY);
    ins(RET, 0, 0, RET_ERRNO | EPERM);
    ins(JSET, 1, 0, CLONE_THREAD);
    ins(RET, 0, 0, RET_ERRNO | EAGAIN);
    ins(RET, 0, 0, RET_ALLOW);
  } else {
    ins(JEQ, 0, 4, nr.clone);
    ins(LD_W_ABS, 0, 0, 16);
    ins(JSET, 0, 1, CLONE_NEW_ANY);
    ins(RET, 0, 0, RET_ERRNO | EPERM);
    ins(RET, 0, 0, RET_ALLOW);
  }
  if (opts.signalsToSelfOnly !== false) {
    // kill(pid, sig), tgkill(tgid, tid, sig), rt_sigqueueinfo(tgid, ...), rt_tgsigqueueinfo(tgid, tid, ...):
    // allowed only when the first argument is the job's own pid (or 0 = its own process group for kill).
    for (const name of ['kill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo']) {
      ins(JEQ, 0, 5, nr[name]);
      ins(LD_W_ABS, 0, 0, 16); // args[0] low word
      pidSlots.push(prog.length);
      ins(JEQ, 2, 0, 0); // k = the job's pid, patched before installing (0 until then: nobody else)
      ins(JEQ, name === 'kill' ? 1 : 0, 0, 0); // kill(0, sig): the job's own process group
      ins(RET, 0, 0, RET_ERRNO | EPERM);
      ins(RET, 0, 0, RET_ALLOW);
    }
  }
  ins(RET, 0, 0, RET_ALLOW);
  const bytes = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    bytes.writeUInt16LE(code, i * 8);
    bytes.writeUInt8(jt, i * 8 + 2);
    bytes.writeUInt8(jf, i * 8 + 3);
    bytes.writeUInt32LE(k, i * 8 + 4);
  });
  return { bytes, pidSlots };
}
