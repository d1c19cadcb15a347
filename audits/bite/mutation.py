"""What the mutants of a bite run mean: BITE006 (a mutant no graded test kills) and the mutation scores.

    choose(plan_regions, limit) -> list[list[Mutant]]   per cell, the mutants to run
    findings(plan, run) -> list[Finding]                BITE006, one per surviving mutant
    scores(plan, run) -> Scores                         killed / run, per module and per region

A mutant (audits/bite/mutants.py) is a region's code with one student mistake in it. The
worker runs it as it runs a knockout: forked just before the mutated cell, every later cell
as in the solution, stopped at its first failing graded cell. A mutant is *killed* when a
graded cell fails, or any cell overruns a limit (a mistake that hangs the notebook fails
its grading too). It *survives* when every graded cell passes: the tests give full marks
to that wrong answer. Mutants of a region no graded cell notices when knocked out (BITE003)
are not run: no graded test reaches that code, so every mutant would survive.

A survivor that cannot change what the code does (an equivalent mutant) is suppressed with
`# audit: ignore[BITE006]` and the reason on its line; the report lists it, and the score
leaves it out (killed / (run - suppressed)).
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field

from audits.bite.mutants import OPERATORS, Mutant, sampled_mutants
from audits.model import Finding, Rule, Severity
from audits.solutions import Region, cell_id

CATEGORY = "Graded tests (bite)"
LIMITS = ("timeout", "memory", "killed")

BITE006 = Rule(
    code="BITE006",
    name="graded tests accept a wrong answer (surviving mutant)",
    severity=Severity.HIGH,
    category=CATEGORY,
    doc="""\
What it does: puts one student mistake at a time into a solution region (a wrong operator, a
flipped comparison, an off-by-one index, a missing `axis` or `keepdims`, a dropped epsilon or
bias, zeros of the right shape...; `audits/bite/mutants.py` lists them), runs the graded cells,
and reports each mistake that no graded cell catches, with the graded cells that ran the
mutated line.
Why it matters: a student who makes that mistake gets full marks. A graded test that only
checks shapes, or that passes whenever the code does not raise, gives the points to wrong
answers; the knockout check (BITE003) cannot see it, because nbgrader's stub raises.
Example: `return x @ self.weight * 0` in `Linear.forward` survives when the test checks only
`out.shape == (4, 3)`.
How to fix: add an assertion that the mistake breaks: compare with a value computed
independently (numpy, a hand-worked example, finite differences). A mutant that cannot change
behaviour (an equivalent mutant) is suppressed on its line with `# audit: ignore[BITE006]`
and the reason.""",
    check=lambda module, index: (),
    effort_minutes=15,
)
RULES = [BITE006]


def choose(regions: list[list[Region]], limit: int | None, equivalent: frozenset[int] = frozenset()) -> list[list[Mutant]]:
    """Per cell, the mutants of its regions (at most `limit` per region, chosen by `mutants.sampled_mutants`).

    A sample (`limit` given) leaves out the mutants on the lines in `equivalent` (the lines whose
    BITE006 is suppressed: their survivors are known and declared equivalent). A known survivor
    tells a sample nothing, and it is the costliest mutant to run: it runs every graded cell to
    the end of the notebook. Without a limit every mutant runs, those lines' included."""
    leave_out = equivalent if limit is not None else frozenset()
    return [[mutant for region in cell_regions for mutant in sampled_mutants(region, limit, leave_out)] for cell_regions in regions]


@dataclass
class RegionScore:
    region: Region
    run: int = 0  # mutants run to the end or killed
    killed: int = 0
    survivors: list[Mutant] = field(default_factory=list)
    skipped: int = 0  # not run: no graded cell notices the region (BITE003)

    @property
    def percent(self) -> float | None:
        return 100.0 * self.killed / self.run if self.run else None


def killed(outcomes: dict, graded: set[int]) -> bool:
    return any((position in graded and not outcome.passed) or outcome.status in LIMITS for position, outcome in outcomes.items())


