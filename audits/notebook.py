"""Notebook sources (`.ipynb`): read into the same ModuleSource and Cell records as percent files, and written back.

A notebook is shown to the rules as its percent-format rendering, one `# %%`
marker line per cell (with the cell's nbgrader metadata as `nbgrader={...}`),
then the cell's lines (markdown and raw lines commented with `# `, as jupytext
writes), then a blank line. So every rule works unchanged, and a finding's
line in the rendering maps back to its cell (index and id) and the line within
it, which the reports print next to the line (`ModuleInfo.cell_note`).

    parse_notebook(text, path, ref) -> ModuleSource     read (nbformat); never runs a cell
    parse_rendering(text, module) -> ModuleSource       a changed rendering, parsed as the notebook was (for --fix)
    write_source(module, new_text)                      write back a fixed rendering

`write_source` is what `--fix` calls for a notebook: the fixer edits the
rendering like a percent file, and only the cells whose rendering changed are
touched (their source and nbgrader metadata; ids, outputs and other metadata
stay); a cell the fix splits in two becomes two cells. The result is validated
with nbformat before it replaces the file atomically.
"""

from __future__ import annotations

import ast
import copy
import difflib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from audits.model import Cell, InputError, ModuleRef, ModuleSource, is_python
from audits.parse import normalize_newlines

# jsonschema (which nbformat imports) imports the checkers of its optional string formats when
# their packages are installed, as they are in every environment with nbgrader (through
# jupyter-events): `rfc3987_syntax` builds a grammar parser on import (about 1.2 s, four times a whole
# cold audit of a notebook), `isoduration` brings `arrow` and `dateutil`, the others are smaller
# (about 0.1 s together). Formats are checked only when a format checker is asked for, which neither
# nbformat nor the audit does, so the audit loads nbformat with these modules hidden.
_FORMAT_ONLY = ("rfc3987_syntax", "rfc3987", "rfc3986_validator", "rfc3339_validator", "isoduration",
                "fqdn", "idna", "jsonpointer", "uri_template", "webcolors")


def import_nbformat():
    """nbformat, imported without jsonschema's optional format checkers' modules (see above).

    Only the first import is affected: a process that imported jsonschema or one of those modules
    before keeps them as they are, and they stay importable afterwards (jsonschema then leaves those
    formats unchecked in this process, as it does where they are not installed).
    """
    import sys

    hidden = [name for name in _FORMAT_ONLY if name not in sys.modules] if "jsonschema" not in sys.modules else []
    for name in hidden:
        sys.modules[name] = None  # an import of it raises ImportError, which jsonschema expects
    try:
        import nbformat
        import nbformat.validator  # imports jsonschema (nbformat's own import may leave it for later)
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return nbformat


KINDS = {"code": "", "markdown": " [markdown]", "raw": " [raw]"}


@dataclass
class NotebookFile:
    """The notebook behind a ModuleSource: its nbformat node as read, the file's text, and nbformat's
    reason for rejecting it (None when nbformat validates it; rule SYN002 reports it, --fix leaves it alone)."""

    node: Any  # nbformat.NotebookNode
    raw: str
    invalid: Optional[str] = None
    invalid_cell: Optional[int] = None  # the index of the cell nbformat's complaint is about, if it is about one

    @property
    def language(self) -> str:
        """The language of its code cells, as its metadata names it (`kernel_language`)."""
        return kernel_language(self.node)


# Where a notebook names the language of its code, most authoritative first: the kernelspec (what
# Jupyter starts and nbgrader's ClearSolutions reads), what the kernel reported when it last ran
# (language_info), and jupytext's main_language (a notebook made from a script, never run).
LANGUAGE_KEYS = (("kernelspec", "language"), ("language_info", "name"), ("jupytext", "main_language"))


def kernelspec(node: Any) -> Optional[dict]:
    """The notebook's `metadata.kernelspec` ({} when it has none, None when it is not an object: nbformat's
    to report, SYN002)."""
    metadata = node.get("metadata") if isinstance(node, dict) else None
    spec = metadata.get("kernelspec", {}) if isinstance(metadata, dict) else {}
    return spec if isinstance(spec, dict) else None


