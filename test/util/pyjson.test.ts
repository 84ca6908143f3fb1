import { describe, expect, it } from 'vitest';
import { parsePythonJson, stringifyPythonJson } from '../../src/util/pyjson.js';

describe('Python-flavoured JSON', () => {
  it('reads NaN and ±Infinity outside strings and leaves them alone inside strings', () => {
    const v = parsePythonJson<any>(
      '{"a": [NaN, -Infinity, Infinity, 1.5], "s": "NaN and -Infinity \\" Infinity"}',
    );
    expect(Number.isNaN(v.a[0])).toBe(true);
    expect(v.a[1]).toBe(-Infinity);
    expect(v.a[2]).toBe(Infinity);
    expect(v.s).toBe('NaN and -Infinity " Infinity');
  });
  it('round-trips non-finite numbers the way Python json.dumps writes them', () => {
    expect(stringifyPythonJson({ a: [NaN, -Infinity, Infinity, 2], s: 'NaN' })).toBe(
      '{"a":[NaN,-Infinity,Infinity,2],"s":"NaN"}',
    );
  });
});
