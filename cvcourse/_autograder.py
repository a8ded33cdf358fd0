"""The autograder's engine: every exercise of a chapter graded in a process of its own.

nbgrader's ``autograde`` normally runs a submitted notebook top to bottom in one kernel, so
one exercise can patch what another exercise's test sees, and one crash costs every
exercise. This module grades differently (``tools/isolated_execute.py`` plugs it into
nbgrader in place of its ``Execute`` step):

1. The chapter's **lesson cells** run once, in this process, from the instructor's source
   notebook (a student's edits to lesson cells are ignored).
2. At each **test cell** the process forks. The child runs that exercise's **solution cell**
   (the student's code) and then the test cell, and reports the outcome through a pipe. A
   crash, hang or memory blow-up in the child costs that exercise only; the parent goes on
   with the next lesson cells and exercises from a state no student code has touched.
3. Before anything runs, the solution's source is **read statically**: constructs that an
   honest solution never needs (reflection, ``exec``, the ``sys``/``os``/``importlib``
   modules, assignments to attributes of modules, ...) score 0 with the reason, which
   the instructor sees and can override in the formgrader.
4. Inside the child, defences that the student's code cannot switch off:

   - an **audit hook** (PEP 578; once added it cannot be removed) refuses changing the
     profiler that guards against calls to the reference, executing code the solution
     built from text, reading the course package's source, writing files outside the
     exercise's temporary folder, starting processes, and ``ctypes``/``gc`` tricks;
   - an **integrity check** after the solution cell and after the test cell: every
     function, class and module reachable from the course's modules, NumPy, SciPy,
     scikit-image, PyTorch, ... and from the lesson's names must be the very object it
     was before the solution ran, and the lesson's arrays must hold the same values;
   - the verdict is sent with a nonce the solution cannot read.

The protocol is JSON on standard input and output (``python -m cvcourse._autograder``):
see :func:`main`.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import hashlib
import json
import linecache
import os
import pkgutil
import secrets
import shutil
import select
import signal
import sys
import tempfile
import time
import traceback
import types
from pathlib import Path

PACKAGE_DIR = str(Path(__file__).resolve().parent)
SOLUTION_FILE = "<exercise solution>"
TEST_FILE = "<exercise test>"
LESSON_FILE = "<lesson>"

# Modules a solution has no honest use for: they reach the interpreter's internals, the
# file system or other processes.
BANNED_MODULES = frozenset({
    "sys", "os", "importlib", "ctypes", "gc", "inspect", "builtins", "threading", "_thread",
    "subprocess", "signal", "atexit", "weakref", "runpy", "types", "marshal", "pickle",
    "code", "codeop", "multiprocessing", "concurrent", "io", "pathlib", "shutil", "tempfile",
    "socket", "faulthandler", "resource", "mmap", "cffi", "pkgutil", "zipimport", "dis",
    "linecache", "tokenize", "sysconfig", "site", "asyncio", "posix", "pty", "fcntl",
    "_posixsubprocess", "dill", "cloudpickle", "copyreg", "trace", "pdb", "bdb", "cProfile",
    "profile", "tracemalloc", "sitecustomize", "usercustomize", "__main__",
})
# Built-in functions that reach around Python's normal rules.
BANNED_BUILTINS = frozenset({
    "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "setattr",
    "delattr", "open", "breakpoint", "input", "__builtins__", "__build_class__", "memoryview",
})
# Attribute names that lead to frames, modules, the import system or the profiler.
BANNED_ATTRIBUTES = frozenset({
    "sys", "os", "modules", "f_globals", "f_locals", "f_back", "f_code", "f_builtins",
    "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "tb_frame", "tb_next",
    "_getframe", "setprofile", "settrace", "getprofile", "gettrace", "import_module",
    "reload", "builtins", "addaudithook", "system", "popen", "spawn", "fork",
})
ALLOWED_DUNDERS = frozenset({"__init__", "__name__", "__doc__"})
# Packages whose functions, classes and modules must be the same objects after the solution ran.
GUARDED_PACKAGES = (
    "cvcourse", "numpy", "scipy", "skimage", "sklearn", "torch", "torchvision", "cv2",
    "matplotlib", "ipywidgets", "math", "builtins", "functools", "operator", "itertools",
    "collections", "copy", "random", "statistics", "warnings", "contextlib", "traceback",
    "json", "re", "sys", "os", "time", "types",
)


# ----------------------------------------------------------------------------- static check


def _bound_names(target) -> set[str]:
    """Names bound by an assignment target (``a``, ``a, b``, ``[a, *b]``)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_bound_names(t) for t in target.elts)) if target.elts else set()
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    return set()


