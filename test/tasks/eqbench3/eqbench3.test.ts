/**
 * EQ-Bench 3: scenario parsing (45 scenarios with turns, 92 turns), the judge prompt assembled from the published files,
 * strict rubric parsing, and the pairwise verdict rule checked against the 6,362 complete published pairwise
 * judgments of the pre-release archive (plus counts, outcome and fractional result for every one).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  fractionForTest,
  outputFormat,
  parseRubricScores,
  parseScenarioPrompts,
  parseSections,
  tallyPairwise,
} from '../../../src/tasks/eqbench3/index.js';

const DIR = join(process.env.EVALKIT_DATA_DIR!, 'eqbench3');

describe('EQ-Bench 3', () => {
  it('parses the scenarios like the harness: 45 with turns (409 has "####### 1", not "Prompt1"), 92 turns', () => {
    const path = join(DIR, 'data', 'scenario_prompts.txt');
    const text = readFileSync(path, 'utf8');
    const s = parseScenarioPrompts(text, path);
    expect(text.match(/^######## /gm)).toHaveLength(46);
    expect(s).toHaveLength(45);
    expect(s.map((x) => x.id)).not.toContain('409');
    expect(s.reduce((n, x) => n + x.prompts.length, 0)).toBe(92);
    expect(s.filter((x) => x.kind === 'analysis')).toHaveLength(19);
    expect(s.filter((x) => x.kind === 'drafting').map((x) => x.id)).toEqual(['208']);
    expect(s[0]).toMatchObject({ id: '1', category: 'Work Dilemma', title: 'Lunchroom Theft Scapegoat' });
    expect(s[0].prompts[0].startsWith('[This is a role-play')).toBe(true);
  });

  it('builds the output-format skeleton like json.dumps(indent=2) and parses rubric verdicts strictly', () => {
    const crit = ['demonstrated_empathy', 'pragmatic_ei'];
    expect(outputFormat(crit)).toBe(
      '{\n  "chain_of_thought_reasoning": "detailed chain of thought reasoning about the coming scoring decisions",\n  "demonstrated_empathy": 0-20,\n  "pragmatic_ei": 0-20\n}',
    );
    expect(
      parseRubricScores(
        '{"chain_of_thought_reasoning": "x", "demonstrated_empathy": 14, "pragmatic_ei": 12.5}',
        crit,
      ),
    ).toEqual({
      ok: true,
      value: { demonstrated_empathy: 14, pragmatic_ei: 12.5 },
    });
    expect(parseRubricScores('{"demonstrated_empathy": 14}', crit).ok).toBe(false);
    expect(parseRubricScores('{"demonstrated_empathy": 21, "pragmatic_ei": 3}', crit).ok).toBe(false);
  });

  it('reads the role-play sections of a reply', () => {
    const r =
      "# I’m thinking & feeling\nworried\n# They're thinking & feeling\nangry\n# My response\nI say hi\n--\nextra";
    expect(parseSections('roleplay', r)).toEqual({
      thinking_feeling: 'worried',
      their_thinking_feeling: 'angry',
      response: 'I say hi',
    });
  });

  it('reproduces every published pairwise judgment (plus counts, outcome, fraction)', () => {
    const archive = JSON.parse(
      gunzipSync(
        readFileSync(join(DIR, 'results', 'canonical_leaderboard_elo_results.prerelease-2025-04-28.json.gz')),
      ).toString('utf8'),
    );
    const comps = (archive.__metadata__.global_pairwise_comparisons as Array<Record<string, any>>).filter(
      (c) => !c.error,
    );
    expect(comps).toHaveLength(6362);
    let mismatches = 0;
    for (const c of comps) {
      const t = tallyPairwise(c.judge_response);
      const testIsA = c.order.startsWith('A0493:test');
      const plusTest = testIsA ? t.plusA : t.plusB;
      const plusOther = testIsA ? t.plusB : t.plusA;
      const outcome = t.outcomeForA === 0.5 ? 0.5 : testIsA ? t.outcomeForA : 1 - t.outcomeForA;
      const f = fractionForTest(outcome, plusTest, plusOther, { blend: true });
      if (
        plusTest !== c.plus_for_test ||
        plusOther !== c.plus_for_other ||
        outcome !== c.outcome_for_test_model ||
        Math.abs(f - c.fraction_for_test) > 1e-12
      )
        mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});
