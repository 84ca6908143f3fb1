/**
 * Punkt sentence tokenizer (Kiss & Strunk 2006) as NLTK implements it, with NLTK's pre-trained English
 * parameters. IFEval counts sentences with `nltk.data.load("tokenizers/punkt/english.pickle").tokenize`
 * (google-research instruction_following_eval/instructions_util.py `count_sentences`), and
 * `nltk.word_tokenize` (used for capital-word frequency) splits sentences with the same model, so
 * the sentence-count verdicts depend on reproducing this algorithm exactly.
 *
 * Written from the algorithm as documented in NLTK 3.8 `nltk/tokenize/punkt.py`
 * (PunktLanguageVars, PunktToken, PunktSentenceTokenizer: `_match_potential_end_contexts`,
 * `_slices_from_text`, `_realign_boundaries`, first/second-pass annotation, orthographic heuristic).
 *
 * Parameters: abbreviation types, collocations and frequent sentence starters are NLTK's English
 * model (nltk_data `tokenizers/punkt_tab/english/{abbrev_types.txt,collocations.tab,sent_starters.txt}`,
 * Apache-2.0, the tabular export of `punkt/english.pickle`). The model's orthographic-context table
 * (ortho_context.tab, ~20k word types, 236 KB) is NOT embedded: by default every word is treated as
 * unseen (context 0). This only matters after an abbreviation, an ellipsis, an initial or a number
 * followed by a word; see docs/fidelity.md#ifeval for the measured effect on the GPT-4 reference.
 * Callers can pass their own ortho table.
 */
import { isPySpace } from '../../util/py-text.js';

// Orthographic context flags (NLTK punkt.py).
const ORTHO_BEG_UC = 1 << 1;
const ORTHO_MID_UC = 1 << 2;
const ORTHO_UNK_UC = 1 << 3;
const ORTHO_BEG_LC = 1 << 4;
const ORTHO_MID_LC = 1 << 5;
const ORTHO_UNK_LC = 1 << 6;
const ORTHO_UC = ORTHO_BEG_UC + ORTHO_MID_UC + ORTHO_UNK_UC;
const ORTHO_LC = ORTHO_BEG_LC + ORTHO_MID_LC + ORTHO_UNK_LC;

export interface PunktParameters {
  abbrevTypes: ReadonlySet<string>;
  /** "typ\tnext_typ" pairs. */
  collocations: ReadonlySet<string>;
  sentStarters: ReadonlySet<string>;
  /** word type → orthographic flags; missing = 0. */
  orthoContext: (typ: string) => number;
}

// NLTK English Punkt model, abbrev_types.txt (order irrelevant). Attribution: nltk_data punkt_tab/english.
const EN_ABBREV =
  `ct m.j t a.c n.h ms p.a.m dr pa p.m u.k st dec u.s.a lt g.k adm p h.m ga tenn yr sen n.c j.j d.h s.g inc vs
s.p.a a.t n feb sr jan s.a.y n.y col g.f c.o.m.b d ft va r.k e.f chg r.i a.g minn a.h k n.j m l.f f.j gen i.m.s s.a aug j.p
okla m.d.c ltd oct s vt r.a j.c ariz w.w b.v ore h w.r e.h mrs cie corp w n.v a.d r.j ok e.m w.c ill nov u.s prof conn
u.s.s.r mg f.g ph.d g calif messrs h.f wash tues sw bros u.n l wis mr sep d.c ave e.l co s.s reps c r.t h.c r wed a.s v
fla jr r.h c.v m.b.a rep a.a e c.i.t l.a b.f j.b d.w j.k ala f w.va sept mich n.m j.r l.p s.c colo fri a.m g.d kan maj
ky a.m.e n.d t.j cos nev`
    .split(/\s+/)
    .filter(Boolean);
// The model also lists the odd type ". . " (with spaces); it can never equal a whitespace-free token.
const EN_ABBREV_EXTRA = ['. . '];

// collocations.tab (typ, next_typ).
const EN_COLLOCATIONS =
  `##number##:international ##number##:rj ##number##:commodities ##number##:cooper b:stewart
##number##:genentech ##number##:wedgestone i:toussie ##number##:pepper j:fialka o:ludcke ##number##:insider ##number##:aes
i:magnin ##number##:credit ##number##:corrections ##number##:financing ##number##:henley ##number##:business
##number##:pay-fone b:wigton b:edelman b:levine ##number##:leisure b:smith j:walter ##number##:pegasus ##number##:dividend
j:aron ##number##:review ##number##:abreast ##number##:who ##number##:letters ##number##:colgate ##number##:cbot
##number##:notable ##number##:zimmer`
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => p.replace(':', '\t'));

// sent_starters.txt.
const EN_SENT_STARTERS =
  `most he since so both these it nevertheless this indeed however instead under similarly some though
while when in despite although nonetheless thus there if the nor separately moreover but they yet many according sales
among meanwhile even i`
    .split(/\s+/)
    .filter(Boolean);