def region_scores(plan, run) -> list[RegionScore]:
    """One score per region with mutants, in source order."""
    graded = set(plan.graded())
    by_region: dict[tuple[int, int], RegionScore] = {}
    for position, cell_mutants in enumerate(plan.mutants):
        for number, mutant in enumerate(cell_mutants):
            score = by_region.setdefault((mutant.region.first, mutant.region.last), RegionScore(mutant.region))
            variant = f"mutant:{position}:{number}"
            outcomes = run.mutants.get((position, number), {})
            if variant in run.skipped:
                score.skipped += 1
            elif killed(outcomes, graded):
                score.run += 1
                score.killed += 1
            elif variant in run.done:
                score.run += 1
                score.survivors.append(mutant)
    return sorted(by_region.values(), key=lambda s: s.region.first)


def _graded_that_ran(plan, run, position: int, number: int) -> list[str]:
    return [cell_id(plan.cells[p]) for p in sorted(run.hits.get((position, number), ())) if p in set(plan.graded())]


def findings(plan, run) -> list[Finding]:
    """BITE006, one per line with survivors: the code before and after each, the region, the graded cells that ran it."""
    module = plan.module
    where = {id(mutant): (p, n) for p, cell_mutants in enumerate(plan.mutants) for n, mutant in enumerate(cell_mutants)}
    by_line: dict[int, list[Mutant]] = {}
    for score in region_scores(plan, run):
        for mutant in score.survivors:
            by_line.setdefault(mutant.line, []).append(mutant)
    found = []
    for line, survivors in sorted(by_line.items()):
        ran = sorted({name for mutant in survivors for name in _graded_that_ran(plan, run, *where[id(mutant)])})
        who = f"graded cells that ran it: {', '.join(f'`{name}`' for name in ran)}" if ran else "no graded cell ran this line"
        changes = "; ".join(f"`{_code(m.original)}` -> `{_code(m.mutated)}` ({m.operator}: {_mistake(m)})" for m in survivors)
        count = "a wrong answer passes" if len(survivors) == 1 else f"{len(survivors)} wrong answers pass"
        message = f"{count} every graded test, in {survivors[0].region.name}: {changes}; {who}."
        excerpt = "\n".join(f"{m.original}\n# mutated ({m.operator}):\n{m.mutated}" for m in survivors)
        suggestion = "Assert on a value this mistake changes (computed independently), or, if no input can tell the two apart, suppress with `# audit: ignore[BITE006]` and the reason."
        found.append(Finding(BITE006.code, BITE006.severity, module.display_path, line, message, excerpt, suggestion, BITE006.category))
    return found


def _code(lines: str) -> str:
    """The code of a mutant's lines on one line, comments left out (a suppression's reason is not code)."""
    kept = []
    for line in lines.split("\n"):
        try:
            comments = [token for token in tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline) if token.type == tokenize.COMMENT]
        except (tokenize.TokenError, SyntaxError):
            comments = []
        kept.append(line.strip()[: comments[0].start[1]].rstrip() if comments else line.strip())
    return " ".join(" ".join(kept).split())


def _mistake(mutant: Mutant) -> str:
    """The operator's mistake, as a clause: "a sign error" from "A sign error: ..."."""
    text = OPERATORS[mutant.operator].mistake.split(":")[0].rstrip(".")
    return text[:1].lower() + text[1:]


def equivalent(scores: "Scores", suppressed_lines: set[int]) -> int:
    """Survivors on a line whose BITE006 finding was suppressed: the mutants declared equivalent."""
    return sum(1 for region in scores.regions for mutant in region.survivors if mutant.line in suppressed_lines)


@dataclass(frozen=True)
class Scores:
    mutants: int  # run (killed or survived)
    killed: int
    skipped: int  # not run: their region is BITE003's
    regions: list[RegionScore]

    @property
    def percent(self) -> float | None:
        return 100.0 * self.killed / self.mutants if self.mutants else None


def scores(plan, run) -> Scores:
    regions = region_scores(plan, run)
    return Scores(sum(r.run for r in regions), sum(r.killed for r in regions), sum(r.skipped for r in regions), regions)
