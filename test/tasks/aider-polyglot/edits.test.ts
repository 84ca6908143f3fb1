import { describe, expect, it } from 'vitest';
import { applySearchReplace, applyWhole } from '../../../src/tasks/aider-polyglot/edits.js';

const cur = { 'src/lib.rs': 'pub fn f() -> i32 {\n    1\n}\n', 'Cargo.toml': '[package]\nname = "x"\n' };

describe('whole-file edits (strict)', () => {
  it('takes the file named on the line before each fence', () => {
    const r = applyWhole('Here:\n\nsrc/lib.rs\n```rust\npub fn f() -> i32 {\n    2\n}\n```\n', cur);
    expect(r).toEqual({
      ok: true,
      edited: ['src/lib.rs'],
      files: { ...cur, 'src/lib.rs': 'pub fn f() -> i32 {\n    2\n}\n' },
    });
    expect(applyWhole('**`lib.rs`**:\n```\nx\n```', cur)).toMatchObject({ ok: true, edited: ['src/lib.rs'] });
  });
  it('rejects answers without a known file, and unclosed fences', () => {
    expect(applyWhole('```rust\nfn f() {}\n```', cur)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/no file given/),
    });
    expect(applyWhole('tests/other.rs\n```\nx\n```', cur)).toMatchObject({ ok: false });
    expect(applyWhole('src/lib.rs\n```rust\nfn f() {}\n', cur)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/never closed/),
    });
  });
});

describe('search/replace edits (strict)', () => {
  const block = (file: string, s: string, r: string) =>
    `${file}\n\`\`\`rust\n<<<<<<< SEARCH\n${s}\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\`\n`;
  it('applies exact, unique matches; several blocks in order', () => {
    const r = applySearchReplace(
      block('src/lib.rs', '    1', '    2') + block('Cargo.toml', 'name = "x"', 'name = "y"'),
      cur,
    );
    expect(r).toEqual({
      ok: true,
      edited: ['src/lib.rs', 'Cargo.toml'],
      files: { 'src/lib.rs': 'pub fn f() -> i32 {\n    2\n}\n', 'Cargo.toml': '[package]\nname = "y"\n' },
    });
  });
  it('malformed: no match, ambiguous match, missing markers, unknown file, no blocks', () => {
    expect(applySearchReplace(block('src/lib.rs', '    3', 'x'), cur)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/does not occur/),
    });
    expect(applySearchReplace(block('src/lib.rs', '', 'x'), cur)).toMatchObject({ ok: false });
    expect(applySearchReplace(block('Cargo.toml', '"', 'x'), cur)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/occurs 2 times/),
    });
    expect(
      applySearchReplace('src/lib.rs\n```\n<<<<<<< SEARCH\n    1\n>>>>>>> REPLACE\n```\n', cur),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/lacks/) });
    expect(applySearchReplace(block('src/main.rs', '    1', '2'), cur)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not one of the files/),
    });
    expect(applySearchReplace('I would change f to return 2.', cur)).toMatchObject({
      ok: false,
      error: 'no SEARCH/REPLACE blocks found',
    });
  });
});