def _root_name(node):
    """The name at the root of ``a.b[c].d`` (None for other roots)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _StaticChecker(ast.NodeVisitor):
    """Walks a solution's syntax tree and collects the reasons it cannot be trusted."""

    def __init__(self, top_level_names: set[str]):
        self.reasons: list[str] = []
        self.scopes: list[set[str]] = []
        self.top_level_names = top_level_names

    def flag(self, node, message: str) -> None:
        self.reasons.append(f"line {getattr(node, 'lineno', '?')}: {message}")

    # imports
    def _check_module(self, node, module: str | None) -> None:
        if module and module.split(".")[0] in BANNED_MODULES:
            self.flag(node, f"imports `{module}`, which reaches the interpreter, files or processes")

    def visit_Import(self, node):
        for alias in node.names:
            self._check_module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        self._check_module(node, node.module)
        for alias in node.names:
            if alias.name in BANNED_MODULES or alias.name.startswith("__"):
                self.flag(node, f"imports `{alias.name}` from `{node.module}`")
        self.generic_visit(node)

    # names and attributes
    def visit_Name(self, node):
        if node.id in BANNED_BUILTINS:
            self.flag(node, f"uses `{node.id}`, which a solution has no need for")
        if node.id.startswith("__") and node.id.endswith("__") and node.id not in ALLOWED_DUNDERS:
            self.flag(node, f"uses the special name `{node.id}`")

    def visit_Attribute(self, node):
        name = node.attr
        if name.startswith("__") and name.endswith("__") and name not in ALLOWED_DUNDERS:
            self.flag(node, f"reads the special attribute `.{name}`")
        elif name in BANNED_ATTRIBUTES:
            self.flag(node, f"uses `.{name}`, which reaches the interpreter's internals")
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._check_store(node)
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._check_store(node)
        self.generic_visit(node)

    def _check_store(self, node) -> None:
        """A write into an object is fine when the object belongs to the solution."""
        root = _root_name(node)
        local = self.scopes[-1] if self.scopes else self.top_level_names
        if root is None or root == "self" or root in local:
            return
        self.flag(node, f"changes `{root}`, an object the solution did not create (a module or "
                        "the lesson's data): change only your own variables")

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "getattr":
            if len(node.args) < 2 or not (isinstance(node.args[1], ast.Constant)
                                          and isinstance(node.args[1].value, str)):
                self.flag(node, "calls `getattr` with a computed name")
            elif node.args[1].value.startswith("__") or node.args[1].value in BANNED_ATTRIBUTES:
                self.flag(node, f"reads `{node.args[1].value}` through getattr")
        self.generic_visit(node)

    # scopes
    def _visit_function(self, node):
        if node.name == "__del__":
            self.flag(node, "defines `__del__`, which would run the solution's code after grading")
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)
        if getattr(node, "returns", None):
            self.visit(node.returns)
        local = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                local.add(child.id)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
                local.add(child.name)
            elif isinstance(child, (ast.Global, ast.Nonlocal)):
                self.flag(child, "declares a `global`/`nonlocal` name: return values instead")
                local.difference_update(child.names)
            elif isinstance(child, ast.arg):
                local.add(child.arg)
        self.scopes.append(local)
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node):
        self.scopes.append({a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
                           | (self.scopes[-1] if self.scopes else set()))
        self.generic_visit(node)
        self.scopes.pop()


def static_check(source: str) -> list[str]:
    """Reasons why a solution's source cannot be graded automatically (empty if none).

    Parameters
    ----------
    source : str
        The solution cell's code (IPython magics are not allowed in solutions).

    Returns
    -------
    list of str
        One line per suspicious construct, with its line number.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str; got {type(source).__name__}")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # running it reports the syntax error to the student, and it scores 0 anyway
    top_level = set()
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                top_level |= _bound_names(target)
        elif isinstance(statement, (ast.For, ast.With)):
            for child in ast.walk(statement):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                    top_level.add(child.id)
    checker = _StaticChecker(top_level)
    checker.visit(tree)
    return checker.reasons


def defined_names(source: str) -> list[str]:
    """The names a cell binds at its top level (functions, classes, assignments)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names |= _bound_names(target)
    return sorted(names)


def _stored_names(source: str) -> set[str]:
    """Every name a cell assigns anywhere (the test cell may rebind lesson names itself)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)} | {
        node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


# ----------------------------------------------------------------------------- running cells


class _Shell:
    """Runs cell sources with IPython's syntax (magics) in one namespace, capturing output."""

    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell

        self.ipython = InteractiveShell.instance()
        self.namespace = self.ipython.user_ns
        self.namespace["__name__"] = "__main__"

    def run(self, source: str, filename: str, *, show_result: bool) -> list[dict]:
        """Execute ``source``; return its outputs as nbformat output dicts."""
        from IPython.utils.capture import capture_output

        outputs = []
        with capture_output(display=True) as captured:
            try:
                code = self.ipython.transform_cell(source)
                tree = ast.parse(code, filename)
                last = None
                if show_result and tree.body and isinstance(tree.body[-1], ast.Expr):
                    last = ast.Expression(tree.body.pop().value)
                exec(compile(tree, filename, "exec"), self.namespace)
                if last is not None:
                    value = eval(compile(last, filename, "eval"), self.namespace)
                    if value is not None:
                        outputs.append({"output_type": "execute_result", "execution_count": None,
                                        "metadata": {}, "data": {"text/plain": repr(value)}})
            except BaseException as error:  # noqa: BLE001 - every failure is the cell's output
                outputs.append(_error_output(error))
        text = captured.stdout + captured.stderr
        if text:
            outputs.insert(0, {"output_type": "stream", "name": "stdout", "text": text})
        for shown in captured.outputs:
            outputs.insert(len(outputs) - (outputs[-1]["output_type"] == "error" if outputs else 0),
                           {"output_type": "display_data", "metadata": {},
                            "data": {k: v for k, v in shown.data.items() if isinstance(v, str)}})
        _close_figures()
        return outputs


def _close_figures() -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def _error_output(error: BaseException) -> dict:
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return {"output_type": "error", "ename": type(error).__name__, "evalue": str(error),
            "traceback": [line.rstrip("\n") for line in lines]}


def _failure(ename: str, message: str) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": message, "traceback": [f"{ename}: {message}"]}


# ----------------------------------------------------------------------------- integrity


class IntegrityError(RuntimeError):
    """The solution changed something the grading depends on."""


def _guarded_modules() -> dict[str, types.ModuleType]:
    return {name: module for name, module in list(sys.modules.items())
            if isinstance(module, types.ModuleType) and name.split(".")[0] in GUARDED_PACKAGES}


def _is_guarded_value(value) -> bool:
    return isinstance(value, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
                              types.MethodType, types.MethodWrapperType, types.WrapperDescriptorType,
                              types.MethodDescriptorType, staticmethod, classmethod)) or (
        callable(value) and type(value).__module__ in ("numpy", "torch", "functools"))


