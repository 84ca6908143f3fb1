/**
 * MultiPL-E through its real task variants: the loader reads the mirror files (counts and stop tokens as in
 * PROVENANCE.md), prompts are the records' prompts byte for byte, and the scorer compiles and runs
 * prompt + completion + tests in the multi-language sandbox: hand-written reference completions of three real
 * items pass in every language, a wrong completion of the same items fails.
 */
import { describe, expect, it } from 'vitest';
import { LANGUAGES, type MultiplELanguage } from '../../../src/sandbox/multilang/index.js';
import { getTask } from '../../../src/tasks/registry.js';
import { cutAtStop } from '../../../src/tasks/multipl-e/harness.js';
import { MULTIPLE_STOPS, type MultiplEData } from '../../../src/tasks/multipl-e/index.js';
import type { Item } from '../../../src/types.js';
import { codeScoringContext, gen } from '../../helpers/code-scoring.js';
import { referenceCompletions } from '../../helpers/multipl-e-solutions.js';

const COUNTS: Record<MultiplELanguage, number> = { js: 161, cpp: 161, java: 158, rs: 156, go: 154 };
const { ctx, track } = codeScoringContext();

describe('MultiPL-E loader and prompts', () => {
  it.each(LANGUAGES)('%s: record count, ids, stop tokens, prompt verbatim', async (lang) => {
    const v = await getTask(`multipl-e:humaneval-${lang}`);
    const { items, datasets } = await v.loadItems(ctx);
    expect(items).toHaveLength(COUNTS[lang]);
    expect(datasets[0].id).toBe(`multipl-e-humaneval-${lang}-reworded`);
    expect(items[0].id).toBe('HumanEval/0');
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    for (const it of items as Item<MultiplEData>[]) {
      expect(it.data.stopTokens).toEqual(MULTIPLE_STOPS[lang]);
      expect(v.buildPrompt(it, items)).toEqual({ kind: 'completion', text: it.data.prompt });
    }
    expect(v.settings.generation.stop).toEqual(MULTIPLE_STOPS[lang]);
  });

  it('cuts a completion at the first stop token, as MultiPL-E does', () => {
    expect(cutAtStop('  return 1;\n}\nint main() {}', ['\n}'])).toBe('  return 1;');
    expect(cutAtStop('x\n// a\nfunction f', MULTIPLE_STOPS.js)).toBe('x');
    expect(cutAtStop('no stop', MULTIPLE_STOPS.go)).toBe('no stop');
  });
});

describe('MultiPL-E scoring in the multi-language sandbox', () => {
  it.each(LANGUAGES)(
    '%s: reference completions pass, wrong completions fail (HumanEval 0, 13, 23)',
    async (lang) => {
      const v = await getTask(`multipl-e:humaneval-${lang}`);
      const { items } = await v.loadItems(ctx);
      const scorer = track(await v.createScorer(ctx));
      const refs = referenceCompletions(lang);
      const jobs = Object.entries(refs).flatMap(([id, [good, bad]]) => {
        const item = items.find((i) => i.id === id)!;
        expect(item, id).toBeDefined();
        return [
          scorer.score(item, gen(item, good), ctx).then((r) => ({ id, kind: 'good', r })),
          scorer.score(item, gen(item, bad), ctx).then((r) => ({ id, kind: 'bad', r })),
        ];
      });
      for (const { id, kind, r } of await Promise.all(jobs)) {
        if (kind === 'good') expect(r.scores, `${lang} ${id}: ${r.reason}`).toEqual({ pass: 1 });
        else {
          expect(r.scores, `${lang} ${id} wrong answer`).toEqual({ pass: 0 });
          expect(r.reason, `${lang} ${id}`).toMatch(/exit code|killed|FAIL|assert/i);
        }
      }
    },
    600_000,
  );

  it('a completion that does not compile is a failed sample with the compiler message', async () => {
    const v = await getTask('multipl-e:humaneval-rs');
    const { items } = await v.loadItems(ctx);
    const scorer = track(await v.createScorer(ctx));
    const r = await scorer.score(items[0], gen(items[0], '    this is not rust\n'), ctx);
    expect(r.scores).toEqual({ pass: 0 });
    expect(r.details?.status).toBe('compile_error');
    expect(r.reason).toMatch(/compile failed/);
  }, 300_000);
});
