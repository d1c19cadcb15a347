"""What a bite run means: its findings (rules BITE001-BITE005, BITE007, BITE008) and a one-line summary.

    findings(plan, run) -> list[Finding]
    summarize(plan, run) -> Summary

A graded cell "passes" when it runs without an error, as nbgrader's autograder scores
code cells. The student version and the knockouts run the graded cells as written in
the source, as autograding restores them (hidden tests included). A region is caught
when a graded cell that passes on the solution fails with the region stubbed; regions
of manually graded cells are not knocked out (no test is meant to check them). A cell
that fails on the solution for want of a package, a data file or the network is one
BITE008 per cause, listing the later solution failures it explains instead of one BITE001 each:
the same cause again, a NameError for a name such a cell should have bound, or any error in a
cell that reads such a name (an AttributeError or a failed assert on the placeholder left in
its place).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audits.model import Finding, Rule, Severity
from audits.rules._scopes import global_reads
from audits.solutions import cell_id

if TYPE_CHECKING:  # the rules' documentation (RULES) is loaded by the static audit too: it never runs cells,
    # so the plan and the runner (subprocess, the sandbox) are imported by the functions that use them
    from audits.bite.plan import Plan
    from audits.bite.runner import Outcome, Run

CATEGORY = "Graded tests (bite)"


def _rule(code: str, name: str, severity: Severity, doc: str, any_language: bool = False) -> Rule:
    return Rule(code=code, name=name, severity=severity, category=CATEGORY, doc=doc, check=lambda module, index: (), any_language=any_language)


BITE001 = _rule("BITE001", "cell fails on the solution version", Severity.CRITICAL, """\
What it does: runs the module's cells in order, solutions in place, as a notebook kernel
does, and reports every cell that raises, and every graded cell nbgrader's autograde would
score below its points on the solution: one that writes to stderr (a warning, a log line:
0 points) or shows a number last (taken as partial credit).

Why it matters: the solution is the reference every student is graded against; a graded
cell that fails on it takes points from every student, and any failing cell means the
module is broken as shipped.

Example: `test-sgd` raises `AssertionError` because the expected value was copied wrong;
`test-norm` passes but a `RuntimeWarning` printed on stderr makes nbgrader give it 0.

How to fix: fix the solution or the test so the solution version runs clean
(`python modules/NN_name/name.py` runs the same cells); silence an expected warning inside
the cell (`warnings.catch_warnings()`), end a graded cell with a statement, not a number.""")

BITE002 = _rule("BITE002", "graded cell passes on the student version", Severity.HIGH, """\
What it does: runs the student version (every solution region replaced by nbgrader's stub,
`raise NotImplementedError()`) and reports each graded cell that still passes.

Why it matters: those points are given for no work; the test checks provided code only,
or nothing at all.

Example: `test-tokenizer-base` checks a provided base class and passes before the student
writes a line.

How to fix: make the test exercise the student's code, or make the provided code it checks
student work (see GR001).""")

BITE003 = _rule("BITE003", "solution region no graded test notices", Severity.HIGH, """\
What it does: replaces one solution region at a time by nbgrader's stub, every other region
kept solved, and reports each region for which every graded cell still passes.

Why it matters: a student can leave that part unimplemented, or wrong, and still get full
marks; the module teaches it but does not check it.

Example: `SubBackward.backward` left as the stub, and no graded test differentiates
through subtraction.

How to fix: add an assertion to a graded test cell that fails without this region (a
gradient through `a - b`, the shape it returns, the error it raises).""")

BITE004 = _rule("BITE004", "cell ran past a limit", Severity.HIGH, """\
What it does: reports a cell that ran past its time limit (wall-clock or CPU time), ran out
of memory under the memory limit, or killed its process, in the solution, student or a
knockout version.

Why it matters: nbgrader's autograder has its own time limits; a cell that hangs or eats
memory when a student's code is incomplete stops the grading of the whole notebook, and
on the solution version it is a broken module.

Example: a training loop `while loss > 0.01:` that never ends when `step()` is the stub.

How to fix: bound the loop (a fixed number of steps), make the cell's work smaller, or make
it fail fast when the student's code is missing (check a result before looping on it).""")

