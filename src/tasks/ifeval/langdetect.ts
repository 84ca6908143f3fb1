/**
 * Language identification as IFEval's reference uses it: Python `langdetect` (1.0.9, a port of
 * Shuyo Nakatani's language-detection), called as `langdetect.detect(text)` in
 * instruction_following_eval/instructions.py (ResponseLanguageChecker, english_capital/lowercase).
 *
 * The npm package `langdetect` 0.2.1 ships the same n-gram profiles (verified identical for 52 of the
 * Python package's 55 languages; it lacks `ca` and `cy`, and its `ko` profile differs) but its detector
 * deviates from the Python one (uniform instead of Gaussian smoothing noise, a different latin-text
 * cleaning rule, no Vietnamese normalisation, unseeded `Math.random`). So only the profile data is
 * taken from the npm package; the detector below follows the Python algorithm
 * (langdetect/detector.py, utils/ngram.py):
 *   - strip URLs and e-mail addresses, normalise Vietnamese combining marks, collapse spaces, cap at
 *     10,000 characters; drop latin letters when non-latin script dominates;
 *   - extract 1–3-grams with the NGram normaliser (block-wise character folding, skip ALL-CAPS words);
 *   - 7 trials of random n-gram sampling with alpha = 0.5 + N(0,1)·0.05, normalising every 5 steps until
 *     max p > 0.99999 or 1000 steps; average; report the best language with p > 0.1, else "unknown".
 *
 * Determinism: the Python reference seeds its RNG from the OS (DetectorFactory.seed is None), so its
 * verdict on borderline text is itself random. We use a fixed seed (so re-scoring is reproducible);
 * differences can only arise on text the reference would also classify inconsistently.
 * Not reproduced: the CJK ideograph clustering map (CJK_MAP) — only matters for zh-cn/zh-tw/ja, which
 * no IFEval prompt asks for — and the `ca`/`cy` profiles. Documented in docs/fidelity.md#ifeval.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../../util/rng.js';

export class LangDetectError extends Error {}

interface Model {
  langs: string[];
  wordProb: Map<string, Float64Array>;
}

let model: Model | undefined;

function loadModel(): Model {
  if (model) return model;
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('langdetect/package.json')), 'profiles');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const langs = files.map((f) => f.slice(0, -5));
  const wordProb = new Map<string, Float64Array>();
  files.forEach((f, index) => {
    const profile = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      freq: Record<string, number>;
      n_words: number[];
    };
    for (const [word, freq] of Object.entries(profile.freq)) {
      let arr = wordProb.get(word);
      if (!arr) {
        arr = new Float64Array(files.length);
        wordProb.set(word, arr);
      }
      const len = Array.from(word).length;
      if (len >= 1 && len <= 3) arr[index] = freq / profile.n_words[len - 1];
    }
  });
  model = { langs, wordProb };
  return model;
}

const URL_RE = /https?:\/\/[-_.?&~;+=/#0-9A-Za-z]{1,2076}/g;
const MAIL_RE = /[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}/g;
const VI_RE =
  /([AEIOUYaeiouy\u00c2\u00ca\u00d4\u00e2\u00ea\u00f4\u0102\u0103\u01a0\u01a1\u01af\u01b0])([\u0300\u0301\u0303\u0309\u0323])/g;
const LATIN1_EXCLUDED = '\u00A0\u00AB\u00B0\u00BB';

function block(cp: number): string {
  if (cp <= 0x7f) return 'basic_latin';
  if (cp <= 0xff) return 'latin1';
  if (cp >= 0x180 && cp <= 0x24f) return 'latin_ext_b';
  if (cp >= 0x600 && cp <= 0x6ff) return 'arabic';
  if (cp >= 0x1e00 && cp <= 0x1eff) return 'latin_ext_additional';
  if (cp >= 0x2000 && cp <= 0x206f) return 'general_punctuation';
  if (cp >= 0x3040 && cp <= 0x309f) return 'hiragana';
  if (cp >= 0x30a0 && cp <= 0x30ff) return 'katakana';
  if ((cp >= 0x3100 && cp <= 0x312f) || (cp >= 0x31a0 && cp <= 0x31bf)) return 'bopomofo';
  if (cp >= 0xac00 && cp <= 0xd7af) return 'hangul_syllables';
  return 'other';
}

function normalizeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  switch (block(cp)) {
    case 'basic_latin':
      return ch < 'A' || (ch > 'Z' && ch < 'a') || ch > 'z' ? ' ' : ch;
    case 'latin1':
      return LATIN1_EXCLUDED.includes(ch) ? ' ' : ch;
    case 'latin_ext_b':
      return ch === '\u0219' ? '\u015f' : ch === '\u021b' ? '\u0163' : ch;
    case 'general_punctuation':
      return ' ';
    case 'arabic':
      return ch === '\u06cc' ? '\u064a' : ch;
    case 'latin_ext_additional':
      return cp >= 0x1ea0 ? '\u1ec3' : ch;
    case 'hiragana':
      return '\u3042';
    case 'katakana':
      return '\u30a2';
    case 'bopomofo':
      return '\u3105';
    case 'hangul_syllables':
      return '\uac00';
    default:
      return ch;
  }
}

const UPPER = /\p{Uppercase}/u;
const LOWER = /\p{Lowercase}/u;
const isUpperChar = (c: string) => UPPER.test(c) && !LOWER.test(c);

function prepareText(input: string): string {
  let text = input.replace(URL_RE, ' ').replace(MAIL_RE, ' ');
  text = text.replace(VI_RE, (m) => m.normalize('NFC'));
  const cps = Array.from(text).slice(0, 10_000);
  let out = '';
  let pre = '';
  for (const ch of cps) {
    if (ch !== ' ' || pre !== ' ') out += ch;
    pre = ch;
  }
  // cleaning_text: if non-latin script dominates, drop the latin letters.
  let latin = 0;
  let nonLatin = 0;
  for (const ch of out) {
    if (ch >= 'A' && ch <= 'z') latin++;
    else if (ch.codePointAt(0)! >= 0x300 && block(ch.codePointAt(0)!) !== 'latin_ext_additional') nonLatin++;
  }
  if (latin * 2 < nonLatin)
    out = Array.from(out)
      .filter((ch) => ch < 'A' || ch > 'z')
      .join('');
  return out;
}

function extractNgrams(text: string, m: Model): string[] {
  const result: string[] = [];
  let grams = ' ';
  let capitalword = false;
  for (const raw of text) {
    const ch = normalizeChar(raw);
    const gramsCps = Array.from(grams);
    const last = gramsCps[gramsCps.length - 1];
    let add = true;
    if (last === ' ') {
      grams = ' ';
      capitalword = false;
      if (ch === ' ') add = false;
    } else if (gramsCps.length >= 3) {
      grams = gramsCps.slice(1).join('');
    }
    if (add) {
      grams += ch;
      if (isUpperChar(ch)) {
        if (isUpperChar(last)) capitalword = true;
      } else capitalword = false;
    }
    if (capitalword) continue;
    const g = Array.from(grams);
    for (let n = 1; n <= 3; n++) {
      if (g.length < n) break;
      const w = g.slice(g.length - n).join('');
      if (w && w !== ' ' && m.wordProb.has(w)) result.push(w);
    }
  }
  return result;
}

/** Probabilities of languages above 0.1, best first (Detector.get_probabilities). */
export function detectLanguages(text: string, seed = 0): Array<{ lang: string; prob: number }> {
  const m = loadModel();
  const ngrams = extractNgrams(prepareText(text), m);
  if (ngrams.length === 0) throw new LangDetectError('No features in text.');
  const L = m.langs.length;
  const langprob = new Float64Array(L);
  const rnd = mulberry32(seed);
  const gauss = (): number => {
    // Box–Muller; only the distribution matters (the reference RNG is unseeded).
    const u = 1 - rnd();
    const v = rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  for (let t = 0; t < 7; t++) {
    const prob = new Float64Array(L).fill(1 / L);
    const alpha = 0.5 + gauss() * 0.05;
    const weight = alpha / 10_000;
    for (let i = 0; ; i++) {
      const w = ngrams[Math.floor(rnd() * ngrams.length)];
      const lp = m.wordProb.get(w)!;
      for (let k = 0; k < L; k++) prob[k] *= weight + lp[k];
      if (i % 5 === 0) {
        let sum = 0;
        for (let k = 0; k < L; k++) sum += prob[k];
        let maxp = 0;
        for (let k = 0; k < L; k++) {
          const p = prob[k] / sum;
          if (maxp < p) maxp = p;
          prob[k] = p;
        }
        if (maxp > 0.99999 || i >= 1000) break;
      }
    }
    for (let k = 0; k < L; k++) langprob[k] += prob[k] / 7;
  }
  const out: Array<{ lang: string; prob: number }> = [];
  for (let k = 0; k < L; k++) if (langprob[k] > 0.1) out.push({ lang: m.langs[k], prob: langprob[k] });
  out.sort((a, b) => b.prob - a.prob);
  return out;
}

/** `langdetect.detect`: best language code, "unknown" when nothing exceeds 0.1; throws LangDetectError
 * when the text has no usable n-gram (the reference then counts the instruction as followed). */
export function detectLanguage(text: string, seed = 0): string {
  const probs = detectLanguages(text, seed);
  return probs.length ? probs[0].lang : 'unknown';
}
