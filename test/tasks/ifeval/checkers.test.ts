/** Per-checker boundary tests: hand-written responses sitting exactly on each threshold. */
import { describe, expect, it } from 'vitest';
import {
  buildChecker,
  countSentences,
  countWords,
  INSTRUCTION_IDS,
} from '../../../src/tasks/ifeval/index.js';
import { EvalkitError } from '../../../src/util/errors.js';

const check = (id: string, kw: Record<string, unknown>, text: string) => buildChecker(id, kw)(text);
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
const sentences = (n: number) =>
  Array.from({ length: n }, (_, i) => `This is sentence number ${i + 1}.`).join(' ');

describe('IFEval checkers', () => {
  it('covers exactly the 25 instruction types', () => {
    expect(INSTRUCTION_IDS).toHaveLength(25);
  });

  it('length_constraints:number_words — RegexpTokenizer(\\w+) count, N-1/N/N+1', () => {
    expect(countWords("don't stop-me now, 3.5 café_x")).toBe(8); // don,t,stop,me,now,3,5,café_x → Unicode \w+ runs
    const id = 'length_constraints:number_words';
    expect(check(id, { num_words: 10, relation: 'at least' }, words(9))).toBe(false);
    expect(check(id, { num_words: 10, relation: 'at least' }, words(10))).toBe(true);
    expect(check(id, { num_words: 10, relation: 'less than' }, words(10))).toBe(false);
    expect(check(id, { num_words: 10, relation: 'less than' }, words(9))).toBe(true);
    expect(check(id, { num_words: 10, relation: 'at least' }, words(11))).toBe(true);
  });

  it('length_constraints:number_sentences — Punkt, N-1/N/N+1 and edge punctuation', () => {
    const id = 'length_constraints:number_sentences';
    for (const n of [2, 3, 4]) expect(countSentences(sentences(n))).toBe(n);
    expect(check(id, { num_sentences: 3, relation: 'at least' }, sentences(2))).toBe(false);
    expect(check(id, { num_sentences: 3, relation: 'at least' }, sentences(3))).toBe(true);
    expect(check(id, { num_sentences: 3, relation: 'less than' }, sentences(3))).toBe(false);
    expect(check(id, { num_sentences: 3, relation: 'less than' }, sentences(2))).toBe(true);
    // Known abbreviations do not end sentences; "?!" / "!!!" end once; quotes realign; "e.g." (not in the model) does.
    expect(countSentences('Mr. Smith went to Washington. He stayed.')).toBe(2);
    expect(countSentences('Really?! Yes!!! Fine.')).toBe(3);
    expect(countSentences('He said "stop." Then he left.')).toBe(2);
    expect(countSentences('Use tools e.g. hammers.')).toBe(2);
    // A number before a capitalised word keeps its break (NLTK: ['Version 3.5 is out.', '1.', 'First item']).
    expect(countSentences('Version 3.5 is out. 1. First item')).toBe(3);
    expect(countSentences('')).toBe(0);
    expect(countSentences('No final period')).toBe(1);
  });

  it('length_constraints:number_paragraphs — *** dividers, blank edges ok, blank middle fails', () => {
    const id = 'length_constraints:number_paragraphs';
    const kw = { num_paragraphs: 3 };
    expect(check(id, kw, 'a\n***\nb')).toBe(false);
    expect(check(id, kw, 'a\n***\nb\n***\nc')).toBe(true);
    expect(check(id, kw, 'a\n***\nb\n***\nc\n***\nd')).toBe(false);
    expect(check(id, kw, '***\na\n***\nb\n***\nc\n***')).toBe(true);
    expect(check(id, kw, 'a\n***\n\n***\nb\n***\nc')).toBe(false);
  });

  it('length_constraints:nth_paragraph_first_word — "\\n\\n" paragraphs, punctuation and quotes trimmed', () => {
    const id = 'length_constraints:nth_paragraph_first_word';
    const kw = { num_paragraphs: 2, nth_paragraph: 2, first_word: 'Bonus' };
    expect(check(id, kw, 'One.\n\n"Bonus," he said.')).toBe(true);
    expect(check(id, kw, 'One.\n\nbonus. more')).toBe(true);
    expect(check(id, kw, 'One.\n\nBonuses here')).toBe(false);
    expect(check(id, kw, 'One.\n\nBonus\n\nThree')).toBe(false);
    expect(check(id, kw, 'Only one paragraph')).toBe(false);
  });

  it('detectable_content:number_placeholders — [..] on one line, at least N', () => {
    const id = 'detectable_content:number_placeholders';
    expect(check(id, { num_placeholders: 2 }, '[a] and [\nb]')).toBe(false);
    expect(check(id, { num_placeholders: 2 }, '[a] and [b]')).toBe(true);
    expect(check(id, { num_placeholders: 2 }, '[]x[b][c]')).toBe(true);
  });

  it('detectable_content:postscript — P.S. / P.P.S variants anywhere, case-insensitive', () => {
    const id = 'detectable_content:postscript';
    expect(check(id, { postscript_marker: 'P.S.' }, 'Body\n\np.s. see you')).toBe(true);
    expect(check(id, { postscript_marker: 'P.S.' }, 'Body\nPS see you')).toBe(false);
    expect(check(id, { postscript_marker: 'P.P.S' }, 'Body\nP. P. S more')).toBe(true);
    expect(check(id, { postscript_marker: 'P.P.S' }, 'Body\nP.S. only')).toBe(false);
  });

  it('detectable_format:number_bullet_lists — "* " and "- " lines, nested count, ** excluded, exact N', () => {
    const id = 'detectable_format:number_bullet_lists';
    const kw = { num_bullets: 3 };
    expect(check(id, kw, '* a\n* b')).toBe(false);
    expect(check(id, kw, '* a\n* b\n- c')).toBe(true);
    expect(check(id, kw, '* a\n  * nested\n    - deeper')).toBe(true);
    expect(check(id, kw, '* a\n* b\n* c\n* d')).toBe(false);
    expect(check(id, kw, '**bold** line\n* a\n* b\n* c')).toBe(true);
    expect(check(id, kw, '* a\n* b\n* c\n---')).toBe(false); // a markdown rule counts as a "-" line
  });

  it('detectable_format:number_highlighted_sections — *x* and **x** both count, blank ones do not', () => {
    const id = 'detectable_format:number_highlighted_sections';
    expect(check(id, { num_highlights: 2 }, '*one* and ** ** and *\ntwo*')).toBe(false);
    expect(check(id, { num_highlights: 2 }, '*one* and *two*')).toBe(true);
    // "**bold**": the single-star pattern only finds the blank "**" pairs; the double pattern counts it once.
    expect(check(id, { num_highlights: 1 }, '**bold**')).toBe(true);
    expect(check(id, { num_highlights: 2 }, '**bold**')).toBe(false);
    expect(check(id, { num_highlights: 2 }, '**bold** and *it*')).toBe(true);
  });

  it('detectable_format:multiple_sections — "SECTION X" splitter, at least N', () => {
    const id = 'detectable_format:multiple_sections';
    const kw = { section_spliter: 'SECTION', num_sections: 2 };
    expect(check(id, kw, 'SECTION 1\nintro')).toBe(false);
    expect(check(id, kw, 'SECTION 1\nintro\nSECTION 2\nend')).toBe(true);
    expect(check(id, kw, 'Section 1\nSection 2')).toBe(false);
  });

  it('detectable_format:json_format — raw JSON, fenced ```json, invalid', () => {
    const id = 'detectable_format:json_format';
    expect(check(id, {}, ' {"a": [1, 2]} ')).toBe(true);
    expect(check(id, {}, '```json\n{"a": 1}\n```')).toBe(true);
    expect(check(id, {}, '```JSON\n[1, NaN]\n```')).toBe(true); // Python json.loads accepts NaN
    expect(check(id, {}, 'Here is JSON:\n```json\n{"a": 1}\n```')).toBe(false);
    expect(check(id, {}, '```json\n{"a": 1,}\n```')).toBe(false);
  });

  it('detectable_format:title, constrained_response', () => {
    expect(check('detectable_format:title', {}, 'x <<My Title>> y')).toBe(true);
    expect(check('detectable_format:title', {}, '<< >> and <<\nx>>')).toBe(false);
    expect(check('detectable_format:constrained_response', {}, 'I think... My answer is maybe.')).toBe(true);
    expect(check('detectable_format:constrained_response', {}, 'My answer is yes')).toBe(false);
  });

  it('keywords:existence / frequency are substring regexes; forbidden_words uses word boundaries', () => {
    expect(check('keywords:existence', { keywords: ['cat', 'Dog'] }, 'A category of dogs')).toBe(true);
    expect(check('keywords:existence', { keywords: ['cat', 'bird'] }, 'A category of dogs')).toBe(false);
    const f = 'keywords:frequency';
    expect(check(f, { keyword: 'war', frequency: 3, relation: 'at least' }, 'war War warning')).toBe(true);
    expect(check(f, { keyword: 'war', frequency: 3, relation: 'at least' }, 'war War')).toBe(false);
    expect(check(f, { keyword: 'war', frequency: 3, relation: 'less than' }, 'war War')).toBe(true);
    expect(check(f, { keyword: 'war', frequency: 3, relation: 'less than' }, 'war war war')).toBe(false);
    const fw = 'keywords:forbidden_words';
    expect(check(fw, { forbidden_words: ['rock'] }, 'Rocky roads')).toBe(true);
    expect(check(fw, { forbidden_words: ['rock'] }, 'We ROCK!')).toBe(false);
    expect(check(fw, { forbidden_words: ['café'] }, 'cafés')).toBe(true); // Unicode \b like Python
  });

  it('keywords:letter_frequency — counts the lowercased letter, N-1/N/N+1', () => {
    const id = 'keywords:letter_frequency';
    expect(check(id, { letter: 'o', let_frequency: 3, let_relation: 'at least' }, 'Oo')).toBe(false);
    expect(check(id, { letter: 'o', let_frequency: 3, let_relation: 'at least' }, 'Ooo')).toBe(true);
    expect(check(id, { letter: 'o', let_frequency: 3, let_relation: 'less than' }, 'Ooo')).toBe(false);
    // a non-letter such as '#': see letter-frequency-non-letter.test.ts
    expect(check(id, { letter: '#', let_frequency: 2, let_relation: 'at least' }, '#a #b')).toBe(false);
  });

  it('language:response_language and english case checks (langdetect; no features counts as followed)', () => {
    const de = 'Das ist ein kurzer deutscher Text über das Wetter in Berlin und die Menschen dort.';
    expect(check('language:response_language', { language: 'de' }, de)).toBe(true);
    expect(check('language:response_language', { language: 'fr' }, de)).toBe(false);
    expect(check('language:response_language', { language: 'hi' }, '12345 !!!')).toBe(true);
    const en = 'the weather today is sunny and warm, and we are going to the beach with our friends.';
    expect(check('change_case:english_lowercase', {}, en)).toBe(true);
    expect(check('change_case:english_lowercase', {}, en.replace('the', 'The'))).toBe(false);
    expect(
      check('change_case:english_capital', {}, 'THE WEATHER TODAY IS SUNNY AND WARM, SO WE GO OUT.'),
    ).toBe(true);
    expect(check('change_case:english_capital', {}, 'THE WEATHER TODAY is SUNNY.')).toBe(false);
  });

  it('change_case:capital_word_frequency — nltk.word_tokenize tokens with isupper()', () => {
    const id = 'change_case:capital_word_frequency';
    // "DON'T" → "DO" + "N'T" (2), "I" counts, "A-B" stays one token, "3D" counts (isupper ignores digits).
    const text = "DON'T panic, I said. A-B test 3D ok";
    expect(check(id, { capital_frequency: 5, capital_relation: 'at least' }, text)).toBe(true);
    expect(check(id, { capital_frequency: 6, capital_relation: 'at least' }, text)).toBe(false);
    expect(check(id, { capital_frequency: 5, capital_relation: 'less than' }, text)).toBe(false);
    expect(check(id, { capital_frequency: 6, capital_relation: 'less than' }, text)).toBe(true);
  });

  it('punctuation:no_comma, startend:quotation, startend:end_checker', () => {
    expect(check('punctuation:no_comma', {}, 'a; b. c')).toBe(true);
    expect(check('punctuation:no_comma', {}, 'a, b')).toBe(false);
    expect(check('startend:quotation', {}, '  "wrapped"\n')).toBe(true);
    expect(check('startend:quotation', {}, '"')).toBe(false);
    expect(check('startend:quotation', {}, '"open')).toBe(false);
    const e = 'startend:end_checker';
    expect(check(e, { end_phrase: 'Any other questions?' }, 'Text. any other questions?"  ')).toBe(true);
    expect(check(e, { end_phrase: 'Any other questions?' }, 'Any other questions? Bye')).toBe(false);
  });

  it('combination:two_responses and repeat_prompt', () => {
    const t = 'combination:two_responses';
    expect(check(t, {}, 'A\n******\nB')).toBe(true);
    expect(check(t, {}, '******\nA\n******\nB\n******')).toBe(true);
    expect(check(t, {}, 'A\n******\nA ')).toBe(false);
    expect(check(t, {}, 'A\n******\n\n******\nB')).toBe(false);
    expect(check(t, {}, 'A\n******\nB\n******\nC')).toBe(false);
    const r = 'combination:repeat_prompt';
    expect(check(r, { prompt_to_repeat: 'Write a poem.' }, '  write a POEM. Roses are red')).toBe(true);
    expect(check(r, { prompt_to_repeat: 'Write a poem.' }, 'Sure! Write a poem.')).toBe(false);
  });

  it('bad kwargs are dataset errors, not verdicts', () => {
    expect(() =>
      buildChecker('keywords:frequency', { keyword: 'x', frequency: 2, relation: 'at most' }),
    ).toThrow(EvalkitError);
    expect(() => buildChecker('length_constraints:number_words', { relation: 'at least' })).toThrow(
      /num_words/,
    );
    expect(() => buildChecker('nope:nope', {})).toThrow(/unknown IFEval instruction/);
  });
});
