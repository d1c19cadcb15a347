"""Turn a module source into cells with exact line spans, metadata, directives and ASTs.

`parse_file` reads percent-format scripts (here) and notebooks (audits.notebook,
into the same records).

The cell split is jupytext's (`_split`): the same cells, kinds and line spans as
its percent-format reader (`DoublePercentScriptCellReader`) gives, read in one pass
over the file's lines, so every line number we report is the line in the file, and
a `# %%` inside a string or a markdown code fence is not mistaken for a marker.
Marker options of an unusual form are read by jupytext's own reader, loaded
without the rest of jupytext (see `_load_percent_reader`): no pandoc probe, no
nbformat import, and only when such an option line turns up.

Nothing here raises on odd text: bad nbgrader JSON and syntax errors become
data on the cell (`nbgrader_error`, `syntax_error`) for the rules to report.
Only an unreadable or non-UTF-8 file is an InputError. The audited code is
parsed, never run.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import re
import sys
import types
from pathlib import Path

from audits.model import Cell, InputError, ModuleRef, ModuleSource

MARKER = re.compile(r"^\s*#\s*%%(?:(%*)\s(.*))?\s*$")  # a cell's first line is its marker when it matches
NBGRADER = re.compile(r"\bnbgrader\s*=\s*(.*)$")
DIRECTIVE = re.compile(r"#\s*\|")
HEADER_FENCE = re.compile(r"^#\s*---\s*$")
CODING = re.compile(r"^[ \t\f]*#.*?coding[:=]")
FORMAT = {"extension": ".py", "format_name": "percent"}
PRIVATE_JUPYTEXT = "audits._jupytext"  # where _load_percent_reader puts jupytext's reader modules
NBBASE = "nbformat.v4.nbbase"
PAD_LIMIT = 5000  # below this line, a cell is parsed after blank lines (see _compile)
AUTOTEST = "AUTOTEST"  # nbgrader's InstantiateTests delimiter (its default autotest_delimiter)
_READER = None  # the reader class, loaded on first parse


def read_source(path: Path) -> str:
    """The file's text, or an InputError naming the file and the problem."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a module source") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})") from None
    return text[1:] if text.startswith("\ufeff") else text  # a BOM is not part of line 1


def _header_end(lines: list[str]) -> int:
    """Last line of the jupytext `# ---` header block, or 0 (jupytext's rules).

    An optional shebang and coding line may come first; every header line is a
    comment; the block ends at the second `# ---`.
    """
    first = 0
    while first < min(2, len(lines)) and (lines[first].startswith("#!") or CODING.match(lines[first])):
        first += 1
    if first >= len(lines) or not HEADER_FENCE.match(lines[first]):
        return 0
    for number in range(first + 2, len(lines) + 1):
        text = lines[number - 1]
        if not text.startswith("#"):
            return 0
        if HEADER_FENCE.match(text):
            return number
    return 0


def _unreadable(error: Exception) -> str:
    """Why JSON that is well-formed text still cannot be read (issue 14's fuzz classes 1 and 2)."""
    if isinstance(error, RecursionError):
        return "not JSON: nested too deeply"
    return "not JSON Python can read: a number has more digits than its limit"


def _nbgrader(marker: str) -> tuple[dict | None, str | None, str | None]:
    """(metadata, raw text, error) for the nbgrader part of a marker line.

    Accepts `nbgrader={...}` (the course's form) and jupytext's JSON form
    `# %% {"nbgrader": {...}}`. Text after the JSON object (another option, an
    `# audit: ignore[...]` comment) is allowed.
    """
    match = NBGRADER.search(marker)
    if not match:
        options = _marker_options(marker)
        if options.startswith("{") and '"nbgrader"' in options:
            try:
                value, _ = json.JSONDecoder().raw_decode(options)
            except json.JSONDecodeError:
                return None, None, None
            except (ValueError, RecursionError) as error:  # a number past Python's digit limit, absurd nesting
                return None, options, _unreadable(error)
            if isinstance(value, dict) and "nbgrader" in value:
                meta = value["nbgrader"]
                raw = json.dumps(meta)
                return (meta, raw, None) if isinstance(meta, dict) else (None, raw, "not a JSON object")
        return None, None, None
    raw = match.group(1).strip()
    if not raw:
        return None, raw, "empty: expected a JSON object after `nbgrader=`"
    try:
        value, end = json.JSONDecoder().raw_decode(raw)
    except json.JSONDecodeError as error:
        return None, raw, f"not JSON: {error.msg} at column {error.colno + match.start(1)}"
    except (ValueError, RecursionError) as error:
        return None, raw, _unreadable(error)
    if not isinstance(value, dict):
        return None, raw[:end], f"not a JSON object (found {type(value).__name__})"
    return value, raw[:end], None