def _array_digest(value) -> str | None:
    """A digest of an array's or tensor's values, or None for other objects."""
    try:
        if type(value).__module__ == "numpy" and hasattr(value, "tobytes") and getattr(value, "ndim", 0):
            return hashlib.blake2b(value.tobytes(), digest_size=16).hexdigest() + str(value.shape)
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(value, torch.Tensor) and value.device.type == "cpu":
            data = value.detach().contiguous().numpy().tobytes()
            return hashlib.blake2b(data, digest_size=16).hexdigest() + str(tuple(value.shape))
    except Exception:  # noqa: BLE001 - exotic arrays (sparse, quantised) are simply not guarded
        return None
    return None


class Snapshot:
    """What the grading relies on, taken before the solution runs."""

    def __init__(self, namespace: dict):
        self.modules = {name: (module, {key: value for key, value in vars(module).items()
                                        if key not in _VOLATILE and _is_guarded_value(value)})
                        for name, module in _guarded_modules().items()}
        self.builtins = {key: value for key, value in vars(builtins).items() if _is_guarded_value(value)}
        self.lesson = {name: value for name, value in namespace.items()
                       if isinstance(value, types.ModuleType) or _is_guarded_value(value)}
        self.lesson_arrays = {name: digest for name, value in namespace.items()
                              if not name.startswith("_") and (digest := _array_digest(value)) is not None}

    def changes(self, namespace: dict, own_names: set[str]) -> list[str]:
        """What differs now; ``own_names`` are the names the solution itself defines."""
        found = []
        for name, (module, members) in self.modules.items():
            if sys.modules.get(name) is not module:
                found.append(f"the module {name} was replaced")
                continue
            current = vars(module)
            for key, value in members.items():
                if current.get(key, _MISSING) is not value:
                    found.append(f"{name}.{key} was replaced")
        for key, value in self.builtins.items():
            if vars(builtins).get(key, _MISSING) is not value:
                found.append(f"the built-in {key} was replaced")
        for name, value in self.lesson.items():
            if name not in own_names and namespace.get(name, _MISSING) is not value:
                found.append(f"the lesson's `{name}` was replaced")
        for name, digest in self.lesson_arrays.items():
            if name not in own_names and _array_digest(namespace.get(name)) != digest:
                found.append(f"the values of the lesson's `{name}` were changed")
        return found[:10]


