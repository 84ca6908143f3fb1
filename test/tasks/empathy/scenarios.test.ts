/**
 * Schema check of every empathy scenario in data/empathy-scenarios/, the coverage the issue asks for, and the
 * errors a broken scenario file gets (file, line, field).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadScenarios,
  parseRubricVerdict,
  rubricMessages,
  scenarioSchema,
} from '../../../src/tasks/empathy/index.js';

const REQUIRED_SITUATIONS = [
  'beginner-error',
  'post-incident',
  'code-review-blame',
  'burned-out-maintainer',
  'vague-bug-report',
  'hostile-user',
  'wrong-about-cause',
];

describe('empathy scenarios', () => {
  const { scenarios, use } = loadScenarios();

  it('every scenario passes the schema', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(60);
    for (const s of scenarios) {
      const { situation, ...raw } = s;
      expect(scenarioSchema.safeParse(raw).success, s.id).toBe(true);
      expect(s.id.startsWith(`${situation}/`)).toBe(true);
    }
    expect(new Set(scenarios.map((s) => s.id)).size).toBe(scenarios.length);
    expect(use.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('covers the required situations, with multi-turn scenarios', () => {
    const bySituation = new Map<string, number>();
    for (const s of scenarios) bySituation.set(s.situation, (bySituation.get(s.situation) ?? 0) + 1);
    for (const sit of REQUIRED_SITUATIONS) expect(bySituation.get(sit) ?? 0, sit).toBeGreaterThanOrEqual(5);
    expect(scenarios.filter((s) => s.followUps?.length).length).toBeGreaterThanOrEqual(12);
  });

  it('the judge prompt lists every fact and the verdict parser wants one boolean per fact', () => {
    const s = scenarios.find((x) => x.followUps?.length)!;
    const msgs = rubricMessages(s, [
      { role: 'user', content: s.opening },
      { role: 'assistant', content: 'answer 1' },
      { role: 'user', content: s.followUps![0] },
      { role: 'assistant', content: 'answer 2' },
    ]);
    for (const f of s.facts) expect(msgs[1].content).toContain(f);
    expect(msgs[1].content).toContain('### Assistant:\nanswer 2');
    const ok = `Fine.\nVERDICT: {"technical_correctness": 7, "acknowledgement": 5, "respect": 9, "actionable_next_steps": 6, "facts": [${s.facts.map(() => 'true').join(', ')}]}`;
    expect(parseRubricVerdict(ok, s.facts.length)).toMatchObject({
      ok: true,
      value: { scores: { respect: 9 } },
    });
    expect(parseRubricVerdict(ok.replace('"respect": 9', '"respect": 9.5'), s.facts.length).ok).toBe(false);
    expect(parseRubricVerdict(ok.replace('VERDICT:', ''), s.facts.length).ok).toBe(false);
    expect(parseRubricVerdict(ok, s.facts.length + 1).ok).toBe(false);
  });

  it('a broken scenario file fails with file, line and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'empathy-bad-'));
    writeFileSync(
      join(dir, 'hostile-user.yaml'),
      '- id: hostile-user/x\n  title: t\n  persona: p\n  opening: this opening message is long enough\n  facts: [only one]\n  pitfalls: [p]\n',
    );
    expect(() => loadScenarios(dir)).toThrow(/hostile-user\.yaml:5: scenario 1: facts: /);
    writeFileSync(
      join(dir, 'hostile-user.yaml'),
      '- id: beginner-error/x\n  title: t\n  persona: p\n  opening: this opening message is long enough\n  facts: [a, b]\n  pitfalls: [p]\n',
    );
    expect(() => loadScenarios(dir)).toThrow(
      /hostile-user\.yaml:1: id "beginner-error\/x" must start with "hostile-user\/"/,
    );
  });
});
