"""What the cross-module rules need to know about a whole checkout, computed lazily.

`RepoIndex.build(root)` only discovers the module sources. The rest is computed
on first use and cached:

- `source(n)`: module n parsed (shared with the audit, so each file is parsed once);
- `exports(n)` / `modules`: its ModuleExports: export target and the top-level names its export
  cells define or import (read from the AST, never executed);
- `targets`: export target -> module number;
- `test_files(n)`: module n's tests (`tests/NN_name/**/*.py`,
  `tests/checkpoints/checkpoint_NN_name.py`: the folders `conventions.tests` and
  `conventions.checkpoints` name) with their ASTs (`test_paths(n)`:
  just their paths); a folder numbered for one module and named for another goes
  to the module of its name, or to nobody (`misplaced_tests(n)`); checkpoints numbered in
  a sequence of their own (capabilities, not modules) go only to a module they name;
- `exists(path)` / `file_names`: for stale file references in prose.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Optional

from audits.astutil import import_time_statements
from audits.discover import Discovery, discover
from audits.files import SKIPPED_DIRS
from audits.conventions import DEFAULT as DEFAULT_CONVENTIONS
from audits.model import InputError, ModuleRef, ModuleSource, NumberedLines, display_path
from audits.parse import parse_module

TEST_FOLDER = re.compile(r"^(\d{2,})_")
CHECKPOINT = re.compile(r"^checkpoint_(\d{2,})_.*\.py$")


@dataclass
class TestFile(NumberedLines):
    """A test or checkpoint file belonging to one module, parsed (never imported) when a rule first
    asks for its tree: `bite` and the suppression pass read only its lines."""

    path: Path
    rel: str  # relative to the checkout root, posix form
    number: int
    text: str
    lines: list[str]

    @cached_property
    def _parsed(self) -> tuple[Optional[ast.Module], Optional[tuple[int, str]]]:
        try:
            return ast.parse(self.text), None
        except SyntaxError as exc:
            return None, (exc.lineno or 1, exc.msg or "invalid syntax")
        except (ValueError, RecursionError, MemoryError) as exc:
            return None, (1, str(exc))

    @property
    def tree(self) -> Optional[ast.Module]:
        """The file's AST, None when it does not parse (then `syntax_error` says where and why)."""
        return self._parsed[0]

    @property
    def syntax_error(self) -> Optional[tuple[int, str]]:
        return self._parsed[1]

    @property
    def is_test_module(self) -> bool:
        """Files pytest collects (test_*.py, checkpoint_*.py), as opposed to helpers and conftest."""
        return self.path.name.startswith(("test_", "checkpoint_"))


@dataclass
class ModuleExports:
    """What one module contributes to the package."""

    ref: ModuleRef
    target: Optional[str]  # "perf.compression", None without `#| default_exp` (or unreadable)
    package: str = field(default=DEFAULT_CONVENTIONS.package, kw_only=True)  # the course's package (audits.conventions)
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
        return f"{self.package}.{self.target}" if self.target else None

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


def module_exports(ref: ModuleRef, module: Optional[ModuleSource], error: Optional[str] = None, package: str = DEFAULT_CONVENTIONS.package) -> ModuleExports:
    if module is None:
        return ModuleExports(ref, None, frozenset(), frozenset(), error=error, package=package)
    defined: set[str] = set()
    imported: set[str] = set()
    star = False
    for cell in module.code_cells():
        if cell.exported and cell.tree is not None:
            d, i, s = top_level_bindings(cell.tree)
            defined |= d
            imported |= i
            star = star or s
    return ModuleExports(ref, module.export_target, frozenset(defined), frozenset(imported), star, package=module.conventions.package)


def _same_module(test_name: str, module_name: str) -> bool:
    """Does a test folder's name (`compression`, `compression_dev`) name this module?"""
    test_name, module_name = test_name.lower(), module_name.lower()
    return test_name == module_name or test_name.startswith(module_name + "_") or module_name.startswith(test_name + "_")


