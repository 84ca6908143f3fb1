import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { campaignStatus, formatStatus, runCampaign } from '../../src/campaign/campaign.js';
import { loadCampaign, parseCampaign } from '../../src/campaign/config.js';
import { checkModelSpec } from '../../src/models/spec.js';
import { writeSyntheticRun } from '../../src/store/db/synthetic-runs.js';

describe('campaign config', () => {
  it('errors name the file, the line and the field', () => {
    const text =
      'name: line\nsuite: [a]\ncheckpoints:\n  - name: pre-sft\n    run: x\n  - name: post-sft\n    model: { model: "http://nope" }\n';
    expect(() => parseCampaign(text, 'evalkit.campaign.yaml')).toThrow(
      /evalkit\.campaign\.yaml:7: checkpoints\.1\.model\.model: must start with openai:/,
    );
    expect(() => parseCampaign('name: x\nsuite: []\ncheckpoints: []\n', 'c.yaml')).toThrow(
      /c\.yaml:2: suite:/,
    );
    expect(() => parseCampaign('name: x\nsuite: [a]\ncheckpoints:\n  - name: p\n', 'c.yaml')).toThrow(
      /c\.yaml:4: checkpoints\.0: give exactly one of "model"/,
    );
    expect(() => parseCampaign('name: x\nsuite: [a\n', 'c.yaml')).toThrow(/c\.yaml:\d+: invalid YAML/);
    expect(() =>
      parseCampaign('name: x\nsuite: [a]\nbogus: 1\ncheckpoints:\n  - {name: p, run: r}\n', 'c.yaml'),
    ).toThrow(/bogus/);
  });

  it('model options: one schema for campaign YAML and the CLI; a misspelt engine option is an error in both', () => {
    const yaml = (model: string) => `name: x\nsuite: [a]\ncheckpoints:\n  - name: p\n    model: ${model}\n`;
    // every option the CLI's `run` can set is accepted in YAML, nested engine options included
    const ok = parseCampaign(
      yaml(
        '{ model: "vllm:/ckpt/rl", modelName: rl, retryDelayMs: 500, eosToken: "</s>", olmesParity: marked, ' +
          'vllm: { tensorParallelSize: 8, extraArgs: ["--enforce-eager"] }, gguf: { threads: 1 } }',
      ),
      'c.yaml',
    );
    expect(ok.checkpoints[0].model).toMatchObject({
      retryDelayMs: 500,
      eosToken: '</s>',
      vllm: { tensorParallelSize: 8, extraArgs: ['--enforce-eager'] },
    });
    // `olmesParity` is the checkpoint's request-shaping override (a run option), not a model setting:
    // "marked" (= each variant decides) is no override; a boolean is one
    expect(ok.checkpoints[0].model).not.toHaveProperty('olmesParity');
    expect(ok.checkpoints[0]).not.toHaveProperty('olmesParity');
    const off = parseCampaign(
      yaml('{ model: "openai:http://127.0.0.1:1/v1", olmesParity: false }') +
        'options: { olmesParity: true }\n',
      'c.yaml',
    );
    expect(off.checkpoints[0].olmesParity).toBe(false);
    expect(off.options.olmesParity).toBe(true);
    // a typo inside the engine options used to pass silently (loose record)
    expect(() =>
      parseCampaign(yaml('{ model: "vllm:/ckpt/rl", vllm: { tensorParalelSize: 8 } }'), 'c.yaml'),
    ).toThrow(/c\.yaml:5: checkpoints\.0\.model\.vllm: Unrecognized key: "tensorParalelSize"/);
    // the CLI checks the ModelSpec it builds from flags against the same schema
    expect(() => checkModelSpec({ model: 'openai:http://x/v1', concurrency: 0 }, 'evalkit run')).toThrow(
      /^evalkit run: model\.concurrency: /,
    );
    expect(() =>
      checkModelSpec(
        { model: 'vllm:/c', vllm: { tensorParallelSize: 8, maxModelLen: undefined } },
        'evalkit run',
      ),
    ).not.toThrow();
  });

  it('status matrix and run: evaluates only missing cells, skips done ones, never touches imported run dirs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalkit-campaign-'));
    writeSyntheticRun(join(dir, 'imported', 'pre'), {
      runId: 'pre',
      model: 'base',
      tasks: [{ name: 'taskA', items: 5, n: 1 }],
    });
    writeFileSync(
      join(dir, 'evalkit.campaign.yaml'),
      [
        'name: line',
        'suite: [taskA, taskB]',
        'checkpoints:',
        '  - name: pre-sft',
        '    run: imported/pre',
        '  - name: post-sft',
        '    model: { model: "openai:http://127.0.0.1:9/v1", modelName: sft }',
        '  - name: post-rl',
        '    model: { model: "openai:http://127.0.0.1:9/v1", modelName: rl }',
      ].join('\n'),
    );
    const c = loadCampaign(join(dir, 'evalkit.campaign.yaml'));
    expect(c.checkpoints.map((x) => x.runDir)).toEqual([
      join(dir, 'imported/pre'),
      join(dir, 'runs/line/post-sft'),
      join(dir, 'runs/line/post-rl'),
    ]);
    // post-sft already has taskA done
    writeSyntheticRun(join(dir, 'runs/line/post-sft'), {
      runId: 'post-sft',
      model: 'sft',
      tasks: [{ name: 'taskA', items: 5, n: 1 }],
    });
    const cells = await campaignStatus(c);
    expect(cells.map((x) => `${x.checkpoint}/${x.task}:${x.state}`)).toEqual([
      'pre-sft/taskA:done',
      'pre-sft/taskB:unavailable',
      'post-sft/taskA:done',
      'post-sft/taskB:missing',
      'post-rl/taskA:missing',
      'post-rl/taskB:missing',
    ]);
    expect(formatStatus(c, cells)).toMatch(/post-rl\s+missing\s+missing/);
    const calls: Array<{ runDir: string; tasks: string[]; model: string }> = [];
    const logs: string[] = [];
    const ran = await runCampaign(c, {
      log: (s) => logs.push(s),
      runEvaluation: async (spec) => {
        calls.push({ runDir: spec.runDir, tasks: spec.tasks, model: spec.model.modelName! });
        writeSyntheticRun(spec.runDir, {
          runId: spec.model.modelName!,
          model: spec.model.modelName!,
          tasks: [
            { name: 'taskA', items: 5, n: 1 },
            { name: 'taskB', items: 5, n: 1 },
          ],
        });
      },
    });
    expect(calls).toEqual([
      { runDir: join(dir, 'runs/line/post-sft'), tasks: ['taskB'], model: 'sft' },
      { runDir: join(dir, 'runs/line/post-rl'), tasks: ['taskA', 'taskB'], model: 'rl' },
    ]);
    expect(ran.map((r) => r.checkpoint)).toEqual(['post-sft', 'post-rl']);
    expect(logs.join('\n')).toMatch(/pre-sft: run directory .* lacks taskB/);
    // second run: everything evaluable is done → nothing runs
    calls.length = 0;
    await runCampaign(c, {
      log: () => {},
      runEvaluation: async (spec) => void calls.push({ runDir: spec.runDir, tasks: spec.tasks, model: '' }),
    });
    expect(calls).toEqual([]);
  });
});
