"""Apply the fixes the rules attach to their findings, in place (`python -m audits.module NN --fix`).

Each rule knows its own mechanical change and attaches it to its finding as a
`Fix` (line edits with a declared safety, see `audits.model`). This module only
applies those edits; it never works out a change itself:

1. Take the fixes of the given findings (safe ones; unsafe ones too when asked),
   drop duplicates (findings that share one fix, e.g. consecutive calls under
   one guard) and fixes whose lines overlap a fix already taken (they are
   retried in the next round, on the fixed text).
2. Apply them together and check the result: every code cell that parsed still
   parses, the text can be written as UTF-8, and a re-audit finds fewer problems
   (fewer blocking findings, or as many blocking and fewer in all, counted place by
   place: a folded finding is opened up into its parts). If the batch
   fails the check, each fix is tried alone and kept only if it passes.
3. Repeat on the fixed text until no fix is accepted. So the result never has
   more blocking findings than the input, and fixing the result again changes
   nothing: every fix left is one that was just rejected.

Findings that carry no fix, unsafe fixes not applied, and rejected fixes are
returned as "needs a human" with the reason. `fix_file` writes atomically and
keeps every untouched line's exact bytes (line endings included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from audits import score as scoring
from audits.files import replace_files
from audits.model import Edit, Finding, Fix, InputError, ModuleSource, Safety, unfold

MAX_ROUNDS = 10  # each accepted round removes at least one finding; this only bounds pathological inputs
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

Audit = Callable[[ModuleSource], list[Finding]]


@dataclass
class FixResult:
    """What the fixer did to one source: the new text, and every finding fixed or left for a person."""

    text: str
    fixed: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, its fix's description)
    needs_human: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, why it was not fixed)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


def raw_lines(text: str) -> list[str]:
    """The lines of `text` with their own endings (\n, \r\n or \r), numbered like the parser numbers them."""
    return LINE.findall(text)


def _ending(lines: list[str], number: int) -> str:
    """The line ending of line `number`, or the file's first ending ("\n" when it has none)."""
    if 1 <= number <= len(lines):
        text = lines[number - 1]
        ending = text[len(text.rstrip("\r\n")) :]
        if ending:
            return ending
    return next((line[len(line.rstrip("\r\n")) :] for line in lines if line.rstrip("\r\n") != line), "\n")


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """`text` with the edits applied; edit line numbers refer to `text` and must not overlap.

    New lines take the ending of the line they replace (or the file's first ending);
    a replacement of the last line keeps its missing final newline.
    """
    lines = raw_lines(text)
    inserts: dict[int, list[Edit]] = {}
    replaces: dict[int, Edit] = {}
    for edit in edits:
        if edit.end < edit.start:
            inserts.setdefault(edit.start, []).append(edit)
        else:
            replaces[edit.start] = edit
    out: list[str] = []
    number = 1
    while number <= len(lines) + 1:
        for edit in inserts.get(number, []):
            if number > len(lines) and lines and lines[-1] == lines[-1].rstrip("\r\n"):
                out.append(_ending(lines, 0))  # appending after a last line without newline
            eol = _ending(lines, number - 1 if number > len(lines) else number)
            out.extend(line + eol for line in edit.text.split("\n"))
        if number > len(lines):
            break
        edit = replaces.get(number)
        if edit is None:
            out.append(lines[number - 1])
            number += 1
            continue
        last = min(edit.end, len(lines))
        eol = _ending(lines, last)
        final = lines[last - 1][len(lines[last - 1].rstrip("\r\n")) :]  # "" when the file ends without newline
        if edit.text:  # "" deletes the lines
            new = edit.text.split("\n")
            out.extend(line + eol for line in new[:-1])
            out.append(new[-1] + final)
        number = last + 1
    return "".join(out)


def _overlaps(a: Edit, b: Edit) -> bool:
    """Do two edits touch the same lines (or insert at the same place)?"""
    a_insert, b_insert = a.end < a.start, b.end < b.start
    if a_insert and b_insert:
        return a.start == b.start
    if a_insert:
        return b.start < a.start <= b.end
    if b_insert:
        return a.start < b.start <= a.end
    return a.start <= b.end and b.start <= a.end


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from escaped JSON, e.g. "\ud800"
        return False
    return True


def _cost(findings: list[Finding]) -> tuple[int, int]:
    """What a fix must lower: (blocking findings, all findings), counted place by place (unfolded)."""
    return len(scoring.blocking(findings)), len(findings)


def _default_audit(module: ModuleSource) -> list[Finding]:
    from audits.check import audit_source  # the checker imports every rule; import it only when fixing

    return audit_source(module, None, None)


class _State:
    """One version of the text with its parse and audit."""

    def __init__(self, text: str, module: ModuleSource, findings: list[Finding]):
        self.text, self.module, self.findings = text, module, unfold(findings)  # every place: each has its own fix
        self.cost = _cost(findings)
        self.broken = sum(1 for cell in module.code_cells() if cell.syntax_error is not None)


