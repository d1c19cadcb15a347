"""SUP001 / SUP002: suppression comments that name an unknown rule or silence nothing.

Like ruff's unused-noqa: a `# audit: ignore[...]` comment is a promise that a
finding sits on that line. A typo (`TI01`) silences nothing and hides that the
real finding is still reported; a leftover code (the call was guarded since)
would silently swallow the next real finding on that line.

These rules need the other rules' findings, so `audits.check` applies them after
every other rule has run (`hygiene` below); their `check` yields nothing on its own.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Iterable, Iterator

from audits.model import Edit, Finding, Fix, Rule, Safety, Severity

SUPPRESS = re.compile(r"#\s*audit:\s*ignore\[([A-Za-z0-9_,\s]+)\]")

UNKNOWN_DOC = """\
What it does: finds `# audit: ignore[...]` comments naming a code no rule has.
Why it matters: such a comment silences nothing, so the finding it was meant for is still
reported and the comment misleads the next reader.
Example: `# audit: ignore[TI01]`, `# audit: ignore[DOC001]`.
How to fix: write the code the finding reports (`python -m audits.rules` lists them; the
suggestion names the closest one), or delete the comment."""

UNUSED_DOC = """\
What it does: finds `# audit: ignore[CODE]` comments naming a rule that reports nothing on that
line (or, on a `# %%` marker, in that cell).
Why it matters: the problem was fixed, or the comment sits on the wrong line; a stale
suppression would silently swallow the next real finding there.
Example: `x = 1  # audit: ignore[TI001]` on a line that calls no test.
How to fix: delete the code from the comment (`--fix` does it), or move the comment to the
line the finding names."""


@dataclass(frozen=True)
class Suppression:
    """One `# audit: ignore[...]` comment: where it is and the codes it names, as written."""

    path: str
    line: int
    column: int  # 1-based column of the `#`
    codes: tuple[str, ...]
    text: str  # the whole line, for excerpts and edits


def _comments(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, 1-based column, comment) of every real comment; a string that mentions the syntax is not one."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.start[1] + 1, token.string
    except (tokenize.TokenError, SyntaxError):  # unparsable file: every line that looks like a comment counts
        for number, line in enumerate(text.splitlines(), start=1):
            at = line.find("#")
            if at >= 0:
                yield number, at + 1, line[at:]


def _tokens(lines: list[str], first: int):
    """The tokens of lines[first - 1:] read as a file of their own, or None when it does not tokenize."""
    chunk = iter([line + "\n" for line in lines])
    try:
        tokens = list(tokenize.generate_tokens(lambda: next(chunk, "")))
    except (tokenize.TokenError, SyntaxError):
        return None
    return [(token.type, token.start[0] + first - 1, token.start[1] + 1, token.string) for token in tokens]


def _cell_comments(module, wanted: set[int]):
    """(line, 1-based column, comment) of the comments on the `wanted` lines of a percent-format
    source, read cell by cell; None when the cells cannot show that it is what tokenizing the
    whole file gives (then the caller tokenizes the whole file).

    Tokenizing every line costs about a tenth of an audit, yet its answer is already known for
    most of them: a code cell that parses tokenizes without error, starts at column 0 and ends
    outside any string or bracket, as does each of its top-level statements. So only the lines
    around the code cells (markers, markdown and raw cells, the header) are tokenized, each run
    on its own, and then the statements that hold a wanted line. A run that fails, or indents (so the whole file could dedent where no
    block began), leaves the decision to the whole file; so do notebooks, unparsed cells,
    nbgrader's AUTOTEST lines (the parsed cell text is not the file's) and backslash
    continuations (where Python's parser and `tokenize` disagree about indentation).
    """
    if module.notebook is not None or "AUTOTEST" in module.text or "\\\n" in module.text or module.text.endswith("\\"):
        return None
    bodies = []  # (first, last) line of each code cell body, in file order
    for cell in module.cells:
        if cell.is_code:
            if cell.tree is None:
                return None
            if cell.end >= cell.body_start:
                bodies.append((cell.body_start, cell.end))
    found = []
    runs, line = [], 1  # the lines outside code cell bodies, as (first, last) runs
    for first, last in bodies + [(len(module.lines) + 1, len(module.lines))]:
        if line < first:
            runs.append((line, first - 1))
        line = last + 1
    for first, last in runs:
        if all(_comment_or_blank(line) for line in module.lines[first - 1 : last]):  # markdown cells, markers: no tokenizing
            for at in sorted(wanted):
                if first <= at <= last:
                    line = module.lines[at - 1]
                    found.append((at, line.index("#") + 1, line[line.index("#") :]))
            continue
        tokens = _tokens(module.lines[first - 1 : last], first)
        if tokens is None or any(kind == tokenize.INDENT for kind, _, _, _ in tokens):
            return None
        found += [(at, column, text) for kind, at, column, text in tokens if kind == tokenize.COMMENT and at in wanted]
    for cell in module.cells:
        if not cell.is_code or not any(cell.body_start <= at <= cell.end for at in wanted):
            continue
        for (first, last), lines in _statement_blocks(cell.tree, [at for at in wanted if cell.body_start <= at <= cell.end], module.lines).items():
            tokens = _tokens(module.lines[first - 1 : last], first)
            if tokens is None:
                return None
            found += [(at, column, text) for kind, at, column, text in tokens if kind == tokenize.COMMENT and at in lines]
    return sorted(found)


def _comment_or_blank(line: str) -> bool:
    """Is the line blank or a comment alone (spaces and tabs before it)? A run of such lines tokenizes
    as its comments, each from its `#` to the end of the line, whatever comes before or after it."""
    stripped = line.lstrip(" \t")
    return not stripped or stripped[0] == "#"


def _statement_blocks(tree, lines: list[int], text: list[str]) -> dict[tuple[int, int], list[int]]:
    """(first, last) lines to tokenize -> the wanted `lines` of a parsed cell read from them.

    For each line, the innermost statement holding it that begins its line (only spaces and tabs
    before it) and shares no line with another statement (those sharing a line are taken
    together, decorators included): it begins outside any string or bracket, so `tokenize`
    reads its lines as it reads them in the whole file (a comment inside a method of a long
    class no longer costs tokenizing the class). A top-level statement of the cell is always
    such a block; a line in no statement of the cell holds only a comment, read on its own.
    """
    blocks: dict[tuple[int, int], list[int]] = {}
    for line in lines:
        blocks.setdefault(_block(tree.body, line, text, top=True) or (line, line), []).append(line)
    return blocks


def _block(statements: list, line: int, text: list[str], top: bool = False):
    """The block (see `_statement_blocks`) of `line` among `statements` and the statements inside
    them, or None when no statement holds it or (below the top level) none that begins its line does."""
    for first, last, members in _groups(statements):
        if not first <= line <= last:
            continue
        if len(members) == 1:
            for body in _bodies(members[0]):
                inner = _block(body, line, text)
                if inner is not None:
                    return inner
        return (first, last) if top or _begins_line(members[0], first, text) else None
    return None


def _groups(statements: list) -> list[tuple[int, int, list]]:
    """(first, last, statements) of the runs of statements that share lines, decorators included."""
    groups: list[tuple[int, int, list]] = []
    for node in statements:
        first = min([node.lineno] + [decorator.lineno for decorator in getattr(node, "decorator_list", ())])
        last = node.end_lineno or node.lineno
        if groups and first <= groups[-1][1]:
            groups[-1] = (groups[-1][0], max(groups[-1][1], last), groups[-1][2] + [node])
        else:
            groups.append((first, last, [node]))
    return groups


def _bodies(node) -> list[list]:
    """The statement lists inside a compound statement (its body, else, finally, handlers and cases)."""
    found = []
    for _, value in ast.iter_fields(node):
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.stmt):
                    found.append(value)
                    break
                if isinstance(item, (ast.excepthandler, ast.match_case)):
                    found.append(item.body)
    return found


def _begins_line(node, first: int, text: list[str]) -> bool:
    """Does the statement (or its first decorator) begin line `first`, after spaces and tabs only?"""
    line = text[first - 1] if first <= len(text) else ""
    if getattr(node, "decorator_list", None) and first < node.lineno:
        return line.lstrip(" \t\f").startswith("@")
    return node.lineno == first and not line.encode("utf-8")[: node.col_offset].strip(b" \t\f")


def module_suppressions(module) -> list[Suppression]:
    """Every suppression comment of a parsed source (audits.model.ModuleSource): as `suppressions`,
    tokenizing only the cells that need it when its cells allow (see `_cell_comments`)."""
    if SUPPRESS.search(module.text) is None:
        return []
    wanted = {number for number, line in enumerate(module.lines, start=1) if "audit:" in line and SUPPRESS.search(line)}
    comments = _cell_comments(module, wanted)
    return suppressions(module.display_path, module.text, module.lines, comments)


def suppressions(path: str, text: str, lines: list[str], comments=None) -> list[Suppression]:
    """Every suppression comment of one file (`comments`: its comments, when already known)."""
    if SUPPRESS.search(text) is None:
        return []  # most files have none: skip tokenizing them (a fifth of a whole-course audit)
    found = []
    for number, column, comment in _comments(text) if comments is None else comments:
        for match in SUPPRESS.finditer(comment):
            codes = tuple(code.strip().upper() for code in match.group(1).split(",") if code.strip())
            found.append(Suppression(path, number, column + match.start(), codes, lines[number - 1] if number <= len(lines) else ""))
    return found


def _without(line: str, drop: set[str]) -> str:
    """The line with the `drop` codes taken out of its suppression comment (the whole comment when none is left)."""
    def rewrite(match: re.Match) -> str:
        kept = [c.strip() for c in match.group(1).split(",") if c.strip() and c.strip().upper() not in drop]
        return f"# audit: ignore[{', '.join(kept)}]" if kept else ""

    return SUPPRESS.sub(rewrite, line).rstrip()


def hygiene(
    comments: Iterable[Suppression],
    used: set[tuple[str, int, str]],
    known: Iterable[str],
    enabled: Iterable[str],
    module_path: str,
) -> list[Finding]:
    """Per comment: one SUP001 naming its unknown codes, one SUP002 naming its enabled codes that silenced nothing.

    `used` holds (path, comment line, code) for every finding a comment silenced;
    codes of rules that did not run (ignored or not selected) are never "unused".
    """
    known, enabled = set(known), set(enabled)
    found: list[Finding] = []
    for comment in comments:
        unknown = [code for code in comment.codes if code not in known]
        unused = [code for code in comment.codes if code in enabled and (comment.path, comment.line, code) not in used]
        if unknown:
            guesses = {code: difflib.get_close_matches(code, sorted(known), n=1) for code in unknown}
            hint = "; ".join(f"did you mean {guess[0]}?" for guess in guesses.values() if guess)
            fixed = [guesses[code][0] if guesses.get(code) else None for code in comment.codes]
            suggestion = (f"# audit: ignore[{', '.join(code for code in fixed if code)}]" if all(fixed)
                          else "Use a code `python -m audits.rules` lists, or delete the comment.")
            found.append(Finding(
                UNKNOWN.code, UNKNOWN.severity, comment.path, comment.line,
                f"`# audit: ignore[...]` names no rule {', '.join(unknown)}" + (f" ({hint})" if hint else "")
                + ": it silences nothing.",
                comment.text, suggestion, UNKNOWN.category, column=comment.column, **_comment_end(comment),
            ))  # fmt: skip
        if unused:
            fixed_line = _without(comment.text, set(unused))
            fix = None
            if comment.path == module_path:
                fix = Fix(f"remove {', '.join(unused)} from the suppression comment",
                          (Edit(comment.line, comment.line, fixed_line),), Safety.SAFE)  # fmt: skip
            found.append(Finding(
                UNUSED.code, UNUSED.severity, comment.path, comment.line,
                f"`# audit: ignore[...]` silences nothing: {', '.join(unused)} report(s) nothing here.",
                comment.text, fixed_line.strip() or "Delete the comment.", UNUSED.category,
                column=comment.column, fix=fix, **_comment_end(comment),
            ))  # fmt: skip
    return found


def _comment_end(comment: Suppression) -> dict:
    """The end of a finding's range about a comment: the end of its `# audit: ignore[...]`."""
    match = SUPPRESS.search(comment.text, max(0, comment.column - 1))
    end = match.end() + 1 if match is not None else len(comment.text.rstrip()) + 1
    return {"end_line": comment.line, "end_column": max(end, comment.column)}


def _applied_by_check(module, index):
    return iter(())  # see the module docstring: audits.check calls `hygiene` with the other rules' findings


UNKNOWN = Rule(
    code="SUP001",
    name="suppression names an unknown rule code",
    severity=Severity.MEDIUM,
    category="Suppressions",
    doc=UNKNOWN_DOC,
    check=_applied_by_check,
    effort_minutes=2,
    any_language=True,
)
UNUSED = Rule(
    code="SUP002",
    name="suppression that silences nothing",
    severity=Severity.LOW,
    category="Suppressions",
    doc=UNUSED_DOC,
    check=_applied_by_check,
    effort_minutes=2,
    any_language=True,
)
RULES = [UNKNOWN, UNUSED]
