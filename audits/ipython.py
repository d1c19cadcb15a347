"""A notebook cell's code as IPython runs it: magics, `!` commands, `obj?` help, automagics.

Jupyter hands each code cell to IPython, which rewrites its own syntax into Python
before compiling (`%matplotlib inline` -> `get_ipython().run_line_magic(...)`,
`files = !ls` -> `files = get_ipython().getoutput('ls')`, `obj?` -> pinfo). We use
IPython's own input transformer (`IPython.core.inputtransformer2.TransformerManager`,
installed with nbgrader and Jupyter) rather than guessing which lines are magics, and
keep every line where it was, so findings keep their line numbers:

    python_lines(body) -> list[str] | None     the cell as IPython compiles it, line for line;
                                               None for a cell magic whose body is not Python (`%%html`)

Only cells that do not parse as plain Python reach here (IPython leaves valid Python
as it is), so percent-format sources and plain notebooks never pay for the import.
Nothing is run: the transformer rewrites text.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import types
from typing import Optional

# Cell magics whose body is Python that IPython runs in the notebook's namespace.
PYTHON_BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
LEGACY_MAGIC = re.compile(r"^\s*[%!]")  # what we blanked before IPython's transformer (fallback only)
WORD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(.*)$")
PRIVATE = "audits._ipython"  # where _load puts IPython's transformer modules (see _load)
_MANAGER = None
_AUTOMAGICS: Optional[frozenset[str]] = None


def _load():
    """IPython's TransformerManager, loaded without running `IPython/__init__.py` (about a second of
    imports: the terminal, the kernel machinery). The transformer's own modules need only the standard
    library; they are loaded under a private name. If IPython is already imported, or its layout ever
    changes, the ordinary import is used."""
    if "IPython" not in sys.modules:
        try:
            spec = importlib.util.find_spec("IPython")
            if spec is None or not spec.submodule_search_locations:
                raise ImportError("IPython is not installed")
            saved = {name: sys.modules.get(name) for name in ("IPython", "IPython.core", "IPython.utils", "IPython.utils.tokenutil", "IPython.core.inputtransformer2")}
            try:
                root = list(spec.submodule_search_locations)[0]
                for name, folder in (("IPython", root), ("IPython.core", root + "/core"), ("IPython.utils", root + "/utils")):
                    package = types.ModuleType(name)
                    package.__path__ = [folder]
                    sys.modules[name] = package
                return importlib.import_module("IPython.core.inputtransformer2").TransformerManager
            finally:  # the stand-in packages go; a real `import IPython` later starts afresh
                for name, before in saved.items():
                    if before is None:
                        sys.modules.pop(name, None)
                    else:
                        sys.modules[name] = before
        except Exception:
            pass
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager


def _manager():
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = _load()()
    return _MANAGER


def _automagics() -> frozenset[str]:
    """Names IPython runs as magics when a one-line cell starts with them (automagic is on by
    default): its line magics and default shell aliases, read from IPython itself."""
    global _AUTOMAGICS
    if _AUTOMAGICS is None:
        import inspect

        from IPython.core import magics
        from IPython.core.alias import default_aliases

        names = {alias for alias, _ in default_aliases()}
        for _, cls in inspect.getmembers(magics, inspect.isclass):
            names.update((getattr(cls, "magics", None) or {}).get("line", {}))
        _AUTOMAGICS = frozenset(names)
    return _AUTOMAGICS


def _parses(lines: list[str]) -> bool:
    try:
        compile("\n".join(lines), "<cell>", "exec", flags=0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST
    except (SyntaxError, ValueError):
        return False
    return True


def python_lines(body: list[str]) -> Optional[list[str]]:
    """The cell's lines as IPython compiles them, one for one (see the module doc)."""
    first = next((i for i, line in enumerate(body) if line.strip()), None)
    if first is None:
        return body
    head = body[first].lstrip()
    if head.startswith("%%"):
        name = head[2:].split(maxsplit=1)[0] if head[2:].strip() else ""
        return [""] * (first + 1) + body[first + 1 :] if name in PYTHON_BODY_MAGICS else None
    try:
        lines = _manager().transform_cell("\n".join(body) + "\n").split("\n")[:-1]
    except UnicodeError:  # a lone surrogate escaped in the notebook's JSON: Python 3.13's tokenizer refuses it
        return body  # not IPython syntax either: the cell stays as it is, and its syntax error is reported
    if len(lines) != len(body):  # a `!cmd \` continuation joined lines: keep the places, blank the commands
        return ["" if LEGACY_MAGIC.match(line) else line for line in body]
    code = [i for i, line in enumerate(lines) if line.strip()]
    if len(code) == 1 and not _parses(lines):
        match = WORD.match(lines[code[0]])
        if match and match.group(1) in _automagics():  # `ls -la`, `pip install numpy`, `cd data`
            lines[code[0]] = f"get_ipython().run_line_magic({match.group(1)!r}, {match.group(2).strip()!r})"
    return lines
