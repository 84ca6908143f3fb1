/**
 * The Python harness that runs one BigCodeBench program in the multi-language sandbox (language `py`).
 * Semantics follow the official evaluator (bigcodebench `eval/__init__.py` `unsafe_execute`, described not
 * copied): the program (solution + "\n" + test) is executed as module `__test__` in a fresh temporary working
 * directory, its `TestCases` are loaded with `unittest.TestLoader` and run into a `unittest.TestResult`; the
 * sample passes iff there are no failures and no errors. stdout/stderr of the program are swallowed.
 *
 * The result leaves the process as data: one final stdout line `<marker> <json>` with the test ids that failed or
 * errored (tracebacks truncated). The verdict is computed in Node from that line (tasks/bigcodebench/index.ts);
 * the marker (random per job) arrives on stdin and is never written to a file or argv. A program that exits
 * early, crashes the interpreter or never finishes produces no such line and fails.
 */
export const BCB_HARNESS_PY = String.raw`
import io, json, os, sys, tempfile, types, unittest

def _main():
    marker = sys.stdin.readline().strip()
    sys.stdin = io.StringIO("")
    with open("/sandbox/src/program.py", "r", encoding="utf-8") as f:
        code = f.read()
    work = tempfile.mkdtemp(prefix="bcb-")
    os.chdir(work)
    real_stdout = os.fdopen(os.dup(1), "w")
    devnull = open(os.devnull, "w")
    module = types.ModuleType("__test__")
    module.__dict__.update({"__builtins__": __builtins__, "__file__": "__test__.py", "__package__": None, "__doc__": None})
    result = {"tests": 0, "failures": [], "errors": [], "fatal": None}
    sys.stdout = devnull
    sys.stderr = devnull
    try:
        exec(compile(code, "__test__.py", "exec"), module.__dict__)
        sys.modules["__test__"] = module
        suite = unittest.TestLoader().loadTestsFromTestCase(module.__dict__["TestCases"])
        tr = unittest.TestResult()
        suite.run(tr)
        result["tests"] = tr.testsRun
        result["failures"] = [[t.id().split(".")[-1], tb[-1500:]] for t, tb in tr.failures]
        result["errors"] = [[t.id().split(".")[-1], tb[-1500:]] for t, tb in tr.errors]
    except BaseException as e:
        result["fatal"] = (type(e).__name__ + ": " + str(e))[-1500:]
    real_stdout.write("\n" + marker + " " + json.dumps(result) + "\n")
    real_stdout.flush()
    os._exit(0)

_main()
`;

export interface BcbHarnessResult {
  tests: number;
  failures: [string, string][];
  errors: [string, string][];
  fatal: string | null;
}

/** Find `<marker> <json>` as the last non-empty stdout line; null if absent or malformed. */
export function parseHarnessResult(stdout: string, marker: string): BcbHarnessResult | null {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1] ?? '';
  if (!last.startsWith(marker + ' ')) return null;
  try {
    const r = JSON.parse(last.slice(marker.length + 1)) as BcbHarnessResult;
    if (typeof r.tests !== 'number' || !Array.isArray(r.failures) || !Array.isArray(r.errors)) return null;
    return r;
  } catch {
    return null;
  }
}
