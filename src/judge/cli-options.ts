/** `--judge …` and `--simulated-user …` flags, shared by the commands that run judge-graded tasks. */
import type { Command } from 'commander';
import { collect, positiveInt } from '../cli/shared-options.js';
import type { RunOptions } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { judgesFromFlags, simulatedUserFromFlags } from './spec.js';

const nonNegativeNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new EvalkitError(`${name} must be a number >= 0, got "${v}"`);
  return n;
};
const nonNegativeInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new EvalkitError(`${name} must be an integer >= 0, got "${v}"`);
  return n;
};

export function addJudgeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--judge <spec>',
      'judge model for judge-graded tasks, as --model (openai:<url> | vllm:<ckpt> | gguf:<file>); repeat for an ensemble',
      collect,
    )
    .option(
      '--judge-model-name <name>',
      'model name of the judge (repeatable, by position of --judge)',
      collect,
    )
    .option(
      '--judge-label <label>',
      'short name of a judge in score keys (repeatable; default j1, j2, …)',
      collect,
    )
    .option(
      '--judge-temperature <t>',
      'judge sampling temperature (default 0)',
      nonNegativeNumber('--judge-temperature'),
    )
    .option(
      '--judge-max-tokens <n>',
      'max tokens of a judge reply (default 2048)',
      positiveInt('--judge-max-tokens'),
    )
    .option(
      '--judge-parse-retries <n>',
      'extra judge attempts when a verdict does not parse (default 2; never guessed)',
      nonNegativeInt('--judge-parse-retries'),
    )
    .option('--simulated-user <spec>', 'model that plays the user in multi-turn tasks with a simulated user')
    .option('--simulated-user-model-name <name>', 'model name of the simulated user');
}

/** The judge part of RunOptions from parsed flags. */
export function judgeRunOptions(o: Record<string, any>): Pick<RunOptions, 'judges' | 'simulatedUser'> {
  const out: Pick<RunOptions, 'judges' | 'simulatedUser'> = {};
  const judges = judgesFromFlags(o);
  if (judges) out.judges = judges;
  const sim = simulatedUserFromFlags(o);
  if (sim) out.simulatedUser = sim;
  return out;
}
