/**
 * Turn a MultiPL-E record + completion into the files the multi-language sandbox compiles and runs.
 *
 * MultiPL-E's program is `prompt + completion + tests` (nuprl/MultiPL-E, `evaluation/src/eval_*.py` and the
 * dataset's `tests` field, which first closes the function). We run exactly that program and add one thing: a
 * completion marker printed only after the dataset's test entry point returned, so an early `exit(0)` from model
 * code cannot pass. The marker is random per sample and is added outside the model text:
 *   js   — a statement after the tests' `test();`
 *   cpp  — the tests' `int main()` is renamed `evalkit_tests_main()` (in the test text only) and a new `main`
 *          calls it, then prints the marker
 *   rs   — same with `fn main()`
 *   java — a second class `EvalkitMain` calls `Problem.main(args)` then prints the marker
 *   go   — a second file in the same package with `TestMain`: prints the marker iff `m.Run()` returned 0
 */
import { EvalkitError } from '../../util/errors.js';
import type { MultiplELanguage } from '../../sandbox/multilang/languages.js';

export interface MultiplEProgram {
  files: Record<string, string>;
  /** The full program as MultiPL-E runs it (prompt + completion + tests), for the verdict record. */
  program: string;
}

/** Cut a completion at the first stop token (MultiPL-E's `stop_at_stop_token`). */
export function cutAtStop(completion: string, stops: readonly string[]): string {
  let end = completion.length;
  for (const s of stops) {
    const i = completion.indexOf(s);
    if (i !== -1 && i < end) end = i;
  }
  return completion.slice(0, end);
}

function renameMain(tests: string, pattern: RegExp, replacement: string, name: string): string {
  const matches = tests.match(new RegExp(pattern.source, 'g'));
  if (!matches || matches.length !== 1)
    throw new EvalkitError(
      `MultiPL-E ${name}: expected exactly one entry point in the tests, found ${matches?.length ?? 0}`,
    );
  return tests.replace(pattern, replacement);
}

export function assembleProgram(
  lang: MultiplELanguage,
  name: string,
  prompt: string,
  completion: string,
  tests: string,
  marker: string,
): MultiplEProgram {
  const program = prompt + completion + tests;
  const m = JSON.stringify(marker);
  switch (lang) {
    case 'js':
      return { program, files: { 'prog.js': `${program}\nprocess.stdout.write("\\n" + ${m} + "\\n");\n` } };
    case 'cpp': {
      const t = renameMain(tests, /\bint\s+main\s*\(\s*\)/, 'void evalkit_tests_main()', name);
      const main = `\n#include <cstdio>\nint main() {\n    evalkit_tests_main();\n    std::printf("\\n%s\\n", ${m});\n    std::fflush(stdout);\n    return 0;\n}\n`;
      return { program, files: { 'prog.cpp': prompt + completion + t + main } };
    }
    case 'rs': {
      const t = renameMain(tests, /\bfn\s+main\s*\(\s*\)/, 'fn evalkit_tests_main()', name);
      const main = `\nfn main() {\n    evalkit_tests_main();\n    println!("\\n{}", ${m});\n}\n`;
      return { program, files: { 'prog.rs': prompt + completion + t + main } };
    }
    case 'java': {
      const main =
        'public class EvalkitMain {\n    public static void main(String[] args) throws Throwable {\n' +
        `        Problem.main(args);\n        System.out.println();\n        System.out.println(${m});\n        System.out.flush();\n    }\n}\n`;
      return { program, files: { 'Problem.java': program, 'EvalkitMain.java': main } };
    }
    case 'go': {
      const pkg = /^\s*package\s+([A-Za-z_][A-Za-z0-9_]*)/m.exec(prompt)?.[1];
      if (!pkg) throw new EvalkitError(`MultiPL-E ${name}: Go prompt has no package clause`);
      const main =
        `package ${pkg}\n\nimport (\n\t"fmt"\n\t"os"\n\t"testing"\n)\n\n` +
        `func TestMain(m *testing.M) {\n\tcode := m.Run()\n\tif code == 0 {\n\t\tfmt.Println()\n\t\tfmt.Println(${m})\n\t}\n\tos.Exit(code)\n}\n`;
      return { program, files: { 'prog_test.go': program, 'evalkit_main_test.go': main } };
    }
  }
}