export const ENGLISH_PARAMS: PunktParameters = {
  abbrevTypes: new Set([...EN_ABBREV, ...EN_ABBREV_EXTRA]),
  collocations: new Set(EN_COLLOCATIONS),
  sentStarters: new Set(EN_SENT_STARTERS),
  orthoContext: () => 0,
};

// ── PunktLanguageVars regexes (English defaults) ──
const S = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const NS = S.replace('[', '[^');
const NON_WORD = `(?:[)";}\\]*:@'({\\[?!])`;
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.${S}){2,}\\.)`;
const WORD_START = '[^("`{\\[:;&#*@)}\\]\\-,]';
const WORD_TOKENIZE_RE = new RegExp(
  `${MULTI_CHAR}|(?=${WORD_START})${NS}+?(?=${S}|$|${NON_WORD}|${MULTI_CHAR}|,(?=$|${S}|${NON_WORD}|${MULTI_CHAR}))|${NS}`,
  'gu',
);
const PERIOD_CONTEXT_RE = new RegExp(`[.?!](?=(?<after>${NON_WORD}|${S}+(?<next>${NS}+)))`, 'gu');
const BOUNDARY_REALIGN_RE = new RegExp(`^["')\\]}]+?(?:${S}+|(?=--)|$)`, 'u');
const RE_NUMERIC = /^-?[.,]?\p{Nd}[\p{Nd},.-]*\.?$/u;
const RE_ELLIPSIS = /^\.\.+$/;
// Python `[^\W\d]\.$`: a word character that is not a decimal digit, then a final period.
const RE_INITIAL = /^[\p{L}\p{N}_](?<!\p{Nd})\.$/u;
const PUNCTUATION = new Set([';', ':', ',', '.', '!', '?']);
const SENT_END_CHARS = new Set(['.', '?', '!']);
const ASCII_WHITESPACE = new Set([' ', '\t', '\n', '\r', '\x0b', '\x0c']);

const UPPER = /\p{Uppercase}/u;
const LOWER = /\p{Lowercase}/u;
const TITLE = /\p{Lt}/u;
const firstChar = (s: string): string => String.fromCodePoint(s.codePointAt(0)!);
const charIsUpper = (c: string) => UPPER.test(c) && !LOWER.test(c) && !TITLE.test(c);
const charIsLower = (c: string) => LOWER.test(c) && !UPPER.test(c) && !TITLE.test(c);

class Token {
  readonly type: string;
  readonly periodFinal: boolean;
  sentbreak = false;
  abbr = false;
  ellipsis = false;
  constructor(readonly tok: string) {
    const lower = tok.toLowerCase();
    this.type = RE_NUMERIC.test(lower) ? '##number##' : lower;
    this.periodFinal = tok.endsWith('.');
  }
  get typeNoPeriod(): string {
    return this.type.length > 1 && this.type.endsWith('.') ? this.type.slice(0, -1) : this.type;
  }
  get typeNoSentperiod(): string {
    return this.sentbreak ? this.typeNoPeriod : this.type;
  }
  get firstUpper(): boolean {
    return charIsUpper(firstChar(this.tok));
  }
  get firstLower(): boolean {
    return charIsLower(firstChar(this.tok));
  }
  get isEllipsis(): boolean {
    return RE_ELLIPSIS.test(this.tok);
  }
  get isInitial(): boolean {
    return RE_INITIAL.test(this.tok);
  }
}

/** Punkt's word segmentation (splits punctuation other than periods off words), line by line. */
export function punktWordTokenize(text: string): string[] {
  const out: string[] = [];
  // NLTK skips blank lines (they only mark paragraph starts, which sentence splitting ignores).
  for (const line of text.split('\n')) {
    for (const m of line.matchAll(WORD_TOKENIZE_RE)) out.push(m[0]);
  }
  return out;
}

function firstPass(t: Token, p: PunktParameters): void {
  const tok = t.tok;
  if (SENT_END_CHARS.has(tok)) t.sentbreak = true;
  else if (t.isEllipsis) t.ellipsis = true;
  else if (t.periodFinal && !tok.endsWith('..')) {
    const base = tok.slice(0, -1).toLowerCase();
    const parts = base.split('-');
    if (p.abbrevTypes.has(base) || p.abbrevTypes.has(parts[parts.length - 1])) t.abbr = true;
    else t.sentbreak = true;
  }
}

function orthoHeuristic(t: Token, p: PunktParameters): boolean | 'unknown' {
  if (PUNCTUATION.has(t.tok)) return false;
  const ctx = p.orthoContext(t.typeNoSentperiod);
  if (t.firstUpper && ctx & ORTHO_LC && !(ctx & ORTHO_MID_UC)) return true;
  if (t.firstLower && (ctx & ORTHO_UC || !(ctx & ORTHO_BEG_LC))) return false;
  return 'unknown';
}

function secondPass(t1: Token, t2: Token, p: PunktParameters): void {
  if (!t1.periodFinal) return;
  const typ = t1.typeNoPeriod;
  const nextTyp = t2.typeNoSentperiod;
  const isInitial = t1.isInitial;
  if (p.collocations.has(`${typ}\t${nextTyp}`)) {
    t1.sentbreak = false;
    t1.abbr = true;
    return;
  }
  if ((t1.abbr || t1.ellipsis) && !isInitial) {
    const starter = orthoHeuristic(t2, p);
    if (starter === true) {
      t1.sentbreak = true;
      return;
    }
    if (t2.firstUpper && p.sentStarters.has(nextTyp)) {
      t1.sentbreak = true;
      return;
    }
  }
  if (isInitial || typ === '##number##') {
    const starter = orthoHeuristic(t2, p);
    if (starter === false) {
      t1.sentbreak = false;
      t1.abbr = true;
      return;
    }
    if (starter === 'unknown' && isInitial && t2.firstUpper && !(p.orthoContext(nextTyp) & ORTHO_LC)) {
      t1.sentbreak = false;
      t1.abbr = true;
    }
  }
}

/** Annotate tokens (first and second pass), as PunktSentenceTokenizer._annotate_tokens. */
function annotate(words: string[], p: PunktParameters): Token[] {
  const toks = words.map((w) => new Token(w));
  for (const t of toks) firstPass(t, p);
  for (let i = 0; i + 1 < toks.length; i++) secondPass(toks[i], toks[i + 1], p);
  return toks;
}

function textContainsSentbreak(text: string, p: PunktParameters): boolean {
  let found = false;
  for (const t of annotate(punktWordTokenize(text), p)) {
    if (found) return true;
    if (t.sentbreak) found = true;
  }
  return false;
}

function lastAsciiWhitespaceIndex(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (ASCII_WHITESPACE.has(text[i])) return i;
  return 0;
}

interface EndContext {
  end: number;
  nextTokStart: number | null;
  context: string;
}

function* potentialEndContexts(text: string): Generator<EndContext> {
  let prevSlice: [number, number] = [0, 0];
  let prev: RegExpExecArray | null = null;
  const make = (m: RegExpExecArray, sl: [number, number]): EndContext => {
    const after = m.groups!.after;
    const next = m.groups!.next;
    return {
      end: m.index + 1,
      nextTokStart: next ? m.index + 1 + after.length - next.length : null,
      context: text.slice(sl[0], sl[1]) + m[0] + after,
    };
  };
  PERIOD_CONTEXT_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PERIOD_CONTEXT_RE.exec(text)) !== null) {
    const before = text.slice(prevSlice[1], m.index);
    let idx = lastAsciiWhitespaceIndex(before);
    if (idx) idx += prevSlice[1] + 1;
    else idx = prevSlice[0];
    const wordSlice: [number, number] = [idx, m.index];
    if (prev && prevSlice[1] <= wordSlice[0]) yield make(prev, prevSlice);
    prev = m;
    prevSlice = wordSlice;
  }
  if (prev) yield make(prev, prevSlice);
}