def _marker_options(marker: str) -> str:
    """What follows `%%` on a marker line (stripped)."""
    at = marker.find("%%")
    return marker[at + 2 :].lstrip("%").strip() if at >= 0 else ""


def _directives(body: list[str]) -> tuple[str, ...]:
    """`#| name args` lines at the top of a cell body (blank lines allowed before them).

    nbdev also reads `# | name` (the form black and ruff reformat `#|` into)."""
    found = []
    for text in body:
        stripped = text.strip()
        if not stripped:
            continue
        match = DIRECTIVE.match(stripped)
        if not match:
            break
        found.append(stripped[match.end() :].strip())
    return tuple(found)


def is_autotest_line(line: str, comment: str = "#") -> bool:
    """Whether nbgrader's InstantiateTests replaces this line: a comment line holding the delimiter."""
    return AUTOTEST in line and line.strip()[: len(comment)] == comment


def autotest_snippets(line: str) -> list[str]:
    """The expressions of an AUTOTEST line, split as InstantiateTests splits them: after the delimiter,
    outer `;` stripped, split at `;`, each stripped, the first empty one dropped."""
    snippets = [snippet.strip() for snippet in line[line.find(AUTOTEST) + len(AUTOTEST) :].strip(";").split(";")]
    if "" in snippets:
        snippets.remove("")
    return snippets


def autotests(body: list[str]) -> list[str]:
    """The body with nbgrader's `### AUTOTEST a; b` lines (and `### HASHED AUTOTEST ...`) read as the
    checks nbgrader's InstantiateTests makes of them: `assert (a); assert (b)`, on the same line
    (the values they compare with exist only when the solution runs: audits/bite/autotest.py)."""
    if not any(AUTOTEST in line for line in body):
        return body
    lines = []
    for line in body:
        if is_autotest_line(line):
            checks = "; ".join(f"assert ({snippet})" for snippet in autotest_snippets(line) if snippet)
            line = line[: len(line) - len(line.lstrip())] + checks if checks else line
        lines.append(line)
    return lines


def _compile(body_start: int, body: list[str]) -> tuple[ast.Module | None, tuple | None]:
    """The cell's AST with file line numbers, or (None, (line, message, column, end column)): the
    columns of the error on that line (1-based characters, end exclusive, as SyntaxError gives
    them for text), None when the error is not on a line of the body as written.

    nbgrader's AUTOTEST lines are read as the assertions they stand for (`autotests`).
    Blank lines in front of the body put every node at its line in the file
    (cheaper than parsing at line 1 and shifting each node afterwards). Far
    down a file (thousands of cells) the padding itself would cost more than
    the cell, so there the nodes are shifted instead.
    """
    body = autotests(body)
    shift = body_start - 1 if body_start > PAD_LIMIT else 0
    try:
        tree = ast.parse("\n" * (body_start - 1 - shift) + "\n".join(body))
    except SyntaxError as error:
        line = min(max((error.lineno or 1) + shift, body_start), body_start + max(len(body) - 1, 0))
        columns = None
        if error.lineno is not None and error.lineno + shift == line and error.offset:
            text = body[line - body_start] if 0 <= line - body_start < len(body) else ""
            column = min(max(error.offset, 1), len(text) + 1)
            same = error.end_lineno == error.lineno and error.end_offset and error.end_offset > error.offset
            columns = (column, min(error.end_offset, len(text) + 1) if same else min(column + 1, len(text) + 1))
        return None, (line, error.msg or "invalid syntax", *(columns or (None, None)))
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes, absurd nesting
        return None, (body_start, f"cannot be parsed ({type(error).__name__}: {error})", None, None)
    return (ast.increment_lineno(tree, shift) if shift else tree), None


