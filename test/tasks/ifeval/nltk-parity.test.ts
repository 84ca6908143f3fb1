/**
 * Differential check of the Punkt sentence splitter and nltk.word_tokenize port against real NLTK
 * (Python 3, `/usr/bin/python3`, NLTK's own PunktSentenceTokenizer and NLTKWordTokenizer), loaded with
 * the same English parameters (abbreviations, collocations, sentence starters read from punkt.ts).
 * Inputs: hand-written edge cases plus every reference GPT-4 response; once with an empty orthographic-context
 * table (what evalkit ships) and once with a synthetic, non-empty one (so the orthographic heuristics — initials,
 * numbers, abbreviations before a known word — are checked against NLTK's own code too). Fails when NLTK is not
 * installed (scripts/bootstrap installs Debian python3-nltk).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetResolver } from '../../../src/datasets/registry.js';
import { IFEVAL_GPT4_DATASET } from '../../../src/tasks/ifeval/index.js';
import { ENGLISH_PARAMS, punktSentences } from '../../../src/tasks/ifeval/punkt.js';
import { nltkWordTokenize } from '../../../src/tasks/ifeval/word-tokenize.js';

const PY = '/usr/bin/python3';
const hasNltk = spawnSync(PY, ['-c', 'import nltk.tokenize.punkt'], { encoding: 'utf8' }).status === 0;
const PUNKT_TS = resolve(__dirname, '../../../src/tasks/ifeval/punkt.ts');

const SCRIPT = String.raw`
import json, re, sys, collections
from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktParameters
from nltk.tokenize.destructive import NLTKWordTokenizer
src = open(sys.argv[1]).read()
def block(name):
    return re.search('const ' + name + r'\s*=\s*\x60([^\x60]*)\x60', src).group(1).split()
p = PunktParameters()
p.abbrev_types = set(block('EN_ABBREV')) | {'. . '}
p.collocations = set(tuple(x.split(':')) for x in block('EN_COLLOCATIONS'))
p.sent_starters = set(block('EN_SENT_STARTERS'))
p.ortho_context = collections.defaultdict(int)
if len(sys.argv) > 2:
    p.ortho_context.update(json.load(open(sys.argv[2])))
punkt = PunktSentenceTokenizer(p)
tb = NLTKWordTokenizer()
texts = json.load(sys.stdin)
out = [{'s': punkt.tokenize(t), 'w': [w for s in punkt.tokenize(t) for w in tb.tokenize(s)]} for t in texts]
print(json.dumps(out))
`;

const EDGE = [
  'Mr. Smith went to Washington. He stayed.',
  'Really?! Yes!!! Fine.',
  'He said "stop." Then he left. (It ended.) And then?',
  'Use tools e.g. hammers. The U.S. Army... The end',
  'Version 3.5 is out. 1. First item\n2. second item\n\nNew para.',
  'Wait... what? J. S. Bach was born in 1685. A. The option.',
  "I can't, won't and DON'T. Gimme more 'n more. 'Tis fine: 3:45, a:b; @x #y $5 & 10% -- done*",
  '“Curly,” she said. ‘Single’ quotes’ end. «Guillemets» too. `tick` and ``double``.',
  '   leading spaces. trailing   \n\n\n   ',
  'Ph.D. students vs. teachers etc. are here. Inc. Ltd. Co. Jr. done.',
];

describe('Punkt / word_tokenize parity with NLTK', () => {
  it('NLTK is installed (scripts/bootstrap)', () => {
    expect(hasNltk).toBe(true);
  });

  it('matches NLTK on edge cases and all 541 GPT-4 responses', async () => {
    const { records } = await new DatasetResolver().jsonl<{ response: string }>(IFEVAL_GPT4_DATASET);
    const texts = [...EDGE, ...records.map((r) => r.response)];
    const py = spawnSync(PY, ['-c', SCRIPT, PUNKT_TS], {
      input: JSON.stringify(texts),
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    expect(py.status, py.stderr).toBe(0);
    const ref = JSON.parse(py.stdout) as Array<{ s: string[]; w: string[] }>;
    const mismatches: string[] = [];
    texts.forEach((t, i) => {
      const s = punktSentences(t);
      const w = nltkWordTokenize(t);
      if (JSON.stringify(s) !== JSON.stringify(ref[i].s))
        mismatches.push(`sentences #${i}: ${JSON.stringify(t.slice(0, 80))}`);
      if (JSON.stringify(w) !== JSON.stringify(ref[i].w))
        mismatches.push(`words #${i}: ${JSON.stringify(t.slice(0, 80))}`);
    });
    expect(mismatches).toEqual([]);
    expect(readFileSync(PUNKT_TS, 'utf8')).toContain('EN_ABBREV');
  });
});

/** A deterministic, non-empty orthographic table over the word types of `texts` (flags as in NLTK punkt.py). */
function syntheticOrtho(texts: string[]): Record<string, number> {
  const flags = [0, 2, 4, 8, 16, 32, 64, 2 | 32, 2 | 4, 16 | 32, 2 | 16, 8 | 64, 110];
  const table: Record<string, number> = {};
  let h = 7;
  for (const t of texts)
    for (const w of t.toLowerCase().split(/[\s"(),;:!?*]+/)) {
      const typ = w.replace(/\.$/, '').replace(/^-?[.,\d]*\d[.,\d]*$/, '##number##');
      if (!typ || typ in table) continue;
      h = (h * 1103515245 + 12345) % 2147483648;
      table[typ] = flags[h % flags.length];
    }
  return table;
}

describe('Punkt orthographic heuristics = NLTK with a non-empty table', () => {
  it('sentence splits agree on edge cases and all GPT-4 responses, also with "*" removed (IFEval loose)', async () => {
    const { records } = await new DatasetResolver().jsonl<{ response: string }>(IFEVAL_GPT4_DATASET);
    const initials = [
      'He met J. Bach. Then he left.',
      'Located in o. Let us go. The weather in o. Please stay.',
      'It costs 5. The end. Chapter 3. me too.',
      'See p. Smith and A. the next.',
    ];
    const texts = [
      ...EDGE,
      ...initials,
      ...records.map((r) => r.response),
      ...records.map((r) => r.response.replace(/\*/g, '')),
    ];
    const table = syntheticOrtho(texts);
    const dir = mkdtempSync(join(tmpdir(), 'punkt-ortho-'));
    writeFileSync(join(dir, 'ortho.json'), JSON.stringify(table));
    const py = spawnSync(PY, ['-c', SCRIPT, PUNKT_TS, join(dir, 'ortho.json')], {
      input: JSON.stringify(texts),
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    expect(py.status, py.stderr).toBe(0);
    const ref = JSON.parse(py.stdout) as Array<{ s: string[] }>;
    const params = { ...ENGLISH_PARAMS, orthoContext: (typ: string) => table[typ] ?? 0 };
    const mismatches = texts.filter(
      (t, i) => JSON.stringify(punktSentences(t, params)) !== JSON.stringify(ref[i].s),
    );
    expect(mismatches).toEqual([]);
    // the table does change splits (otherwise this test would check nothing beyond the empty-table one)
    const changed = texts.filter(
      (t) => JSON.stringify(punktSentences(t, params)) !== JSON.stringify(punktSentences(t)),
    );
    expect(changed.length).toBeGreaterThan(0);
  });
});