_MISSING = object()
# Entries the interpreter and libraries rebind by themselves while code runs.
_VOLATILE = frozenset({"__warningregistry__", "last_type", "last_value", "last_traceback", "last_exc"})


# ----------------------------------------------------------------------------- the audit hook


class _Guard:
    """The audit hook's state: what the student's code may not do while it is on the stack."""

    PROCESS_EVENTS = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
                      "os.kill", "os.killpg", "subprocess.Popen", "pty.spawn", "os.startfile")
    FILE_EVENTS = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                   "os.link", "os.symlink", "os.truncate", "shutil.rmtree", "shutil.move",
                   "shutil.copyfile", "os.utime", "os.chdir", "os.chflags")
    ALWAYS = ("gc.get_referrers", "gc.get_referents", "gc.get_objects", "sys._current_frames",
              "sys._current_exceptions", "code.__new__", "function.__new__", "sys.addaudithook",
              "cpython.run_command", "cpython.run_file", "cpython.run_module")

    def __init__(self, report, workdir: str, allowed_profilers: set):
        self.report = report
        self.workdir = workdir
        self.allowed_profilers = allowed_profilers
        self.active = False

    @staticmethod
    def _student_on_stack(frame) -> bool:
        while frame is not None:
            if frame.f_code.co_filename == SOLUTION_FILE:
                return True
            frame = frame.f_back
        return False

    def violation(self, message: str):
        self.report("violation", message)
        raise IntegrityError(message)

    def __call__(self, event: str, args) -> None:
        if not self.active:
            return
        if event in ("object.__setattr__", "object.__delattr__"):
            target = args[0]
            if getattr(target, "__module__", None) != "__main__" and self._student_on_stack(sys._getframe(1)):
                self.violation(f"the solution changes an attribute of {getattr(target, '__qualname__', target)!s:.60}")
            return
        if event in ("sys.setprofile", "sys.settrace"):
            caller = sys._getframe(1)
            if caller.f_code not in self.allowed_profilers:
                self.violation(f"the solution called {event}: the profiler that watches for calls to "
                               "the reference is not the solution's to change")
            return
        if not (event in ("exec", "compile", "open") or event.startswith(("ctypes.", "socket."))
                or event in self.ALWAYS or event.startswith(self.PROCESS_EVENTS)
                or event in self.FILE_EVENTS):
            return
        frame = sys._getframe(1)
        if not self._student_on_stack(frame):
            return
        if event in ("exec", "compile"):
            code = args[0]
            filename = getattr(code, "co_filename", args[1] if event == "compile" and len(args) > 1 else "")
            direct = frame.f_code.co_filename == SOLUTION_FILE
            if direct or str(filename).startswith(PACKAGE_DIR):
                self.violation("the solution executes code it built or read (exec, eval, compile): "
                               "write the function itself")
            return
        if event == "open":
            path, mode = args[0], args[1] if len(args) > 1 else "r"
            if isinstance(path, int):
                self.violation("the solution opens a file descriptor")
            path = os.path.realpath(os.fsdecode(path)) if isinstance(path, (str, bytes, os.PathLike)) else ""
            writing = isinstance(mode, str) and any(c in mode for c in "wax+")
            if isinstance(args[2] if len(args) > 2 else 0, int) and (args[2] if len(args) > 2 else 0) & (
                    os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND):
                writing = True
            if path.startswith(PACKAGE_DIR):
                self.violation("the solution reads the course package's files (the reference's source)")
            if writing and not path.startswith(self.workdir):
                self.violation(f"the solution writes the file {path} outside its working folder")
            return
        self.violation(f"the solution does something no exercise needs ({event})")