def _load_percent_reader():
    """jupytext's percent-format cell reader class, loaded without the rest of jupytext.

    `import jupytext` imports nbformat (and jsonschema, ~1 s) and runs
    `pandoc --version` in a child process at import; the cell reader needs
    neither. So we load the reader's own modules from the installed jupytext
    under a private package name, with nbformat's cell constructors (used only
    by `reader.read`, which we never call) stubbed while they load. If jupytext
    is already imported, or its layout ever changes, we use the normal import.
    """
    loaded = sys.modules.get("jupytext.cell_reader")
    if loaded is not None:
        return loaded.DoublePercentScriptCellReader
    try:
        spec = importlib.util.find_spec("jupytext")
        package = types.ModuleType(PRIVATE_JUPYTEXT)
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules[PRIVATE_JUPYTEXT] = package
        stub = None
        if NBBASE not in sys.modules:
            stub = sys.modules[NBBASE] = types.ModuleType(NBBASE)
            stub.new_code_cell = stub.new_markdown_cell = stub.new_raw_cell = None
        try:
            return importlib.import_module(PRIVATE_JUPYTEXT + ".cell_reader").DoublePercentScriptCellReader
        finally:
            if stub is not None:
                del sys.modules[NBBASE]
    except Exception:  # not where we expect it: the ordinary (slower) import
        for name in [name for name in sys.modules if name.startswith(PRIVATE_JUPYTEXT)]:
            del sys.modules[name]
        from jupytext.cell_reader import DoublePercentScriptCellReader

        return DoublePercentScriptCellReader


def _percent_reader_class():
    global _READER
    if _READER is None:
        _READER = _load_percent_reader()
    return _READER


def _split(lines: list[str], first: int) -> list[tuple[int, int, str]]:
    """(start index, next start index, kind) per cell, 0-based: jupytext's percent-format split.

    What jupytext's `DoublePercentScriptCellReader.find_cell_end` does, cell after cell,
    read in one pass over the file: a cell runs to the next marker line (`# %%`,
    `# In[1]:`, `# <codecell>`) that does not start inside a string (`_Quotes`), and
    a markdown or raw cell also goes on past a marker inside a fenced code block whose
    closing fence comes later in the file. Each cell's kind comes from its marker's
    options (`_cell_kind`). The reader itself, driven line by line, cost a tenth of a
    cold audit; tests/audits/test_audit_speed_split.py checks that the cells are jupytext's
    on every fixture and module source, and on generated texts.
    """
    spans: list[tuple[int, int, str]] = []
    if first >= len(lines):
        return spans
    start, kind = first, _cell_kind(lines[first])
    quotes = _Quotes()
    fences = _Fences(lines)
    fence = None  # the open fence of a markdown or raw cell: (character, length)
    for at in range(first, len(lines)):
        line = lines[at]
        if quotes.triple is not None:  # the line starts inside a string: no marker, no fence
            quotes.read(line)
            continue
        quotes.read(line)
        if kind != "code":
            if fence is not None:
                if ("```" in line or "~~~" in line) and _closes_fence(_uncomment(line), fence):
                    fence = None
                continue
            if "```" in line or "~~~" in line:
                opening = _opening_fence(_uncomment(line))
                if opening is not None and fences.closed_after(at, opening):
                    fence = opening
                    continue
        if at > start and "#" in line and (START_CODE.match(line) or OTHER_START.match(line)):
            spans.append((start, at, kind))
            start, kind = at, _cell_kind(line)  # a marker line opens no string and no fence
    spans.append((start, len(lines), kind))
    return spans


# jupytext's percent-format patterns for Python (its reader's start_code_re and
# alternative_start_code_re, and cell_reader._CODE_FENCE).
START_CODE = re.compile(r"^\s*\#\s*%%(%*)\s(.*)$")
OTHER_START = re.compile(r"^\s*\#\s*(%%|<codecell>|In\[[0-9 ]*\]:?)\s*$")
CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
CELL_TYPES = (("markdown", "markdown"), ("raw", "raw"), ("md", "markdown"))  # `[markdown]` in a marker's title, in jupytext's order


def _uncomment(line: str) -> str:
    """The line without its comment mark: "# " or "#" (jupytext's `uncomment`)."""
    return line[2:] if line.startswith("# ") else line[1:] if line.startswith("#") else line


def _opening_fence(text: str) -> tuple[str, int] | None:
    """(character, length) when the text opens a fenced code block (jupytext's `_opening_fence`)."""
    match = CODE_FENCE.match(text)
    if not match or (match.group(1)[0] == "`" and "`" in match.group(2)):
        return None
    return match.group(1)[0], len(match.group(1))


