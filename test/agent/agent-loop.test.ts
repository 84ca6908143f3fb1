/**
 * The agent loop against a real OpenAI-protocol server on 127.0.0.1 that plays the model, in a real bubblewrap
 * environment (host-root toolchain view) over a small fixture repository: tool calls that read files, run the
 * tests, edit and submit; a model that loops until the turn budget; malformed tool calls (native and text
 * protocol); hostile commands (network, host files, symlink escape, fork bomb, disk fill).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/loop.js';
import { OpenAIToolsModel, ProviderTextModel, parseTextToolCall } from '../../src/agent/model.js';
import { environmentSession, type AgentSession } from '../../src/agent/session.js';
import { createWorkspace } from '../../src/environments/workspace.js';
import type { StubRespondContext, StubReply } from '../../src/testing/openai-stub-server.js';
import { provider, stub, useCleanups } from '../helpers/stub-provider.js';

useCleanups();

function fixtureRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evalkit-agent-fixture-'));
  writeFileSync(join(dir, 'calc.py'), 'def add(a, b):\n    return a - b\n');
  writeFileSync(
    join(dir, 'test_calc.py'),
    'import unittest\nfrom calc import add\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n\nif __name__ == "__main__":\n    unittest.main()\n',
  );
  const git = (...a: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a]);
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  return dir;
}

const sessions: AgentSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.dispose();
});
async function session(): Promise<AgentSession> {
  const ws = await createWorkspace(fixtureRepo());
  const s = environmentSession({
    root: 'host',
    workspace: ws,
    env: { PYTHONDONTWRITEBYTECODE: '1' },
    commandTimeoutMs: 20_000,
  });
  sessions.push(s);
  return s;
}

const call = (name: string, args: unknown): StubReply => ({
  tool_calls: [{ name, arguments: JSON.stringify(args) }],
});
const lastToolOutput = (ctx: StubRespondContext) => {
  const m = ctx.messages ?? [];
  return String(m[m.length - 1]?.content ?? '');
};
const readSteps = (stem: string) =>
  readFileSync(`${stem}.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const stemIn = () => join(mkdtempSync(join(tmpdir(), 'evalkit-traj-')), 'traj');

describe('agent loop with native tool calls', () => {
  it('reads files, runs the tests, fixes the bug, submits; the trajectory records everything', async () => {
    const seen: string[] = [];
    const server = await stub({
      respond: (ctx) => {
        const turn = (ctx.messages ?? []).filter((m) => m.role === 'assistant').length;
        if (turn > 0) seen.push(lastToolOutput(ctx));
        switch (turn) {
          case 0:
            return call('view_file', { path: 'calc.py' });
          case 1:
            return call('bash', { command: 'python3 -m unittest -q test_calc 2>&1 | tail -3' });
          case 2:
            return call('edit_file', { path: 'calc.py', old_str: 'return a - b', new_str: 'return a + b' });
          case 3:
            return call('bash', { command: 'python3 -m unittest -q test_calc 2>&1 | tail -1' });
          default:
            return { content: 'Fixed.', tool_calls: [{ name: 'submit', arguments: '{}' }] };
        }
      },
    });
    const model = new OpenAIToolsModel({
      baseUrl: server.url,
      model: 'stub-model',
      params: { temperature: 0, top_p: 1, max_tokens: 512 },
    });
    const stem = stemIn();
    const r = await runAgent({
      model,
      session: await session(),
      system: 'fix it',
      task: 'add() is wrong',
      trajectoryPath: stem,
    });
    expect(r.error).toBeUndefined();
    expect(r.exit).toBe('submitted');
    expect(r.turns).toBe(5);
    expect(seen[0]).toContain('return a - b'); // the model saw the real file
    expect(seen[1]).toMatch(/FAILED \(failures=1\)/); // … the real failing test run
    expect(seen[2]).toBe('edited calc.py');
    expect(seen[3]).toMatch(/^exit code 0\nOK/);
    expect(r.patch).toContain('-    return a - b\n+    return a + b');
    const steps = readSteps(stem);
    expect(steps[0].kind).toBe('start');
    expect(steps.filter((s) => s.kind === 'step').length).toBe(5);
    expect(steps[2].tools[0]).toMatchObject({ name: 'bash', exitCode: 0 });
    expect(steps[2].tools[0].output).toMatch(/FAILED/);
    expect(steps.at(-1)).toMatchObject({ kind: 'end', exit: 'submitted' });
    // the conversation sent to the server carried tool results with their call ids
    const last = server.requests.at(-1)!.body as any;
    expect(last.tools.map((t: any) => t.function.name)).toEqual(['bash', 'view_file', 'edit_file', 'submit']);
    expect(last.messages.filter((m: any) => m.role === 'tool').length).toBe(4);
  });

  it('a model that never submits stops at the turn budget (its diff is still the answer)', async () => {
    const server = await stub({ respond: () => call('bash', { command: 'echo again >> log.txt' }) });
    const model = new OpenAIToolsModel({
      baseUrl: server.url,
      model: 'stub-model',
      params: { temperature: 0, top_p: 1, max_tokens: 64 },
    });
    const stem = stemIn();
    const r = await runAgent({
      model,
      session: await session(),
      system: 's',
      task: 't',
      budgets: { maxTurns: 4 },
      trajectoryPath: stem,
    });
    expect(r.error).toBeUndefined();
    expect(r.exit).toBe('turn_budget');
    expect(r.turns).toBe(4);
    expect(r.patch).toContain('+again\n+again\n+again\n+again');
    expect(readSteps(stem).at(-1)).toMatchObject({ kind: 'end', exit: 'turn_budget', turns: 4 });
  });

  it('malformed tool calls are reported to the model and end the episode after three in a row', async () => {
    const server = await stub({
      respond: (ctx) => {
        const turn = (ctx.messages ?? []).filter((m) => m.role === 'assistant').length;
        return turn === 0
          ? call('bash', { command: 'true' })
          : { tool_calls: [{ name: 'bash', arguments: '{"command": "ls' }] };
      },
    });
    const model = new OpenAIToolsModel({
      baseUrl: server.url,
      model: 'stub-model',
      params: { temperature: 0, top_p: 1, max_tokens: 64 },
    });
    const r = await runAgent({ model, session: await session(), system: 's', task: 't' });
    expect(r.error).toBeUndefined();
    expect(r.exit).toBe('malformed_limit');
    expect(r.turns).toBe(4);
    expect(r.malformedCalls).toBe(3);
    const toolMsgs = r.messages.filter((m) => m.role === 'tool');
    expect(toolMsgs.at(-1)!.content).toMatch(/arguments are not valid JSON/);
  });
});

describe('agent loop with the text protocol (any provider)', () => {
  it('parses <tool_call> blocks strictly', () => {
    expect(parseTextToolCall('thinking…', 0)).toEqual({});
    expect(
      parseTextToolCall('<tool_call>{"name":"bash","arguments":{"command":"ls"}}</tool_call>', 3).call,
    ).toEqual({
      id: 'text_3',
      name: 'bash',
      arguments: '{"command":"ls"}',
    });
    expect(parseTextToolCall('<tool_call>{"name": "bash", "arguments": {</tool_call>', 0).malformed).toMatch(
      /not valid JSON/,
    );
    expect(parseTextToolCall('<tool_call>{"name":"bash"}', 0).malformed).toMatch(/not closed/);
    expect(
      parseTextToolCall('<tool_call>{"name":"a"}</tool_call><tool_call>{"name":"b"}</tool_call>', 0)
        .malformed,
    ).toMatch(/2 <tool_call> blocks/);
    expect(parseTextToolCall('<tool_call>["bash"]</tool_call>', 0).malformed).toMatch(
      /needs a string "name"/,
    );
  });

  it('runs through an OpenAI-compatible provider: edits, submits; malformed replies counted', async () => {
    const server = await stub({
      respond: (ctx) => {
        const turn = (ctx.messages ?? []).filter((m) => m.role === 'assistant').length;
        if (turn === 0)
          return 'Let me look.\n<tool_call>\n{"name": "view_file", "arguments": {"path": "calc.py"}\n</tool_call>';
        if (turn === 1)
          return '<tool_call>\n{"name": "edit_file", "arguments": {"path": "calc.py", "old_str": "a - b", "new_str": "a + b"}}\n</tool_call>';
        return 'Done.\n<tool_call>{"name": "submit", "arguments": {}}</tool_call>';
      },
    });
    const p = await provider({ baseUrl: server.url });
    const model = new ProviderTextModel(
      p,
      { requestId: 'x|1', task: 'x', itemId: '1' },
      { temperature: 0, top_p: 1, max_tokens: 512 },
    );
    const r = await runAgent({ model, session: await session(), system: 'fix it', task: 'add() is wrong' });
    expect(r.error).toBeUndefined();
    expect(r.exit).toBe('submitted');
    expect(r.malformedCalls).toBe(1); // turn 0's JSON lacks a closing brace
    expect(r.turns).toBe(3);
    expect(r.patch).toContain('+    return a + b');
    const first = server.requests.find((q) => q.path.endsWith('/chat/completions'))!.body as any;
    expect(first.messages[0].content).toContain('<tool_call>'); // protocol instructions in the system prompt
    expect(first.tools).toBeUndefined();
  });
});

describe('hostile agents are contained', () => {
  it('network, host files, symlink escapes, fork bombs and disk filling', async () => {
    const s = await session();
    const net = await s.run(
      `python3 -c "import socket\ntry:\n socket.create_connection(('1.1.1.1',443),timeout=3); print('CONNECTED')\nexcept OSError as e: print('blocked')"`,
    );
    expect(net.stdout.trim()).toBe('blocked');
    const host = await s.run(
      'ls /root /work /home 2>&1; cat /proc/1/environ 2>&1 | head -c 200; echo; id -u',
    );
    expect(host.stdout).not.toMatch(/h-swe|shared|\.bashrc/);
    expect(Number(host.stdout.trim().split('\n').at(-1))).not.toBe(0);
    // a symlink to a host secret read back through the file tool resolves inside the sandbox, not on the host
    writeFileSync('/tmp/evalkit-agent-host-secret', 'TOP-SECRET');
    await s.run('ln -s /tmp/evalkit-agent-host-secret leak; ln -s /root/.bashrc leak2');
    expect((await s.readFile('leak')).text).toBeUndefined();
    expect((await s.readFile('leak2')).text).toBeUndefined();
    const bomb = await s.run(':(){ :|:& };: 2>/dev/null; echo started', 8000);
    expect(bomb.timedOut || bomb.exitCode !== null).toBe(true);
    const after = await s.run('echo alive');
    expect(after.stdout.trim()).toBe('alive');
    const fill = await s.run(
      'for i in $(seq 100); do head -c 200000000 /dev/zero > f$i; done; echo done',
      60_000,
    );
    expect(fill.stdout).not.toContain('done\n'.repeat(2));
    expect(fill.diskExceeded || /File size limit/.test(fill.stderr)).toBe(true);
  });
});
