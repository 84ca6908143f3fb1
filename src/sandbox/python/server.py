"""evalkit sandbox fork server.

Runs once per sandbox worker, as pid 1 of the worker's pid namespace inside bubblewrap (unless the user opted out).
Three kinds of process:

- the server (pid 1, non-dumpable): talks to Node on stdin/stdout, relays what a job writes on its private pipe,
  enforces every deadline. It never forks a job itself.
- the zygote: forked from the server at start-up, right after the warm imports and before any job was read. It holds
  the parsed public test inputs and forks one child per job; it never sees job code, ground truth or outputs.
- the job child: fresh user/mount/IPC namespaces, fresh /tmp and /dev/shm, an empty /proc (only /proc/self), no
  capabilities, rlimits and the seccomp denylist; reads its job from a memfd and writes frames on its own pipe.

Protocol with Node (stdin/stdout of the server, which no job can reach):
  Node -> server: one JSON line per message: first {"op": "init", ...configuration}, then jobs
                  {"op": "evalplus"|"gt"|"gt-batch"|"program", "id": N, ...}, {"op": "stop", "id": N},
                  {"op": "skip", "id": N, "set": K} (skip the rest of test set K of an evalplus job: the server writes
                  K on the job's control pipe and sends SIGUSR1), and {"op": "inputs", "key": K, "n": LEN} followed
                  by exactly LEN bytes of inputs JSON ([base inputs, plus inputs] of one problem).
  server -> Node: {"ev": "ready"} once, then per job zero or more {"id": N, "ev": "f", "n": LEN} + LEN raw bytes
                  (one child frame) and exactly one {"id": N, "ev": "end", ...}.
Child -> server: 4-byte big-endian length + frame on a pipe created for this job only.

Nothing the child sends is trusted: frames are plain data (tagged JSON, see encode()), and the verdict is computed
in Node from these data and ground-truth outputs that never enter a sample's worker.
"""

import builtins
import contextlib
import copy
import io
import json
import json.encoder
import os
import resource
import selectors
import signal
import sys
import time

# Modules solutions commonly import: importing them here once makes every forked child start warm.
import array  # noqa: F401
import bisect  # noqa: F401
import cmath  # noqa: F401
import collections  # noqa: F401
import dataclasses  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import enum  # noqa: F401
import fractions  # noqa: F401
import functools  # noqa: F401
import hashlib  # noqa: F401
import heapq  # noqa: F401
import itertools  # noqa: F401
import math
import operator  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401
import statistics  # noqa: F401
import string  # noqa: F401
import textwrap  # noqa: F401
import typing  # noqa: F401
import unicodedata  # noqa: F401
import shutil
import subprocess  # noqa: F401  (so the guard can disable Popen like EvalPlus does)
import faulthandler

try:
    import ctypes
except Exception:  # pragma: no cover - ctypes is part of the standard library on Linux
    ctypes = None

# Job code may patch builtins (builtins.type = ..., builtins.isinstance = ...). Bind the ones the harness uses as
# module globals so the encoder and the frame writer keep working on the real ones.
type = builtins.type  # noqa: A001
isinstance = builtins.isinstance  # noqa: A001
len = builtins.len  # noqa: A001
str = builtins.str  # noqa: A001
repr = builtins.repr  # noqa: A001
format = builtins.format  # noqa: A001
getattr = builtins.getattr  # noqa: A001
list = builtins.list  # noqa: A001
set = builtins.set  # noqa: A001
bytes = builtins.bytes  # noqa: A001
memoryview = builtins.memoryview  # noqa: A001
enumerate = builtins.enumerate  # noqa: A001
BaseException = builtins.BaseException  # noqa: A001

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)

SANDBOXED = "--sandboxed" in sys.argv
MAX_FRAME = 256 * 1024 * 1024  # bytes per child frame
MAX_JOB_BYTES = 1024 * 1024 * 1024  # bytes per job, all frames together
MAX_DEPTH = 200
MAX_NODES = 5_000_000
MAX_CHARS = 128 * 1024 * 1024  # characters of str/bytes per output: larger ones are "too large" before any copy


# ----------------------------------------------------------------------------------------------------------------
# MBPP+ input deserialisation. Facts from EvalPlus (evalplus/data/mbpp.py, mbpp_deserialize_inputs): MBPP+ stores
# tuples, sets and complex numbers as JSON lists/strings; these task numbers get their types back. Own code.
_TUPLE_ARGS = {2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740,
               744, 809}
_TUPLE_IN_LIST_ARGS = {63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780}
_FIRST_ARG_TUPLE_LIST = {75, 413, 444, 753}
_SECOND_ARG_TUPLE = {106, 750}
_FIRST_ARG_TUPLE = {250, 405, 446, 617, 720, 763, 808}
_NESTED_TUPLES = {259, 401, 445}
_ALL_TUPLES = {580, 615, 791}


def _deep_tuple(x):
    return tuple(_deep_tuple(y) for y in x) if isinstance(x, list) else x


def mbpp_deserialize(task_id, inputs):
    n = int(str(task_id).split("/")[-1])
    if n in _TUPLE_ARGS:
        return [[tuple(a) for a in inp] for inp in inputs]
    if n in _TUPLE_IN_LIST_ARGS:
        return [[[tuple(x) for x in a] for a in inp] for inp in inputs]
    if n in _FIRST_ARG_TUPLE_LIST:
        return [[[tuple(x) for x in inp[0]]] + [inp[1]] for inp in inputs]
    if n in _SECOND_ARG_TUPLE:
        return [[inp[0]] + [tuple(inp[1])] for inp in inputs]
    if n == 115:
        # EvalPlus turns empty members into {} (an empty dict), kept as is for identical behaviour.
        return [[[set(x) if isinstance(x, list) and len(x) else {} for x in inp[0]]] for inp in inputs]
    if n == 124:
        return [(float(inp[0]), complex(inp[1])) for inp in inputs]
    if n in _FIRST_ARG_TUPLE:
        return [[tuple(inp[0])] + [inp[1]] for inp in inputs]
    if n in _NESTED_TUPLES:
        return [[tuple(tuple(x) for x in a) for a in inp] for inp in inputs]
    if n == 278:
        return [[tuple(tuple(x) if isinstance(x, list) else x for x in inp[0])] for inp in inputs]
    if n == 307:
        return [[tuple(inp[0]), inp[1], inp[2]] for inp in inputs]
    if n == 722:
        return [[{k: tuple(v) for k, v in inp[0].items()}] + inp[1:] for inp in inputs]
    if n == 252:
        return [[complex(inp[0])] for inp in inputs]
    if n in _ALL_TUPLES:
        return [_deep_tuple(inp) for inp in inputs]
    return inputs