# ----------------------------------------------------------------------------- one exercise


def _limit_threads() -> None:
    """One thread per library in the child: forked OpenMP pools are not safe to reuse."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # noqa: BLE001 - without threadpoolctl the libraries keep their pools
        pass


def _allowed_profiler_codes() -> set:
    """Code objects of the grading helpers that legitimately switch the profiler."""
    from cvcourse import grading

    codes = set()
    for value in vars(grading).values():
        code = getattr(getattr(value, "__wrapped__", value), "__code__", None)
        if code is not None:
            codes.add(code)
            codes.update(c for c in code.co_consts if isinstance(c, types.CodeType))
    return codes


def _run_exercise_child(shell: _Shell, exercise: dict, write, nonce: str, workdir: str) -> None:
    """In the forked child: run the solution and the test, and report. Never returns."""
    def report(kind, payload):
        message = json.dumps({"nonce": nonce, "kind": kind, "payload": payload}) + "\n"
        data = message.encode()
        while data:
            data = data[os.write(write, data):]

    os.setsid()
    os.chdir(workdir)
    _limit_threads()
    snapshot = Snapshot(shell.namespace)
    own_names = set(exercise["names"])
    guard = _Guard(report, workdir, _allowed_profiler_codes())
    sys.addaudithook(guard)
    solution_outputs = []
    guard.active = True
    for source in exercise["solutions"]:
        solution_outputs.append(shell.run(source, SOLUTION_FILE, show_result=False))
    guard.active = False
    changed = snapshot.changes(shell.namespace, own_names)
    if changed:
        report("violation", "the solution changed what grading relies on: " + "; ".join(changed))
    guard.active = True
    test_outputs = shell.run(exercise["test"], TEST_FILE, show_result=False)
    guard.active = False
    changed = snapshot.changes(shell.namespace, own_names | _stored_names(exercise["test"]))
    if changed:
        report("violation", "the solution changed what grading relies on: " + "; ".join(changed))
    passed = not any(o["output_type"] == "error" for o in test_outputs)
    report("result", {"passed": passed, "solutions": solution_outputs, "test": test_outputs})


def _private_memory(pid: int) -> int:
    """Bytes of memory the process has written since the fork (private pages)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    total = 0
    for line in text.splitlines():
        if line.startswith(("Private_Dirty:", "Private_Clean:", "Swap:")):
            total += int(line.split()[1]) * 1024
    return total


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        return f"was killed by signal {name} (a crash, e.g. a segmentation fault)"
    return f"exited with status {os.WEXITSTATUS(status)} before its test finished"


