/**
 * `evalkit --help` and every command's help read as wrapped paragraphs: help texts written as several source lines
 * are joined before commander wraps them to the terminal width (a hard break inside a paragraph gave lines of 20
 * characters next to lines of 80).
 */
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram, reflowHelpText } from '../../src/cli/main.js';

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

describe('help text', () => {
  it('joins hard breaks inside a paragraph, keeps paragraphs and indented lines', () => {
    expect(reflowHelpText('one line\ngoes on\n\nnew paragraph\n  indented item\nmore')).toBe(
      'one line goes on\n\nnew paragraph\n  indented item more',
    );
  });

  it('no command or option description has a hard break inside a paragraph', async () => {
    const program = await buildProgram();
    const commands = allCommands(program);
    expect(commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['run', 'score', 'admit', 'compare']),
    );
    const ragged: string[] = [];
    for (const c of commands) {
      if (/[^\n]\n\S/.test(c.description())) ragged.push(`${c.name()}: ${c.description().slice(0, 60)}`);
      for (const o of c.options)
        if (/[^\n]\n\S/.test(o.description))
          ragged.push(`${c.name()} ${o.flags}: ${o.description.slice(0, 60)}`);
    }
    expect(ragged).toEqual([]);
    // the wrapped help of a command whose description spans four source lines: each line filled to the width
    const help = program.commands.find((c) => c.name() === 'score')!.helpInformation({ error: false });
    const paragraph = help.split('\n\n')[1].split('\n');
    expect(paragraph.length).toBeGreaterThan(2);
    for (const line of paragraph.slice(0, -1)) expect(line.length).toBeGreaterThan(60);
  });
});
