"""The data every stage of the harness hands to the next: discover -> parse -> check -> report.

Nothing here reads files or runs code; these are plain records.
"""

from __future__ import annotations

import ast
import bisect
import enum
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from audits.conventions import DEFAULT as DEFAULT_CONVENTIONS
from audits.conventions import Conventions


# The rules reference, generated from the registry (`python -m audits.rules --markdown`), relative to the
# repository root: one `## CODE` section per rule, the anchor of each rule's help_uri.
RULES_DOC = "audits/RULES.md"


class InputError(Exception):
    """Bad input from the user (missing module, unreadable file, non-UTF-8 source...).

    Command-line entry points print its message as one line and exit with code 2.
    """


class Severity(enum.IntEnum):
    """How much a finding matters. Critical and high findings block export."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def blocks_export(self) -> bool:
        return self >= Severity.HIGH

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise InputError(f"unknown severity {text!r} (use critical, high, medium or low)") from None


@dataclass(frozen=True)
class ModuleRef:
    """A module source found on disk by discovery.

    Unnumbered folders (`modules/tensor/`, nbgrader's `source/ps1/`) get their position
    in the course as `number`: from `[tool.audits] modules = [...]` (ordered), else
    alphabetical with `ordered=False`, and then nothing may rely on the order.
    """

    number: int  # 16
    folder: str  # "16_compression"
    name: str  # "compression"
    path: Path  # .../modules/16_compression/compression.py
    root: Path  # the checkout it was found in
    key: str = ""  # unique in the checkout: the folder, or "folder/stem" when a folder holds several sources
    ordered: bool = True  # False when the course gives no order (unnumbered folders without a configured list)

    def __post_init__(self):
        if not self.key:
            object.__setattr__(self, "key", self.folder)


@dataclass
class Cell:
    """One jupytext percent-format cell with its exact place in the file.

    Line numbers are 1-based and refer to the source file. `start` is the `# %%`
    marker line (or the first line of a cell that has no marker); `end` is the last
    line of the cell, inclusive; `body_start` is the first line after the marker.
    For a notebook the lines are those of its percent rendering (audits.notebook),
    `index` is the cell's index in the notebook and `id` its nbformat cell id.
    """

    index: int
    kind: str  # "code" or "markdown"
    start: int
    end: int
    body_start: int
    marker: str  # the marker line as written ("" when the cell has none)
    source: str  # the body lines as written in the file
    nbgrader: Optional[dict] = None  # parsed nbgrader metadata, when present and valid JSON
    nbgrader_text: Optional[str] = None  # the raw `{...}` after `nbgrader=`, when present
    nbgrader_error: Optional[str] = None  # why nbgrader_text is not a JSON object
    directives: tuple[str, ...] = ()  # `#| ...` directives from the first lines, e.g. ("export",)
    tree: Optional[ast.Module] = None  # AST of a code cell, line numbers already file-relative
    syntax_error: Optional[tuple] = None  # (line, message, column, end column) when the code does not parse (columns None when unknown)
    id: Optional[str] = None  # the notebook cell's id (notebook sources with nbformat >= 4.5 only)

    @property
    def is_code(self) -> bool:
        return self.kind == "code"

    @property
    def exported(self) -> bool:
        return "export" in self.directives

    def lines(self) -> list[tuple[int, str]]:
        """(line number, text) for each body line. Made once per source (a dozen rules read them):
        the list is shared, callers read it and never change it."""
        cached = self.__dict__.get("_lines")
        if cached is None or cached[0] is not self.source or cached[1] != self.body_start:
            cached = self.__dict__["_lines"] = (self.source, self.body_start, list(enumerate(self.source.splitlines(), start=self.body_start)))
        return cached[2]


class NumberedLines:
    """Line access by 1-based number, for records holding a file's `lines`."""

    lines: list[str]

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""

    def excerpt(self, first: int, last: int | None = None) -> str:
        """Lines first..last (inclusive) as written, for a Finding's excerpt."""
        last = first if last is None else max(last, first)
        return "\n".join(self.line(n) for n in range(first, last + 1))


PYTHON_LANGUAGES = frozenset({"python", "python2", "python3", "ipython", "ipython2", "ipython3"})


def is_python(language: str) -> bool:
    """Whether code in `language` (a notebook's kernel language) is Python, which the audit parses and bite runs."""
    return language.lower() in PYTHON_LANGUAGES


@dataclass
class ModuleSource(NumberedLines):
    """A parsed module source: the input of every rule."""

    path: Path
    text: str
    lines: list[str]  # the file's lines without line endings; lines[0] is line 1
    cells: list[Cell]
    ref: Optional[ModuleRef] = None  # None for a file audited outside a checkout
    header_end: int = 0  # last line of the jupytext header block (0 when there is none)
    profile: str = "tinytorch"  # the course's conventions: "tinytorch" (ours) or "nbgrader" (course-agnostic rules only)
    notebook: Optional[Any] = None  # for an .ipynb source, its audits.notebook.NotebookFile (then `lines` are its percent rendering)
    conventions: Conventions = DEFAULT_CONVENTIONS  # the course's package, layout, names and nbgrader delimiters (set by the index and the auditor)

    @property
    def number(self) -> Optional[int]:
        """The module's place in the course; None outside a checkout or when the course gives no order."""
        return self.ref.number if self.ref and self.ref.ordered else None

    @property
    def export_target(self) -> Optional[str]:
        """The dotted target of `#| default_exp`, e.g. "perf.compression"."""
        for cell in self.cells:
            for directive in cell.directives:
                if directive.startswith("default_exp "):
                    return directive.split(None, 1)[1].strip()
        return None

    def code_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.is_code]

    @property
    def language(self) -> str:
        """The language of its code: a notebook's as its metadata names it (audits.notebook.kernel_language),
        "python" for a percent script. Code in another language is not parsed: its cells' trees are empty."""
        return self.notebook.language if self.notebook is not None else "python"

    @property
    def python(self) -> bool:
        """Its code is Python: parsed, checked by every rule, and runnable by bite."""
        return is_python(self.language)

    @property
    def file_text(self) -> str:
        """The file's text as read (line endings normalized): a notebook's JSON, else `text` itself."""
        return self.notebook.raw if self.notebook is not None else self.text

    def cell_at(self, line: int) -> Optional[Cell]:
        """The cell whose span (marker line to last line) contains `line`, if any.

        A binary search over the cells' first lines (cells are in file order):
        rules and reports ask once per finding, and a file may hold thousands of cells.
        """
        starts = self.__dict__.get("_cell_starts")
        if starts is None or len(starts) != len(self.cells):
            starts = self.__dict__["_cell_starts"] = [cell.start for cell in self.cells]
        at = bisect.bisect_right(starts, line) - 1
        if at >= 0 and self.cells[at].start <= line <= self.cells[at].end:
            return self.cells[at]
        return None

    @property
    def display_path(self) -> str:
        """The path to show users: relative to the checkout root when the module has one.
        Kept for the path and root it was made from: every finding asks, and resolving costs system calls."""
        key = (self.path, self.ref.root if self.ref else None)
        cached = self.__dict__.get("_display_path")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_display_path"] = (key, display_path(*key))
        return cached[1]


