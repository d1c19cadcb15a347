"""SE001: other work done at import time (printing, building objects, timing, loops...)."""

from __future__ import annotations

import ast
from typing import Iterator, Optional

from audits.model import Rule, Severity
from audits.astutil import dotted_name, import_time_statements, is_try, runs_only_as_script
from audits.rules._base import (
    IMPORTED_MODULES,
    MAIN_GUARD,
    callee,
    calls_in,
    finding,
    guarded,
    header_expressions,
    last_name,
    parsed_code_cells,
)
from audits.rules.test_isolation import import_time_test_calls, is_test_call

PRINTS = {"print", "display", "pprint", "pp", "sys.stdout.write", "sys.stderr.write"}
PLOTS = {"show", "plot", "figure", "imshow", "savefig", "subplots", "scatter", "hist", "bar"}
GLOBAL_STATE = {
    "np.random.seed", "numpy.random.seed", "random.seed", "torch.manual_seed",
    "np.set_printoptions", "numpy.set_printoptions", "np.seterr", "numpy.seterr",
    "warnings.filterwarnings", "warnings.simplefilter", "sys.setrecursionlimit",
    "os.chdir", "os.environ.setdefault", "os.putenv", "matplotlib.use", "logging.basicConfig",
}  # fmt: skip
TIMING_MODULES = {"time", "timeit", "tracemalloc", "cProfile", "profile", "resource", "gc"}
TIMING_NAMES = {"perf_counter", "perf_counter_ns", "process_time", "monotonic", "measure_latency", "profile_forward_pass"}
IO_BUILTINS = {"open", "input", "exec", "eval", "exit", "quit", "breakpoint"}
IO_CALLS = {"sys.exit", "os.system", "os._exit", "os.remove", "os.unlink", "os.makedirs", "os.mkdir", "shutil.rmtree", "np.save", "np.savez"}
IO_METHODS = {"write_text", "write_bytes", "mkdir", "makedirs", "unlink", "rmtree", "urlretrieve", "urlopen", "savez", "savez_compressed", "savetxt", "to_csv", "touch"}
IO_MODULES = {"subprocess", "shutil", "requests", "urllib", "socket", "pickle", "json"}
PURE_IO_MODULE_CALLS = {"json.loads", "json.dumps", "pickle.dumps", "pickle.loads"}
# Capitalised callables that make plain values, not models or objects with behaviour.
VALUE_CLASSES = {
    "Path", "PurePath", "PurePosixPath", "PureWindowsPath", "TypeVar", "ParamSpec", "NamedTuple", "TypedDict",
    "Decimal", "Fraction", "OrderedDict", "Counter", "ChainMap", "SimpleNamespace", "Enum", "IntEnum",
}  # fmt: skip
SEEDED_FACTORIES = {"default_rng", "RandomState", "Generator", "PCG64", "SeedSequence"}

DOC = """\
What it does: finds module-level work done at import time beyond imports, constants,
definitions and guarded blocks: printing or displaying, building objects or models
(`model = Linear(3, 2)`), seeding or drawing from the global RNG, patching another object
(`Tensor.backward = backward`, `os.environ["X"] = "1"`), timing or profiling, file or process
operations, calling this module's own functions, loops, `with` blocks, asserts, or any bare
call statement. Constants computed by plain numpy/math/builtin calls (`SCALE = np.sqrt(2.0)`)
are fine. Only sources imported as modules are checked (profile tinytorch): a notebook's cells
simply run, and printing, plotting and loops are how they work.
Why it matters: importing the package then prints, allocates, changes global state or takes
time, and students cannot import one piece without running the rest.
Example: `np.random.seed(0)` or `X = np.random.randn(8, 4)` at module level.
How to fix: move the work into a function, a test, or under `if __name__ == "__main__":`. A
deliberate, documented import-time effect (module 05's `enable_autograd()`, which must fill
module 01's backward table on import) is allowed only with `# audit: ignore[SE001]` on that
line plus a comment saying why."""

