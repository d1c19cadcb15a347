"""What the cross-module rules need to know about a whole checkout, computed lazily.

`RepoIndex.build(root)` only discovers the module sources. The rest is computed
on first use and cached:

- `source(n)`: module n parsed (shared with the audit, so each file is parsed once);
- `exports(n)` / `modules`: its ModuleExports: export target and the top-level names its export
  cells define or import (read from the AST, never executed);
- `targets`: export target -> module number;
- `test_files(n)`: module n's tests (`tests/NN_*/**/*.py`,
  `tests/checkpoints/checkpoint_NN_*.py`) with their ASTs;
- `exists(path)` / `file_names`: for stale file references in prose.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Optional

from audits.astutil import import_time_statements
from audits.discover import find_modules
from audits.model import PACKAGE, InputError, ModuleRef, ModuleSource, NumberedLines, display_path
from audits.parse import parse_module

TEST_FOLDER = re.compile(r"^(\d{2})_")
CHECKPOINT = re.compile(r"^checkpoint_(\d{2})_.*\.py$")
SKIPPED_DIRS = {".git", ".venv", "venv", "__pycache__", "node_modules", "build", "dist", ".pytest_cache", ".hypothesis"}


@dataclass
class TestFile(NumberedLines):
    """A test or checkpoint file belonging to one module, parsed (never imported)."""

    path: Path
    rel: str  # relative to the checkout root, posix form
    number: int
    text: str
    lines: list[str]
    tree: Optional[ast.Module]
    syntax_error: Optional[tuple[int, str]] = None

    @property
    def is_test_module(self) -> bool:
        """Files pytest collects (test_*.py, checkpoint_*.py), as opposed to helpers and conftest."""
        return self.path.name.startswith(("test_", "checkpoint_"))


@dataclass
class ModuleExports:
    """What one module contributes to the package."""

    ref: ModuleRef
    target: Optional[str]  # "perf.compression", None without `#| default_exp` (or unreadable)
    names: frozenset[str]  # top-level names its export cells define (def, class, assignment)
    imported: frozenset[str]  # names its export cells import (importable from the target too)
    star_import: bool = False  # an export cell does `from x import *`: its names are open-ended
    error: Optional[str] = None  # why the source could not be read

    @property
    def public_names(self) -> frozenset[str]:
        return frozenset(name for name in self.names if not name.startswith("_"))

    @property
    def dotted(self) -> Optional[str]:
        """The full import path, e.g. "tinytorch.perf.compression"."""
        return f"{PACKAGE}.{self.target}" if self.target else None

    def provides(self, name: str) -> bool:
        return self.star_import or name in self.names or name in self.imported


def top_level_bindings(tree: ast.Module) -> tuple[set[str], set[str], bool]:
    """(defined, imported, star) names bound at import time by a cell's top level.

    Conditional definitions (inside if/try/for/with blocks) still bind the name;
    function and class bodies and `if __name__ == "__main__":` do not.
    """
    defined: set[str] = set()
    imported: set[str] = set()
    star = False
    for node, _ in import_time_statements(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(sub.id for target in targets for sub in ast.walk(target) if isinstance(sub, ast.Name))
        elif isinstance(node, ast.Import):
            imported.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            star = star or any(alias.name == "*" for alias in node.names)
            imported.update(alias.asname or alias.name for alias in node.names if alias.name != "*")
    return defined, imported, star


def module_exports(ref: ModuleRef, module: Optional[ModuleSource], error: Optional[str] = None) -> ModuleExports:
    if module is None:
        return ModuleExports(ref, None, frozenset(), frozenset(), error=error)
    defined: set[str] = set()
    imported: set[str] = set()
    star = False
    for cell in module.code_cells():
        if cell.exported and cell.tree is not None:
            d, i, s = top_level_bindings(cell.tree)
            defined |= d
            imported |= i
            star = star or s
    return ModuleExports(ref, module.export_target, frozenset(defined), frozenset(imported), star)


class RepoIndex:
    """The checkout's modules, their exports and their tests. Build with `RepoIndex.build(root)`."""

    def __init__(self, root: Path, refs: list[ModuleRef]):
        self.root = Path(root)
        self.refs: dict[int, ModuleRef] = {ref.number: ref for ref in refs}
        self._sources: dict[int, ModuleSource] = {}
        self._errors: dict[int, str] = {}
        self._exports: dict[int, ModuleExports] = {}
        self._tests: dict[int, list[TestFile]] = {}
        self._exists: dict[str, bool] = {}

    @classmethod
    def build(cls, root: Path | str) -> "RepoIndex":
        """Discover the modules under root (InputError if root is not a directory); nothing is parsed yet."""
        return cls(Path(root), find_modules(root))

    # -- modules -------------------------------------------------------------

    def source(self, number: int) -> Optional[ModuleSource]:
        """Module `number` parsed once and cached; None if unknown or unreadable."""
        if number in self._sources:
            return self._sources[number]
        ref = self.refs.get(number)
        if ref is None or number in self._errors:
            return None
        try:
            self._sources[number] = parse_module(ref)
        except InputError as error:
            self._errors[number] = str(error)
            return None
        return self._sources[number]

    def add_source(self, module: ModuleSource) -> None:
        """Register an already parsed module (so the index does not parse it again)."""
        if module.ref is not None and self.refs.get(module.ref.number) == module.ref:
            self._sources[module.ref.number] = module
            self._exports.pop(module.ref.number, None)

    def exports(self, number: int) -> Optional[ModuleExports]:
        if number not in self._exports:
            ref = self.refs.get(number)
            if ref is None:
                return None
            module = self.source(number)
            self._exports[number] = module_exports(ref, module, self._errors.get(number))
        return self._exports[number]

    @property
    def modules(self) -> dict[int, ModuleExports]:
        """Every module's ModuleExports, by number (parses all modules on first use)."""
        return {number: self.exports(number) for number in sorted(self.refs)}

    @cached_property
    def targets(self) -> dict[str, int]:
        """Export target ("perf.compression") -> module number (the first module wins on clashes)."""
        found: dict[str, int] = {}
        for number, info in self.modules.items():
            if info.target and info.target not in found:
                found[info.target] = number
        return found

    def exporter(self, dotted: str) -> Optional[int]:
        """The module exporting an import path ("tinytorch.perf.compression" or "perf.compression")."""
        target = dotted[len(PACKAGE) + 1 :] if dotted.startswith(PACKAGE + ".") else dotted
        return self.targets.get(target)

    def is_package(self, dotted: str) -> bool:
        """True for "tinytorch" and for package folders such as "tinytorch.core" that hold some target."""
        if dotted == PACKAGE:
            return True
        if not dotted.startswith(PACKAGE + "."):
            return False
        prefix = dotted[len(PACKAGE) + 1 :] + "."
        return any(target.startswith(prefix) for target in self.targets)

    def name_of(self, number: int) -> Optional[str]:
        ref = self.refs.get(number)
        return ref.name if ref else None

    # -- tests ---------------------------------------------------------------

    @cached_property
    def _test_paths(self) -> dict[int, list[Path]]:
        found: dict[int, list[Path]] = {}
        tests = self.root / "tests"
        if not tests.is_dir():
            return found
        for folder in sorted(tests.iterdir()):
            match = TEST_FOLDER.match(folder.name)
            if match and folder.is_dir():
                found.setdefault(int(match.group(1)), []).extend(sorted(folder.rglob("*.py")))
        checkpoints = tests / "checkpoints"
        if checkpoints.is_dir():
            for path in sorted(checkpoints.glob("checkpoint_*.py")):
                match = CHECKPOINT.match(path.name)
                if match:
                    found.setdefault(int(match.group(1)), []).append(path)
        return found

    def test_files(self, number: int) -> list[TestFile]:
        """Module `number`'s test and checkpoint files (and helpers in its test folder), parsed once."""
        if number not in self._tests:
            files = []
            for path in self._test_paths.get(number, []):
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue  # an unreadable test file is pytest's problem, not a rule's
                try:
                    tree, error = ast.parse(text), None
                except SyntaxError as exc:
                    tree, error = None, (exc.lineno or 1, exc.msg or "invalid syntax")
                except (ValueError, RecursionError, MemoryError) as exc:
                    tree, error = None, (1, str(exc))
                rel = display_path(path, self.root)
                files.append(TestFile(path, rel, number, text, text.splitlines(), tree, error))
            self._tests[number] = files
        return self._tests[number]

    # -- files ---------------------------------------------------------------

    def exists(self, relative: str) -> bool:
        """Does root/relative exist (file or folder)?"""
        if relative not in self._exists:
            try:
                self._exists[relative] = (self.root / relative).exists()
            except (OSError, ValueError):
                self._exists[relative] = False
        return self._exists[relative]

    @cached_property
    def file_names(self) -> frozenset[str]:
        """Base names of every file in the checkout (virtualenvs, caches and .git skipped)."""
        names = set()
        for _, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
            names.update(files)
        return frozenset(names)