# ----------------------------------------------------------------------------------------------------------------
# Output encoding: a restricted, non-executable, tagged JSON. Plain JSON arrays are lists, strings are str, numbers
# are int (exact), true/false/null are bool/None; everything else is a one-key object:
#   {"i": "<decimal>"} big int, {"f": 1.5 | "nan" | "inf" | "-inf"} float, {"c": [re, im]} complex,
#   {"b": "<hex>"} bytes, {"t": [...]} tuple, {"s": [...]} set, {"fs": [...]} frozenset,
#   {"d": [[k, v], ...]} dict, {"od": [[k, v], ...]} OrderedDict, {"ctr": [[k, v], ...]} Counter.
# Objects of other types (or subclasses overriding __eq__) are not data: they make the output "unserializable".


class Unserializable(Exception):
    pass


_OrderedDict = collections.OrderedDict
_Counter = collections.Counter
_INT_LIMIT = 2 ** 53


def _float(v):
    if v != v:
        return {"f": "nan"}
    if v == math.inf:
        return {"f": "inf"}
    if v == -math.inf:
        return {"f": "-inf"}
    return {"f": v}


def _plain_subclass(t, base):
    # A subclass behaves like its base under == only if it does not override comparison.
    return t.__eq__ is base.__eq__ and t.__ne__ is base.__ne__


_PLAIN_SCALARS = frozenset((str, bool, type(None)))
_INT_SCALARS = frozenset((int, bool))


def _plain_list(v, budget):
    """Fast path (C-level scans): a list of only str/bool/None, or only int/bool within +-2**53, is its own tagged
    encoding. Returns None when the general path is needed."""
    ts = set(map(type, v))
    if ts <= _PLAIN_SCALARS:
        budget[0] -= len(v)
        if str in ts:
            budget[1] -= sum(map(len, filter(lambda x: type(x) is str, v)))
    elif ts <= _INT_SCALARS and v and -_INT_LIMIT < min(v) and max(v) < _INT_LIMIT:
        budget[0] -= len(v)
    else:
        return None
    if budget[0] < 0 or budget[1] < 0:
        raise Unserializable("output too large")
    return v


def encode(value):
    budget = [MAX_NODES, MAX_CHARS]

    def enc(v, depth):
        budget[0] -= 1
        if budget[0] < 0:
            raise Unserializable("output too large")
        if isinstance(v, (str, bytes)):
            budget[1] -= len(v) if isinstance(v, str) else 2 * len(v)
            if budget[1] < 0:
                raise Unserializable("output too large")
        if depth > MAX_DEPTH:
            raise Unserializable("output nested too deeply (or cyclic)")
        t = type(v)
        if v is None or t is bool:
            return v
        if t is int:
            # hex: linear-time conversion (decimal str() of a huge int is quadratic)
            return v if -_INT_LIMIT < v < _INT_LIMIT else {"i": format(v, "x")}
        if t is float:
            return _float(v)
        if t is str:
            return v
        if t is list:
            plain = _plain_list(v, budget)
            return plain if plain is not None else [enc(x, depth + 1) for x in v]
        if t is tuple:
            return {"t": [enc(x, depth + 1) for x in v]}
        if t is dict:
            return {"d": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in dict.items(v)]}
        if t is set:
            return {"s": [enc(x, depth + 1) for x in set.__iter__(v)]}
        if t is frozenset:
            return {"fs": [enc(x, depth + 1) for x in frozenset.__iter__(v)]}
        if t is bytes:
            return {"b": bytes.hex(v)}
        if t is complex:
            return {"c": [_float(complex.__getattribute__(v, "real")), _float(complex.__getattribute__(v, "imag"))]}
        if t is _OrderedDict:
            return {"od": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in dict.items(v)]}
        if t is _Counter:
            return {"ctr": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in dict.items(v)]}
        # Subclasses that compare like their base (namedtuple, defaultdict, IntEnum without __eq__, ...).
        if isinstance(v, bool):
            return bool(int.__index__(v))
        if isinstance(v, int) and _plain_subclass(t, int) and not isinstance(v, bool):
            return enc(int.__index__(v), depth)
        if isinstance(v, float) and _plain_subclass(t, float):
            return _float(float.__float__(v))
        if isinstance(v, str) and _plain_subclass(t, str):
            return enc(str.__str__(v), depth)
        if isinstance(v, bytes) and _plain_subclass(t, bytes):
            return {"b": bytes.hex(v)}
        if isinstance(v, list) and _plain_subclass(t, list):
            return [enc(x, depth + 1) for x in list.__iter__(v)]
        if isinstance(v, tuple) and _plain_subclass(t, tuple):
            return {"t": [enc(x, depth + 1) for x in tuple.__iter__(v)]}
        if isinstance(v, dict) and _plain_subclass(t, dict):
            return {"d": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in dict.items(v)]}
        if isinstance(v, (set, frozenset)) and _plain_subclass(t, set if isinstance(v, set) else frozenset):
            return {"s" if isinstance(v, set) else "fs": [enc(x, depth + 1) for x in (set.__iter__(v) if isinstance(v, set) else frozenset.__iter__(v))]}
        name = getattr(t, "__qualname__", None)
        raise Unserializable("value of type %s is not data" % (name if isinstance(name, str) else "?"))

    try:
        return enc(value, 0)
    except RecursionError:
        raise Unserializable("output nested too deeply (or cyclic)")


class _NotCanonical(Exception):
    pass


# Types whose repr is already canonical under ==: for a list/tuple of only these, repr() is the canonical text.
_REPR_CANONICAL = frozenset((int, str, type(None)))
_NUMBERS = frozenset((int, float, bool))
_float_is_integer = float.is_integer


def _canon_number(x):
    """int for bool, int and integral floats (1 == 1.0 == True); the float otherwise. NaN is never equal."""
    if type(x) is float:
        if x != x:
            raise _NotCanonical()
        return int(x) if _float_is_integer(x) else x
    return int.__index__(x)


