"""Shared reading of imports of the course's package (`tinytorch`, `conventions.package`), for DEP001/DEP002
(module sources) and API001 (tests)."""

from __future__ import annotations

import ast
import difflib
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from audits.astutil import nodes
from audits.index import RepoIndex
from audits.rules._usage import imported_names


@dataclass(frozen=True)
class Resolved:
    """One imported tinytorch path or name and what the checkout says about it."""

    node: ast.stmt
    path: str  # the dotted module path imported from, e.g. "tinytorch.perf.compression"
    name: Optional[str]  # the imported name, None for `import tinytorch.x.y`
    number: Optional[int]  # the module exporting `path`, None if none
    problem: Optional[str]  # why the import cannot work, None when it resolves


def package_imports(tree: ast.AST, package: str) -> Iterator[ast.stmt]:
    """The import statements of `tree` that import from the course's package."""
    for node in nodes(tree, ast.ImportFrom, ast.Import):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == package:
            yield node
        elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == package for a in node.names):
            yield node


def resolved_imports(tree: ast.AST, index: RepoIndex) -> Iterator[Resolved]:
    """Every path/name the package imports of `tree` ask for, resolved against the index."""
    for node in package_imports(tree, index.package):
        yield from resolve(node, index)


def exporters_of(index: RepoIndex, name: str) -> list[tuple[int, str]]:
    """(module number, target) of every module whose export cells define `name`."""
    return [(n, info.target) for n, info in index.modules.items() if info.target and name in info.names]


GENERATED = "# Generated from "  # the exporter's first line (audits.export)


@functools.lru_cache(maxsize=256)
def _names_in_file(path: str, mtime_ns: int) -> frozenset[str]:
    """Top-level names a Python file defines or imports (parsed, never run)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(imported_names(node))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
    return frozenset(names)


def hand_written_exports(index: RepoIndex, dotted: str) -> Optional[tuple[str, frozenset[str]]]:
    """(file, names) of a hand-written package file for `dotted` (e.g. tinytorch/nn/__init__.py
    re-exporting names from the generated modules), or None. Files the exporter generated
    (first line `# Generated from ...`) are not hand-written: their names come from the sources."""
    parts = dotted.split(".")
    base = Path(index.root, *parts)
    for path in (base / "__init__.py", base.with_suffix(".py")):
        try:
            if not path.is_file():
                continue
            with path.open(encoding="utf-8", errors="replace") as stream:
                if stream.readline().startswith(GENERATED):
                    return None
            return path.relative_to(index.root).as_posix(), _names_in_file(str(path), path.stat().st_mtime_ns)
        except OSError:
            continue
    return None


def resolve(node: ast.stmt, index: RepoIndex) -> Iterator[Resolved]:
    """Each path/name a package import statement asks for, resolved against the index."""
    package = index.package  # the course's package, e.g. "tinytorch"
    if isinstance(node, ast.Import):
        for alias in node.names:
            path = alias.name
            if path.split(".")[0] != package:
                continue
            number = index.exporter(path)
            known = number is not None or index.is_package(path) or hand_written_exports(index, path) is not None
            yield Resolved(node, path, None, number, None if known else f"no module exports `{path}`")
        return
    base = node.module or package
    for alias in node.names:
        name = alias.name
        if name == "*":
            number = index.exporter(base)
            problem = None if number is not None or index.is_package(base) else f"no module exports `{base}`"
            yield Resolved(node, base, None, number, problem)
            continue
        number = index.exporter(base)
        if number is not None:
            info = index.exports(number)
            problem = None if info.provides(name) else f"`{name}` is not defined by the export cells of module {number:02d} ({info.ref.name}), which exports `{base}`"
            yield Resolved(node, base, name, number, problem)
        elif index.exporter(f"{base}.{name}") is not None:  # from tinytorch.core import tensor
            yield Resolved(node, f"{base}.{name}", None, index.exporter(f"{base}.{name}"), None)
        elif index.is_package(f"{base}.{name}") or (base == package and name == "__version__"):
            yield Resolved(node, f"{base}.{name}", None, None, None)
        elif hand_written_exports(index, base) is not None:  # a tracked package file, e.g. tinytorch/nn/__init__.py
            file, names = hand_written_exports(index, base)
            yield Resolved(node, base, name, None, None if name in names else f"`{file}` defines or imports no `{name}`")
        elif index.is_package(base):
            yield Resolved(node, base, name, None, f"no module exports `{base}.{name}` and `{base}` defines no `{name}`")
        else:
            yield Resolved(node, base, name, None, f"no module exports `{base}`")


def replacement(index: RepoIndex, resolved: Resolved) -> str:
    """A one-sentence fix for an import that does not resolve."""
    package = index.package  # the course's package, e.g. "tinytorch"
    if resolved.name:
        homes = exporters_of(index, resolved.name)
        if homes:
            number, target = homes[0]
            return f"from {package}.{target} import {resolved.name}  # exported by module {number:02d}"
        candidates = {name: (n, info.target) for n, info in index.modules.items() if info.target for name in info.public_names}
        close = difflib.get_close_matches(resolved.name, list(candidates), n=1, cutoff=0.6)
        if close:
            number, target = candidates[close[0]]
            return f"from {package}.{target} import {close[0]}  # closest exported name (module {number:02d}); check it is the intended API"
        return f"Import a name the package exports (see API.md); no module defines `{resolved.name}`."
    close = difflib.get_close_matches(resolved.path.removeprefix(package + "."), list(index.targets), n=1, cutoff=0.5)
    if close:
        return f"import {package}.{close[0]}  # the closest exported module path"
    return "Import from one of the exported paths: " + ", ".join(f"{package}.{t}" for t in sorted(index.targets)) + "."