def _closes_fence(text: str, fence: tuple[str, int]) -> bool:
    """Does the text close the fence: same character, at least as long, nothing after it (jupytext's `_closes_fence`)."""
    match = CODE_FENCE.match(text)
    return bool(match) and match.group(1)[0] == fence[0] and len(match.group(1)) >= fence[1] and not match.group(2).strip()


class _Fences:
    """Where the fences of a file close: an opening fence counts only when a later line closes it
    (jupytext looks at every line below). One scan of the file per kind of fence, not one per opening."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.last: dict[tuple[str, int], int] = {}  # fence -> the last line that closes it (-1: none)

    def closed_after(self, at: int, fence: tuple[str, int]) -> bool:
        if fence not in self.last:
            self.last[fence] = -1
            for number in range(len(self.lines) - 1, -1, -1):
                line = self.lines[number]
                if ("```" in line or "~~~" in line) and _closes_fence(_uncomment(line), fence):
                    self.last[fence] = number
                    break
        return self.last[fence] > at


class _Quotes:
    """Whether a line starts inside a string, read as jupytext's `StringParser` reads Python:
    a quote after a backslash is escaped, `#` outside a string ends the line, a string in single
    quotes ends with its line, and a comment line changes nothing. Only the quote and `#`
    characters of a line are looked at (jupytext visits every character, to the same effect)."""

    SPECIAL = re.compile(r"[\"'#]")

    def __init__(self):
        self.triple: str | None = None  # the quote character of the triple-quoted string a line starts in

    def read(self, line: str) -> None:
        triple = self.triple
        if triple is None:
            if ('"' not in line and "'" not in line) or line.lstrip().startswith("#"):
                return
        elif 3 * triple not in line:
            return
        single = None
        triple_start = -1
        for match in self.SPECIAL.finditer(line):
            at = match.start()
            char = line[at]
            if char == "#":
                if single is None and triple is None:
                    break
                continue
            if line[at - 1 : at] == "\\":
                continue
            if single == char:
                single = None
                continue
            if single is not None:
                continue
            if line[at - 2 : at + 1] == 3 * char and at >= triple_start + 3:
                if triple == char:
                    triple, triple_start = None, at
                    continue
                if triple is not None:
                    continue
                triple, triple_start = char, at
                continue
            if triple is not None:
                continue
            single = char
        self.triple = triple


def _cell_kind(line: str) -> str:
    """"code", "markdown" or "raw": the kind of the cell whose first line this is, as jupytext reads
    its marker's options. The options the course writes (none, `[markdown]`, a title,
    `nbgrader={...}`) are read here (`_plain_kind`); any other is read by jupytext itself
    (`_jupytext_kind`), so every option line gets jupytext's answer."""
    if not START_CODE.match(line):
        return "code"  # no options (`# %%`, `# In[1]:`, or the text before the first marker)
    options = _uncomment(line)
    options = options[options.find("%%") + 2 :]
    kind = _plain_kind(options)
    return kind if kind is not None else _jupytext_kind(line)


def _plain_kind(options: str) -> str | None:
    """The cell kind of marker options whose reading is simple: a title (`[markdown]`, words) with
    at most one `nbgrader=<JSON object>` after it. None for any other options: attributes
    (`.class`), other keys (`tags=`, `active=`, `cell_type=`...), JSON metadata, a value jupytext
    would read as Python: their reading (and its errors) is left to jupytext.

    This follows jupytext's `text_to_metadata(options, allow_title=True)` step by step for these
    forms: the title is the words before the key, and the metadata ({} or {"nbgrader": ...})
    holds nothing that makes the cell inactive, so the title alone gives the kind."""
    text = options.strip()
    if "{" not in text and "=" not in text:
        words = text.split(" ")
        if words[-1].startswith("."):
            return None
        title = text
    else:
        equal, curly = text.find("="), text.find("{")
        if text.count("=") != 1 or curly < equal or not text.endswith("}"):
            return None
        words = text[:equal].split(" ")
        while words and not words[-1]:
            words.pop()
        if not words or words.pop() != "nbgrader":
            return None
        while words and not words[-1].strip():
            words.pop()
        if words and words[-1].startswith("."):
            return None
        try:
            json.loads(text[equal + 1 :].strip())
        except Exception:  # noqa: BLE001 - jupytext would try Python's literals next: its reading decides
            return None
        title = " ".join(words)
    for name, kind in CELL_TYPES:
        if f"[{name}]" in title:
            return kind
    return "code"