def grade_exercise(shell: _Shell, exercise: dict, *, timeout: float, memory_limit: int,
                   static: bool = True) -> dict:
    """Run one exercise in a forked child; return its outputs and verdict.

    Parameters
    ----------
    shell : _Shell
        Holds the lesson's state, which the child inherits.
    exercise : dict
        ``solutions`` (list of sources), ``test`` (source) and ``names`` (what the
        exercise asks the solution to define: the names the instructor's solution binds).
    timeout : float
        Seconds the solution and test may take together.
    memory_limit : int
        Bytes of new memory the child may use.
    static : bool
        Read the solution's source first (:func:`static_check`). Only the autograder's own
        tests switch it off, to show that the checks at run time hold on their own.

    Returns
    -------
    dict
        ``solutions`` (outputs per solution cell), ``test`` (the test cell's outputs),
        ``passed`` and ``flag`` (a reason for the instructor, or None).
    """
    reasons = [r for source in exercise["solutions"] for r in static_check(source)] if static else []
    if reasons:
        flag = ("Scored 0 by the autograder's static check; an instructor can override it. "
                "The solution " + "; ".join(reasons[:5]))
        return {"solutions": [[] for _ in exercise["solutions"]], "test": [_failure("IntegrityError", flag)],
                "passed": False, "flag": flag}
    nonce = secrets.token_hex(16)
    read, write = os.pipe()
    workdir = tempfile.mkdtemp(prefix="cvcourse-exercise-")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read)
            _drop_private_files()
            _run_exercise_child(shell, exercise, write, nonce, os.path.realpath(workdir))
        finally:
            os._exit(0)
    os.close(write)
    messages, buffer, problem = [], b"", None
    deadline = time.monotonic() + timeout
    status = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            problem = f"The exercise took longer than {timeout:.0f} s and was stopped (an infinite loop?)."
            break
        ready, _, _ = select.select([read], [], [], min(0.2, remaining))
        if ready:
            chunk = os.read(read, 1 << 20)
            if not chunk:
                break
            buffer += chunk
        if _private_memory(pid) > memory_limit:
            problem = (f"The exercise used more than {memory_limit / 2**30:.1f} GiB of memory and was "
                       "stopped.")
            break
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(read)
    for line in buffer.split(b"\n"):
        with contextlib.suppress(ValueError):
            message = json.loads(line)
            if isinstance(message, dict) and message.get("nonce") == nonce:
                messages.append(message)
    shutil.rmtree(workdir, ignore_errors=True)
    violations = [m["payload"] for m in messages if m["kind"] == "violation"]
    results = [m["payload"] for m in messages if m["kind"] == "result"]
    solutions = results[0]["solutions"] if len(results) == 1 else [[] for _ in exercise["solutions"]]
    if problem is None and len(results) != 1:
        problem = f"The exercise's process {_describe_exit(status)}."
    if problem is not None:
        return {"solutions": solutions, "test": [_failure("ExerciseFailed", problem)], "passed": False,
                "flag": None}
    if violations:
        flag = ("Scored 0 by the autograder's integrity check; an instructor can override it. "
                + " ".join(dict.fromkeys(violations)))
        return {"solutions": solutions, "test": results[0]["test"] + [_failure("IntegrityError", flag)],
                "passed": False, "flag": flag}
    return {**results[0], "flag": None}


# ----------------------------------------------------------------------------- a chapter


def _preload_package() -> None:
    """Import every cvcourse module and cache its source lines.

    Afterwards no honest call needs to open a file of the package (warnings read source
    lines through linecache), so the audit hook can treat any such opening as an attempt
    to read the reference's source.
    """
    import cvcourse

    for info in pkgutil.walk_packages(cvcourse.__path__, "cvcourse."):
        with contextlib.suppress(Exception):
            __import__(info.name)
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None) or ""
        if filename.startswith(PACKAGE_DIR):
            linecache.getlines(filename)


