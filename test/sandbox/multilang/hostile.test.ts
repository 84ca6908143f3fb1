/**
 * Hostile programs in every language, built on a real MultiPL-E item (HumanEval/0 `has_close_elements`, its
 * real tests). Each attack is written so that the sample would PASS if the attack worked (it then computes the
 * right answer) and fails otherwise, so a pass here means the isolation is broken:
 *   infinite loop → timeout; fork bomb (200 process creations) → forbidden by seccomp; memory bomb → rlimit;
 *   network → a TCP server on the host's 127.0.0.1 must see no connection; reading a host file outside the job
 *   directory → not visible; killing the parent (and everything: kill(-1)) then exit 0 → no completion marker;
 *   forging a pass with an early exit(0) → no completion marker.
 * After the whole set the runner still scores a correct program as a pass (the run completes).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import {
  LANGUAGES,
  MultiLangRunner,
  ensureWarmCaches,
  newMarker,
  type MultiplELanguage,
} from '../../../src/sandbox/multilang/index.js';
import { assembleProgram } from '../../../src/tasks/multipl-e/harness.js';
import { loadMultiplE } from '../../../src/tasks/multipl-e/index.js';
import { CLOSE_ELEMENTS_BODY, closes } from '../../helpers/multipl-e-solutions.js';

type Attack =
  'infinite loop' | 'fork bomb' | 'memory bomb' | 'network' | 'read outside' | 'kill parent' | 'forge pass';

let server: Server;
let port = 0;
let connections = 0;
const secretDir = mkdtempSync(join(tmpdir(), 'evalkit-hostile-secret-'));
const SECRET = join(secretDir, 'secret.txt');
const CONTENT = 'host-secret-4711';
let runner: MultiLangRunner;

beforeAll(async () => {
  writeFileSync(SECRET, CONTENT + '\n');
  server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  const warm = await ensureWarmCaches();
  runner = new MultiLangRunner({ workers: 2, warmCacheDir: warm.dir });
}, 600_000);

afterAll(async () => {
  server?.close();
  await runner?.close();
});

/** Extra imports/includes an attack needs, per language (prepended to the prompt or its import block). */
function attacks(lang: MultiplELanguage): Record<Attack, { completion: string; imports?: string[] }> {
  const ok = CLOSE_ELEMENTS_BODY[lang] + closes(lang);
  const c = closes(lang);
  switch (lang) {
    case 'js':
      return {
        'infinite loop': { completion: '  while (true) {}\n}\n' },
        'fork bomb': {
          completion: `  let forked = 0;\n  for (let i = 0; i < 200; i++) { const r = require('child_process').spawnSync('/bin/true'); if (!r.error && r.status === 0) forked++; }\n  if (forked === 0) return false;\n${ok}`,
        },
        'memory bomb': {
          completion: '  const hog = [];\n  while (true) hog.push(new Array(1e6).fill(7));\n}\n',
        },
        network: {
          completion: `${ok}const sock = require('net').connect(${port}, '127.0.0.1');\nsock.on('error', (e) => { throw e; });\nsock.on('connect', () => sock.end());\n`,
        },
        'read outside': {
          completion: `  let got = '';\n  try { got = require('fs').readFileSync(${JSON.stringify(SECRET)}, 'utf8'); } catch (e) { return false; }\n  if (got.trim() !== ${JSON.stringify(CONTENT)}) return false;\n${ok}`,
        },
        'kill parent': {
          completion:
            "  try { process.kill(process.ppid, 'SIGKILL'); } catch (e) {}\n  try { process.kill(-1, 'SIGKILL'); } catch (e) {}\n  process.exit(0);\n}\n",
        },
        'forge pass': { completion: '  process.exit(0);\n}\n' },
      };
    case 'cpp':
      return {
        'infinite loop': {
          completion: '    volatile unsigned long spin = 0;\n    while (true) { spin++; }\n',
        },
        'fork bomb': {
          completion: `    int forked = 0;\n    for (int i = 0; i < 200; i++) { pid_t p = fork(); if (p == 0) _exit(0); if (p > 0) forked++; }\n    if (forked == 0) return false;\n${ok}`,
        },
        'memory bomb': {
          completion:
            "    std::vector<std::vector<char>> hog;\n    while (true) hog.emplace_back(size_t(1) << 26, 'x');\n",
        },
        network: {
          imports: ['#include <sys/socket.h>', '#include <netinet/in.h>', '#include <arpa/inet.h>'],
          completion: `    int s = socket(AF_INET, SOCK_STREAM, 0);\n    sockaddr_in a{};\n    a.sin_family = AF_INET;\n    a.sin_port = htons(${port});\n    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);\n    if (s < 0 || connect(s, (sockaddr*)&a, sizeof a) != 0) return false;\n${ok}`,
        },
        'read outside': {
          completion: `    std::ifstream f(${JSON.stringify(SECRET)});\n    std::string got;\n    std::getline(f, got);\n    if (got != ${JSON.stringify(CONTENT)}) return false;\n${ok}`,
        },
        'kill parent': {
          completion: '    kill(getppid(), SIGKILL);\n    kill(-1, SIGKILL);\n    _exit(0);\n',
        },
        'forge pass': { completion: '    std::exit(0);\n' },
      };
    case 'rs':
      return {
        'infinite loop': {
          completion:
            '    let mut spin: u64 = 0;\n    loop {\n        spin = spin.wrapping_add(1);\n        if spin == u64::MAX - 1 { println!("{}", spin); }\n    }\n',
        },
        'fork bomb': {
          completion: `    let mut forked = 0;\n    for _ in 0..200 { if std::process::Command::new("/bin/true").status().is_ok() { forked += 1; } }\n    if forked == 0 { return false; }\n${ok}`,
        },
        'memory bomb': {
          completion:
            '    let mut hog: Vec<Vec<u8>> = Vec::new();\n    loop { hog.push(vec![7u8; 1 << 26]); }\n',
        },
        network: {
          completion: `    if std::net::TcpStream::connect(("127.0.0.1", ${port})).is_err() { return false; }\n${ok}`,
        },
        'read outside': {
          completion: `    match std::fs::read_to_string(${JSON.stringify(SECRET)}) {\n        Ok(s) if s.trim() == ${JSON.stringify(CONTENT)} => {}\n        _ => return false,\n    }\n${ok}`,
        },
        'kill parent': {
          completion:
            '    extern "C" { fn kill(pid: i32, sig: i32) -> i32; fn getppid() -> i32; }\n    unsafe { kill(getppid(), 9); kill(-1, 9); }\n    std::process::exit(0);\n',
        },
        'forge pass': { completion: '    std::process::exit(0);\n' },
      };
    case 'java':
      return {
        'infinite loop': { completion: '        long spin = 0;\n        while (true) { spin++; }\n' },
        'fork bomb': {
          completion: `        int forked = 0;\n        for (int i = 0; i < 50; i++) { try { new ProcessBuilder("/bin/true").start().waitFor(); forked++; } catch (Exception e) { } }\n        if (forked == 0) return false;\n${ok}`,
        },
        'memory bomb': {
          completion:
            '        java.util.List<long[]> hog = new java.util.ArrayList<>();\n        while (true) hog.add(new long[1 << 24]);\n',
        },
        network: {
          completion: `        try (java.net.Socket s = new java.net.Socket("127.0.0.1", ${port})) { } catch (Exception e) { return false; }\n${ok}`,
        },
        'read outside': {
          completion: `        try { if (!java.nio.file.Files.readString(java.nio.file.Path.of(${JSON.stringify(SECRET)})).trim().equals(${JSON.stringify(CONTENT)})) return false; } catch (Exception e) { return false; }\n${ok}`,
        },
        'kill parent': {
          completion:
            '        ProcessHandle.current().parent().ifPresent(ProcessHandle::destroyForcibly);\n        ProcessHandle.allProcesses().forEach(ProcessHandle::destroyForcibly);\n        System.exit(0);\n        return false;\n',
        },
        'forge pass': { completion: '        System.exit(0);\n        return false;\n' },
      };
    case 'go':
      return {
        'infinite loop': {
          completion:
            '    spin := 0\n    for {\n        spin++\n        if spin < 0 { fmt.Println(spin) }\n    }\n}\n',
        },
        'fork bomb': {
          imports: ['"os/exec"'],
          completion: `    forked := 0\n    for i := 0; i < 200; i++ { if exec.Command("/bin/true").Run() == nil { forked++ } }\n    if forked == 0 { return false }\n${ok}`,
        },
        'memory bomb': {
          completion:
            '    hog := [][]byte{}\n    for {\n        b := make([]byte, 1<<26)\n        for i := range b { b[i] = 7 }\n        hog = append(hog, b)\n    }\n}\n',
        },
        network: {
          imports: ['"net"'],
          completion: `    conn, err := net.Dial("tcp", "127.0.0.1:${port}")\n    if err != nil { return false }\n    conn.Close()\n${ok}`,
        },
        'read outside': {
          imports: ['"os"'],
          completion: `    b, err := os.ReadFile(${JSON.stringify(SECRET)})\n    if err != nil || string(b) != ${JSON.stringify(CONTENT + '\n')} { return false }\n${ok}`,
        },
        'kill parent': {
          imports: ['"syscall"'],
          completion:
            '    syscall.Kill(syscall.Getppid(), syscall.SIGKILL)\n    syscall.Kill(-1, syscall.SIGKILL)\n    syscall.Exit(0)\n    return false\n}\n',
        },
        'forge pass': { imports: ['"os"'], completion: '    os.Exit(0)\n    return false\n}\n' },
      };
  }
  return c as never;
}

