/**
 * The ten OLMES baseline rows against OLMES's own output: every prompt of every alias is compared byte for byte
 * with the prompts OLMES itself rendered (../shared/reference/olmes-prompts/, see its PROVENANCE.md), and the
 * request settings (stops, sampling, max tokens, repeats) with the settings OLMES resolved (summary.json).
 * The reference is required: this test fails when it is missing (a fidelity check must never vanish).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../src/datasets/registry.js';
import { getTask } from '../../src/tasks/registry.js';
import { SHARED_REFERENCE } from '../helpers/paths.js';

const DIR = join(SHARED_REFERENCE, 'olmes-prompts');

interface AliasSummary {
  file: string;
  n_docs: number;
  n_requests: number;
  stop_sequences: string[];
  generation_kwargs: { max_gen_toks: number; do_sample: boolean; temperature: number; top_p?: number };
  num_shots: number;
}
interface GoldenPrompt {
  doc_id: number;
  native_id: string;
  prompt: string;
}

const summary = JSON.parse(readFileSync(join(DIR, 'summary.json'), 'utf8')) as Record<string, AliasSummary>;
const ctx = { datasets: new DatasetResolver(), options: {} };

/** OLMES native id of an evalkit item: HumanEval task_id, MBPP(+) task number, else the row index. */
function nativeIdOf(itemId: string, row: number): string {
  if (itemId.startsWith('HumanEval/')) return itemId;
  const mbpp = /^Mbpp\/(\d+)$/.exec(itemId);
  return mbpp ? mbpp[1] : String(row);
}

describe('OLMES golden prompts (ten baseline aliases)', () => {
  it('summary.json lists the ten aliases of DESIGN.md', () => {
    expect(Object.keys(summary).sort()).toEqual(
      [
        'codex_humaneval:3shot::olmo3',
        'codex_humaneval::starcoder_pass@1',
        'codex_humaneval::starcoder_pass@10',
        'codex_humanevalplus:temp0.8',
        'gsm8k::olmes',
        'mbpp:3shot::olmo3',
        'mbpp::starcoder_pass@1',
        'mbpp::starcoder_pass@10',
        'mbppplus::none',
        'minerva_math_500::olmes',
      ].sort(),
    );
  });

  for (const [alias, s] of Object.entries(summary)) {
    it(`${alias}: every prompt byte-identical, settings as OLMES resolved them`, async () => {
      const golden = gunzipSync(readFileSync(join(DIR, s.file)))
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as GoldenPrompt);
      expect(golden).toHaveLength(s.n_docs);

      const v = await getTask(alias);
      const { items } = await v.loadItems(ctx);
      expect(items).toHaveLength(s.n_docs);
      let identical = 0;
      const differing: string[] = [];
      items.forEach((item, i) => {
        const g = golden[i];
        expect(g.doc_id).toBe(i);
        expect(nativeIdOf(item.id, i)).toBe(String(g.native_id));
        const p = v.buildPrompt(item, items);
        if (p.kind === 'completion' && p.text === g.prompt) identical++;
        else differing.push(item.id);
      });
      console.log(
        `${alias}: ${identical}/${golden.length} prompts identical to OLMES's${differing.length ? `; differing: ${differing.slice(0, 10).join(', ')}` : ''}`,
      );
      expect(differing).toEqual([]);
      expect(identical).toBe(s.n_docs);

      const gen = v.settings.generation;
      const kw = s.generation_kwargs;
      expect(v.settings.format).toBe('completion');
      expect(v.settings.shots).toBe(s.num_shots);
      expect(gen.shaping).toBe('olmes');
      expect(gen.n).toBe(s.n_requests / s.n_docs);
      expect(gen.stop).toEqual(s.stop_sequences);
      expect(gen.max_tokens).toBe(kw.max_gen_toks);
      expect(gen.temperature).toBe(kw.temperature);
      // OLMES sends no top_p for greedy rows (vLLM default 1.0).
      expect(gen.top_p).toBe(kw.top_p ?? 1);
    });
  }
});