def fix_source(
    module: ModuleSource,
    findings: Iterable[Finding],
    raw_text: Optional[str] = None,
    *,
    audit: Optional[Audit] = None,
    unsafe: bool = False,
) -> FixResult:
    """The fixed text for the given findings (pure: nothing is written).

    `raw_text` is the file as read, line endings included (the parser normalizes
    them to \n). `audit` audits a parsed version of the text the way the caller
    audited it (configuration, repository index); by default the rules run on the
    file alone. Only the codes among `findings` are fixed, also in later rounds.
    """
    from audits.parse import reparse

    raw_text = module.text if raw_text is None or module.notebook is not None else raw_text  # a notebook: its rendering
    if len(raw_lines(raw_text)) != len(module.lines):
        raise ValueError("raw text and parsed module disagree on the number of lines")
    audit = audit or _default_audit
    findings = unfold(findings)  # a folded finding's places each carry their own fix
    codes = {finding.code for finding in findings}
    result = FixResult(raw_text)
    current = _State(raw_text, module, audit(module))
    accepted: dict[Fix, list[Finding]] = {}
    rejected: dict[Fix, list[Finding]] = {}  # fixes that failed the check, with the findings that carried them

    def attempt(fixes: list[Fix]) -> Optional[_State]:
        text = apply_edits(current.text, [edit for fix in fixes for edit in fix.edits])
        if text == current.text or not _encodable(text):
            return None
        new_module = reparse(module, text)
        state = _State(text, new_module, audit(new_module))
        return state if state.broken <= current.broken and state.cost < current.cost else None

    for round_number in range(MAX_ROUNDS):
        candidates = findings if round_number == 0 else [f for f in current.findings if f.code in codes]
        chosen: dict[Fix, list[Finding]] = {}
        for finding in sorted(candidates, key=lambda f: (f.line, f.code)):
            fix = finding.fix
            if fix is None or not fix.edits or (fix.safety is not Safety.SAFE and not unsafe):
                continue
            if fix in chosen:
                chosen[fix].append(finding)
            elif not any(_overlaps(a, b) for other in chosen for a in fix.edits for b in other.edits):
                chosen[fix] = [finding]
        if not chosen:
            break
        state = attempt(list(chosen))
        taken = list(chosen) if state is not None else []
        if state is None:  # the batch fails the check: keep the fixes that pass alone
            for fix in chosen:
                alone = attempt([fix])
                if alone is None:
                    rejected[fix] = chosen[fix]
                    continue
                current, state = alone, alone
                taken.append(fix)
        else:
            current = state
        if not taken:
            break
        for fix in taken:
            accepted[fix] = chosen[fix]
            rejected.pop(fix, None)

    result.text = current.text
    for fix, fixed in accepted.items():
        result.fixed.extend((finding, fix.description) for finding in fixed)
    tried = {(f.code, f.message) for carried in rejected.values() for f in carried}
    for finding in current.findings:
        if finding.code not in codes:
            continue
        fix = finding.fix
        if fix in rejected or (finding.code, finding.message) in tried:
            result.needs_human.append((finding, "applying its fix would not reduce the findings (or would break the cell); fix it by hand"))
        elif fix is None or not fix.edits:
            result.needs_human.append((finding, "no mechanical fix: see the suggestion in the fix plan"))
        elif fix.safety is not Safety.SAFE and not unsafe:
            result.needs_human.append((finding, f"unsafe fix, not applied: {fix.description}"))
        else:
            result.needs_human.append((finding, "its fix overlapped another one; run --fix again"))
    return result


def fix_file(module: ModuleSource, findings: Iterable[Finding], *, audit: Optional[Audit] = None, unsafe: bool = False) -> FixResult:
    """Apply the findings' fixes to the module's file in place (only when something changes)."""
    from audits.parse import read_source

    raw = read_source(module.path)
    if raw.replace("\r\n", "\n").replace("\r", "\n") != module.file_text:
        raise InputError(f"{module.path}: changed on disk while it was audited; run again")
    if module.notebook is not None and module.notebook.invalid is not None:
        # nbformat rejects the notebook as it is (SYN002): writing it back would keep it invalid under our
        # name, so it is left alone and its fixable findings wait for a person, as the log says.
        result = FixResult(module.text)
        why = "not applied: nbformat rejects this notebook (SYN002); repair it first, then run --fix again"
        result.needs_human = [(finding, why) for finding in unfold(findings) if finding.fix is not None]
        return result
    if module.notebook is not None:  # the fixes edit the notebook's percent rendering; the notebook writer maps them back
        from audits.notebook import write_source

        result = fix_source(module, findings, audit=audit, unsafe=unsafe)
        if result.text != module.text:
            write_source(module, result.text)
        return result
    result = fix_source(module, findings, raw, audit=audit, unsafe=unsafe)
    if result.text != raw:
        # Through the change journal of the checkout: a killed --fix is completed by the next command.
        root = module.ref.root if module.ref is not None else module.path.parent
        replace_files(root, {module.path: result.text})
    return result
