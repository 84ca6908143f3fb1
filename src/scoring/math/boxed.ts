/**
 * `\boxed{…}` / `\fbox{…}` extraction with nested braces. Semantics follow the MATH reference helpers
 * `last_boxed_only_string` / `remove_boxed` (hendrycks/math, also used by Minerva/OLMES; facts re-written):
 * the LAST `\boxed` wins, `\boxed 5` (space form) is accepted, an unbalanced box yields null.
 */

/** The last `\boxed{...}` / `\fbox{...}` span including the command, or null. */
export function lastBoxedOnlyString(text: string): string | null {
  let idx = text.lastIndexOf('\\boxed');
  if (idx < 0) {
    idx = text.lastIndexOf('\\fbox');
    if (idx < 0) return null;
  }
  // "\boxed 5" form: up to the next "$" (reference behaviour).
  if (text.startsWith('\\boxed ', idx)) {
    const rest = text.slice(idx);
    const dollar = rest.indexOf('$');
    return dollar < 0 ? rest : rest.slice(0, dollar);
  }
  let depth = 0;
  for (let i = idx; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return text.slice(idx, i + 1);
    }
  }
  return null;
}

/** Strip the `\boxed{` … `}` wrapper; null when the string is not a well-formed box. */
export function removeBoxed(s: string): string | null {
  if (s.startsWith('\\boxed ')) return s.slice('\\boxed '.length);
  for (const left of ['\\boxed{', '\\fbox{']) {
    if (s.startsWith(left) && s.endsWith('}')) return s.slice(left.length, -1);
  }
  return null;
}

/** Content of the last box in `text`, or null. */
export function lastBoxedContent(text: string): string | null {
  const b = lastBoxedOnlyString(text);
  return b === null ? null : removeBoxed(b);
}
