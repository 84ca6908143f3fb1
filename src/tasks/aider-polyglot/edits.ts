/**
 * Parse and apply a model's answer in aider's two edit formats (the shapes aider's "whole" and "diff" edit
 * formats ask for; aider's own parsers are more forgiving: fuzzy search matching, filename guessing). Parsing
 * here is strict, and any failure is the "malformed" outcome, counted in the well-formedness rate:
 *
 *   whole:  a line holding the file path, then a fenced block with the complete new file.
 *   diff:   a line holding the file path, then a fenced block with one or more
 *           <<<<<<< SEARCH / ======= / >>>>>>> REPLACE blocks; each SEARCH text must occur exactly once in the
 *           current file (an empty SEARCH replaces an empty file).
 *
 * Only the exercise's solution files may be edited.
 */

export type EditFormat = 'whole' | 'diff';

export type EditResult =
  { ok: true; files: Record<string, string>; edited: string[] } | { ok: false; error: string };

const FENCE = /^```/;

/** A line naming a file: the path itself, optionally in backticks/bold, with a trailing colon. */
function fileNameOf(line: string, allowed: string[]): string | undefined {
  const t = line
    .trim()
    .replace(/^#+\s*/, '')
    .replace(/^[*`]+|[*`:]+$/g, '')
    .trim();
  if (!t) return undefined;
  if (allowed.includes(t)) return t;
  const byBase = allowed.filter((a) => a.slice(a.lastIndexOf('/') + 1) === t);
  return byBase.length === 1 ? byBase[0] : undefined;
}

interface Block {
  file?: string;
  /** The line before the fence (for error messages). */
  label: string;
  body: string[];
}

function fencedBlocks(text: string, allowed: string[]): { blocks: Block[]; error?: string } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i])) continue;
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    const label = j >= 0 ? lines[j] : '';
    const body: string[] = [];
    let k = i + 1;
    while (k < lines.length && !/^```\s*$/.test(lines[k])) body.push(lines[k++]);
    if (k >= lines.length)
      return { blocks, error: `a fenced block opened after "${label.trim()}" is never closed` };
    blocks.push({ file: fileNameOf(label, allowed), label, body });
    i = k;
  }
  return { blocks };
}

export function applyWhole(text: string, current: Record<string, string>): EditResult {
  const allowed = Object.keys(current);
  const { blocks, error } = fencedBlocks(text, allowed);
  if (error) return { ok: false, error };
  const fileBlocks = blocks.filter((b) => b.file);
  if (!fileBlocks.length)
    return {
      ok: false,
      error: `no file given: put the file name (${allowed.join(', ')}) on the line before each fenced block`,
    };
  const files = { ...current };
  const edited: string[] = [];
  for (const b of fileBlocks) {
    files[b.file!] = b.body.join('\n') + '\n';
    edited.push(b.file!);
  }
  return { ok: true, files, edited };
}

export function applySearchReplace(text: string, current: Record<string, string>): EditResult {
  const allowed = Object.keys(current);
  const { blocks, error } = fencedBlocks(text, allowed);
  if (error) return { ok: false, error };
  const files = { ...current };
  const edited = new Set<string>();
  let count = 0;
  for (const b of blocks) {
    if (!b.body.some((l) => l.startsWith('<<<<<<< SEARCH'))) continue;
    if (!b.file)
      return {
        ok: false,
        error: `a SEARCH/REPLACE block follows "${b.label.trim()}", which is not one of the files ${allowed.join(', ')}`,
      };
    let i = 0;
    while (i < b.body.length) {
      if (b.body[i].trim() === '') {
        i++;
        continue;
      }
      if (b.body[i].trim() !== '<<<<<<< SEARCH')
        return {
          ok: false,
          error: `unexpected line outside a SEARCH/REPLACE block in ${b.file}: "${b.body[i]}"`,
        };
      const sep = b.body.findIndex((l, k) => k > i && l.trim() === '=======');
      const end = b.body.findIndex((l, k) => k > sep && sep > 0 && l.trim().startsWith('>>>>>>> REPLACE'));
      if (sep < 0 || end < 0)
        return { ok: false, error: `a SEARCH/REPLACE block in ${b.file} lacks ======= or >>>>>>> REPLACE` };
      const search = b.body.slice(i + 1, sep).join('\n');
      const replace = b.body.slice(sep + 1, end).join('\n');
      const cur = files[b.file];
      if (search === '') {
        if (cur.trim() !== '')
          return { ok: false, error: `an empty SEARCH in ${b.file}, which is not empty` };
        files[b.file] = replace + '\n';
      } else {
        const n = cur.split(search).length - 1;
        if (n !== 1)
          return {
            ok: false,
            error: `the SEARCH text ${n === 0 ? 'does not occur' : `occurs ${n} times`} in ${b.file}; it must match exactly once:\n${search}`,
          };
        files[b.file] = cur.replace(search, () => replace);
      }
      edited.add(b.file);
      count++;
      i = end + 1;
    }
  }
  if (!count) return { ok: false, error: 'no SEARCH/REPLACE blocks found' };
  return { ok: true, files, edited: [...edited] };
}

export function applyEdits(format: EditFormat, text: string, current: Record<string, string>): EditResult {
  return format === 'whole' ? applyWhole(text, current) : applySearchReplace(text, current);
}
