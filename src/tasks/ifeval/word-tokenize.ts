/**
 * `nltk.word_tokenize` (NLTK 3.8): Punkt sentence split, then the improved Treebank tokenizer
 * (NLTKWordTokenizer) on each sentence. IFEval's capital-word-frequency checker counts the tokens
 * of this tokenizer that satisfy `str.isupper()` (google-research instruction_following_eval
 * instructions.py, CapitalWordFrequencyChecker), so what matters is where it splits cased text:
 * contractions ("DON'T" → "DO", "N'T"), curly quotes, `?!;@#$%&*`, brackets, `--`, `:`/`,` before
 * non-digits. Rules re-expressed from NLTK `nltk/tokenize/destructive.py` (NLTKWordTokenizer and
 * MacIntyreContractions), with Python's Unicode `\w`/`\b`/`\d`/`\s`.
 */
import { punktSentences } from './punkt.js';
import { PY_WORD_BOUNDARY as B, PY_WORD_CHAR as W, pySplitWhitespace } from '../../util/py-text.js';

const S = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
type Rule = [RegExp, string];
const r = (src: string, flags = ''): RegExp => new RegExp(src, 'gu' + flags);

const STARTING_QUOTES: Rule[] = [
  [r('([«“‘„]|[`]+)'), ' $1 '],
  [r('^"'), '``'],
  [r('(``)'), ' $1 '],
  [r('([ (\\[{<])("|\'{2})'), '$1 `` '],
  [r(`(')(?!re|ve|ll|m|t|s|d|n)(${W})${B}`, 'i'), '$1 $2'],
];
const PUNCTUATION: Rule[] = [
  [r(`([^.])(\\.)([\\])}>"'»”’ ]*)${S}*$`), '$1 $2 $3 '],
  [r('([:,])([^\\p{Nd}])'), ' $1 $2'],
  [r('([:,])$'), ' $1 '],
  [r('\\.{2,}'), ' $& '],
  [r('[;@#$%&]'), ' $& '],
  [r(`([^.])(\\.)([\\])}>"']*)${S}*$`), '$1 $2$3 '],
  [r('[?!]'), ' $& '],
  [r("([^'])' "), "$1 ' "],
  [r('[*]'), ' $& '],
];
const PARENS_BRACKETS: Rule = [r('[\\][(){}<>]'), ' $& '];
const DOUBLE_DASHES: Rule = [r('--'), ' -- '];
const ENDING_QUOTES: Rule[] = [
  [r('([»”’])'), ' $1 '],
  [r("''"), " '' "],
  [r('"'), " '' "],
  [r("([^' ])('[sS]|'[mM]|'[dD]|') "), '$1 $2 '],
  [r("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), '$1 $2 '],
];
const CONTRACTIONS: Rule[] = [
  ...[
    `${B}(can)(not)${B}`,
    `${B}(d)('ye)${B}`,
    `${B}(gim)(me)${B}`,
    `${B}(gon)(na)${B}`,
    `${B}(got)(ta)${B}`,
    `${B}(lem)(me)${B}`,
    `${B}(more)('n)${B}`,
    `${B}(wan)(na)(?=${S})`,
    ` ('t)(is)${B}`,
    ` ('t)(was)${B}`,
  ].map((src): Rule => [r(src, 'i'), ' $1 $2 ']),
];

/** NLTKWordTokenizer.tokenize on one sentence. */
export function treebankTokenize(sentence: string): string[] {
  let text = sentence;
  for (const [re, sub] of STARTING_QUOTES) text = text.replace(re, sub);
  for (const [re, sub] of PUNCTUATION) text = text.replace(re, sub);
  text = text.replace(PARENS_BRACKETS[0], PARENS_BRACKETS[1]);
  text = text.replace(DOUBLE_DASHES[0], DOUBLE_DASHES[1]);
  text = ' ' + text + ' ';
  for (const [re, sub] of ENDING_QUOTES) text = text.replace(re, sub);
  for (const [re, sub] of CONTRACTIONS) text = text.replace(re, sub);
  return pySplitWhitespace(text);
}

/** nltk.word_tokenize(text) with the English Punkt model. */
export function nltkWordTokenize(text: string): string[] {
  return punktSentences(text).flatMap(treebankTokenize);
}