BITE005 = _rule("BITE005", "student version raises when a solution cell runs", Severity.HIGH, """\
What it does: runs the student version and reports each solution cell whose own stub raises
`NotImplementedError` while the cell itself runs (not when a test calls the student's function),
where the region holds a `def`/`class` or sits in a class body. A stubbed answer of plain
statements (`t = 5`) raising is how nbgrader works, not a finding.

Why it matters: the stub then sits where definitions happen (a class body, or around a
`def` line), so the class or function is never defined: every later cell fails with
`NameError`, the student cannot test the parts they finished, and partial credit is
impossible. GR002 finds the same region statically.

Example: `### BEGIN SOLUTION` directly under `class SGD(Optimizer):`, around its methods.

How to fix: keep `class`/`def` lines outside the regions and put one region inside each
method body.""")

BITE007 = _rule("BITE007", "bite cannot run the notebook as nbgrader would", Severity.HIGH, """\
What it does: reports, instead of any verdict, a notebook that nbgrader's `generate_assignment`
refuses (solution markers nested, unclosed or outside a solution cell; metadata its validator
rejects; a grade_id used twice; hidden tests outside a graded cell; `### AUTOTEST` lines it
cannot write tests for: no autotests.yml, a template it cannot use, an AUTOTEST line outside a
graded cell, or a cell that fails while it runs the solution to compute the expected values),
one whose kernel runs another language than Python (an R or Julia notebook: its kernelspec's
language), which nbgrader grades in that kernel and bite, which runs cells in IPython, cannot,
or a notebook nbgrader made (in release/, or a student's copy in submitted/ or autograded/,
beside the course's source/), whose solution regions hold a student's code or the stubs.

Why it matters: nbgrader will not release the first, so there is no student version to grade;
for the others, verdicts from the wrong interpreter or against a student's answers instead of
the solutions would be wrong.

Example: a graded test cell without `points`: nbgrader's validator stops the release.

How to fix: fix what the message names (the static audit's NB rules show the same); for other
languages, check the tests with nbgrader itself; for nbgrader's copies, run bite on the source
notebook the message names.""", any_language=True)

BITE008 = _rule("BITE008", "cell needs what this machine lacks", Severity.HIGH, """\
What it does: reports a cell that fails on the solution version because a package cannot be
imported, a file it reads is missing, or the network is unreachable: one finding per cause,
naming the cells that failed after it on the solution version because of it (its
consequences): the same cause again (another import of the package), a NameError for a name
it should have bound, or any error in a cell that reads such a name (an AttributeError on a
placeholder such as `table = None` bound before, an assert on it).

Why it matters: until the notebook runs, no graded cell after it can be judged; the later
failures are noise, not defects of their own.

Example: `import seaborn` in the first cell, on a machine without seaborn: every graded cell
after it fails with `NameError`.

How to fix: install the package where bite runs, ship the file beside the notebook (nbgrader
copies the assignment folder into the release), or make the cell work offline.""")

RULES = [BITE001, BITE002, BITE003, BITE004, BITE005, BITE007, BITE008]
LIMITS = ("timeout", "memory", "killed")
NETWORK_ERRORS = {"URLError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError", "gaierror",
                  "NewConnectionError", "MaxRetryError", "ConnectTimeout", "ConnectTimeoutError", "NameResolutionError"}  # fmt: skip
NETWORK = "the network is unreachable"
NETWORK_TEXT = ("Name or service not known", "Temporary failure in name resolution", "Network is unreachable", "nodename nor servname")


@dataclass(frozen=True)
class Summary:
    graded: int
    solution_passed: int
    student_failed: int
    regions: int
    caught: int
    seconds: float
    stopped: str | None


def student_outcome(plan: Plan, run: Run, position: int) -> Outcome | None:
    """Cells before the first stubbed cell are the same in both versions: their solution outcome holds."""
    if position < plan.first_change:
        return run.solution.get(position)
    return run.student.get(position)


def catchers(plan: Plan, run: Run, cell: int, region: int) -> list[int]:
    """Graded cells that pass on the solution version and failed with this region knocked out."""
    from audits.bite.runner import Outcome

    graded = set(plan.graded())
    return [
        position for position, outcome in run.knockouts.get((cell, region), {}).items()
        if position in graded and not outcome.passed and run.solution.get(position, Outcome("fail")).passed
    ]  # fmt: skip


def _binds(statement: ast.stmt) -> set[str]:
    """Names a statement binds (assignments, imports, defs, loop and `with` targets), as far as its AST shows."""
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def bound_names(cell, after: int = 0) -> set[str]:
    """Names a cell binds in its statements that end at or after line `after` (0: all of them): for a
    cell that failed at that line, the names it left unbound."""
    statements = cell.tree.body if cell.tree is not None else ()
    return {name for statement in statements if not after or (statement.end_lineno or statement.lineno) >= after for name in _binds(statement)}