_CHUNK = 4096
# At most this many inner items go into one repr() piece: a larger text is fresh memory whose page faults cost more
# than the repr itself (Mbpp/255's 1.66M tuples of 77 str: 15.4 s in 4096-tuple pieces, 4.4 s in 16K-item pieces).
_PIECE_ITEMS = 16 * 1024
_SEQUENCES = frozenset((list, tuple))
_FLOAT = frozenset((float,))
_chain = itertools.chain.from_iterable
_isnan = math.isnan


def _plain_floats(chunk, nested):
    """True if repr() of these floats (the items of `chunk`, or of its inner sequences if `nested`) is their canonical
    text: none is integral (1.0 == 1, -0.0 == 0) or NaN. Two passes, so each gets its own iterator."""
    return not any(map(_float_is_integer, _chain(chunk) if nested else chunk)) and not any(
        map(_isnan, _chain(chunk) if nested else chunk)
    )


def _canon_numbers(chunk):
    """[_canon_number(x) for x in chunk] for ints, bools and floats: at C speed when every float is integral (e.g.
    HumanEval/130's [1, 3, 2.0, 8.0, ...]: int() of each), else item by item (raises _NotCanonical for NaN)."""
    try:
        # float(x).is_integer() is True for every int, so this asks whether every *float* is integral (not NaN/inf)
        if all(map(_float_is_integer, map(float, chunk))):
            return list(map(int, chunk))
    except OverflowError:  # an int too large for a float
        pass
    return list(map(_canon_number, chunk))


def _feed_items(chunk, put, depth):
    """Feed the items of `chunk` (a list) separated by ", ", in pieces built by repr() where that is canonical."""
    ts = set(map(type, chunk))
    if ts <= _REPR_CANONICAL or (ts == _FLOAT and _plain_floats(chunk, False)):
        put(repr(chunk)[1:-1])  # repr of int/str/None items (and non-integral floats) is canonical: C-level
        return
    if ts <= _SEQUENCES:
        inner = sum(map(len, chunk))
        if inner > _PIECE_ITEMS and len(chunk) > 1:
            step = max(1, len(chunk) * _PIECE_ITEMS // inner)
            for start in range(0, len(chunk), step):
                if start:
                    put(", ")
                _feed_items(chunk[start:start + step], put, depth)
            return
        if inner <= _PIECE_ITEMS:
            its = set(map(type, _chain(chunk)))
            if its <= _REPR_CANONICAL or (its == _FLOAT and _plain_floats(chunk, True)):
                put(repr(chunk)[1:-1])  # lists/tuples of such items (e.g. combinations): their repr too
                return
    elif ts <= _NUMBERS:
        put(repr(_canon_numbers(chunk))[1:-1])
        return
    first = True
    for x in chunk:
        if not first:
            put(", ")
        first = False
        _canon_feed(x, put, depth + 1)


def _canon_feed(v, put, depth):
    """Feed an ==-canonical text of `v` to put(): for values built from list, tuple, str, int, float (no NaN) and
    bool/None, two values give equal texts iff they are == in Python. Raises _NotCanonical for anything else (dict,
    set, bytes, NaN, ...): such a value can only be compared in full. Streams: large lists never become one string,
    and the text does not depend on how it is cut into pieces."""
    if depth > MAX_DEPTH:
        raise _NotCanonical()
    t = type(v)
    if t is str:
        put(repr(v))
        return
    if t is int or t is bool or t is float:
        put(repr(_canon_number(v)))
        return
    if v is None:
        put("None")
        return
    if t is list or t is tuple:
        put("[" if t is list else "(")
        n = len(v)
        for start in range(0, n, _CHUNK):
            if start:
                put(", ")
            _feed_items(list(v[start:start + _CHUNK]), put, depth)
        if t is tuple and n == 1:
            put(",")
        put("]" if t is list else ")")
        return
    # subclasses that compare like their base (namedtuple, IntEnum without __eq__, str subclasses, ...)
    if isinstance(v, bool) or (isinstance(v, int) and _plain_subclass(t, int)):
        put(repr(int.__index__(v)))
    elif isinstance(v, float) and _plain_subclass(t, float):
        put(repr(_canon_number(float.__float__(v))))
    elif isinstance(v, str) and _plain_subclass(t, str):
        put(repr(str.__str__(v)))
    elif isinstance(v, list) and _plain_subclass(t, list):
        _canon_feed(list(list.__iter__(v)), put, depth)
    elif isinstance(v, tuple) and _plain_subclass(t, tuple):
        _canon_feed(tuple(tuple.__iter__(v)), put, depth)
    elif t is complex and complex.__getattribute__(v, "imag") == 0:
        put(repr(_canon_number(complex.__getattribute__(v, "real"))))  # (2+0j) == 2
    else:
        raise _NotCanonical()


def _canon_text(v):
    """The whole canonical text (tests; digest() streams it into the hash instead)."""
    parts = []
    _canon_feed(v, parts.append, 0)
    return "".join(parts)


def digest(value):
    """Digest of an output that is compared without being shipped (large outputs, see _large): "c:" + sha256 of the
    ==-canonical text (_canon_text) when the value has one, else "r:<type>:" + sha256 of repr(value) (values too large
    to encode that are no plain data: equal values with different reprs, e.g. set order, compare unequal there).
    The ground truth and the sample use this same function; Node compares the two strings. Forging the digest of the
    correct output needs that output, i.e. solving the task."""
    import hashlib as _h

    h = _h.sha256()

    def put(text):
        h.update(text.encode("utf-8", "surrogatepass"))

    try:
        _canon_feed(value, put, 0)
        return "c:" + h.hexdigest()
    except (_NotCanonical, RecursionError):
        pass
    h = _h.sha256()
    t = type(value)
    if t is list or t is tuple:
        h.update(b"[" if t is list else b"(")
        first = True
        for x in value:
            if not first:
                h.update(b", ")
            first = False
            h.update(repr(x).encode("utf-8", "surrogatepass"))
        if t is tuple and len(value) == 1:
            h.update(b",")
        h.update(b"]" if t is list else b")")
    else:
        h.update(repr(value).encode("utf-8", "surrogatepass"))
    return "r:" + t.__name__ + ":" + h.hexdigest()


# An expected output is compared by digest when it is this large (characters of a str, items of a list/tuple, or
# items of its inner lists): shipping and comparing such outputs costs more than running the input.
LARGE_ITEMS = 32 * 1024


def _large(v):
    t = type(v)
    if t is str:
        return len(v) >= 8 * LARGE_ITEMS
    if t is list or t is tuple:
        n = len(v)
        if n >= LARGE_ITEMS:
            return True
        if n and n < 4096:
            total = 0
            for x in v:
                tx = type(x)
                if tx is list or tx is tuple or tx is str:
                    total += len(x)
            return total >= LARGE_ITEMS * 4
    return False


# ----------------------------------------------------------------------------------------------------------------
# Child side: everything below runs in the forked child that executes job code.


class TimeoutException(Exception):
    pass


class _WriteOnlyStringIO(io.StringIO):
    """Like EvalPlus's swallow_io: output is discarded, reading raises."""

    def read(self, *args, **kwargs):
        raise IOError

    def readline(self, *args, **kwargs):
        raise IOError

    def readlines(self, *args, **kwargs):
        raise IOError

    def readable(self, *args, **kwargs):
        return False


class _redirect_stdin(contextlib._RedirectStream):  # type: ignore[name-defined]
    _stream = "stdin"


@contextlib.contextmanager
def swallow_io():
    stream = _WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream):
        with contextlib.redirect_stderr(stream):
            with _redirect_stdin(stream):
                yield


