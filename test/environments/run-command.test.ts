import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/environments/run-command.js';
import { createWorkspace, type Workspace } from '../../src/environments/workspace.js';

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.dispose();
  ws = undefined;
});

const bash = async (cmd: string, extra: Partial<Parameters<typeof runCommand>[0]> = {}) => {
  ws ??= await createWorkspace();
  return runCommand({
    root: 'host',
    workdir: ws.work,
    argv: ['/bin/bash', '-c', cmd],
    timeoutMs: 20_000,
    ...extra,
  });
};

describe('runCommand (host-root environment)', () => {
  it('runs in /testbed with a clean environment and no host variables', async () => {
    process.env.EVALKIT_SECRET_PROBE = 'leak-me';
    const r = await bash('pwd; env | sort; echo hi > x; cat x');
    delete process.env.EVALKIT_SECRET_PROBE;
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('/testbed');
    expect(r.stdout).not.toContain('leak-me');
    const vars = r.stdout
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0]);
    expect(vars.filter((v) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(v)).sort()).toEqual([
      'HOME',
      'LANG',
      'LC_ALL',
      'PATH',
      'TZ',
    ]);
    expect(r.stdout).toContain('\nhi\n');
  });

  it('has no network', async () => {
    const r = await bash(
      `python3 -c "import socket
try:
  socket.create_connection(('1.1.1.1', 80), timeout=3); print('CONNECTED')
except OSError as e: print('blocked', e.errno)
try:
  socket.getaddrinfo('deb.debian.org', 80); print('RESOLVED')
except OSError as e: print('no dns')"`,
    );
    expect(r.stdout).toContain('blocked');
    expect(r.stdout).toContain('no dns');
    expect(r.stdout).not.toContain('CONNECTED');
  });

  it('cannot see host files outside the system directories', async () => {
    const r = await bash(
      'ls /root /work /home 2>&1; cat /etc/shadow 2>&1; echo x > /usr/evil; echo x > /evil; echo done',
    );
    expect(r.stdout).toMatch(/No such file or directory/);
    expect(r.stdout).not.toMatch(/h-swe|shared/);
    expect(r.stderr).toMatch(/\/usr\/evil: (Read-only file system|Permission denied)/);
    expect(r.stderr).toMatch(/\/evil: (Read-only file system|Permission denied)/);
  });

  it('contains a fork bomb (process limit) and the wall-clock kill ends the whole group', async () => {
    const r = await bash(':(){ :|:& };: ; sleep 60', { timeoutMs: 8000, limits: { processes: 64 } });
    expect(r.timedOut).toBe(true);
    expect(r.stderr).toMatch(/Resource temporarily unavailable|retry/);
  });

  it('stops a disk-filling command (file size limit and work-directory quota)', async () => {
    const one = await bash('dd if=/dev/zero of=big bs=1M count=100 2>/dev/null; stat -c %s big', {
      limits: { fileSizeMb: 16 },
    });
    expect(one.stdout.trim()).toBe(String(16 * 1024 * 1024));
    expect(one.stderr).toMatch(/File size limit exceeded/);
    const many = await bash('for i in $(seq 200); do head -c 8000000 /dev/zero > f$i; done; sleep 30', {
      limits: { fileSizeMb: 16, diskMb: 64 },
      timeoutMs: 60_000,
    });
    expect(many.diskExceeded).toBe(true);
    expect(many.timedOut).toBe(false);
  });
});