DELIBERATE_COMMENT = "# (or, if this is a deliberate, documented import-time effect like enable_autograd() in module 05: keep the call unguarded and end its line with `# audit: ignore[SE001]`)"
DELIBERATE = "If the call is a deliberate, documented import-time effect (like enable_autograd() in module 05), keep it and end the line with `# audit: ignore[SE001]`."


def _module_names(module) -> tuple[set[str], set[str]]:
    """(functions/classes defined at the top level of any cell, names imported from the course's package)."""
    local: set[str] = set()
    packaged: set[str] = set()
    for _, tree in parsed_code_cells(module):
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                local.add(node.name)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == module.conventions.package:
                packaged.update(alias.asname or alias.name for alias in node.names)
    return local, packaged


def classify(call: ast.Call, local: set[str], packaged: set[str], package: str = "tinytorch") -> Optional[str]:
    """Why this call is an import-time side effect, or None when it just computes a value."""
    name = callee(call)
    if name is None:
        return None
    last = last_name(name)
    root = name.split(".")[0]
    if name in PRINTS or (root in {"plt", "matplotlib", "pyplot"} and last in PLOTS):
        return f"`{name}()` prints or displays output"
    if name in GLOBAL_STATE or name.startswith("sys.path."):
        return f"`{name}()` changes global state"
    if name.startswith(("np.random.", "numpy.random.")) or (root == "random" and "." in name):
        if last in SEEDED_FACTORIES:
            return None
        return f"`{name}()` draws from the global random generator"
    if (root in TIMING_MODULES and "." in name) or last in TIMING_NAMES:
        return f"`{name}()` times or profiles code"
    if name in IO_BUILTINS or name in IO_CALLS or last in IO_METHODS:
        return f"`{name}()` does file, process or terminal I/O"
    if root in IO_MODULES and "." in name and name not in PURE_IO_MODULE_CALLS:
        return f"`{name}()` does file, process or network I/O"
    if last[:1].isupper() and any(ch.islower() for ch in last) and last not in VALUE_CLASSES:
        if not last.endswith(("Error", "Exception", "Warning")):
            return f"`{name}(...)` builds a {last} object"
    if name in local:
        return f"`{name}()` runs this module's own code"
    if name in packaged:
        return f"`{name}()` runs {package} code"
    return None


def _patched_target(statement: ast.stmt) -> Optional[str]:
    """`Tensor.backward` for `Tensor.backward = backward`, `os.environ[...]` for an environment edit:
    module-level assignments that change an existing object rather than bind a name."""
    if not isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        return None
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    for target in targets:
        if isinstance(target, ast.Attribute):
            return dotted_name(target) or target.attr
        if isinstance(target, ast.Subscript) and (dotted_name(target.value) or "").startswith(("os.environ", "sys.")):
            return f"{dotted_name(target.value)}[...]"
    return None


def _seeds(name: Optional[str]) -> bool:
    return bool(name) and last_name(name) == "seed" and name in GLOBAL_STATE


def _is_test_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and is_test_call(node)


SKIPPED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def _statements(tree: ast.Module) -> Iterator[tuple[ast.stmt, list[ast.AST], Optional[ast.stmt]]]:
    """(statement, expressions it evaluates, outermost enclosing block or None) at import time,
    from the one walker of import-time statements; loops and with-blocks are yielded whole,
    definitions, imports and `try` (a container only) not at all."""
    for node, outer in import_time_statements(tree.body, descend_blocks=False):
        if not isinstance(node, SKIPPED) and not is_try(node) and not (isinstance(node, ast.If) and runs_only_as_script(node)):
            yield node, header_expressions(node) if isinstance(node, (ast.If, ast.Match)) else [node], outer