def read_names(cell) -> list[str]:
    """Names a cell reads from earlier cells, in source order: what each statement reads (its functions'
    bodies included) that no statement before it in the cell bound. A name the statement binds before it
    reads it is its own (`with open(...) as out: out.write(...)`, `for row in rows: print(row)`), but an
    assignment reads its value before it binds its target (`table = table.dropna()`, `total += 1`)."""
    bound: set[str] = set()
    reads: list[str] = []
    for statement in cell.tree.body if cell.tree is not None else ():
        names = set(global_reads(statement))
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and statement.value is not None:
            names.update(node.id for node in ast.walk(statement.value) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load))
        loads = [node for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)]
        if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
            names.add(statement.target.id)
            loads.append(statement.target)  # `total += 1` reads `total` first
        for node in sorted(loads, key=lambda node: (node.lineno, node.col_offset)):
            if node.id in names and node.id not in bound and node.id not in reads:
                reads.append(node.id)
        bound |= _binds(statement)
    return reads


def inherited_cause(cell, outcome: Outcome, unbound: dict[str, str]) -> str | None:
    """The cause a failing cell owes to an earlier one that failed for want of something (`unbound`: a name
    such a cell left unbound -> its cause): a NameError for such a name, or any error in a cell that reads
    one (an AttributeError on the placeholder bound before, `None`; an assert on it). Else None."""
    missing = re.match(r"NameError: name '(\w+)' is not defined", outcome.message)
    if missing is not None and missing.group(1) in unbound:
        return unbound[missing.group(1)]
    return next((unbound[name] for name in read_names(cell) if name in unbound), None)


def environment_cause(outcome: Outcome) -> str | None:
    """What the machine lacks when a cell fails for want of a package, a file or the network (else None)."""
    if outcome.type == "ModuleNotFoundError":
        name = re.search(r"No module named '([^']+)'", outcome.message)
        return f"package `{name.group(1) if name else '?'}` cannot be imported (not installed where bite runs, nor beside the notebook)"
    if outcome.type == "FileNotFoundError":
        name = re.search(r"No such file or directory: '([^']+)'", outcome.message)
        return f"file `{name.group(1) if name else '?'}` is missing (not beside the notebook)"
    if outcome.type in NETWORK_ERRORS or any(text in outcome.message for text in NETWORK_TEXT):
        return NETWORK
    return None


def _finding(rule: Rule, plan: Plan, line: int, message: str, last: int | None = None) -> Finding:
    module = plan.module
    return Finding(rule.code, rule.severity, module.display_path, line, message, module.excerpt(line, last), category=rule.category)


def _where(outcome: Outcome) -> str:
    return f" (line {outcome.line})" if outcome.line else ""


def _version(plan: Plan, variant: str) -> str:
    """A worker variant's name in a message: "solution version", "student version", "knockout of <region>"."""
    if variant in ("solution", "student"):
        return f"{variant} version"
    kind, cell, number = variant.split(":")
    if kind == "mutant":
        mutant = plan.mutants[int(cell)][int(number)]
        return f"mutant ({mutant.operator}, line {mutant.line}) of {mutant.region.name}"
    return f"knockout of {plan.regions[int(cell)][int(number)].name}"