class _Checkpoint:
    """A process that holds the lesson's state at one exercise and grades any number of
    submissions of that exercise, each in a fork of its own (see :func:`grade_exercise`).

    It is forked from the process that runs the lesson, at the exercise's place in the
    notebook, and then only reads requests: no student's code ever runs in it, so the
    hundredth submission is graded from the same state as the first.
    """

    def __init__(self, shell: _Shell, *, timeout: float, memory_limit: int, static: bool):
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the checkpoint
            try:
                os.close(request_write)
                os.close(response_read)
                _drop_private_files()
                _PRIVATE_FILES.update({request_read, response_write})
                with os.fdopen(request_read) as requests, os.fdopen(response_write, "w") as responses:
                    for line in requests:
                        result = grade_exercise(shell, json.loads(line), timeout=timeout,
                                                memory_limit=memory_limit, static=static)
                        responses.write(json.dumps(result) + "\n")
                        responses.flush()
            finally:
                os._exit(0)
        os.close(request_read)
        os.close(response_write)
        _PRIVATE_FILES.update({request_write, response_read})
        self.requests = os.fdopen(request_write, "w")
        self.responses = os.fdopen(response_read)

    def grade(self, exercise: dict) -> dict:
        """Grade one submission of the exercise (a dict as :func:`grade_exercise` takes)."""
        try:
            self.requests.write(json.dumps(exercise) + "\n")
            self.requests.flush()
            line = self.responses.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            raise RuntimeError("the autograder's checkpoint process for an exercise died")
        return json.loads(line)

    def close(self) -> None:
        for stream in (self.requests, self.responses):
            _PRIVATE_FILES.discard(stream.fileno())
            with contextlib.suppress(OSError):
                stream.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


# The engine's own pipes (and the real standard output): no exercise's process may keep them,
# or a solution could read other students' code or write a verdict of its own.
_PRIVATE_FILES: set[int] = set()


def _drop_private_files() -> None:
    """In a freshly forked process: close the engine's pipes, and read standard input from nowhere."""
    for fd in _PRIVATE_FILES:
        with contextlib.suppress(OSError):
            os.close(fd)
    _PRIVATE_FILES.clear()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


class Lesson:
    """A chapter's lesson cells, run once, ready to grade any number of submissions.

    The lesson cells run in this process in the notebook's order; at each exercise a
    :class:`_Checkpoint` is forked, so every submission's exercise is graded from the state
    in which the notebook reaches it, and the lesson (which may train a network) runs once
    per class instead of once per student.

    Parameters
    ----------
    cells : list of dict
        In the notebook's order, each ``{"kind": "lesson" | "solution" | "test", "source": str}``;
        solution and test cells also carry their ``grade_id``, solution cells may carry
        ``names`` (see :func:`defined_names`; by default taken from their own source). The
        solution cells of an exercise are those between the previous test cell and its test
        cell; their sources here are only used to find ``names``. A lesson cell marked
        ``"raises": True`` is expected to raise (it is left out of :attr:`errors`).
    timeout : float
        Seconds each exercise (solution and test together) may take.
    memory_limit : int
        Bytes of new memory each exercise may use.
    static : bool
        Read each solution's source before running it (see :func:`grade_exercise`).
    """

    def __init__(self, cells: list[dict], *, timeout: float = 180, memory_limit: int = 4 << 30,
                 static: bool = True):
        shell = _Shell()
        _preload_package()
        self.outputs: dict[str, list[dict]] = {}
        self.errors: list[str] = []
        self.exercises: list[dict] = []
        pending = []
        for index, cell in enumerate(cells):
            if cell["kind"] == "lesson":
                outputs = shell.run(cell["source"], LESSON_FILE, show_result=True)
                self.outputs[f"lesson-{index}"] = outputs
                if not cell.get("raises"):
                    self.errors += [f"lesson cell {index}: {o['ename']}: {o['evalue']}"
                                    for o in outputs if o["output_type"] == "error"]
            elif cell["kind"] == "solution":
                pending.append({"grade_id": cell["grade_id"],
                                "names": cell.get("names", defined_names(cell["source"]))})
            else:
                self.exercises.append({
                    "solutions": pending, "grade_id": cell["grade_id"], "test": cell["source"],
                    "checkpoint": _Checkpoint(shell, timeout=timeout, memory_limit=memory_limit, static=static)})
                pending = []

    def grade(self, answers: dict[str, str]) -> dict:
        """Grade one submission.

        Parameters
        ----------
        answers : dict
            {solution grade_id: the student's source}; a missing cell counts as empty.

        Returns
        -------
        dict
            ``outputs`` ({grade_id: outputs} for solution and test cells) and ``flags``
            ({solution grade_id: reason}).
        """
        outputs, flags = {}, {}
        for exercise in self.exercises:
            solutions = exercise["solutions"]
            result = exercise["checkpoint"].grade({
                "solutions": [answers.get(s["grade_id"], "") for s in solutions],
                "test": exercise["test"], "names": [name for s in solutions for name in s["names"]]})
            for solution, solution_outputs in zip(solutions, result["solutions"]):
                outputs[solution["grade_id"]] = solution_outputs
                if result["flag"]:
                    flags[solution["grade_id"]] = result["flag"]
            outputs[exercise["grade_id"]] = result["test"]
        return {"outputs": outputs, "flags": flags}

    def close(self) -> None:
        """End the checkpoint processes."""
        for exercise in self.exercises:
            exercise["checkpoint"].close()


