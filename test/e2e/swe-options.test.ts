/**
 * Bad values of the software-engineering options get one line naming the option, the bad value and what is
 * accepted, before any server is contacted or anything is written (the real CLI; the model URL is a closed port,
 * so reaching the server would give a different error).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, expectOneLineError } from '../helpers/cli.js';

const dir = () => join(mkdtempSync(join(tmpdir(), 'evalkit-swe-opt-')), 'run');
const MODEL = ['--model', 'openai:http://127.0.0.1:9/v1'];

/** `evalkit run` with these arguments exits 2 with exactly `line` and leaves no run directory. */
async function expectRunRefused(args: string[], line: string): Promise<void> {
  const runDir = dir();
  const r = await cli(['run', ...MODEL, ...args, '--run-dir', runDir]);
  expect(r.status).toBe(2);
  expect(expectOneLineError(r)).toBe(line);
  expect(existsSync(runDir)).toBe(false);
}

describe('software-engineering options', () => {
  it('--languages with an unknown language names it and the six known ones', async () => {
    await expectRunRefused(
      ['--task', 'aider-polyglot:diff', '--languages', 'go,cobol'],
      'evalkit: error: --languages: unknown language(s) "cobol" (known: python, javascript, cpp, go, java, rust)',
    );
  });

  it('--agent-protocol with an unknown protocol names the three accepted ones', async () => {
    await expectRunRefused(
      ['--task', 'swebench-verified-offline:agent', '--agent-protocol', 'carrier-pigeon'],
      'evalkit: error: --agent-protocol must be tools, text or auto (got "carrier-pigeon")',
    );
  });

  it('admit --repo with a repository outside the subset lists the five that are in it', async () => {
    const out = join(dir(), 'admit.jsonl');
    const r = await cli(['admit', '--repo', 'nope/nope', '--out', out]);
    expect(r.status).toBe(2);
    expect(expectOneLineError(r)).toBe(
      'evalkit: error: --repo: no instance of "nope/nope" in the subset (repositories: pallets/flask, psf/requests, ' +
        'pytest-dev/pytest, sphinx-doc/sphinx, sympy/sympy)',
    );
    expect(existsSync(out)).toBe(false);
  });
});
