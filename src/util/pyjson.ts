/**
 * JSON as Python's json module writes it: like JSON, plus the bare tokens NaN, Infinity and -Infinity
 * (EvalPlus datasets contain them). `parsePythonJson` maps them to JS NaN/±Infinity;
 * `stringifyPythonJson` writes them back so Python's json.loads reads the same values.
 */
const MARK = '\u0000pyjson:';
/** MARK as it must appear inside a JSON string literal. */
const MARK_JSON = '\\u0000pyjson:';

function rewriteBareFloats(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === '"') {
      // copy the whole string literal, honouring escapes
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (text.startsWith('NaN', i)) {
      out += `"${MARK_JSON}NaN"`;
      i += 3;
    } else if (text.startsWith('-Infinity', i)) {
      out += `"${MARK_JSON}-Infinity"`;
      i += 9;
    } else if (text.startsWith('Infinity', i)) {
      out += `"${MARK_JSON}Infinity"`;
      i += 8;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function revive(_k: string, v: unknown): unknown {
  if (typeof v === 'string' && v.startsWith(MARK)) return Number(v.slice(MARK.length));
  return v;
}

export function parsePythonJson<T = unknown>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    if (!/NaN|Infinity/.test(text)) throw e;
    return JSON.parse(rewriteBareFloats(text), revive) as T;
  }
}

export function stringifyPythonJson(value: unknown): string {
  const s = JSON.stringify(value, (_k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return `${MARK}${String(v)}`;
    return v;
  });
  return s.replace(/"\\u0000pyjson:(NaN|-?Infinity)"/g, '$1');
}