function rstripLength(text: string): number {
  let j = text.length;
  while (j > 0 && isPySpace(text[j - 1])) j--;
  return j;
}

/** Sentence spans [start, end) exactly as PunktSentenceTokenizer.span_tokenize (realign_boundaries=True). */
export function punktSentenceSpans(
  text: string,
  p: PunktParameters = ENGLISH_PARAMS,
): Array<[number, number]> {
  const slices: Array<[number, number]> = [];
  let lastBreak = 0;
  for (const c of potentialEndContexts(text)) {
    if (textContainsSentbreak(c.context, p)) {
      slices.push([lastBreak, c.end]);
      lastBreak = c.nextTokStart !== null ? c.nextTokStart : c.end;
    }
  }
  slices.push([lastBreak, rstripLength(text)]);

  // _realign_boundaries: move closing quotes/brackets after a break into the previous sentence.
  const out: Array<[number, number]> = [];
  let realign = 0;
  for (let i = 0; i < slices.length; i++) {
    const s1: [number, number] = [slices[i][0] + realign, slices[i][1]];
    const s2 = i + 1 < slices.length ? slices[i + 1] : null;
    if (!s2) {
      if (s1[1] > s1[0]) out.push(s1);
      continue;
    }
    const m = BOUNDARY_REALIGN_RE.exec(text.slice(s2[0], s2[1]));
    if (m) {
      out.push([s1[0], s2[0] + m[0].replace(new RegExp(`${S}+$`, 'u'), '').length]);
      realign = m[0].length;
    } else {
      realign = 0;
      if (s1[1] > s1[0]) out.push(s1);
    }
  }
  return out;
}

export function punktSentences(text: string, p: PunktParameters = ENGLISH_PARAMS): string[] {
  return punktSentenceSpans(text, p).map(([a, b]) => text.slice(a, b));
}
