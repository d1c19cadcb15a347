"""Turn a module source into cells with exact line spans, metadata, directives and ASTs.

jupytext's own percent-format reader decides where cells are and which are
markdown; we pair its cells with the `# %%` marker lines so that every line
number we report is the line in the file. The audited code is parsed, never run.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from audits.model import Cell, InputError, ModuleRef, ModuleSource

MARKER = re.compile(r"^#\s?%%(?!%)(.*)$")
MARKDOWN = re.compile(r"^\s*\[(markdown|md)\]")
NBGRADER = re.compile(r"\bnbgrader=(.*)$")
HEADER_FENCE = "# ---"


def read_source(path: Path) -> str:
    """The file's text, or an InputError naming the file and the problem."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})") from None


def _header_end(lines: list[str]) -> int:
    """Last line of the jupytext `# ---` header block, or 0."""
    if not lines or lines[0].strip() != HEADER_FENCE:
        return 0
    for number, text in enumerate(lines[1:], start=2):
        if text.strip() == HEADER_FENCE:
            return number
    return 0


def _nbgrader(marker: str) -> tuple[dict | None, str | None, str | None]:
    """(metadata, raw text, error) for the `nbgrader=` part of a marker line."""
    match = NBGRADER.search(marker)
    if not match:
        return None, None, None
    raw = match.group(1).strip()
    try:
        value, end = json.JSONDecoder().raw_decode(raw)
    except json.JSONDecodeError as error:
        return None, raw, f"not JSON: {error.msg} at column {error.colno}"
    if not isinstance(value, dict):
        return None, raw, "not a JSON object"
    if raw[end:].strip():
        return value, raw[:end], None  # other key=value metadata may follow
    return value, raw, None


def _directives(body: list[str]) -> tuple[str, ...]:
    """`#| name args` lines at the top of a cell body (blank lines allowed before them)."""
    found = []
    for text in body:
        stripped = text.strip()
        if not stripped:
            continue
        if not stripped.startswith("#|"):
            break
        found.append(stripped[2:].strip())
    return tuple(found)


def _compile(body_start: int, body: list[str]) -> tuple[ast.Module | None, tuple[int, str] | None]:
    try:
        tree = ast.parse("\n".join(body), type_comments=False)
    except SyntaxError as error:
        line = body_start + (error.lineno or 1) - 1
        return None, (line, error.msg or "invalid syntax")
    except ValueError as error:  # e.g. null bytes
        return None, (body_start, str(error))
    ast.increment_lineno(tree, body_start - 1)
    return tree, None


def _jupytext_kinds(text: str) -> list[str] | None:
    """Cell kinds as jupytext's reader sees them, or None if jupytext cannot read the text."""
    import jupytext  # imported here so `audits.model`/`audits.discover` stay dependency-free

    try:
        notebook = jupytext.reads(text, fmt="py:percent")
    except Exception:  # jupytext rejects some malformed headers; we fall back to our own scan
        return None
    return [cell.cell_type for cell in notebook.cells]


def parse_text(text: str, path: Path | str = "<source>", ref: ModuleRef | None = None) -> ModuleSource:
    """Parse module source text into a ModuleSource."""
    lines = text.splitlines()
    header_end = _header_end(lines)
    starts = [n for n in range(header_end + 1, len(lines) + 1) if MARKER.match(lines[n - 1])]
    spans: list[tuple[int, int, str]] = []  # (start, end, marker)
    first_content = next((n for n in range(header_end + 1, len(lines) + 1) if lines[n - 1].strip()), None)
    if first_content is not None and (not starts or first_content < starts[0]):
        spans.append((first_content, (starts[0] - 1) if starts else len(lines), ""))
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(lines)
        spans.append((start, end, lines[start - 1]))

    kinds = _jupytext_kinds(text)
    if kinds is None or len(kinds) != len(spans):
        kinds = ["markdown" if MARKDOWN.match(MARKER.match(m).group(1)) else "code" if m else "code" for _, _, m in spans]

    cells = []
    for index, ((start, end, marker), kind) in enumerate(zip(spans, kinds)):
        body_start = start + 1 if marker else start
        while end > body_start and not lines[end - 1].strip():
            end -= 1  # trailing blank lines belong to no cell
        body = lines[body_start - 1 : end]
        cell = Cell(index, kind, start, max(end, start), body_start, marker, "\n".join(body))
        if kind == "code":
            cell.nbgrader, cell.nbgrader_text, cell.nbgrader_error = _nbgrader(marker)
            cell.directives = _directives(body)
            cell.tree, cell.syntax_error = _compile(body_start, body)
        cells.append(cell)
    return ModuleSource(Path(path), text, lines, cells, ref, header_end)


def parse_file(path: Path | str, ref: ModuleRef | None = None) -> ModuleSource:
    return parse_text(read_source(Path(path)), path, ref)


def parse_module(ref: ModuleRef) -> ModuleSource:
    return parse_file(ref.path, ref)