def check(module, index):
    local, packaged = _module_names(module)
    package = module.conventions.package
    ours = ("own code", f"{package} code")  # calls of the course's own code: maybe deliberate (DELIBERATE)
    for cell, tree in parsed_code_cells(module):
        # Blocks TI001 already asks to guard whole: guarding them removes their other effects too.
        test_blocks = set(import_time_test_calls(tree))  # a set: a cell may hold thousands of them
        for statement, expressions, outer in _statements(tree):
            if outer is not None and outer in test_blocks or statement in test_blocks:
                continue
            first, last = statement.lineno, statement.end_lineno or statement.lineno
            kind = {ast.For: "for", ast.AsyncFor: "async for", ast.While: "while", ast.With: "with", ast.AsyncWith: "async with"}
            if type(statement) in kind:
                word = kind[type(statement)]
                short = last - first < 8 and outer is None
                yield finding(
                    RULE, module, first,
                    f"a `{word}` block runs at import time: put it in a function or under `{MAIN_GUARD}`.",
                    last=last if last - first < 8 else first, node=statement,
                    suggestion=guarded(module, first, last) if short else f"Move the `{word}` block (lines {first}-{last}) into a function, or indent {'the block at line ' + str(outer.lineno) if outer is not None else 'it'} under `{MAIN_GUARD}`.",
                )  # fmt: skip
                continue
            if isinstance(statement, ast.Assert):
                yield finding(
                    RULE, module, first, f"an `assert` runs at import time: checks belong in a test function called under `{MAIN_GUARD}`.",
                    last=last, node=statement,
                    suggestion=guarded(module, first, last) if outer is None else f"Move the check into a test function, or guard the block at line {outer.lineno} with `{MAIN_GUARD}`.",
                )  # fmt: skip
                continue
            patched = _patched_target(statement)
            if patched:
                yield finding(
                    RULE, module, first, f"`{patched}` is assigned at import time: importing this module changes another object's behaviour.",
                    last=last if last - first < 8 else first, node=statement,
                    suggestion="Define the method in its class, or do the patching in a function called deliberately (like module 05's enable_autograd()) and mark that call `# audit: ignore[SE001]` with a comment saying why.",
                )  # fmt: skip
                continue
            bare = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
            if bare and _is_test_call(statement.value):
                continue  # TI001 reports it
            reason, line, node = None, first, statement.value if bare else statement
            for expression in expressions:
                for call in calls_in(expression):
                    if _is_test_call(call):
                        continue
                    reason = classify(call, local, packaged, package)
                    if reason:
                        line, node = call.lineno, call
                        break
                if reason:
                    break
            if reason is None and bare:
                name = callee(statement.value)
                if name and name.startswith("__all__."):
                    continue
                reason = f"the bare call `{name or 'expression'}(...)` runs for its side effect"
            if reason is None:
                continue
            if outer is not None:
                suggestion = f"Guard the whole block at line {outer.lineno} with `{MAIN_GUARD}`, or move this work into a function."
            elif bare and _seeds(callee(statement.value)):
                suggestion = "Seed a local generator where randomness is needed (`rng = np.random.default_rng(42)` inside the function or test, or a `seed` parameter) instead of seeding the global one at import."
            elif bare and (callee(statement.value) or "").startswith("sys.path."):
                suggestion = f"Import earlier modules through the package (`from {package}.core.tensor import Tensor`) instead of editing sys.path at import."
            elif bare or isinstance(statement, (ast.If, ast.Match)):
                suggestion = guarded(module, first, last) if not isinstance(statement, (ast.If, ast.Match)) else f"Move the condition's work into a function, or under `{MAIN_GUARD}`."
                if bare and (any(word in reason for word in ours) or "bare call" in reason):
                    suggestion += "\n" + DELIBERATE_COMMENT  # a comment, so the suggestion stays code
            else:
                suggestion = f"Create the value inside the function or test that uses it (or under `{MAIN_GUARD}`); module level keeps only constants. {DELIBERATE if any(word in reason for word in ours) else ''}".strip()
            yield finding(
                RULE, module, line, f"{reason} at import time.", last=last if last - first < 8 else line, suggestion=suggestion, node=node
            )


RULE = Rule(
    code="SE001",
    name="side effect at import time",
    severity=Severity.HIGH,
    category="Import-time side effects",
    doc=DOC,
    check=check,
    effort_minutes=10,
    profiles=IMPORTED_MODULES,
)
