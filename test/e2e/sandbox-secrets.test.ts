/**
 * Issue #10: `evalkit run` with secret-looking variables in its environment (OPENAI_API_KEY, HF_TOKEN, …): no sample
 * can read them. The stub "model" writes, for every prompt, a function body that collects every environment it can
 * reach (its own, /proc/<pid>/environ of every process it can see) and raises it as its failure reason, which is
 * exactly how a sample would smuggle a secret into verdicts.jsonl. Both code paths run: EvalPlus mode (humanevalplus)
 * and test-program mode (codex_humaneval).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer, type StubServer } from '../../src/testing/openai-stub-server.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CLI = join(REPO_ROOT, 'bin', 'evalkit.js');
const SECRET = `sk-evalkit-secret-${process.pid}-${Date.now()}`;

const LEAKING_BODY = [
  '    import posix',
  '    texts = ["\\0".join(k.decode() + "=" + v.decode() for k, v in posix.environ.items())]',
  '    for d in ["self"] + [str(p) for p in range(1, 64)]:',
  '        try:',
  '            fd = posix.open("/proc/%s/environ" % d, posix.O_RDONLY)',
  '            texts.append(posix.read(fd, 1 << 20).decode("latin-1"))',
  '        except OSError:',
  '            pass',
  '    found = [e for t in texts for e in t.split("\\0") if "KEY" in e or "TOKEN" in e or "SECRET" in e]',
  '    raise RuntimeError("ENV-PROBE " + " ".join(found))  # secrets first: reasons are cut at 500 characters',
  '',
].join('\n');

let server: StubServer;
beforeAll(async () => {
  server = await startStubServer({ respond: () => LEAKING_BODY, modelName: 'stub-leaker' });
});
afterAll(async () => server?.close());

describe('host secrets never reach a sample', () => {
  it('evalkit run with OPENAI_API_KEY/HF_TOKEN/AWS_SECRET_ACCESS_KEY set: no verdict contains them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-secrets-'));
    const env = {
      ...process.env,
      OPENAI_API_KEY: SECRET,
      HF_TOKEN: `hf_${SECRET}`,
      AWS_SECRET_ACCESS_KEY: `aws_${SECRET}`,
    };
    const args = [
      CLI,
      'run',
      '--model',
      `openai:${server.url}`,
      '--task',
      'humanevalplus',
      '--task',
      'codex_humaneval::starcoder_pass@1',
      '--limit',
      '1',
      '--run-dir',
      dir,
      '--quiet',
    ];
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args, { env });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stderr }));
    });
    expect(r.status, r.stderr).toBe(0);
    const verdicts = readFileSync(join(dir, 'verdicts.jsonl'), 'utf8');
    // the probe ran in both modes and its text reached the verdicts …
    const lines = verdicts.split('\n').filter(Boolean);
    expect(lines.length).toBe(1 + 20);
    expect(lines.every((l) => l.includes('ENV-PROBE'))).toBe(true);
    // … but no secret did, anywhere in the run directory
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text.includes(SECRET), `${f} contains a host secret`).toBe(false);
    }
  }, 600_000);
});