def grade_cells(cells: list[dict], *, timeout: float = 180, memory_limit: int = 4 << 30,
                static: bool = True) -> dict:
    """Run a chapter's lesson cells once and grade the one submission the cells hold.

    Parameters are those of :class:`Lesson`; the solution cells' sources are the submission.

    Returns
    -------
    dict
        ``outputs`` ({grade_id: outputs} for solution and test cells, {"lesson-<i>": outputs}
        for lesson cells) and ``flags`` ({solution grade_id: reason}).
    """
    lesson = Lesson(cells, timeout=timeout, memory_limit=memory_limit, static=static)
    try:
        result = lesson.grade({c["grade_id"]: c["source"] for c in cells if c["kind"] == "solution"})
    finally:
        lesson.close()
    return {"outputs": {**lesson.outputs, **result["outputs"]}, "flags": result["flags"]}


def _serve(real_stdout) -> None:
    """``--serve``: the lesson once, then one submission per line (see :func:`main`)."""
    job = json.loads(sys.stdin.readline())
    lesson = Lesson(job["cells"], timeout=job.get("timeout", 180), memory_limit=job.get("memory_limit", 4 << 30),
                    static=job.get("static", True))
    real_stdout.write(json.dumps({"ready": True, "lesson_errors": lesson.errors}) + "\n")
    real_stdout.flush()
    for line in sys.stdin:
        real_stdout.write(json.dumps(lesson.grade(json.loads(line))) + "\n")
        real_stdout.flush()
    lesson.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m cvcourse._autograder [--serve]``: grading jobs as JSON on stdin, results on stdout.

    Without ``--serve``, standard input holds one job, ``{"cells": [...], "timeout": s,
    "memory_limit": bytes, "static": bool}`` (see :func:`grade_cells`), and the result is
    written when it is graded. With ``--serve``, the first line holds the job (its solution
    sources are ignored); the server answers ``{"ready": true, "lesson_errors": [...]}`` once
    the lesson has run, and then grades each further line, a submission ``{solution grade_id:
    source}``, answering one line ``{"outputs", "flags"}`` per submission, until standard
    input ends. The cells' own printing is captured, so stdout carries only the results.
    """
    serve = "--serve" in (sys.argv[1:] if argv is None else argv)
    real_stdout = os.fdopen(os.dup(1), "w")
    _PRIVATE_FILES.add(real_stdout.fileno())
    os.dup2(2, 1)  # anything a library prints straight to fd 1 goes to stderr instead
    with real_stdout:
        if serve:
            _serve(real_stdout)
        else:
            job = json.load(sys.stdin)
            json.dump(grade_cells(job["cells"], timeout=job.get("timeout", 180),
                                  memory_limit=job.get("memory_limit", 4 << 30), static=job.get("static", True)),
                      real_stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
