/**
 * Prompts for SWE-bench. Patch mode follows SWE-bench's "oracle" text inputs (create_text_inputs.py, style 3:
 * the issue in <issue>, the files the gold patch edits with line numbers in <code> as `[start of path]` …
 * `[end of path]`, and a request for one patch file in <patch>; SWE-bench/SWE-bench, MIT): the wording below is
 * evalkit's own, the structure is SWE-bench's. Agent mode is evalkit's own prompt.
 */
import type { SweInstance } from './data.js';

export const PATCH_INSTRUCTIONS =
  'I need you to solve this issue by generating a single patch file that I can apply directly to this repository ' +
  'using git apply. Respond with the patch in the following format, and nothing else inside the tags:\n' +
  '<patch>\ndiff --git a/path/to/file.py b/path/to/file.py\n--- a/path/to/file.py\n+++ b/path/to/file.py\n' +
  '@@ -1,3 +1,3 @@\n def example():\n-    return 1\n+    return 2\n</patch>';

export function oraclePrompt(inst: SweInstance, files: Array<{ path: string; text: string }>): string {
  const code = files
    .map((f) => {
      const numbered = f.text
        .split('\n')
        .map((l, i) => `${i + 1} ${l}`)
        .join('\n');
      return `[start of ${f.path}]\n${numbered}\n[end of ${f.path}]`;
    })
    .join('\n');
  return (
    'You will be provided with a partial code base and an issue statement explaining a problem to resolve.\n' +
    `<issue>\n${inst.problemStatement}\n</issue>\n<code>\n${code}\n</code>\n${PATCH_INSTRUCTIONS}`
  );
}

export const AGENT_SYSTEM =
  'You are a careful software engineer. You work in a checkout of a Python repository at /testbed, inside a ' +
  'sandbox without network access. Use the tools to explore the code, reproduce the problem, edit files and run ' +
  'tests. Use `python3` (there is no `python`). Change only non-test source files to fix the issue; your changes ' +
  'to the repository are your answer. Call submit when you are done.';

export function agentTask(inst: SweInstance, testCommand: string): string {
  return (
    `Resolve this issue in the repository ${inst.repo} (checked out at /testbed):\n\n<issue>\n${inst.problemStatement}\n</issue>\n\n` +
    `The repository's tests for this area can be run with: ${testCommand}\n` +
    'Make the smallest change that fixes the issue, check it, then call submit.'
  );
}

/**
 * The patch in a model reply: the content of <patch>…</patch>, else of a ```diff/```patch fence, else the text
 * from the first `diff --git` / `--- ` header. Ensures a trailing newline (git apply needs it).
 */
export function extractPatch(text: string): string {
  const tag = /<patch>\n?([\s\S]*?)<\/patch>/.exec(text);
  let p: string | undefined = tag?.[1];
  if (p === undefined) {
    const fence = /```(?:diff|patch)\n([\s\S]*?)```/.exec(text);
    p = fence?.[1];
  }
  if (p === undefined) {
    const start = text.search(/^(diff --git |--- a\/)/m);
    p = start >= 0 ? text.slice(start) : '';
  }
  if (p.trim() === '') return '';
  return p.endsWith('\n') ? p : p + '\n';
}
