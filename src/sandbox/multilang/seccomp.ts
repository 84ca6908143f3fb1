/**
 * A classic-BPF seccomp program that forbids creating processes while allowing threads: `fork`/`vfork` and
 * `clone` without CLONE_THREAD fail with EAGAIN, `clone3` fails with ENOSYS (glibc then falls back to `clone`,
 * which is checked), x32-ABI syscalls fail, a foreign architecture is killed. bubblewrap installs it
 * (`--seccomp FD`) right before it execs the sandboxed command, so it binds the program under test and all its
 * threads, never the toolchain that compiled it. RLIMIT_NPROC is not enforced for processes whose host uid is
 * root (our containers), so this filter is what stops fork bombs in the run step.
 *
 * The rule set mirrors the Python sandbox's child filter (src/sandbox/python/server.py `_build_seccomp`); the
 * numbers are Linux's syscall table and <linux/seccomp.h>/<linux/filter.h> constants.
 */
import { arch } from 'node:process';

const LD_W_ABS = 0x20;
const JEQ = 0x15;
const JGE = 0x35;
const JSET = 0x45;
const RET = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const EAGAIN = 11;
const ENOSYS = 38;
const CLONE_THREAD = 0x00010000;

interface ArchNumbers {
  auditArch: number;
  clone: number;
  clone3: number;
  /** fork and vfork (absent on aarch64, where libc uses clone). */
  forks: number[];
}

function archNumbers(): ArchNumbers | null {
  if (arch === 'x64') return { auditArch: 0xc000003e, clone: 56, clone3: 435, forks: [57, 58] };
  if (arch === 'arm64') return { auditArch: 0xc00000b7, clone: 220, clone3: 435, forks: [] };
  return null;
}

/** The filter as raw `struct sock_filter[]` bytes (what bwrap's --seccomp reads), or null on other arches. */
export function noForkSeccompProgram(): Buffer | null {
  const a = archNumbers();
  if (!a) return null;
  const prog: Array<[number, number, number, number]> = [
    [LD_W_ABS, 0, 0, 4], // seccomp_data.arch
    [JEQ, 1, 0, a.auditArch],
    [RET, 0, 0, SECCOMP_RET_KILL_PROCESS],
    [LD_W_ABS, 0, 0, 0], // seccomp_data.nr
    [JGE, 0, 1, 0x40000000], // x32 ABI
    [RET, 0, 0, SECCOMP_RET_ERRNO | EAGAIN],
    [JEQ, 0, 1, a.clone3],
    [RET, 0, 0, SECCOMP_RET_ERRNO | ENOSYS],
  ];
  for (const nr of a.forks) prog.push([JEQ, 0, 1, nr], [RET, 0, 0, SECCOMP_RET_ERRNO | EAGAIN]);
  prog.push(
    [JEQ, 0, 3, a.clone],
    [LD_W_ABS, 0, 0, 16], // seccomp_data.args[0], low 32 bits on little-endian: the clone flags
    [JSET, 1, 0, CLONE_THREAD],
    [RET, 0, 0, SECCOMP_RET_ERRNO | EAGAIN],
    [RET, 0, 0, SECCOMP_RET_ALLOW],
  );
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}
