/**
 * The Python harness that runs one LiveCodeBench sample in the sandbox (language `py`). It receives on stdin the
 * marker, a header and the test INPUTS only — expected outputs never enter the sandbox — and reports, per test,
 * the program's output as data (`<marker> <json>` lines). The comparison happens in Node (compare.ts).
 *
 * Semantics follow lcb_runner/evaluation/testing_util.py (described, not copied): the same import preamble and
 * recursion limit; stdin problems: a trailing `if __name__ == '__main__':` block is unwrapped, the program runs
 * with stdin (and `open(...)`) fed from the input and stdout captured, SystemExit ends it normally; functional
 * problems: the code is executed once, `Solution()` is instantiated when the code has `class Solution`, the
 * method `func_name` is called with one JSON value per input line, a returned tuple becomes a list. Per-test time
 * limit via SIGALRM (default 6 s). The harness stops after the first timeout or runtime error (a failure whatever
 * the expected output); wrong answers are found in Node.
 */
export const LCB_IMPORT_PREAMBLE =
  'from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\nfrom heapq import *\nfrom bisect import *\nfrom copy import *\nfrom math import *\nfrom random import *\nfrom statistics import *\nfrom itertools import *\nfrom functools import *\nfrom operator import *\nfrom io import *\nfrom sys import *\nfrom json import *\nfrom builtins import *\nfrom typing import *\nimport string\nimport re\nimport datetime\nimport collections\nimport heapq\nimport bisect\nimport copy\nimport math\nimport random\nimport statistics\nimport itertools\nimport functools\nimport operator\nimport io\nimport sys\nimport json\nsys.setrecursionlimit(50000)\n';

export const LCB_HARNESS_PY = String.raw`
import ast, builtins, io, json, os, signal, sys, types

class _Timeout(BaseException):
    pass

def _alarm(signum, frame):
    raise _Timeout()

def _unwrap_main(code):
    try:
        tree = ast.parse(code)
        last = tree.body[-1]
        if isinstance(last, ast.If) and ast.unparse(last.test).strip() == "__name__ == '__main__'":
            return ast.unparse(tree.body[:-1]) + "\n" + ast.unparse(last.body)
    except Exception:
        pass
    return code

def _main():
    marker = sys.stdin.readline().strip()
    header = json.loads(sys.stdin.readline())
    inputs = [json.loads(l) for l in sys.stdin.read().split("\n") if l.strip()]
    sys.stdin = io.StringIO("")
    with open("/sandbox/src/program.py", "r", encoding="utf-8") as f:
        code = f.read()
    os.chdir("/tmp")
    real = os.fdopen(os.dup(1), "w")
    preamble = header["preamble"]
    limit = float(header["timeout_s"])
    signal.signal(signal.SIGALRM, _alarm)
    real_open = builtins.open

    def emit(obj):
        real.write("\n" + marker + " " + json.dumps(obj) + "\n")
        real.flush()

    devnull = real_open(os.devnull, "w")
    if header["mode"] == "functional":
        sys.stdout = devnull
        try:
            signal.setitimer(signal.ITIMER_REAL, limit)
            mod = types.ModuleType("tmp_sol")
            exec(compile(preamble + "\n\n" + code, "solution.py", "exec"), mod.__dict__)
            target = mod.Solution() if "class Solution" in code else mod
            signal.setitimer(signal.ITIMER_REAL, 0)
            method = getattr(target, header["func_name"])
        except BaseException as e:
            signal.setitimer(signal.ITIMER_REAL, 0)
            emit({"i": -1, "status": "timeout" if isinstance(e, _Timeout) else "error", "error": (type(e).__name__ + ": " + str(e))[-500:]})
            os._exit(0)
        for i, inp in enumerate(inputs):
            try:
                args = [json.loads(line) for line in inp.split("\n")]
                signal.setitimer(signal.ITIMER_REAL, limit)
                out = method(*args)
                signal.setitimer(signal.ITIMER_REAL, 0)
                if isinstance(out, tuple):
                    out = list(out)
                try:
                    text = json.dumps(out)
                except Exception:
                    emit({"i": i, "status": "error", "error": "result is not JSON-serializable: " + type(out).__name__})
                    break
                emit({"i": i, "status": "ok", "out": text})
            except BaseException as e:
                signal.setitimer(signal.ITIMER_REAL, 0)
                emit({"i": i, "status": "timeout" if isinstance(e, _Timeout) else "error", "error": (type(e).__name__ + ": " + str(e))[-500:]})
                break
    else:
        program = compile(preamble + "\n" + _unwrap_main(code), "solution.py", "exec")
        for i, inp in enumerate(inputs):
            buf = io.StringIO()
            sys.stdin = io.TextIOWrapper(io.BytesIO(inp.encode("utf-8")), encoding="utf-8")
            sys.stdout = buf
            builtins.open = lambda *a, **k: io.StringIO(inp)
            status, err = "ok", None
            try:
                signal.setitimer(signal.ITIMER_REAL, limit)
                exec(program, {"__name__": "__main__", "__builtins__": builtins})
            except SystemExit:
                pass
            except BaseException as e:
                status = "timeout" if isinstance(e, _Timeout) else "error"
                err = (type(e).__name__ + ": " + str(e))[-500:]
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                builtins.open = real_open
                sys.stdout = devnull
            if status != "ok":
                emit({"i": i, "status": status, "error": err})
                break
            emit({"i": i, "status": "ok", "out": buf.getvalue()})
    os._exit(0)

_main()
`;
