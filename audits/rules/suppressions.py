"""SUP001 / SUP002: suppression comments that name an unknown rule or silence nothing.

Like ruff's unused-noqa: a `# audit: ignore[...]` comment is a promise that a
finding sits on that line. A typo (`TI01`) silences nothing and hides that the
real finding is still reported; a leftover code (the call was guarded since)
would silently swallow the next real finding on that line.

These rules need the other rules' findings, so `audits.check` applies them after
every other rule has run (`hygiene` below); their `check` yields nothing on its own.
"""

from __future__ import annotations

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


def suppressions(path: str, text: str, lines: list[str]) -> list[Suppression]:
    """Every suppression comment of one file."""
    if SUPPRESS.search(text) is None:
        return []  # most files have none: skip tokenizing them (a fifth of a whole-course audit)
    found = []
    for number, column, comment in _comments(text):
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
)
UNUSED = Rule(
    code="SUP002",
    name="suppression that silences nothing",
    severity=Severity.LOW,
    category="Suppressions",
    doc=UNUSED_DOC,
    check=_applied_by_check,
    effort_minutes=2,
)
RULES = [UNKNOWN, UNUSED]
