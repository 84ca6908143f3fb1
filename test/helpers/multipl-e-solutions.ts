/**
 * Hand-written reference completions for a few real MultiPL-E items (HumanEval 0, 13, 23) in every language, and
 * a wrong completion per item. MultiPL-E ships no target-language solutions; these are ours. Completions are
 * what a model would emit after the record's prompt (JS and Go close the function themselves; C++, Java and Rust
 * tests start with the closing brace).
 */
import type { MultiplELanguage } from '../../src/sandbox/multilang/index.js';

export const CLOSE_ELEMENTS_BODY: Record<MultiplELanguage, string> = {
  js: '  for (let i = 0; i < numbers.length; i++)\n    for (let j = 0; j < numbers.length; j++)\n      if (i !== j && Math.abs(numbers[i] - numbers[j]) < threshold) return true;\n  return false;\n',
  cpp: '    for (size_t i = 0; i < numbers.size(); i++)\n        for (size_t j = 0; j < numbers.size(); j++)\n            if (i != j && std::abs(numbers[i] - numbers[j]) < threshold) return true;\n    return false;\n',
  java: '        for (int i = 0; i < numbers.size(); i++)\n            for (int j = 0; j < numbers.size(); j++)\n                if (i != j && Math.abs(numbers.get(i) - numbers.get(j)) < threshold) return true;\n        return false;\n',
  rs: '    for i in 0..numbers.len() {\n        for j in 0..numbers.len() {\n            if i != j && (numbers[i] - numbers[j]).abs() < threshold {\n                return true;\n            }\n        }\n    }\n    false\n',
  go: '    for i := range numbers {\n        for j := range numbers {\n            d := numbers[i] - numbers[j]\n            if d < 0 {\n                d = -d\n            }\n            if i != j && d < threshold {\n                return true\n            }\n        }\n    }\n    return false\n',
};

/** JS and Go completions close the function themselves (their tests do not start with `}`). */
export const closes = (lang: MultiplELanguage) => (lang === 'js' || lang === 'go' ? '}\n' : '');

const GCD: Record<MultiplELanguage, [string, string]> = {
  js: ['  while (b !== 0) { const t = a % b; a = b; b = t; }\n  return a;\n}\n', '  return a * b;\n}\n'],
  cpp: ['    while (b != 0) { long t = a % b; a = b; b = t; }\n    return a;\n', '    return a * b;\n'],
  java: [
    '        while (b != 0) { long t = a % b; a = b; b = t; }\n        return a;\n',
    '        return a * b;\n',
  ],
  rs: [
    '    let (mut a, mut b) = (a, b);\n    while b != 0 {\n        let t = a % b;\n        a = b;\n        b = t;\n    }\n    a\n',
    '    a * b\n',
  ],
  go: ['    for b != 0 {\n        a, b = b, a%b\n    }\n    return a\n}\n', '    return a * b\n}\n'],
};

const STRLEN: Record<MultiplELanguage, [string, string]> = {
  js: ['  return string.length;\n}\n', '  return string.length + 1;\n}\n'],
  cpp: ['    return string.size();\n', '    return string.size() + 1;\n'],
  java: ['        return string.length();\n', '        return string.length() + 1;\n'],
  rs: ['    string.len() as isize\n', '    string.len() as isize + 1\n'],
  go: ['    return len(myString)\n}\n', '    return len(myString) + 1\n}\n'],
};

/** item id → [correct completion, wrong completion] per language. */
export function referenceCompletions(lang: MultiplELanguage): Record<string, [string, string]> {
  return {
    'HumanEval/0': [
      CLOSE_ELEMENTS_BODY[lang] + closes(lang),
      (lang === 'rs' ? '    false\n' : lang === 'java' ? '        return false;\n' : '    return false;\n') +
        closes(lang),
    ],
    'HumanEval/13': GCD[lang],
    'HumanEval/23': STRLEN[lang],
  };
}
