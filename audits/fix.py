"""Mechanical fixes, applied in place by `python -m audits.module NN --fix`.

What is mechanical (and nothing else is touched):

- TI001, an unguarded test/demo/analysis call at module level: the statement is
  indented under `if __name__ == "__main__":`. Consecutive calls share one guard,
  and a call right after an existing guard (only blank or comment lines between)
  joins that guard with the guard's own indentation. Only the statement's lines
  change, plus one inserted guard line when a new guard is needed.
- NB001, a code cell whose `# %%` marker has no nbgrader metadata: the complete v3
  metadata NB001 suggests (`audits.rules.nbgrader.complete_metadata`) is appended
  to the marker line: a cell that defines `test_*` is graded and locked with
  points, a cell with solution markers is a solution cell, anything else is a
  plain unlocked cell.
- NB003, metadata missing required keys: the missing keys are added (inferred the
  same way); existing keys keep their values.
- generated grade_ids are kept unique across the cells fixed in one run.

Safety: the fixer works on the findings the audit reported (so suppressions and
configuration apply), re-parses every cell it changed and drops its edits if the
cell would no longer compile, never rewrites a statement that contains a
multi-line string or shares a line with another statement, writes atomically and
preserves line endings and file mode. A fixed file yields no further edits, so
running it twice changes nothing the second time. Whatever it cannot do is
returned as "needs a human" with the reason.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from audits.astutil import is_main_guard
from audits.files import write_atomically
from audits.model import Cell, Finding, InputError, ModuleSource
from audits.rules._base import MAIN_GUARD as GUARD
from audits.rules.nbgrader import complete_metadata, with_missing_keys

INDENT = "    "
FIXABLE = ("TI001", "NB001", "NB003")


@dataclass
class FixResult:
    """What the fixer did to one source: the new text, and every finding fixed or left for a person."""

    text: str
    fixed: list[tuple[Finding, str]] = field(default_factory=list)
    needs_human: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


class _Edits:
    """Line replacements on the original line numbering: {line: [new lines with endings]}."""

    def __init__(self, raw_lines: list[str]):
        self.raw = raw_lines
        self.replace: dict[int, list[str]] = {}

    def ending(self, number: int) -> str:
        text = self.raw[number - 1]
        stripped = text.rstrip("\r\n")
        return text[len(stripped):] or "\n"

    def body(self, number: int) -> str:
        return self.raw[number - 1].rstrip("\r\n")

    def current(self, number: int) -> list[str]:
        return self.replace.get(number, [self.raw[number - 1]])

    def apply(self) -> str:
        out = []
        for number, text in enumerate(self.raw, start=1):
            out.extend(self.replace.get(number, [text]))
        return "".join(out)


# --------------------------------------------------------------------------- TI001


def _multiline_string(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(child, "value", ""), (str, bytes, list)):
            if child.end_lineno is not None and child.end_lineno > child.lineno:
                return True
    return False


def _guard_calls(cell: Cell, findings: list[Finding], edits: _Edits, result: FixResult) -> None:
    """Wrap the top-level statements holding the TI001 findings of one cell in `__main__` guards."""
    if cell.tree is None:
        for finding in findings:
            result.needs_human.append((finding, "the cell does not parse; fix its syntax first"))
        return
    body = cell.tree.body
    targets: dict[int, list[Finding]] = {}  # statement index -> findings
    for finding in findings:
        index = next((i for i, s in enumerate(body) if s.lineno <= finding.line <= s.end_lineno), None)
        if index is None:
            result.needs_human.append((finding, "no module-level statement at this line"))
            continue
        node = body[index]
        reason = None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
            reason = "the call is part of a definition or import; move it out by hand"
        elif is_main_guard(node):
            reason = "already under a __main__ guard"
        elif (index > 0 and body[index - 1].end_lineno == node.lineno) or (
            index + 1 < len(body) and body[index + 1].lineno == node.end_lineno
        ):
            reason = "shares a line with another statement (`;`); split it first"
        elif _multiline_string(node):
            reason = "contains a multi-line string that indenting would change"
        elif node.col_offset != 0:
            reason = "the statement is not at column 0"
        if reason:
            result.needs_human.append((finding, reason))
        else:
            targets.setdefault(index, []).append(finding)
    if not targets:
        return

    saved = {n: list(edits.current(n)) for n in range(cell.start, cell.end + 1)}
    done: list[tuple[Finding, str]] = []
    indices = sorted(targets)
    groups: list[list[int]] = []
    for index in indices:
        if groups and groups[-1][-1] == index - 1:
            groups[-1].append(index)
        else:
            groups.append([index])
    for group in groups:
        first = body[group[0]]
        previous = body[group[0] - 1] if group[0] > 0 else None
        if previous is not None and is_main_guard(previous) and not previous.orelse:
            guard_line = edits.body(previous.body[0].lineno)
            indent = guard_line[: len(guard_line) - len(guard_line.lstrip())] or INDENT
            how = f"moved under the __main__ guard at line {previous.lineno}"
        else:
            indent = INDENT
            edits.replace[first.lineno] = [GUARD + edits.ending(first.lineno)] + edits.current(first.lineno)
            how = "wrapped in a new __main__ guard"
        for index in group:
            node = body[index]
            for number in range(node.lineno, node.end_lineno + 1):
                lines = edits.current(number)
                text = lines[-1]
                stripped = text.rstrip("\r\n")
                if stripped.strip():
                    lines[-1] = indent + text
                edits.replace[number] = lines
            done.extend((finding, how) for finding in targets[index])

    # Safety net: the edited cell must still compile, else drop this cell's edits.
    new_body = "".join("".join(edits.current(n)) for n in range(cell.body_start, cell.end + 1))
    try:
        ast.parse(new_body)
    except (SyntaxError, ValueError):
        for number, lines in saved.items():
            if lines == [edits.raw[number - 1]]:
                edits.replace.pop(number, None)
            else:
                edits.replace[number] = lines
        result.needs_human.extend((f, "guarding it would not compile; guard it by hand") for f, _ in done)
        return
    result.fixed.extend(done)


# --------------------------------------------------------------------------- NB001 / NB003


def _metadata_text(metadata: dict) -> str:
    return json.dumps(metadata, sort_keys=True, ensure_ascii=False)


def _complete_metadata(cell: Cell, module: ModuleSource, findings: list[Finding], edits: _Edits, taken: set[str], result: FixResult) -> None:
    line = cell.start
    if not cell.marker or not cell.is_code:
        for finding in findings:
            result.needs_human.append((finding, "the cell has no `# %%` marker line to carry metadata"))
        return
    marker = edits.body(line)
    ending = edits.ending(line)
    if cell.nbgrader is None and cell.nbgrader_text is None:
        metadata = complete_metadata(module, cell, taken)  # exactly what NB001 suggested
        taken.add(metadata["grade_id"])
        new = marker.rstrip() + " nbgrader=" + _metadata_text(metadata) + ending
        edits.replace[line] = [new]
        result.fixed.extend((f, f"added complete nbgrader metadata (grade_id {metadata['grade_id']!r})") for f in findings)
        return
    if cell.nbgrader is None:
        for finding in findings:
            result.needs_human.append((finding, f"the metadata is not valid JSON ({cell.nbgrader_error}); fix it by hand"))
        return
    existing = cell.nbgrader
    merged = with_missing_keys(module, cell, taken)
    added = [key for key in merged if key not in existing]
    taken.add(merged["grade_id"])
    if not added:
        for finding in findings:
            result.needs_human.append((finding, "no required key is missing; an existing value is wrong and only a person may change it"))
        return
    start = marker.find(cell.nbgrader_text)
    if start < 0:
        for finding in findings:
            result.needs_human.append((finding, "could not locate the metadata text on the marker line"))
        return
    new = marker[:start] + _metadata_text(merged) + marker[start + len(cell.nbgrader_text):] + ending
    edits.replace[line] = [new]
    result.fixed.extend((f, "added missing key(s) " + ", ".join(sorted(added))) for f in findings)


# --------------------------------------------------------------------------- driver


LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def raw_lines(text: str) -> list[str]:
    """The lines of `text` with their own endings (\n, \r\n or \r), numbered like the parser numbers them."""
    return LINE.findall(text)


def fix_source(module: ModuleSource, findings: Iterable[Finding], raw_text: Optional[str] = None) -> FixResult:
    """The fixed text for the given findings (pure: nothing is written).

    `raw_text` is the file as read, line endings included (the parser normalizes
    them to \n); every line the fixes do not touch keeps its exact bytes.
    """
    raw_text = module.text if raw_text is None else raw_text
    edits = _Edits(raw_lines(raw_text))
    if len(edits.raw) != len(module.lines):
        raise ValueError("raw text and parsed module disagree on the number of lines")
    result = FixResult(raw_text)
    by_cell: dict[int, dict[str, list[Finding]]] = {}
    for finding in findings:
        if finding.code not in FIXABLE:
            continue
        cell = module.cell_at(finding.line)
        if cell is None:
            result.needs_human.append((finding, "the line is outside every cell"))
            continue
        by_cell.setdefault(cell.index, {}).setdefault(finding.code, []).append(finding)

    taken = {
        cell.nbgrader["grade_id"]
        for cell in module.cells
        if isinstance(cell.nbgrader, dict) and isinstance(cell.nbgrader.get("grade_id"), str)
    }
    for index in sorted(by_cell):
        cell = module.cells[index]
        codes = by_cell[index]
        metadata_findings = codes.get("NB001", []) + codes.get("NB003", [])
        if metadata_findings:
            _complete_metadata(cell, module, metadata_findings, edits, taken, result)
        if codes.get("TI001"):
            _guard_calls(cell, codes["TI001"], edits, result)
    result.text = edits.apply()
    if result.text == raw_text:
        result.fixed.clear()  # nothing actually changed
    return result


def fix_file(module: ModuleSource, findings: Iterable[Finding]) -> FixResult:
    """Apply the mechanical fixes to the module's file in place (only when something changes)."""
    from audits.parse import read_source

    raw = read_source(module.path)
    if raw.replace("\r\n", "\n").replace("\r", "\n") != module.text:
        raise InputError(f"{module.path}: changed on disk while it was audited; run again")
    result = fix_source(module, findings, raw)
    if result.text != raw:
        write_atomically(module.path, result.text)
    return result
