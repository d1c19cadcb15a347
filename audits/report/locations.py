"""Where a finding is, in the file a person or a CI service opens.

A notebook is audited as its percent rendering (audits.notebook), so a finding's line is a
line of that rendering. CI surfaces (SARIF code scanning, GitHub annotations) and editors
open the `.ipynb` file itself: `ipynb_cells(raw)` finds where each cell's source strings sit
in the notebook's JSON text, and `ModuleInfo.file_position` maps a rendering line and column
to the line and column inside that cell's source in the file.

    ipynb_cells(raw)          -> [IpynbCell(kind, kind_at, pieces)] per cell, offsets into raw
    repository_root(root)     -> the git work tree holding root (SARIF and GitHub paths are relative to it)
    shown_path(path, root)    -> a path as the terminal shows it (relative to the current directory)

The JSON is read with the standard library's own pure-Python scanner, told to remember
where each string starts; only the reports that need file positions pay for it.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from dataclasses import dataclass
from pathlib import Path
from typing import Optional


class _At(str):
    """A JSON string value that knows the offset of its opening quote in the text."""

    at: int = 0


@dataclass(frozen=True)
class IpynbCell:
    kind: str  # "code", "markdown", "raw"
    kind_at: int  # offset of the `"cell_type"` value: where a finding about the whole cell points
    pieces: tuple[tuple[int, str], ...]  # the cell's source strings: (offset of the opening quote, text)


def _decoder() -> json.JSONDecoder:
    decoder = json.JSONDecoder()

    def parse_string(text: str, end: int, strict: bool = True):
        value, after = json.decoder.scanstring(text, end, strict)
        tagged = _At(value)
        tagged.at = end - 1
        return tagged, after

    decoder.parse_string = parse_string
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # the pure-Python scanner calls parse_string
    return decoder


def ipynb_cells(raw: str) -> list[IpynbCell]:
    """Each cell's kind and source strings with their offsets in `raw` ([] when raw is not a notebook)."""
    try:
        data = _decoder().decode(raw)
    except (ValueError, RecursionError):
        return []
    cells = data.get("cells") if isinstance(data, dict) else None
    found = []
    for cell in cells if isinstance(cells, list) else ():
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type", "")
        source = cell.get("source", [])
        strings = [source] if isinstance(source, str) else [piece for piece in source if isinstance(piece, str)] if isinstance(source, list) else []
        found.append(IpynbCell(str(kind), getattr(kind, "at", 0), tuple((getattr(s, "at", 0), str(s)) for s in strings)))
    return found


def _line_and_column(raw: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset of raw."""
    line_start = raw.rfind("\n", 0, offset) + 1
    return raw.count("\n", 0, offset) + 1, offset - line_start + 1


def position_in_file(raw: str, cell: IpynbCell, within: int, column: int) -> tuple[int, int]:
    """The file line and column of line `within` of a cell's source (1-based; 0 = the cell itself),
    column as in the rendering (markdown lines there carry a `# ` prefix)."""
    if within <= 0 or not cell.pieces:
        return _line_and_column(raw, cell.kind_at)
    starts, joined = [], 0
    for _, text in cell.pieces:
        starts.append(joined)
        joined += len(text)
    source = "".join(text for _, text in cell.pieces)
    lines = source.split("\n")
    within = min(within, len(lines))
    offset = sum(len(line) + 1 for line in lines[: within - 1])  # where the line starts in the joined source
    piece = max(0, bisect.bisect_right(starts, offset) - 1)
    if piece + 1 < len(starts) and offset >= starts[piece] + len(cell.pieces[piece][1]):
        piece += 1
    quote, text = cell.pieces[piece]
    column = max(1, column - (2 if cell.kind != "code" else 0))
    inside = offset - starts[piece]
    prefix = text[inside : inside + column - 1].split("\n", 1)[0]
    escaped = len(json.dumps(text[:inside] + prefix, ensure_ascii=False)) - 2  # as Jupyter writes strings
    line, quote_column = _line_and_column(raw, quote)
    return line, quote_column + 1 + escaped


def repository_root(root: Path | str) -> Path:
    """The git work tree holding `root` (the nearest folder upward with `.git`), else root itself."""
    root = Path(root).resolve()
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return root


def relative_to(path: str, root: Optional[str], base: Path) -> str:
    """A finding's path (relative to the audited root) relative to `base`, posix form; as given when
    it cannot be (no root known, another drive)."""
    if root is None:
        return path
    import os.path

    try:
        return Path(os.path.relpath(Path(root) / path, base)).as_posix()
    except ValueError:
        return path


def shown_path(path: str, root: Optional[str]) -> str:
    """A finding's path as ruff shows one: relative to the current directory when the file is under
    it (an editor opens it from there), else absolute; as given when the root is unknown."""
    if root is None:
        return path
    full = Path(root) / path
    try:
        return full.relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return full.as_posix()
