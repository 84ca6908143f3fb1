/**
 * Prompts for the Aider polyglot benchmark. The two user-turn addenda are aider's benchmark prompts
 * (Aider-AI/aider benchmark/prompts.py: `instructions_addendum`, `test_failures`; Apache-2.0), used verbatim as
 * facts; the edit-format system prompts are evalkit's own short versions of what aider's whole-file and
 * search/replace coders ask for.
 */
import type { EditFormat } from './edits.js';

export const INSTRUCTIONS_ADDENDUM = (fileList: string) =>
  `\n####\n\nUse the above instructions to modify the supplied files: ${fileList}\n` +
  "Don't change the names of existing functions or classes, as they may be referenced from other code like unit tests, etc.\n" +
  "Only use standard libraries, don't suggest installing any packages.\n";

export const TEST_FAILURES = (fileList: string) =>
  `\n####\n\nSee the testing errors above.\nThe tests are correct, don't try and change them.\nFix the code in ${fileList} to resolve the errors.\n`;

export const SYSTEM_PROMPTS: Record<EditFormat, string> = {
  whole:
    'Act as an expert software developer. When you change a file, return its complete new content: first a line ' +
    'with the file path exactly as given, then the whole file in a fenced code block:\n\n' +
    'path/to/file.ext\n```\n<entire file content>\n```\n\nReturn every file you change this way; do not elide any part of a file.',
  diff:
    'Act as an expert software developer. Describe each change as a SEARCH/REPLACE block: a line with the file path ' +
    'exactly as given, then a fenced code block holding\n\n<<<<<<< SEARCH\n<lines copied exactly from the current file>\n' +
    '=======\n<the replacement lines>\n>>>>>>> REPLACE\n\nThe SEARCH part must match the current file exactly, ' +
    'character for character, and occur exactly once. Use several blocks for several changes.',
};

export function filesMessage(files: Record<string, string>): string {
  return Object.entries(files)
    .map(([p, t]) => `${p}\n\`\`\`\n${t}${t.endsWith('\n') ? '' : '\n'}\`\`\``)
    .join('\n\n');
}

/** Test output shown to the model for its second try (tail kept, like a terminal scrollback). */
export function clipTestOutput(out: string, max = 8000): string {
  return out.length > max ? `[… earlier output elided …]\n${out.slice(-max)}` : out;
}