@contextlib.contextmanager
def time_limit(seconds):
    def handler(signum, frame):
        raise TimeoutException("Timed out!")

    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# Third-party modules a solution may import under EvalPlus: EvalPlus's own runtime dependencies (install_requires of
# evalplus setup.cfg at HEAD 26d6d00, the version that produced ../shared/reference/evalplus-speed-anchor) and theirs,
# as top-level module names. Anything else installed on this machine (python3-requests, lxml, bs4 for BigCodeBench...)
# is not importable in an EvalPlus job, so a verdict does not depend on what else the machine has: the anchor's
# CodeGen samples that `import requests` at module level fail there (docs/fidelity.md#evalplus).
EVALPLUS_THIRD_PARTY = frozenset((
    "wget", "tempdir", "multipledispatch", "appdirs", "numpy", "tqdm", "termcolor", "fire", "openai", "tree_sitter",
    "tree_sitter_python", "rich", "transformers", "anthropic", "google", "datasets", "psutil", "boto3", "ollama",
    # their own dependencies that a Debian or pip install brings along
    "six", "pygments", "markdown_it", "mdurl",
))


class _EvalPlusImports:
    """A meta-path finder placed first: importing a top-level module that is neither standard library nor in
    EVALPLUS_THIRD_PARTY raises ModuleNotFoundError, as in EvalPlus's environment."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        top = name.partition(".")[0]
        if top in _STDLIB or top in EVALPLUS_THIRD_PARTY:
            return None
        raise ModuleNotFoundError("No module named %r" % top, name=top)


_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


def evalplus_guard():
    """The environment EvalPlus's reliability_guard gives solutions (facts from evalplus/eval/utils.py): the same
    names are disabled so that solutions behave as they would under EvalPlus. This is fidelity, not security."""
    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ("kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork", "forkpty",
                 "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown", "chmod", "chown",
                 "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir"):
        setattr(os, name, None)
    builtins.open = None
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    for name in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[name] = None


# ----------------------------------------------------------------------------------------------------------------
# Per-job isolation (inside bubblewrap): the job child gets its own user, mount and IPC namespaces, a fresh /tmp and
# /dev/shm, an empty /proc (only /proc/self), no capabilities, and the seccomp denylist built by Node
# (src/sandbox/isolation.ts) with its own pid patched in (signals to itself only).

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 8192, 16384, 1 << 18

_libc = ctypes.CDLL(None, use_errno=True) if ctypes is not None else None
CONFIG = {"seccomp": None, "pidSlots": [], "tmpBytes": 256 * 1024 * 1024, "shmBytes": 64 * 1024 * 1024}


def _check(rc, what):
    if rc != 0:
        raise OSError(ctypes.get_errno(), "%s failed" % what)


def _mount(src, target, fstype, flags, data):
    _check(_libc.mount(src, target, fstype, flags, data), "mount " + target.decode())


def isolate_job():
    """Fresh namespaces and file systems for this job (runs before the job's code is even read)."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", "%d %d 1" % (uid, uid)), ("gid_map", "%d %d 1" % (gid, gid))):
        fd = os.open("/proc/self/" + name, os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
    _mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None)
    _mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, b"size=%d,mode=0700" % CONFIG["tmpBytes"])
    _mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, b"size=%d,mode=0700" % CONFIG["shmBytes"])
    # /proc: only this process's own entry (other processes of the worker are not visible, not even their status)
    os.mkdir("/tmp/.self")
    _mount(("/proc/%d" % os.getpid()).encode(), b"/tmp/.self", None, MS_BIND, None)
    _mount(b"tmpfs", b"/proc", b"tmpfs", MS_NOSUID | MS_NODEV, b"size=16k,mode=0555")
    os.mkdir("/proc/self")
    _mount(b"/tmp/.self", b"/proc/self", None, MS_MOVE, None)
    os.rmdir("/tmp/.self")
    _mount(b"none", b"/proc", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    # no capabilities left, not even in the job's own user namespace
    for cap in range(64):
        if _libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            break
    hdr = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(hdr, data), "capset")


def install_seccomp():
    prog = CONFIG["seccomp"]
    if prog is None:
        return "no seccomp program for this architecture"
    buf = bytearray(prog)
    pid = os.getpid()
    for slot in CONFIG["pidSlots"]:
        buf[slot * 8 + 4:slot * 8 + 8] = pid.to_bytes(4, "little")
    cbuf = ctypes.create_string_buffer(bytes(buf), len(buf))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(buf) // 8, ctypes.cast(cbuf, ctypes.c_void_p))
    if _libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return "no_new_privs failed"
    if _libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        return "seccomp failed errno %d" % ctypes.get_errno()
    return None