def kernel_language(node: Any) -> str:
    """The language a notebook's code cells are written in, as its metadata names it ("python" when
    it names none, as Jupyter and nbgrader assume). Printable: a name with a lone surrogate or a
    control character (input like any other) is shown escaped."""
    metadata = node.get("metadata") if isinstance(node, dict) else None
    for section, key in LANGUAGE_KEYS:
        value = metadata.get(section) if isinstance(metadata, dict) else None
        value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value.strip():
            name = value.strip()
            return name if name.isprintable() and len(name) <= 40 else ascii(name[:40])
    return "python"


# JSON nesting a notebook may have. Jupyter writes a handful of levels; nbformat's own reader and
# the deep copies and validation that follow recurse once or more per level and fail near 480
# (Python's recursion limit), so deeper files are refused up front with a clear line.
MAX_DEPTH = 100


def _depth(value: Any) -> int:
    """How deeply `value` (parsed JSON) nests lists and objects, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, level = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _upgrade(data: dict, path: Path | str):
    """An nbformat 1-3 notebook converted to version 4, as Jupyter converts it, or an InputError quoting nbformat."""
    nbformat = import_nbformat()

    version = data["nbformat"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            old = nbformat.versions[version].to_notebook_json(data, minor=data.get("nbformat_minor", 0))
            return nbformat.convert(old, 4)
    # nbformat's converters assume a well-formed old notebook and fail on anything else with
    # whatever the first missing piece raises (ValidationError, KeyError, TypeError, AttributeError...).
    except Exception as error:  # noqa: BLE001 - any failure of nbformat's conversion means "cannot convert", said with its reason
        # nbformat's own reader words a missing attribute so; its converters word theirs themselves
        reason = f"missing an expected key: {error}" if isinstance(error, (AttributeError, KeyError)) else str(error) or type(error).__name__
        raise InputError(f"{path}: an nbformat {version} notebook nbformat cannot convert to version 4 ({_brief(reason)})") from None


def _read(text: str, path: Path | str) -> NotebookFile:
    """The notebook of a text (its nbformat v4 node), or an InputError naming the file and the problem.

    Old notebooks (nbformat 1-3) are converted as Jupyter converts them. What nbformat's
    schema rejects but the audit can still read (a code cell without `outputs`, an unknown
    key) is kept as `invalid`, nbformat's own words, for the audit to report.
    """
    nbformat = import_nbformat()  # only notebook courses pay for nbformat's import

    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise InputError(f"{path}: not a notebook (not JSON: {error})") from None
    depth = _depth(data)
    if depth > MAX_DEPTH:
        raise InputError(f"{path}: not a notebook Jupyter can read (JSON nested {depth} levels deep; more than {MAX_DEPTH})")
    if isinstance(data, dict) and type(data.get("nbformat")) is int and data["nbformat"] in (1, 2, 3):
        data = _upgrade(data, path)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or data.get("nbformat") != 4:
        raise InputError(f"{path}: not a notebook (expected nbformat 4 JSON with a list of cells)")
    node = nbformat.from_dict(data)
    for number, cell in enumerate(node.cells):
        if not isinstance(cell, dict) or cell.get("cell_type") not in KINDS:
            raise InputError(f"{path}: cell {number} is not a code, markdown or raw cell")
        source = cell.get("source", "")
        if isinstance(source, list):
            cell["source"] = "".join(part for part in source if isinstance(part, str))
        elif not isinstance(source, str):
            raise InputError(f"{path}: cell {number} has no text source")
        if not isinstance(cell.get("metadata", {}), dict):
            raise InputError(f"{path}: cell {number} metadata is not a JSON object")
    return NotebookFile(node, normalize_newlines(text), *_invalid(node))


def _brief(message: str, limit: int = 200) -> str:
    """A message on one line, cut to `limit` characters (nbformat's quote the offending value, which may be a whole cell)."""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _invalid(node) -> tuple[Optional[str], Optional[int]]:
    """nbformat's reason for rejecting a notebook (its validator's message, and where) and the index
    of the cell it is about, or (None, None) when nbformat validates it.

    Validated on a copy: nbformat's validate repairs some things in place (duplicate cell ids).
    """
    nbformat = import_nbformat()

    minor = node.get("nbformat_minor", 0)
    if type(minor) is not int:  # nbformat's validator asserts it is one (AssertionError)
        return f"nbformat_minor must be an integer, not {json.dumps(minor)}", None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. MissingIDFieldWarning: the finding says it instead
            nbformat.validate(copy.deepcopy(node))
    except nbformat.ValidationError as error:
        where = list(getattr(error, "absolute_path", ()) or ())
        message = _brief(str(getattr(error, "message", error)))
        cell = where[1] if len(where) > 1 and where[0] == "cells" and isinstance(where[1], int) else None
        return (f"{message} (at {'/'.join(map(str, where))})" if where else message), cell
    return None, None


def _marker(cell) -> str:
    marker = "# %%" + KINDS[cell["cell_type"]]
    if "nbgrader" in cell.get("metadata", {}):
        marker += " nbgrader=" + json.dumps(cell["metadata"]["nbgrader"], ensure_ascii=False)
    return marker


def _render(kind: str, source: str) -> list[str]:
    """A cell's lines in the rendering: code as written; markdown and raw commented with `# `."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n") if source else []
    if kind == "code":
        return lines
    return [("# " + line) if line else "#" for line in lines]


def _unrender(kind: str, lines: list[str]) -> str:
    if kind != "code":
        lines = [line[2:] if line.startswith("# ") else line[1:] if line.startswith("#") else line for line in lines]
    return "\n".join(lines)


def compile_cell(body_start: int, body: list[str]):
    """A notebook code cell's (AST, syntax error) as IPython compiles it (audits.ipython), lines kept.

    Plain Python is parsed as it is; only a cell that does not parse is handed to IPython's
    transformer. A cell magic whose body is not Python (`%%html`, `%%bash`) has an empty AST:
    nothing in it is Python to check.
    """
    from audits.parse import _compile

    tree, error = _compile(body_start, body)
    if error is None:
        return tree, None
    from audits.ipython import python_lines

    lines = python_lines(body)
    if lines is None:
        return not_python()
    return _compile(body_start, lines)


def not_python() -> tuple[ast.Module, None]:
    """The (AST, syntax error) of code that is not Python (a `%%bash` cell, any cell of an R or
    Julia notebook): an empty tree, nothing in it is Python to check."""
    return ast.Module(body=[], type_ignores=[]), None


def parse_notebook(text: str, path: Path | str = "<notebook>", ref: Optional[ModuleRef] = None) -> ModuleSource:
    """Read a notebook into a ModuleSource (InputError when it is not a notebook). Never runs a cell.

    Cells are built straight from the notebook (a line in a cell that looks
    like a `# %%` marker cannot split it), with the spans the percent parser
    gives the rendering: a cell ends at its last non-blank line.
    """
    from audits.parse import _directives, _nbgrader

    notebook = _read(text, path)
    node = notebook.node
    python = is_python(notebook.language)
    lines: list[str] = []
    cells: list[Cell] = []
    for index, nbcell in enumerate(node.cells):
        kind = nbcell["cell_type"]
        marker = _marker(nbcell)
        body = _render(kind, nbcell.get("source", ""))
        start = len(lines) + 1
        lines.append(marker)
        lines.extend(body)
        lines.append("")  # a blank line between cells, as in a percent file
        while body and not body[-1].strip():
            body.pop()  # trailing blank lines belong to no cell
        cell = Cell(index=index, kind=kind, start=start, end=start + len(body), body_start=start + 1, marker=marker, source="\n".join(body), id=nbcell.get("id"))
        cell.nbgrader, cell.nbgrader_text, cell.nbgrader_error = _nbgrader(marker)
        if kind == "code":
            cell.directives = _directives(body)
            cell.tree, cell.syntax_error = compile_cell(start + 1, body) if python else not_python()
        cells.append(cell)
    rendering = "\n".join(lines) + "\n" if lines else ""  # an empty notebook renders as no line at all
    return ModuleSource(Path(path), rendering, lines, cells, ref, notebook=notebook)


def parse_rendering(text: str, notebook: ModuleSource) -> ModuleSource:
    """A changed rendering of `notebook` (the fixer's candidate), parsed with the notebook's conventions.

    The percent parser reads it; magics stay out of the AST and cells keep
    their ids where the cells still line up one to one.
    """
    from audits.parse import parse_text

    module = parse_text(text, notebook.path, notebook.ref)
    for cell in module.code_cells():
        if not notebook.python:
            cell.tree, cell.syntax_error = not_python()
        elif cell.syntax_error is not None:
            cell.tree, cell.syntax_error = compile_cell(cell.body_start, cell.source.split("\n"))
    if len(module.cells) == len(notebook.cells):
        for cell, before in zip(module.cells, notebook.cells):
            cell.id = before.id
    module.notebook = notebook.notebook
    return module


def _new_cell(kind: str, nbformat_minor: int):
    v4 = import_nbformat().v4

    cell = {"code": v4.new_code_cell, "markdown": v4.new_markdown_cell, "raw": v4.new_raw_cell}[kind]()
    if nbformat_minor < 5:
        cell.pop("id", None)  # cell ids exist from nbformat 4.5 on
    return cell


def _update(nbcell, before: Cell, after: Cell, minor: int):
    """The notebook cell for `after`, changed only where the rendering changed from `before`."""
    if after.kind != nbcell["cell_type"]:
        replacement = _new_cell(after.kind, minor)
        replacement["metadata"] = nbcell.get("metadata", {})
        if "id" in nbcell:
            replacement["id"] = nbcell["id"]
        nbcell = replacement
    if after.source != before.source or after.kind != before.kind:
        nbcell["source"] = _unrender(after.kind, after.source.split("\n") if after.source else [])
    if after.marker != before.marker:
        if after.nbgrader is not None:
            nbcell.setdefault("metadata", {})["nbgrader"] = after.nbgrader
        elif after.nbgrader_text is None:
            nbcell.get("metadata", {}).pop("nbgrader", None)
    return nbcell


def write_source(module: ModuleSource, new_text: str) -> None:
    """Write `module`'s notebook with its rendering replaced by `new_text` (a fixed rendering).

    Cells are matched by their rendering: unchanged cells are kept as they are,
    changed ones get the new source and nbgrader metadata, inserted ones become
    new cells, removed ones are dropped. InputError, and nothing written, when
    the result is not a valid notebook.
    """
    nbformat = import_nbformat()

    from audits.files import write_atomically
    from audits.parse import parse_text

    notebook = module.notebook
    if notebook is None:
        raise ValueError(f"{module.path} is not a notebook source")
    before = parse_text(module.text).cells
    after = parse_text(new_text).cells
    node = copy.deepcopy(notebook.node)  # the parsed module stays as it was read
    if len(before) != len(node.cells):
        raise InputError(f"{module.path}: a cell holds a line that reads as a `# %%` marker; fix it by hand")
    minor = node.get("nbformat_minor", 0)
    cells = []
    matcher = difflib.SequenceMatcher(a=[(c.marker, c.source) for c in before], b=[(c.marker, c.source) for c in after], autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            cells.extend(node.cells[a0:a1])
            continue
        pairs = min(a1 - a0, b1 - b0)
        for offset in range(pairs):
            cells.append(_update(node.cells[a0 + offset], before[a0 + offset], after[b0 + offset], minor))
        for offset in range(pairs, b1 - b0):
            fresh = _new_cell(after[b0 + offset].kind, minor)
            empty = Cell(0, after[b0 + offset].kind, 0, 0, 0, "", "")
            cells.append(_update(fresh, empty, after[b0 + offset], minor))
    node.cells = cells
    try:
        nbformat.validate(node)
    except nbformat.ValidationError as error:
        raise InputError(f"{module.path}: the fixed notebook would not be valid ({error.message}); nothing written") from None
    text = nbformat.writes(node)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate, legal as a JSON escape, has no UTF-8 form
        raise InputError(f"{module.path}: the notebook holds {text[error.start]!r}, which UTF-8 cannot encode; nothing written") from None
    write_atomically(module.path, text + "\n" if notebook.raw.endswith("\n") else text)