def _jupytext_kind(line: str) -> str:
    """The kind jupytext's percent reader gives the cell this marker line starts (its options
    parsed by jupytext: `_load_percent_reader`). Options jupytext trips on start a code cell."""
    reader = _percent_reader_class()(FORMAT, "python")
    try:
        reader.metadata_and_language_from_option_line(line)
        reader.find_cell_end([line])  # sets the cell type from the options
    except Exception:  # noqa: BLE001 - jupytext raises on a few malformed option lines: a code cell, whose nbgrader text the rules report
        return "code"
    return reader.cell_type if reader.cell_type in ("markdown", "raw") else "code"


def normalize_newlines(text: str) -> str:
    """The text with every line ending as "\n" (what ModuleSource.text holds)."""
    if "\r" not in text:  # the usual case: one scan instead of two
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def source_lines(text: str) -> list[str]:
    """The lines of a text without their endings: lines[0] is line 1 (what ModuleSource.lines holds)."""
    lines = normalize_newlines(text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline does not start a line
    return lines


def line_count(text: str) -> int:
    """len(source_lines(text)), without making the lines (the table of a cached run needs only the count)."""
    text = normalize_newlines(text)
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def parse_text(text: str, path: Path | str = "<source>", ref: ModuleRef | None = None) -> ModuleSource:
    """Parse module source text into a ModuleSource. Never raises on any text."""
    text = normalize_newlines(text)
    lines = source_lines(text)
    header_end = _header_end(lines)
    spans = _split(lines, header_end)

    cells: list[Cell] = []
    for start_index, next_index, kind in spans:
        start = start_index + 1  # 1-based line of the marker (or first line)
        first_line = lines[start_index]
        has_marker = bool(MARKER.match(first_line))
        if has_marker:
            body_start = start + 1
        else:
            # Text before the first marker: starts at its first non-blank line.
            while start_index < next_index and not lines[start_index].strip():
                start_index += 1
            if start_index == next_index:
                continue  # only blank lines between the header and the first cell
            start = body_start = start_index + 1
        end = next_index  # 1-based number of the last line before the next cell
        while end >= body_start and not lines[end - 1].strip():
            end -= 1  # trailing blank lines belong to no cell
        body = lines[body_start - 1 : end] if end >= body_start else []
        cell = Cell(
            index=len(cells),
            kind=kind if kind in ("code", "markdown", "raw") else "code",
            start=start,
            end=max(end, start),
            body_start=body_start,
            marker=first_line if has_marker else "",
            source="\n".join(body),
        )
        if has_marker:
            cell.nbgrader, cell.nbgrader_text, cell.nbgrader_error = _nbgrader(first_line)
        if cell.kind == "code":
            cell.directives = _directives(body)
            cell.tree, cell.syntax_error = _compile(body_start, body)
        cells.append(cell)
    return ModuleSource(Path(path), text, lines, cells, ref, header_end)


def parse_source(text: str, path: Path | str, ref: ModuleRef | None = None) -> ModuleSource:
    """Parse a file's text by its kind: a notebook (`.ipynb`, see audits.notebook) or a percent-format script."""
    if Path(path).suffix == ".ipynb":
        from audits.notebook import parse_notebook  # nbformat is imported only for notebooks

        return parse_notebook(text, path, ref)
    return parse_text(text, path, ref)


def reparse(module: ModuleSource, text: str) -> ModuleSource:
    """`module` with its text replaced by `text` (a fixed version), parsed as `module` was (a notebook's text is its rendering)."""
    if module.notebook is not None:
        from audits.notebook import parse_rendering

        return parse_rendering(text, module)
    return parse_text(text, module.path, module.ref)


def parse_file(path: Path | str, ref: ModuleRef | None = None) -> ModuleSource:
    """Read and parse one file (percent script or notebook); InputError when it is missing, unreadable, not UTF-8 or not a notebook."""
    return parse_source(read_source(Path(path)), path, ref)


def parse_module(ref: ModuleRef) -> ModuleSource:
    return parse_file(ref.path, ref)