def display_path(path: Path, root: Optional[Path], resolved: bool = False) -> str:
    """`path` relative to `root` (posix form) when it lies inside it, else as given (`resolved`: the
    caller resolved `root` already)."""
    path = Path(path)
    if root is not None:
        try:
            return path.resolve().relative_to(root if resolved else Path(root).resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return path.as_posix()


@dataclass(frozen=True)
class Edit:
    """Replace lines `start`..`end` (1-based, inclusive) of the audited file with `text`.

    An insertion before line `start` has `end == start - 1`. `text` holds whole
    lines joined by "\n" (no final newline); "" deletes the lines.
    """

    start: int
    end: int
    text: str


class Safety(str, enum.Enum):
    """How far a fix can be trusted: `--fix` applies safe fixes; unsafe ones are only proposed."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Fix:
    """The edits a rule proposes for its own finding, with what they do and how safe they are.

    `safety` has no default: every rule says whether `--fix` may apply its edits (SAFE) or only
    propose them (UNSAFE), as ruff's fixes declare their applicability."""

    description: str  # one sentence: what applying the edits does
    edits: tuple[Edit, ...]
    safety: Safety


@dataclass(frozen=True)
class Finding:
    """One violation of one rule, at one place of one file, or at several places of one cell.

    The place is a range: `line`, `column` (1-based, in characters) to `end_line`, `end_column`
    (the column just past the last character, as SARIF counts), taken from the AST node or the
    text the finding is about. 0 in `end_line`/`end_column` means "not given": `span` then
    falls back to the excerpt's lines (whole lines).

    Findings of one rule in one cell are folded into the first of them (`audits.check.fold`):
    the others are kept whole in `folded`, each with its own line, columns, excerpt, message
    and fix, so suppression and `--fix` still work place by place (`parts`), while reports,
    counts and the score see one finding with its lines listed (`lines`).
    """

    code: str
    severity: Severity
    path: str  # as given to the user, relative to the audited root when possible
    line: int
    message: str  # one sentence: what is wrong here
    excerpt: str = ""  # the offending source line(s), as written
    suggestion: str = ""  # the required change, as code or one sentence
    category: str = ""  # the rule's report section (Rule.category), filled in by the rules
    column: int = 1  # 1-based column of the offending node (1 when the finding is about a whole line)
    fix: Optional[Fix] = None  # the rule's own edits, when the change is mechanical
    impact: tuple[str, ...] = ()  # where the flagged thing is used, e.g. "tests/16_compression/test_x.py:12 builds Sequential(...)"
    end_line: int = 0  # last line of the offending range (0: the excerpt's last line)
    end_column: int = 0  # 1-based column just past the range on end_line (0: the end of that line)
    folded: tuple["Finding", ...] = ()  # the other findings of this rule in this cell, in line order

    @property
    def span(self) -> tuple[int, int, int, int]:
        """(line, column, end line, end column): the range as given, else the excerpt's whole lines."""
        lines = self.excerpt.split("\n") if self.excerpt else [""]
        end_line = self.end_line or self.line + len(lines) - 1
        end_column = self.end_column or (len(lines[-1].rstrip()) + 1 if end_line == self.line + len(lines) - 1 else 1)
        column = max(1, self.column)
        if end_line < self.line or (end_line == self.line and end_column < column):
            end_line, end_column = self.line, column
        return self.line, column, end_line, end_column

    @property
    def parts(self) -> tuple["Finding", ...]:
        """This finding and the ones folded into it, each alone (what suppressions and `--fix` act on)."""
        if not self.folded:
            return (self,)
        return (replace(self, folded=()), *(replace(part, severity=self.severity, folded=()) for part in self.folded))

    @property
    def lines(self) -> tuple[int, ...]:
        """Every line this finding is about: its own, then the folded ones'."""
        return (self.line, *(part.line for part in self.folded))


def unfold(findings: Iterable[Finding]) -> list[Finding]:
    """Every place of every finding, one Finding each (folded findings opened up)."""
    return [part for finding in findings for part in finding.parts]


@dataclass(frozen=True)
class Rule:
    """A check with its documentation. `check` is a pure function of the parsed module.

    `check(module, index)` yields Findings; `index` is the RepoIndex for cross-module
    rules (None when a single file is audited outside a checkout).
    """

    code: str
    name: str
    severity: Severity
    category: str  # report section, e.g. "Test isolation", "NBGrader metadata"
    doc: str  # one paragraph: what, why, example, fix
    check: Callable[..., Iterable[Finding]]
    examples: dict = field(default_factory=dict)  # optional {"bad": "...", "good": "..."} fixtures
    effort_minutes: int = 10  # typical time for an author to fix one finding, for the review's effort estimate
    profiles: tuple[str, ...] = ("tinytorch", "nbgrader")  # course profiles the rule applies to (house rules: ("tinytorch",))
    any_language: bool = False  # reads only metadata, markers, prose and layout: holds for a notebook in R or Julia too (the others read Python)

    @property
    def help_uri(self) -> str:
        """Where its documentation is: "audits/RULES.md#nb006", relative to the repository root (SARIF's helpUri)."""
        return f"{RULES_DOC}#{self.code.lower()}"
