// The provider registry (src/models/registry.ts) is the single source of model kinds and provider options: the
// real CLI (`evalkit run`, a child process), the real campaign YAML parser and createProvider accept exactly the
// registry's kinds and name them in their one-line errors, and every descriptor's flags reach the CLI and its
// option group reaches campaign YAML.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseCampaign } from '../../src/campaign/config.js';
import { addProviderOptions, providerOptionsFrom } from '../../src/cli/provider-options.js';
import { createProvider } from '../../src/models/index.js';
import { PROVIDERS, providerKinds } from '../../src/models/registry.js';
import { checkModelSpec } from '../../src/models/spec.js';
import { EvalkitError } from '../../src/util/errors.js';
import { cli, expectOneLineError } from '../helpers/cli.js';

const kinds = providerKinds();
const UNKNOWN = 'nosuchkind';

/** The kinds a message names: the list after "known kinds:" or after "must start with" ("a:, b: or c:"). */
function kindsNamedIn(message: string): string[] {
  const m = /known kinds: ([^;]+);/.exec(message) ?? /must start with (.+?)(?: \(got .*)?$/m.exec(message);
  if (!m) throw new Error(`no list of kinds in: ${message}`);
  return m[1].split(/, | or /).map((k) => k.replace(/:$/, ''));
}

/** The one issue line of a campaign validation error (its first line is the "invalid campaign config:" header). */
function campaignIssue(yaml: string): string {
  try {
    parseCampaign(yaml, 'c.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(EvalkitError);
    const [header, ...issues] = (e as Error).message.split('\n');
    expect(header).toBe('invalid campaign config:');
    expect(issues).toHaveLength(1);
    return issues[0].trim();
  }
  throw new Error('campaign accepted');
}

const campaign = (model: string) => `name: x\nsuite: [a]\ncheckpoints:\n  - name: p\n    model: ${model}\n`;

/** `evalkit run` up to the point after model validation: an unknown task is the next thing it rejects. */
const runCli = (model: string, extra: string[] = []) =>
  cli([
    'run',
    '--model',
    model,
    '--task',
    'no-such-task',
    '--run-dir',
    join(mkdtempSync(join(tmpdir(), 'evalkit-reg-')), 'run'),
    ...extra,
  ]);

describe('provider registry: one list of kinds for the CLI, campaign YAML and createProvider', () => {
  it('has the providers evalkit documents, each kind once', () => {
    expect(kinds).toEqual(['openai', 'vllm', 'gguf']);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  it('evalkit run: accepts every registry kind and rejects another with one line naming exactly those kinds', async () => {
    for (const kind of kinds) {
      const line = expectOneLineError(await runCli(`${kind}:x`));
      expect(line).toMatch(/unknown task "no-such-task"/); // got past the model checks
    }
    const r = await runCli(`${UNKNOWN}:x`);
    expect(r.status).not.toBe(0);
    const line = expectOneLineError(r);
    expect(line).toMatch(/--model must start with/);
    expect(kindsNamedIn(line)).toEqual(kinds);
  });

  it('campaign YAML: accepts every registry kind and rejects another naming exactly those kinds', () => {
    for (const kind of kinds)
      expect(parseCampaign(campaign(`{ model: "${kind}:x" }`), 'c.yaml').checkpoints[0].model?.model).toBe(
        `${kind}:x`,
      );
    const issue = campaignIssue(campaign(`{ model: "${UNKNOWN}:x" }`));
    expect(issue).toMatch(/^c\.yaml:5: checkpoints\.0\.model\.model: must start with /);
    expect(kindsNamedIn(issue)).toEqual(kinds);
  });

  it('createProvider: dispatches every registry kind to its own provider and names exactly those kinds otherwise', async () => {
    for (const kind of kinds) {
      // An empty location is each provider's own error ("expected <kind>:..."), not the unknown-kind one.
      const err = await createProvider({ model: `${kind}:` }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(EvalkitError);
      expect((err as Error).message).toContain(`expected ${kind}:`);
      expect((err as Error).message).not.toMatch(/unknown model kind/);
    }
    const err = (await createProvider({ model: `${UNKNOWN}:x` }).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(EvalkitError);
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).toMatch(/unknown model kind/);
    expect(kindsNamedIn(err.message)).toEqual(kinds);
  });
});

describe('provider registry: one option schema for CLI flags and campaign YAML', () => {
  it('evalkit run --help lists every descriptor flag with its help text', async () => {
    const help = (await cli(['run', '--help'])).stdout.replace(/\s+/g, ' ');
    const flags = PROVIDERS.flatMap((p) => p.cliFlags);
    expect(flags.map((f) => f.flags)).toEqual([
      '--tensor-parallel-size <n>',
      '--data-parallel-size <n>',
      '--max-model-len <n>',
      '--vllm-arg <arg>',
      '--threads <n>',
    ]);
    for (const f of flags) expect(help).toContain(`${f.flags} ${f.description.replace(/\s+/g, ' ')}`);
  });

  it('flags parsed by commander fill the option groups the shared schema (and campaign YAML) accepts', () => {
    const cmd = addProviderOptions(new Command().exitOverride());
    cmd.parse(
      [
        '--tensor-parallel-size',
        '2',
        '--max-model-len',
        '8192',
        '--vllm-arg',
        '--a',
        '--vllm-arg',
        'b',
        '--threads',
        '3',
      ],
      { from: 'user' },
    );
    const groups = providerOptionsFrom(cmd.opts());
    expect(groups).toEqual({
      vllm: {
        tensorParallelSize: 2,
        dataParallelSize: undefined,
        maxModelLen: 8192,
        extraArgs: ['--a', 'b'],
      },
      gguf: { threads: 3 },
    });
    expect(() => checkModelSpec({ model: 'vllm:/c', ...groups }, 'evalkit run')).not.toThrow();
    const parsed = parseCampaign(
      campaign(
        '{ model: "vllm:/c", vllm: { tensorParallelSize: 2, maxModelLen: 8192, extraArgs: ["--a", "b"] }, gguf: { threads: 3 } }',
      ),
      'c.yaml',
    ).checkpoints[0].model;
    expect(parsed).toMatchObject({
      vllm: groups.vllm && { tensorParallelSize: 2, maxModelLen: 8192, extraArgs: ['--a', 'b'] },
      gguf: { threads: 3 },
    });
  });

  it('a flag value the descriptor rejects, an unknown group and an unknown option are one-line errors', async () => {
    const line = expectOneLineError(await runCli('gguf:x', ['--threads', '0']));
    expect(line).toBe('evalkit: error: --threads must be a positive integer, got "0"');
    expect(campaignIssue(campaign('{ model: "gguf:x", llama: { threads: 2 } }'))).toMatch(
      /^c\.yaml:5: checkpoints\.0\.model: .*"llama"/,
    );
    expect(campaignIssue(campaign('{ model: "gguf:x", gguf: { thread: 2 } }'))).toMatch(
      /^c\.yaml:5: checkpoints\.0\.model\.gguf: .*"thread"/,
    );
  });
});