def findings(plan: Plan, run: Run) -> list[Finding]:
    from audits.bite.runner import Outcome

    found: list[Finding] = []
    graded = plan.graded()
    overruns: dict[int, list[tuple[str, Outcome]]] = {}  # cell position -> (version, outcome): one finding per cell

    def limit(position: int, outcome: Outcome, version: str) -> None:
        overruns.setdefault(position, []).append((version, outcome))

    if plan.blocked is not None:
        line, why = plan.blocked
        return [_finding(BITE007, plan, line, f"{why}; bite ran nothing and gives no verdicts.")]
    if run.refused is not None:
        position, why = run.refused
        cell = plan.cells[position]
        return [_finding(BITE007, plan, cell.start, f"nbgrader's generate_assignment stops on it: `{cell_id(cell)}` {why} while nbgrader "
                         "ran the solution to write the tests of its `### AUTOTEST` lines; bite gives no verdicts.")]  # fmt: skip
    # What the machine lacks -> the cells failing on the solution for it (the first is reported), then
    # its consequences (inherited_cause): later cells failing for what such a failed cell left unbound.
    causes: dict[str, list[int]] = {}
    unbound: dict[str, str] = {}  # a name a failed cell should have bound -> the cause it failed for
    for position, outcome in sorted(run.solution.items()):
        cell = plan.cells[position]
        cause = None
        if not outcome.passed and outcome.status not in LIMITS:
            cause = environment_cause(outcome) or inherited_cause(cell, outcome, unbound)
        if outcome.status in LIMITS:
            limit(position, outcome, "solution version")
        elif cause is not None:
            causes.setdefault(cause, []).append(position)
            unbound.update(dict.fromkeys(bound_names(cell, outcome.line), cause))
        elif not outcome.passed:
            kind = "graded cell" if position in graded else "cell"
            found.append(_finding(BITE001, plan, cell.start, f"{kind} `{cell_id(cell)}` fails on the solution version: {outcome.message}{_where(outcome)}."))
    for cause, (first, *later) in causes.items():
        names = ", ".join(f"`{cell_id(plan.cells[p])}`" for p in later)
        tail = f"; the cells that fail after it on the solution version for the same reason or for what it left unbound: {names}" if later else ""
        cell, outcome = plan.cells[first], run.solution[first]
        detail = f" ({outcome.message})" if cause == NETWORK else ""  # which host, which error: the cause alone says little
        found.append(_finding(BITE008, plan, cell.start, f"`{cell_id(cell)}` cannot run here: {cause}{detail}{_where(outcome)}{tail}."))
    offset, stub_error = plan.module.conventions.stub_raise  # the course's stub: nbgrader's raises NotImplementedError on its 2nd line
    for position, outcome in sorted(run.student.items()):
        cell = plan.cells[position]
        if outcome.status in LIMITS:
            limit(position, outcome, "student version")
        elif stub_error and outcome.type == stub_error and any(region.first + offset == outcome.line and region.defines for region in plan.student_regions(position)):
            found.append(_finding(BITE005, plan, outcome.line - offset, f"the student version of `{cell_id(cell)}` raises {stub_error} "
                                  f"from its stub (line {outcome.line}) while the cell runs: what it defines is never defined."))  # fmt: skip
    for position in graded:
        outcome = student_outcome(plan, run, position)
        if outcome is not None and outcome.passed:
            cell = plan.cells[position]
            found.append(_finding(BITE002, plan, cell.start, f"graded cell `{cell_id(cell)}` passes on the student version: it does not test the student's work."))
    for cell_position, number, region in plan.all_regions:
        outcomes = run.knockouts.get((cell_position, number), {})
        for position, outcome in sorted(outcomes.items()):
            if outcome.status in LIMITS:
                limit(position, outcome, f"knockout of {region.name}")
        overran = any(outcome.status in LIMITS for outcome in outcomes.values())  # reported as BITE004, not judged
        # A graded cell that failed here but also fails on the solution says nothing: not judged, no finding.
        failed = any(position in graded and not outcome.passed for position, outcome in outcomes.items())
        if f"knockout:{cell_position}:{number}" in run.done and not overran and not failed:
            found.append(_finding(BITE003, plan, region.first, f"no graded test fails when this region ({region.name}) is replaced by the stub: it is never checked.", region.last))
    stuck = run.stuck()
    if run.stopped and stuck is not None:  # the run stopped in this cell (of that variant): say so first
        overruns.setdefault(stuck[1], []).insert(0, (_version(plan, stuck[0]), Outcome("killed", f"bite stopped here: {run.stopped}")))
    for position, cases in sorted(overruns.items()):
        cell = plan.cells[position]
        version, outcome = cases[0]
        others = f" (and on {len(cases) - 1} other version{'s' if len(cases) > 2 else ''})" if len(cases) > 1 else ""
        found.append(_finding(BITE004, plan, cell.start, f"`{cell_id(cell)}` on the {version}{others}: {outcome.message}{_where(outcome)}."))
    if run.stopped and stuck is None:
        line = plan.cells[0].start if plan.cells else 1
        found.append(_finding(BITE004, plan, line, f"bite stopped before every version finished: {run.stopped}."))
    return sorted(found, key=lambda f: (f.line, f.code, f.message))


def summarize(plan: Plan, run: Run) -> Summary:
    if run.refused is not None:  # no release, nothing graded: as a blocked plan
        return Summary(0, 0, 0, 0, 0, run.seconds, run.stopped)
    graded = plan.graded()
    solution_passed = sum(1 for p in graded if run.solution.get(p) is not None and run.solution[p].passed)
    student_failed = sum(1 for p in graded if (o := student_outcome(plan, run, p)) is not None and not o.passed)
    caught = sum(1 for c, k, _ in plan.all_regions if catchers(plan, run, c, k))
    return Summary(len(graded), solution_passed, student_failed, len(plan.all_regions), caught, run.seconds, run.stopped)