class RepoIndex:
    """The checkout's modules, their exports and their tests. Build with `RepoIndex.build(root)`.

    Modules are looked up by number (`source(16)`, `exports(16)`): when two folders share a
    number, the first is "module 16" for the cross-module rules and both are audited
    (`all_refs`, `source_of(ref)`); the duplicate is itself a finding (LAY001).
    """

    def __init__(self, root: Path, refs: list[ModuleRef], discovery: Optional[Discovery] = None, conventions=DEFAULT_CONVENTIONS):
        self.root = Path(root)
        self.conventions = conventions  # the course's package and test layout (audits.conventions)
        self.discovery = discovery or Discovery(self.root, list(refs))
        self.all_refs: list[ModuleRef] = list(refs)  # every module, in course order
        self.refs: dict[int, ModuleRef] = {}
        for ref in refs:
            self.refs.setdefault(ref.number, ref)
        self._sources: dict[str, ModuleSource] = {}
        self._errors: dict[str, str] = {}
        self._exports: dict[int, ModuleExports] = {}
        self._tests: dict[int, list[TestFile]] = {}
        self._exists: dict[str, bool] = {}

    @classmethod
    def build(cls, root: Path | str, config=None, walk: bool = True) -> "RepoIndex":
        """Discover the modules under root (InputError if root is not a directory); nothing is parsed yet.
        `walk=False`: only the layouts' folders are looked at (a folder that is no checkout, see `discover`)."""
        discovery = discover(root, config, walk)
        return cls(Path(root), discovery.refs, discovery, config.conventions if config is not None else DEFAULT_CONVENTIONS)

    # -- modules -------------------------------------------------------------

    def source_of(self, ref: ModuleRef) -> Optional[ModuleSource]:
        """A discovered module parsed once and cached; None if unreadable (see `error_of`)."""
        if ref.key in self._sources or ref.key in self._errors:
            return self._sources.get(ref.key)
        try:
            self._sources[ref.key] = parse_module(ref)
            self._sources[ref.key].conventions = self.conventions
        except InputError as error:
            self._errors[ref.key] = str(error)
            return None
        return self._sources[ref.key]

    def error_of(self, ref: ModuleRef) -> Optional[str]:
        """Why `ref` could not be read, once `source_of(ref)` failed."""
        return self._errors.get(ref.key)

    def source(self, number: int) -> Optional[ModuleSource]:
        """Module `number` parsed once and cached; None if unknown or unreadable."""
        ref = self.refs.get(number)
        return self.source_of(ref) if ref is not None else None

    def add_source(self, module: ModuleSource) -> None:
        """Register an already parsed module (so the index does not parse it again)."""
        ref = module.ref
        if ref is not None and self._sources.get(ref.key) is module:
            return  # registered already (the audit of the index's own parse): its exports stand
        if ref is not None and any(known == ref for known in self.all_refs):
            self._sources[ref.key] = module
            self._errors.pop(ref.key, None)
            if self.refs.get(ref.number) == ref:
                self._exports.pop(ref.number, None)

    def release(self, ref: ModuleRef) -> None:
        """Let go of a module's parse and its test files once the module is audited (a whole-checkout
        run: audits.parallel). What other modules ask of it, its exports, is kept; the parse and the
        test files are read again if anything asks for them. Without this every tree of the course
        stays in memory to the end of the run (hundreds of megabytes at 200 modules), and the
        fresh memory alone costs a tenth of the run."""
        if self.refs.get(ref.number) == ref:
            self.exports(ref.number)  # kept: other modules' rules look them up
        self._sources.pop(ref.key, None)
        self._tests.pop(ref.number, None)

    def add_exports(self, exports: dict[int, ModuleExports]) -> None:
        """Take modules' exports read by another process (audits.parallel), so they are not parsed here."""
        for number, info in exports.items():
            self._exports.setdefault(number, info)

    def exports(self, number: int) -> Optional[ModuleExports]:
        if number not in self._exports:
            ref = self.refs.get(number)
            if ref is None:
                return None
            module = self.source(number)
            self._exports[number] = module_exports(ref, module, self._errors.get(ref.key), self.conventions.package)
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

    @property
    def package(self) -> str:
        """The course's package ("tinytorch")."""
        return self.conventions.package

    def exporter(self, dotted: str) -> Optional[int]:
        """The module exporting an import path ("tinytorch.perf.compression" or "perf.compression")."""
        target = dotted[len(self.package) + 1 :] if dotted.startswith(self.package + ".") else dotted
        return self.targets.get(target)

    def is_package(self, dotted: str) -> bool:
        """True for "tinytorch" and for package folders such as "tinytorch.core" that hold some target."""
        if dotted == self.package:
            return True
        if not dotted.startswith(self.package + "."):
            return False
        prefix = dotted[len(self.package) + 1 :] + "."
        return any(target.startswith(prefix) for target in self.targets)

    def name_of(self, number: int) -> Optional[str]:
        ref = self.refs.get(number)
        return ref.name if ref else None

    # -- tests ---------------------------------------------------------------

    def _owner(self, number: int, name: str) -> Optional[int]:
        """The module a test folder `NN_name` (or checkpoint) belongs to: its number when the
        names agree, else the module of that name (`tests/16_quantization` -> 15_quantization)."""
        same_number = [ref for ref in self.all_refs if ref.number == number]
        if any(_same_module(name, ref.name) for ref in same_number):
            return number
        named = self._named_owner(name)
        if named is not None:
            return named
        return number if not same_number else None  # no module of that number to disagree with

    def _named_owner(self, name: str) -> Optional[int]:
        named = [ref for ref in self.all_refs if _same_module(name, ref.name)]
        return named[0].number if len(named) == 1 else None

    def _capability_sequence(self, checkpoints: list) -> bool:
        """Are the checkpoints numbered in a sequence of their own (upstream TinyTorch's
        `checkpoint_00_environment.py`, `checkpoint_01_foundation.py`, ...: capabilities, not
        modules)? So when fewer than half of them carry the number of the module they name."""
        agreeing = sum(1 for number, name, _, _ in checkpoints if any(ref.number == number and _same_module(name, ref.name) for ref in self.all_refs))
        return bool(checkpoints) and 2 * agreeing < len(checkpoints)

    @cached_property
    def _test_layout(self) -> tuple[dict[int, list[Path]], dict[int, list[str]]]:
        """(module number -> its test paths, module number -> test folders/files numbered for it but named for another)."""
        found: dict[int, list[Path]] = {}
        mismatched: dict[int, list[str]] = {}
        tests, checkpoint_folder = self.root / self.conventions.tests, self.root / self.conventions.checkpoints
        numbered: list[tuple[int, str, Path, list[Path]]] = []
        for folder in sorted(tests.iterdir()) if tests.is_dir() else ():
            match = TEST_FOLDER.match(folder.name)
            if match and folder.is_dir():
                numbered.append((int(match.group(1)), folder.name[match.end() :], folder, sorted(folder.rglob("*.py"))))
        checkpoints = []
        if checkpoint_folder.is_dir():
            for path in sorted(checkpoint_folder.glob("checkpoint_*.py")):
                match = CHECKPOINT.match(path.name)
                if match:
                    checkpoints.append((int(match.group(1)), path.stem[len("checkpoint_") + len(match.group(1)) + 1 :], path, [path]))
        sequence = self._capability_sequence(checkpoints)
        for number, name, place, paths in numbered + checkpoints:
            if sequence and paths == [place] and place.parent == checkpoint_folder:
                owner = self._named_owner(name)  # numbered in its own sequence: only its name can tie it to a module
                if owner is not None:
                    found.setdefault(owner, []).extend(paths)
                continue
            owner = self._owner(number, name)
            if owner is not None:
                found.setdefault(owner, []).extend(paths)
            if owner != number and number in self.refs:
                mismatched.setdefault(number, []).append(display_path(place, self.root))
        return found, mismatched

    def test_paths(self, number: int) -> list[Path]:
        """The paths of module `number`'s test and checkpoint files (and helpers in its test folder), unread."""
        return self._test_layout[0].get(number, [])

    def misplaced_tests(self, number: int) -> list[str]:
        """Test folders and checkpoints numbered `number` but named for another module (not fed to its rules)."""
        return self._test_layout[1].get(number, [])

    def test_files(self, number: int) -> list[TestFile]:
        """Module `number`'s test and checkpoint files (and helpers in its test folder), read once (each parsed once, when asked)."""
        if number not in self._tests:
            files = []
            for path in self.test_paths(number):
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue  # an unreadable test file is pytest's problem, not a rule's
                files.append(TestFile(path, self._display_path(path), number, text, text.splitlines()))
            self._tests[number] = files
        return self._tests[number]

    @cached_property
    def _resolved_root(self) -> Optional[Path]:
        """The root resolved, once per index (resolving costs a system call per folder of the path,
        and every test file asks); None when it cannot be resolved."""
        try:
            return self.root.resolve()
        except OSError:
            return None

    def _display_path(self, path: Path) -> str:
        """`display_path(path, self.root)`, with the root resolved once."""
        return display_path(path, self._resolved_root, resolved=True)

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