def child_setup(job, keep):
    """Isolate the child: fresh session, no inherited fds but the result pipe (and its control pipe), resource
    limits, seccomp."""
    try:
        os.setsid()
    except OSError:
        pass
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    lo = 3
    for fd in sorted(keep):
        os.closerange(lo, fd)
        lo = fd + 1
    os.closerange(lo, 4096)
    os.chdir("/tmp")
    os.environ["HOME"] = "/tmp"
    os.environ["TMPDIR"] = "/tmp"
    mem = int(job.get("memBytes") or 0)
    limits = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 64 * 1024 * 1024),
        (resource.RLIMIT_NOFILE, 256),
        (resource.RLIMIT_NPROC, 256),
        (resource.RLIMIT_STACK, 256 * 1024 * 1024),
        (resource.RLIMIT_CPU, int(job.get("cpuSeconds") or 60)),
    ]
    if mem > 0:
        limits.append((resource.RLIMIT_AS, mem))
    for which, value in limits:
        try:
            _soft, hard = resource.getrlimit(which)
            v = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (v, v))
        except (ValueError, OSError):
            pass
    return install_seccomp()


_NO_VALUE = object()
_perf = time.perf_counter
# Frames are written at once (FLUSH_BYTES = 0). Batching them in the child (tried: 256 KiB / 2 ms) delays a wrong
# output until the next call returns: a fast wrong answer followed by an input that hangs in C code then ends as an
# overall "timeout" where EvalPlus says "fail" (seen on Llama-3-8B HumanEval/79 under load). The server still relays
# every complete frame of one read in one write.
FLUSH_BYTES = 0
FLUSH_S = 0.002


