import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSamples } from '../../../src/models/replay/evalplus-samples.js';
import { EvalkitError } from '../../../src/util/errors.js';
import { SHARED_REFERENCE } from '../../helpers/paths.js';

const refDir = join(SHARED_REFERENCE, 'evalplus-llama3-8b-base', 'humaneval');

type Ref = { eval: Record<string, Array<{ task_id: string; solution: string }>> };
const loadRef = (): Ref =>
  JSON.parse(
    readFileSync(
      join(
        refDir,
        readdirSync(refDir).find((f) => f.endsWith('.json'))!,
      ),
      'utf8',
    ),
  ) as Ref;
const tmp = () => mkdtempSync(join(tmpdir(), 'evalkit-replay-'));

describe('readSamples on EvalPlus sample files', () => {
  it('round-trips the reference solutions through a samples.jsonl (all 164 tasks)', async () => {
    const ref = loadRef();
    const rows = Object.values(ref.eval).flat();
    const file = join(tmp(), 'samples.jsonl');
    writeFileSync(
      file,
      rows.map((r) => JSON.stringify({ task_id: r.task_id, solution: r.solution })).join('\n') + '\n',
    );
    const { samples, source } = await readSamples(file);
    expect(source).toBe(file);
    expect(samples).toHaveLength(164);
    expect(new Set(samples.map((s) => s.taskId)).size).toBe(164);
    for (const [i, s] of samples.entries()) {
      expect(s).toEqual({ taskId: rows[i].task_id, sampleIndex: 0, solution: rows[i].solution, line: i + 1 });
    }
  });

  it('subset of tasks, several samples per task in file order, completion field', async () => {
    const ref = loadRef();
    const ids = Object.keys(ref.eval).slice(0, 5);
    const lines: string[] = [];
    for (let rep = 0; rep < 3; rep++) {
      for (const id of ids)
        lines.push(JSON.stringify({ task_id: id, solution: `# sample ${rep}\n` + ref.eval[id][0].solution }));
    }
    lines.push(JSON.stringify({ task_id: 'HumanEval/100', completion: '    return 1\n' }));
    const file = join(tmp(), 'subset.jsonl');
    writeFileSync(file, lines.join('\n'));
    const { samples } = await readSamples(file);
    expect(samples).toHaveLength(16);
    for (const id of ids) {
      const mine = samples.filter((s) => s.taskId === id);
      expect(mine.map((s) => s.sampleIndex)).toEqual([0, 1, 2]);
      expect(mine.map((s) => s.solution!.split('\n')[0])).toEqual(['# sample 0', '# sample 1', '# sample 2']);
    }
    expect(samples.at(-1)).toEqual({
      taskId: 'HumanEval/100',
      sampleIndex: 0,
      completion: '    return 1\n',
      line: 16,
    });
  });

  it('directory form <dir>/<task_id with _>/<n>.py, numeric order', async () => {
    const ref = loadRef();
    const dir = tmp();
    for (const id of ['HumanEval/0', 'HumanEval/12']) {
      mkdirSync(join(dir, id.replace('/', '_')));
      for (const n of [0, 2, 10])
        writeFileSync(join(dir, id.replace('/', '_'), `${n}.py`), `# ${n}\n${ref.eval[id][0].solution}`);
    }
    const { samples } = await readSamples(dir);
    expect(samples.map((s) => [s.taskId, s.sampleIndex, s.solution!.split('\n')[0]])).toEqual([
      ['HumanEval/0', 0, '# 0'],
      ['HumanEval/0', 1, '# 2'],
      ['HumanEval/0', 2, '# 10'],
      ['HumanEval/12', 0, '# 0'],
      ['HumanEval/12', 1, '# 2'],
      ['HumanEval/12', 2, '# 10'],
    ]);
  });
});

describe('readSamples errors name file, line and field', () => {
  const write = (content: string) => {
    const f = join(tmp(), 'bad.jsonl');
    writeFileSync(f, content);
    return f;
  };
  it('malformed JSON line', async () => {
    const f = write('{"task_id": "HumanEval/0", "solution": "x"}\n{"task_id": "HumanEval/1", "solution": \n');
    await expect(readSamples(f)).rejects.toThrow(EvalkitError);
    await expect(readSamples(f)).rejects.toThrow(`${f}:2: malformed JSON line`);
  });
  it('missing task_id / solution, wrong type', async () => {
    await expect(readSamples(write('{"solution": "x"}\n'))).rejects.toThrow(/:1: field "task_id" is missing/);
    await expect(readSamples(write('{"task_id": "HumanEval/0"}\n'))).rejects.toThrow(
      /:1: field "solution" or "completion" is missing/,
    );
    await expect(readSamples(write('\n{"task_id": "HumanEval/0", "solution": 3}\n'))).rejects.toThrow(
      /:2: field "solution" must be a string/,
    );
  });
  it('missing path', async () => {
    await expect(readSamples('/nonexistent/samples.jsonl')).rejects.toThrow(/not found/);
  });
});
