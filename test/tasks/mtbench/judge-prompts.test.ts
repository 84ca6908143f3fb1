/**
 * MT-Bench judge prompts are rebuilt byte for byte: for each of the 160 official GPT-4 judgments of
 * Llama-2-7b-chat (every question, both turns) evalkit's template choice and assembly from
 * judge_prompts.jsonl + question.jsonl + reference_answer/gpt-4.jsonl reproduce the stored `user_prompt`,
 * and evalkit's strict rating parser reads the stored `score` from every stored `judgment`.
 */
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { parseBracketRating } from '../../../src/judge/parsers.js';
import {
  formatTemplate,
  loadJudgeTemplates,
  loadMtbenchQuestions,
  singleJudgeMessages,
  singleTemplateName,
} from '../../../src/tasks/mtbench/index.js';
import { llama2Answers, llama2Judgments } from './fastchat-reference.js';

describe('MT-Bench judge prompts (FastChat llm_judge)', () => {
  it('rebuilds all 160 official judge prompts byte-exactly and parses every official rating', async () => {
    const datasets = new DatasetResolver();
    const { questions } = await loadMtbenchQuestions(datasets);
    const { templates } = await loadJudgeTemplates(datasets);
    const answers = llama2Answers();
    const judgments = llama2Judgments();
    expect(questions).toHaveLength(80);
    expect(judgments).toHaveLength(160);
    const seen = new Set<string>();
    let mismatches = 0;
    for (const j of judgments) {
      const q = questions.find((x) => x.question_id === j.question_id)!;
      const a = answers.get(j.question_id)!;
      expect(singleTemplateName(q, j.turn)).toBe(j.judge[1]);
      const { messages, template } = singleJudgeMessages(templates, q, a, j.turn);
      expect(template).toBe(j.judge[1]);
      expect(messages[0]).toEqual({ role: 'system', content: templates.get(template)!.system_prompt });
      if (messages[1].content !== j.user_prompt) mismatches++;
      const parsed = parseBracketRating(j.judgment);
      expect(parsed).toEqual({ ok: true, value: j.score });
      seen.add(`${j.question_id}:${j.turn}`);
    }
    expect(mismatches).toBe(0);
    expect(seen.size).toBe(160); // every question, both turns
  });

  it('uses the GPT-4 reference file, not question.jsonl `reference`, for math/reasoning/coding', async () => {
    const { questions } = await loadMtbenchQuestions(new DatasetResolver());
    const withRef = questions.filter((q) => q.reference);
    expect(withRef).toHaveLength(30);
    expect(new Set(withRef.map((q) => q.category))).toEqual(new Set(['math', 'reasoning', 'coding']));
  });

  it('fills templates like Python str.format', () => {
    expect(formatTemplate('{a} {{b}} {a}', { a: 'x{y}' })).toBe('x{y} {b} x{y}');
    expect(() => formatTemplate('{missing}', {})).toThrow(/missing/);
  });
});