def make_sender(wfd):
    write = os.write
    # The C encoder directly: json's Python layer calls isinstance(), which job code may have patched.
    c_encoder = json.encoder.c_make_encoder
    enc_str = json.encoder.c_encode_basestring_ascii
    if c_encoder is None or enc_str is None:  # pragma: no cover - CPython always has _json
        dumps = json.dumps

        def to_text(obj):
            return dumps(obj, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    else:
        def _default(o):
            raise TypeError("not JSON data")

        encoder = c_encoder(None, _default, enc_str, None, ":", ",", False, False, False)

        def to_text(obj):
            return "".join(encoder(obj, 0))

    pending = []
    state = [0, 0.0]  # bytes pending, time of the oldest pending frame

    def flush():
        if not pending:
            return
        mv = memoryview(b"".join(pending))
        del pending[:]
        state[0] = 0
        while len(mv):
            n = write(wfd, mv)
            mv = mv[n:]

    def send(obj, value=_NO_VALUE, now=False):
        # A frame is meta JSON, optionally followed by "\n" and the tagged JSON of one value (kept apart so that Node
        # can compare the value's text with the expected text before parsing it). Frames are batched (one write per
        # FLUSH_BYTES or FLUSH_S) unless `now`; callers flush before anything that may take long.
        data = to_text(obj).encode("ascii")
        if value is not _NO_VALUE:
            data += b"\n" + to_text(value).encode("ascii")
        if not pending:
            state[1] = _perf()
        pending.append(len(data).to_bytes(4, "big"))
        pending.append(data)
        state[0] += len(data) + 4
        if now or state[0] >= FLUSH_BYTES:
            flush()

    def stale():
        """True when batched frames have waited FLUSH_S (flush them before the next call)."""
        return bool(pending) and _perf() - state[1] >= FLUSH_S

    send.flush = flush
    send.stale = stale
    return send


def _errstr(e):
    try:
        s = "%s: %s" % (type(e).__name__, e)
    except BaseException:
        s = type(e).__name__ if isinstance(type(e).__name__, str) else "exception"
    return s[:500]


class SkipSet(BaseException):
    """Raised (from the SIGUSR1 handler) in the solution's code when Node already knows the current test set failed:
    the rest of that set is skipped and the next set starts (fail-fast without waiting for the set's remaining
    inputs). A BaseException, like EvalPlus's TimeoutException catching rules: a bare `except:` in the solution may
    swallow it; the flag is checked again before every input."""


_skip = {"fd": -1, "set": -1, "requested": False, "in_call": False}


def _on_skip_signal(signum, frame):
    # The server writes the position of the set to skip on the control pipe, then signals: a request for a set that
    # is no longer running (it finished meanwhile) is ignored.
    try:
        data = os.read(_skip["fd"], 256)
    except OSError:
        data = b""
    if _skip["set"] >= 0 and bytes((_skip["set"],)) in data:
        _skip["requested"] = True
        if _skip["in_call"]:
            raise SkipSet()


def run_test_set(job, pos, spec, inputs, send, fail_fast, not_none):
    """One EvalPlus test set (EvalPlus unsafe_execute): exec the solution in fresh globals, then call it on every
    input with the per-input limit. Frames carry "s": pos (the set's position in the job)."""
    limits = spec["limits"]
    by_digest = set(spec.get("digest") or ())
    g = {}
    t_load = _perf()
    _skip["set"] = pos
    _skip["requested"] = False
    try:
        with swallow_io():
            _skip["in_call"] = True
            try:
                exec(job["code"], g)
            finally:
                _skip["in_call"] = False
            fn = g[job["entry"]]
    except SkipSet:
        send({"s": pos, "done": 1, "skipped": 1}, now=True)
        return
    except BaseException as e:
        send({"s": pos, "load": _errstr(e)}, now=True)
        return
    t_load = _perf() - t_load
    t_run = 0.0
    t_enc = _perf()
    for i, inp in enumerate(inputs):
        if _skip["requested"]:
            break
        t0 = _perf()
        try:
            with time_limit(limits[i]):
                with swallow_io():
                    _skip["in_call"] = True
                    try:
                        out = fn(*inp)
                    finally:
                        _skip["in_call"] = False
        except SkipSet:
            break
        except TimeoutException:
            t_run += _perf() - t0
            send({"s": pos, "i": i, "to": 1}, now=True)
            if fail_fast:
                break
            continue
        except BaseException as e:
            t_run += _perf() - t0
            send({"s": pos, "i": i, "e": _errstr(e)}, now=True)
            if fail_fast:
                break
            continue
        t_run += _perf() - t0
        if not_none and not isinstance(out, bool):
            # EvalPlus's not-None oracle only looks at `out is not None` for non-bool outputs (e.g. re.Match)
            out = out is not None
        if i in by_digest:
            try:
                send({"s": pos, "i": i, "h": digest(out)})
            except BaseException as e:
                send({"s": pos, "i": i, "u": "digest failed: " + _errstr(e)})
            continue
        try:
            meta = {"s": pos, "i": i}
            value = encode(out)
        except Unserializable as e:
            meta, value = {"s": pos, "i": i, "u": str(e)}, _NO_VALUE
        except BaseException as e:
            meta, value = {"s": pos, "i": i, "u": "encoding failed: " + _errstr(e)}, _NO_VALUE
        send(meta, value)
    t_enc = _perf() - t_enc - t_run
    # timings for the profile (bench/RESULTS.md): reported by the job itself, used for statistics only
    send({"s": pos, "done": 1, "prof": [t_load, t_run, t_enc]}, now=True)


def child_evalplus(job, inputs, send):
    """Base and plus test sets of one sample in one process, one after the other, each with a fresh exec of the
    solution (fresh module globals, as EvalPlus's one process per set). Node enforces each set's overall limit and
    starts a new process for the remaining sets if it has to kill this one."""
    fail_fast = job.get("failFast", True)
    not_none = job.get("notNone", False)
    if job.get("guard", True):
        evalplus_guard()
        if _STDLIB:
            sys.meta_path.insert(0, _EvalPlusImports)
    send({"m": time.monotonic()}, now=True)  # setup finished: for the profile's process-start share
    for pos, spec in enumerate(job["sets"]):
        run_test_set(job, pos, spec, inputs[int(spec["set"])], send, fail_fast, not_none)
    _skip["set"] = -1


def _ground_truth_set(code, entry, inputs, not_none, digest_large, send, tag):
    """Expected outputs and per-input times of one canonical solution on one input set (EvalPlus trusted_exec:
    a fresh exec of the program, each input deep-copied and timed). Frames carry `tag` (which task and set)."""
    g = {}
    try:
        exec(code, g)
        fn = g[entry]
    except BaseException as e:
        send(dict(tag, err="loading the canonical solution: " + _errstr(e)), now=True)
        return
    for i, inp in enumerate(inputs):
        inp = copy.deepcopy(inp)
        t0 = time.perf_counter()
        try:
            out = fn(*inp)
        except BaseException as e:
            send(dict(tag, err="canonical solution raised on input #%d: %s" % (i, _errstr(e))), now=True)
            return
        dt = time.perf_counter() - t0
        if not_none:
            out = out is not None  # EvalPlus trusted_exec(output_not_none=True)
        if digest_large and _large(out):
            try:
                d = digest(out)
            except Exception:  # e.g. MemoryError: keep the output in full (or its repr digest, if too large)
                d = ""
            if d.startswith("c:"):
                send(dict(tag, i=i, t=dt, h=d))
                continue
        try:
            value = encode(out)
        except Unserializable as e:
            if "too large" in str(e):
                send(dict(tag, i=i, t=dt, h=digest(out)))
            else:
                send(dict(tag, i=i, u=str(e), t=dt))
            continue
        send(dict(tag, i=i, t=dt), value)
    send(dict(tag, done=1), now=True)


def child_ground_truth(job, inputs, send):
    _ground_truth_set(job["code"], job["entry"], inputs[int(job["set"])], job.get("notNone"),
                      job.get("digestLarge", False), send, {})


def child_ground_truth_batch(job, inputs, send):
    """Ground truth of many tasks in one process, one after the other, as EvalPlus computes it (one process for the
    whole dataset). A task whose canonical solution raises is reported (its frames end with "err") and the next
    task starts; Node computes that one again on its own."""
    for k, task in enumerate(job["tasks"]):
        sets = inputs[k] if k < len(inputs) else None
        for s in (0, 1):
            tag = {"k": k, "s": s}
            try:
                _ground_truth_set(task["code"], task["entry"], sets[s], task.get("notNone"),
                                  task.get("digestLarge", False), send, tag)
            except BaseException as e:
                send(dict(tag, err=_errstr(e)), now=True)


def child_program(job, send):
    # Modules the reference harness's own process had already imported before its guard (OLMES forks its
    # executors from a process that imports numpy, so `import numpy` in a test script works after the guard).
    if job.get("preload"):
        # One BLAS thread: the job's seccomp filter refuses new threads, and OpenBLAS starts them on load.
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = "1"
    for name in job.get("preload") or ():
        try:
            __import__(name)
        except BaseException as e:
            cause = e.__cause__ or e.__context__
            send({"setup": "preloading %s: %s" % (name, _errstr(cause or e)[-300:])})
            return
    if job.get("guard", True):
        evalplus_guard()
    g = {}
    source = job["code"] + "\n" + job["test"]
    try:
        compiled = compile(source, "<program>", "exec")
    except BaseException as e:
        send({"e": _errstr(e)})
        return
    try:
        with swallow_io():
            with time_limit(job["timeout"]):
                exec(compiled, g)
    except TimeoutException:
        send({"to": 1})
        return
    except BaseException as e:
        send({"e": _errstr(e)})
        return
    send({"done": 1})


def child_main(job, inputs, wfd, cfd):
    send = make_sender(wfd)
    err = child_setup(job, (wfd, cfd))
    if err:
        send({"setup": err}, now=True)
        return
    kind = job["op"]
    try:
        if kind == "evalplus":
            os.set_blocking(cfd, False)
            _skip["fd"] = cfd
            signal.signal(signal.SIGUSR1, _on_skip_signal)
            child_evalplus(job, inputs, send)
        elif kind == "gt":
            child_ground_truth(job, inputs, send)
        elif kind == "gt-batch":
            child_ground_truth_batch(job, inputs, send)
        elif kind == "program":
            child_program(job, send)
    finally:
        send.flush()


def _read_fd(fd):
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        b = os.read(fd, 1 << 20)
        if not b:
            break
        chunks.append(b)
    os.close(fd)
    return b"".join(chunks)


# ----------------------------------------------------------------------------------------------------------------
# Zygote: forked from the server at start-up, before the server has read any job. It only ever receives public test
# inputs and "fork" requests, so a job child forked from it holds no other job's code, no ground truth and no other
# sample's outputs (not even in freed memory). The job itself arrives on a memfd the zygote never reads.


def _input_sets(dataset, task_id, sets):
    """[base inputs, plus inputs] of one task as the solution receives them."""
    if not isinstance(sets, list):
        sets = []
    sets = [x if isinstance(x, list) else [] for x in sets]
    if dataset == "mbpp":
        sets = [mbpp_deserialize(task_id, x) for x in sets]
    return sets


def zygote_main(sock):
    import socket as _socket

    cache = {}
    while True:
        try:
            msg, fds, _flags, _addr = _socket.recv_fds(sock, 4096, 4)
        except OSError:
            os._exit(0)
        if not msg:
            os._exit(0)
        req = json.loads(msg)
        op = req.get("op")
        if op == "inputs":
            key = req.get("key")
            try:
                data = json.loads(_read_fd(fds[0]))
                if req.get("batch"):
                    # ground-truth batch: [[taskId, [base inputs, plus inputs]], ...]
                    cache[key] = [_input_sets(req.get("dataset"), t, x) for t, x in data]
                else:
                    cache[key] = _input_sets(req.get("dataset"), req.get("taskId", "0"), data)
            except Exception:
                cache.pop(key, None)
        elif op == "reset":
            cache.clear()
        elif op == "fork":
            jobfd, wfd, cfd = fds[0], fds[1], fds[2]
            key = req.get("key")
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    os.close(sock.fileno())
                    send = make_sender(wfd)
                    try:
                        if SANDBOXED:
                            isolate_job()
                        job = json.loads(_read_fd(jobfd))
                    except BaseException as e:
                        send({"setup": "job isolation failed: " + _errstr(e)})
                        os._exit(71)
                    inputs = cache.get(key) if key is not None else None
                    if job["op"] != "program" and inputs is None:
                        send({"setup": "inputs not cached: " + str(key)})
                        os._exit(71)
                    # The other tasks' cached inputs stay referenced: they are public test inputs (never code, ground
                    # truth or outputs), and dropping them here would free every object of the cache, which touches
                    # (copy-on-write copies) the zygote's whole heap: ~0.25 s per job on an idle core (bench/RESULTS.md).
                    child_main(job, inputs, wfd, cfd)
                except BaseException:
                    code = 70
                os._exit(code)
            os.close(jobfd)
            os.close(wfd)
            os.close(cfd)
            sock.send(json.dumps({"pid": pid}).encode())
            while True:
                try:
                    _, status = os.waitpid(pid, 0)
                    break
                except ChildProcessError:
                    status = -1
                    break
                except InterruptedError:
                    continue
            sock.send(json.dumps({"status": status}).encode())
        for fd in fds[3:] if op == "fork" else fds[1:] if op == "inputs" else fds:
            try:
                os.close(fd)
            except OSError:
                pass


# ----------------------------------------------------------------------------------------------------------------
# Server side (pid 1 of the worker's pid namespace: nothing in a job can address it with a signal or trace it).

def _write_all(data):
    # os.write on a pipe may write partially: loop until everything is out.
    mv = memoryview(data)
    while len(mv):
        n = os.write(1, mv)
        mv = mv[n:]


def emit(obj, payload=None):
    """One header line; a child frame follows as exactly n raw bytes (Node reads them by length, so nothing in them
    can be taken for a protocol message)."""
    if payload is None:
        _write_all(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
    else:
        _write_all(b'{"id":%d,"ev":"f","n":%d}\n' % (obj["id"], len(payload)) + payload)


def set_nondumpable():
    if _libc is None:
        return
    _libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: no ptrace, no /proc/<pid>/mem|environ|fd (inherited by forks)
    _libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER (outside the sandbox; inside we are pid 1 anyway)


ZYGOTE_REPLY_S = 10.0  # the zygote answers a fork request in milliseconds; this is a broken-worker bound


class WorkerBroken(Exception):
    pass


class Server:
    def __init__(self):
        import socket as _socket

        # The zygote first, before this process holds anything but configuration.
        self.zsock, zchild = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
        zpid = os.fork()
        if zpid == 0:
            try:
                self.zsock.close()
                null = os.open("/dev/null", os.O_RDWR)
                os.dup2(null, 0)
                os.dup2(null, 1)
                os.close(null)
                zygote_main(zchild)
            finally:
                os._exit(0)
        zchild.close()
        self.zygote = zpid
        self.stdin_buf = bytearray()
        self.pending = []
        self.sel = selectors.DefaultSelector()
        self.sel.register(0, selectors.EVENT_READ, "stdin")
        self.eof = False

    # ---- Node -> server messages: JSON lines; "inputs" carries n raw bytes after its line
    def read_stdin(self):
        data = os.read(0, 1 << 20)
        if not data:
            self.eof = True
            return
        self.stdin_buf += data
        while True:
            nl = self.stdin_buf.find(b"\n")
            if nl < 0:
                return
            msg = json.loads(bytes(self.stdin_buf[:nl]))
            if msg.get("op") == "inputs":
                n = int(msg.get("n", 0))
                if len(self.stdin_buf) < nl + 1 + n:
                    return  # wait for the payload
                msg["raw"] = bytes(self.stdin_buf[nl + 1:nl + 1 + n])
                del self.stdin_buf[:nl + 1 + n]
            else:
                del self.stdin_buf[:nl + 1]
            self.pending.append(msg)

    def next_message(self):
        while not self.pending and not self.eof:
            self.read_stdin()
        return self.pending.pop(0) if self.pending else None

    def to_zygote(self, obj, fds=()):
        import socket as _socket

        _socket.send_fds(self.zsock, [json.dumps(obj).encode()], list(fds))

    def from_zygote(self, timeout):
        r = select_one(self.zsock.fileno(), timeout)
        if not r:
            raise WorkerBroken("zygote did not answer")
        msg = self.zsock.recv(4096)
        if not msg:
            raise WorkerBroken("zygote exited")
        return json.loads(msg)

    def send_inputs(self, msg):
        fd = os.memfd_create("inputs", os.MFD_CLOEXEC)
        try:
            _write_fd(fd, msg["raw"])
            self.to_zygote({"op": "inputs", "key": msg.get("key"), "dataset": msg.get("dataset"),
                            "taskId": msg.get("taskId"), "batch": bool(msg.get("batch"))}, [fd])
        finally:
            os.close(fd)

    def run_job(self, job, line):
        jid = job["id"]
        t0 = time.monotonic()
        deadline = t0 + float(job.get("deadline", 60))
        jobfd = os.memfd_create("job", os.MFD_CLOEXEC)
        rfd, wfd = os.pipe()
        cfd, ctl = os.pipe()  # control: the position of a test set to skip (then SIGUSR1)
        os.set_blocking(ctl, False)
        try:
            _write_fd(jobfd, line)
            self.to_zygote({"op": "fork", "key": job.get("key")}, [jobfd, wfd, cfd])
        finally:
            os.close(jobfd)
            os.close(wfd)
            os.close(cfd)
        try:
            pid = self.from_zygote(ZYGOTE_REPLY_S)["pid"]
        except BaseException:
            os.close(ctl)
            raise
        self.sel.register(rfd, selectors.EVENT_READ, "child")
        self.sel.register(self.zsock.fileno(), selectors.EVENT_READ, "zygote")
        buf = bytearray()
        total = 0
        reason = None
        detail = None
        status = None
        kill_deadline = None

        def kill():
            nonlocal kill_deadline
            if kill_deadline is None:
                kill_deadline = time.monotonic() + ZYGOTE_REPLY_S
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

        pipe_open = True
        closed_before_exit = False
        try:
            # Until the child has exited (status from the zygote) and its pipe is drained. Every wait has a deadline:
            # the job's own, then ZYGOTE_REPLY_S for a killed process to be reported (else the worker is broken).
            while pipe_open or status is None:
                now = time.monotonic()
                if kill_deadline is not None:
                    left = kill_deadline - now
                    if left <= 0:
                        raise WorkerBroken("job process not reported dead after SIGKILL")
                else:
                    left = deadline - now
                    if left <= 0:
                        reason = reason or "timeout"
                        kill()
                        continue
                for key, _ in self.sel.select(left):
                    if key.data == "stdin":
                        self.read_stdin()
                        if self.eof and reason is None:
                            reason = "stopped"
                        for msg in [m for m in self.pending if m.get("op") in ("stop", "skip")]:
                            self.pending.remove(msg)
                            if msg.get("id") != jid or reason is not None:
                                continue
                            if msg.get("op") == "stop":
                                reason = "stopped"
                            elif status is None and kill_deadline is None:
                                try:
                                    os.write(ctl, bytes((int(msg.get("set", 0)) & 0xFF,)))
                                    os.kill(pid, signal.SIGUSR1)
                                except OSError:
                                    pass
                    elif key.data == "zygote":
                        msg = self.zsock.recv(4096)
                        if not msg:
                            raise WorkerBroken("zygote exited")
                        status = json.loads(msg).get("status")
                        self.sel.unregister(self.zsock.fileno())
                    elif pipe_open:
                        chunk = os.read(rfd, 1 << 20)
                        if not chunk:
                            # The child closed its result pipe (normally: it is exiting, and then its exit status is
                            # already fixed). Nothing more can come from it: kill it now rather than at a deadline.
                            pipe_open = False
                            closed_before_exit = status is None
                            self.sel.unregister(rfd)
                            kill()
                            continue
                        if reason is not None:
                            continue  # drain
                        total += len(chunk)
                        if total > MAX_JOB_BYTES:
                            reason, detail = "too-large", "outputs exceed %d bytes" % MAX_JOB_BYTES
                            continue
                        buf += chunk
                        out = []
                        pos = 0
                        while len(buf) - pos >= 4:
                            n = int.from_bytes(buf[pos:pos + 4], "big")
                            if n > MAX_FRAME:
                                reason, detail = "too-large", "one output exceeds %d bytes" % MAX_FRAME
                                break
                            if len(buf) - pos < 4 + n:
                                break
                            out.append(b'{"id":%d,"ev":"f","n":%d}\n' % (jid, n))
                            out.append(bytes(buf[pos + 4:pos + 4 + n]))
                            pos += 4 + n
                        del buf[:pos]
                        if out:
                            _write_all(b"".join(out))  # every complete frame of this read in one write
                if reason is not None:
                    kill()
        finally:
            for fd in (rfd, self.zsock.fileno()):
                try:
                    self.sel.unregister(fd)
                except (KeyError, ValueError):
                    pass
            os.close(rfd)
            os.close(ctl)
        elapsed = time.monotonic() - t0
        if (reason is None and closed_before_exit and isinstance(status, int) and os.WIFSIGNALED(status)
                and os.WTERMSIG(status) == signal.SIGKILL):
            reason = "pipe-closed"  # it was not exiting: we killed it when it closed its pipe
        end = {"id": jid, "ev": "end", "reason": reason or "exit", "elapsed": elapsed, "t0": t0}
        if detail:
            end["detail"] = detail
        if isinstance(status, int) and status >= 0:
            if os.WIFEXITED(status):
                end["code"] = os.WEXITSTATUS(status)
            elif os.WIFSIGNALED(status):
                end["signal"] = os.WTERMSIG(status)
        if buf and reason is None:
            end["trailing"] = len(buf)
        emit(end)

    def serve(self):
        emit({"ev": "ready", "pid": os.getpid(), "sandboxed": SANDBOXED})
        while True:
            msg = self.next_message()
            if msg is None:
                return
            op = msg.get("op")
            if op in ("stop", "skip"):
                continue  # job already finished
            if op == "inputs":
                self.send_inputs(msg)
            elif op == "reset":
                self.to_zygote({"op": "reset"})
            elif op in ("evalplus", "gt", "gt-batch", "program"):
                line = json.dumps(msg).encode()
                try:
                    self.run_job(msg, line)
                except WorkerBroken as e:
                    emit({"id": msg.get("id"), "ev": "end", "reason": "error", "detail": "sandbox worker broken: %s" % e})
                    sys.exit(3)
            elif op == "ping":
                emit({"id": msg.get("id"), "ev": "end", "reason": "pong"})


def _write_fd(fd, data):
    mv = memoryview(data)
    while len(mv):
        n = os.write(fd, mv)
        mv = mv[n:]


def select_one(fd, timeout):
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        return sel.select(timeout)
    finally:
        sel.close()


def read_init():
    """The first line from Node: configuration only (the seccomp program and tmpfs sizes), never job data."""
    line = b""
    while not line.endswith(b"\n"):
        b = os.read(0, 1)
        if not b:
            sys.exit(0)
        line += b
    init = json.loads(line)
    if init.get("seccomp"):
        CONFIG["seccomp"] = bytes.fromhex(init["seccomp"])
    CONFIG["pidSlots"] = [int(x) for x in init.get("pidSlots") or []]
    for k in ("tmpBytes", "shmBytes"):
        if init.get(k):
            CONFIG[k] = int(init[k])


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    set_nondumpable()
    for p in ("/usr/local/lib/python3.%d/dist-packages" % sys.version_info[1], "/usr/lib/python3/dist-packages"):
        if os.path.isdir(p) and p not in sys.path:
            sys.path.append(p)
    read_init()
    Server().serve()