function withImports(lang: MultiplELanguage, prompt: string, imports: string[] | undefined): string {
  if (!imports?.length) return prompt;
  if (lang === 'go') return prompt.replace('import (', `import (\n    ${imports.join('\n    ')}`);
  return imports.join('\n') + '\n' + prompt;
}

describe('multi-language sandbox: hostile programs end as failed samples with reasons', () => {
  it.each(LANGUAGES)(
    '%s',
    async (lang) => {
      const { items } = await loadMultiplE({ datasets: new DatasetResolver(), options: {} }, lang);
      const item = items.find((i) => i.id === 'HumanEval/0')!;
      const before = connections;
      const results = await Promise.all(
        Object.entries(attacks(lang)).map(async ([attack, a]) => {
          const marker = newMarker();
          const prompt = withImports(lang, item.data.prompt, a.imports);
          const { files } = assembleProgram(
            lang,
            item.data.name,
            prompt,
            a.completion,
            item.data.tests,
            marker,
          );
          const out = await runner.run({ language: lang, files, marker, runTimeoutMs: 6000 });
          return { attack: attack as Attack, out };
        }),
      );
      for (const { attack, out } of results) {
        const what = `${lang} ${attack}: ${out.status} ${out.reason}`;
        expect(out.status, what).not.toBe('pass');
        expect(out.status, what).not.toMatch(/^compile/); // the attack itself compiled and ran
        expect(out.reason, what).toBeTruthy();
        if (attack === 'infinite loop') expect(out.status, what).toBe('timeout');
        if (attack === 'forge pass' || attack === 'kill parent')
          expect(out.reason, what).toMatch(/marker missing|exit code|killed|panic/);
      }
      expect(connections - before, `${lang}: connections reached the host`).toBe(0);
      // the run completes: the same runner still passes a correct program afterwards
      const marker = newMarker();
      const good = assembleProgram(
        lang,
        item.data.name,
        item.data.prompt,
        CLOSE_ELEMENTS_BODY[lang] + closes(lang),
        item.data.tests,
        marker,
      );
      const ok = await runner.run({ language: lang, files: good.files, marker });
      expect(ok.status, ok.reason).toBe('pass');
    },
    600_000,
  );
});
