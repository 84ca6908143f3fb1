/**
 * EvalPlus-style code sanitization (facts from evalplus `evalplus/sanitize.py`, implementation our own):
 *   1. take the longest run of consecutive lines that parses as Python (this drops prose around the code,
 *      markdown fences, and a truncated tail);
 *   2. keep every top-level import, and those top-level functions, classes and simple assignments that the
 *      entry point reaches through names it uses (dependency closure); drop tests, prints, `__main__` blocks.
 *
 * Parsing uses CPython's own `ast` module in a long-lived helper process (/usr/bin/python3 by default,
 * override with EVALKIT_PYTHON). Why not a TS parser: Python's grammar (indentation, f-strings, match,
 * walrus…) is exactly what decides "does this chunk parse", and CPython's parser is the reference. `ast.parse`
 * only parses: the model's code is never executed here (execution happens in src/sandbox).
 *
 * EvalPlus parses with tree-sitter; on syntactically valid code both give the same statement structure. A
 * chunk that tree-sitter accepts with error recovery but CPython rejects is the one known divergence (see
 * docs/fidelity.md#olmes-code).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

const HELPER = String.raw`
import ast, json, sys

# Work budget of the longest-chunk search, in lines handed to the parser (deterministic, unlike a clock): the search
# tries O(n^2) chunks of O(n) lines, so a long text that never parses would otherwise take days. When it runs out
# the best chunk found so far is used.
PARSE_BUDGET_LINES = 5_000_000

class Budget:
    def __init__(self):
        self.left = PARSE_BUDGET_LINES

def parses(src, budget, nlines):
    budget.left -= nlines
    try:
        ast.parse(src)
        return True
    except Exception:
        return False

def longest_valid_chunk(text):
    budget = Budget()
    lines = text.split("\n")
    n = len(lines)
    nonempty = [0] * (n + 1)
    for i, l in enumerate(lines):
        nonempty[i + 1] = nonempty[i] + (1 if l.strip() else 0)
    best, best_score = "", 0
    for i in range(n):
        # a chunk cannot start on a blank line, nor on an indented code line ("unexpected indent")
        stripped = lines[i].strip()
        if not stripped or (lines[i][0] in " \t" and not stripped.startswith("#")):
            continue
        # longest end first so we can stop at the first parse for this start
        for j in range(n, i, -1):
            score = nonempty[j] - nonempty[i]
            if score <= best_score:
                break
            if budget.left <= 0:
                return best
            chunk = "\n".join(lines[i:j])
            if parses(chunk, budget, j - i):
                best, best_score = chunk, score
                break
    return best

def names_used(node):
    out = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            out.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            pass
    return out

def sanitize(text, entry_point):
    code = longest_valid_chunk(text)
    if not code:
        return ""
    tree = ast.parse(code)
    lines = code.split("\n")
    imports, defs, order = [], {}, []
    for node in tree.body:
        start = node.lineno - 1
        if getattr(node, "decorator_list", None):
            start = min(d.lineno for d in node.decorator_list) - 1
        src = "\n".join(lines[start:node.end_lineno])
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            order.append(("import", None, src))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.name] = names_used(node)
            order.append(("def", node.name, src))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            defs[name] = names_used(node.value)
            order.append(("def", name, src))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name = node.target.id
            defs[name] = names_used(node.value)
            order.append(("def", name, src))
    if entry_point and entry_point in defs:
        reach, stack = set(), [entry_point]
        while stack:
            cur = stack.pop()
            if cur in reach:
                continue
            reach.add(cur)
            stack.extend(n for n in defs.get(cur, ()) if n in defs and n not in reach)
    else:
        reach = set(defs)
    kept = [src for kind, name, src in order if kind == "import" or name in reach]
    return "\n".join(kept) + ("\n" if kept else "")

for line in sys.stdin:
    req = json.loads(line)
    try:
        out = {"id": req["id"], "code": sanitize(req["text"], req.get("entry_point"))}
    except Exception as e:
        out = {"id": req["id"], "error": repr(e)}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
`;

export const PYTHON = process.env.EVALKIT_PYTHON ?? '/usr/bin/python3';

/** Longest model output the sanitizer looks at (characters); the rest is cut before parsing. */
export const MAX_SANITIZE_CHARS = 1_000_000;
/**
 * Backstop per request, for a wedged helper only: the search itself is bounded by a deterministic work budget
 * (PARSE_BUDGET_LINES above). When it fires the helper is restarted and the result is '' (no code: the sample fails).
 */
export const SANITIZE_DEADLINE_MS = 120_000;

/** A long-lived parse-only Python helper; requests are answered in order. */
export class Sanitizer {
  private proc: ChildProcessWithoutNullStreams | undefined;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { proc: ChildProcessWithoutNullStreams; resolve: (s: string) => void; reject: (e: Error) => void }
  >();

  private start(): ChildProcessWithoutNullStreams {
    if (this.proc) return this.proc;
    const proc = spawn(PYTHON, ['-I', '-c', HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += String(d)));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { id: number; code?: string; error?: string };
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(`sanitizer: ${msg.error}`));
      else p.resolve(msg.code ?? '');
    });
    const fail = (why: string) => {
      for (const [id, p] of this.pending) {
        if (p.proc !== proc) continue;
        this.pending.delete(id);
        p.reject(new Error(`sanitizer helper (${PYTHON}) ${why}: ${stderr.slice(-500)}`));
      }
      if (this.proc === proc) this.proc = undefined;
    };
    proc.on('exit', (code) => fail(`exited with code ${code}`));
    proc.on('error', (e) => fail(`failed to start: ${e.message}`));
    proc.stdin.on('error', () => undefined);
    this.proc = proc;
    return proc;
  }

  /**
   * Sanitize model output for `entryPoint` (EvalPlus semantics; see module comment). Bounded: at most
   * MAX_SANITIZE_CHARS of the text are looked at, the chunk search has a work budget, and a wedged helper is killed
   * after SANITIZE_DEADLINE_MS (the result is then '').
   */
  sanitize(text: string, entryPoint?: string): Promise<string> {
    const proc = this.start();
    const id = this.nextId++;
    const cut = text.length > MAX_SANITIZE_CHARS ? text.slice(0, MAX_SANITIZE_CHARS) : text;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        process.stderr.write(
          `evalkit: sanitizer: no answer within ${SANITIZE_DEADLINE_MS / 1000} s; helper restarted, sample gets no code\n`,
        );
        resolve('');
        if (this.proc === proc) {
          this.proc = undefined;
          proc.kill('SIGKILL');
        }
      }, SANITIZE_DEADLINE_MS);
      timer.unref();
      this.pending.set(id, {
        proc,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      proc.stdin.write(JSON.stringify({ id, text: cut, entry_point: entryPoint ?? null }) + '\n');
    });
  }

  async close(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p) {
      p.stdin.end();
      await new Promise<void>((r) => {
        if (p.exitCode !== null) return r();
        p.once('exit', () => r());
        setTimeout(() => {
          p.kill('SIGKILL');
          r();
        }, 2000).unref();
      });
    }
  }
}

/**
 * Markdown code blocks of a chat response, in order (```python … ```, ``` … ```). An unterminated last block
 * (generation hit max tokens) is included up to the end of the text.
 */
export function extractCodeBlocks(text: string): string[] {
  const out: string[] = [];
  const re = /```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)(?:```|$(?![\s\S]))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out.push(m[2]);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}
