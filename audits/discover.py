"""Find module sources under a checkout, in every layout seen in TinyTorch courses.

    modules/NN_name/name.py              (ours)
    modules/NN_name/name_dev.py
    modules/source/NN_name/name_dev.py
    src/NN_name/NN_name.py

Module numbers come from the NN_ folder names and nowhere else.
"""

from __future__ import annotations

import re
from pathlib import Path

from audits.model import InputError, ModuleRef

FOLDER = re.compile(r"^(\d{2})_([a-z0-9_]+)$")
LAYOUTS = ("modules", "modules/source", "src")


def _source_in(folder: Path, name: str) -> Path | None:
    for candidate in (f"{name}.py", f"{name}_dev.py", f"{folder.name}.py"):
        path = folder / candidate
        if path.is_file():
            return path
    return None


def _folders(base: Path) -> list[Path]:
    try:
        return sorted(base.iterdir())
    except OSError as error:
        raise InputError(f"cannot read {base} ({error.strerror})") from None


def find_modules(root: Path | str = ".") -> list[ModuleRef]:
    """Every module source under root, sorted by number.

    When a checkout has several layouts, the first in LAYOUTS wins a number; two
    folders of one layout with the same number (a half-done renumbering) are an
    InputError naming both.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"root {root} is not a readable directory")
    found: dict[int, ModuleRef] = {}
    for layout in LAYOUTS:
        base = root / layout
        if not base.is_dir():
            continue
        mine: dict[int, ModuleRef] = {}
        for folder in _folders(base):
            match = FOLDER.match(folder.name)
            if not match or not folder.is_dir():
                continue
            number, name = int(match.group(1)), match.group(2)
            path = _source_in(folder, name)
            if path is None:
                continue
            if number in mine:
                raise InputError(f"{layout}/{mine[number].folder} and {layout}/{folder.name} both have number {number:02d}: renumber one")
            mine[number] = ModuleRef(number, folder.name, name, path, root)
        for number, ref in mine.items():
            found.setdefault(number, ref)
    return [found[n] for n in sorted(found)]


def find_module(root: Path | str, number: int) -> ModuleRef:
    """The module numbered `number`, or an InputError listing the numbers that exist."""
    modules = find_modules(root)
    for ref in modules:
        if ref.number == number:
            return ref
    listing = ", ".join(f"{ref.number:02d}" for ref in modules) or "none"
    raise InputError(f"no module {number} under {Path(root).resolve()} (found: {listing})")


def parse_module_number(text: str) -> int:
    """A module number given on the command line: "16" or "07"."""
    if not text.isdigit():
        raise InputError(f"module number must be a whole number like 16, not {text!r}")
    return int(text)
