"""Do the graded tests bite? Run them on the solution, the student version and each region knocked out.

    python -m audits.bite                 every module of the checkout
    python -m audits.bite 05              one module (or a source path)
    python -m audits.bite --root DIR      another checkout
    python -m audits.bite 05 --format markdown|json|sarif|...   the findings in any format of audits.report.FORMATS
                                          (JSON: tinytorch-audit-repo/1, each module with a "bite" block)
    python -m audits.bite --select BITE003 --ignore BITE004 --exit-zero   as the static audit takes them
    python -m audits.bite --no-sandbox    without the operating-system sandbox (trusted code only)

The one dynamic check of the harness: it executes the course's code, never in this
process but in isolated child processes (`python -I`, scratch directory, stripped
environment) under per-cell time and memory limits, each inside a bubblewrap sandbox
(audits/bite/sandbox.py): when none can be made, bite refuses to run unless given
--no-sandbox. Every report's header names the isolation used. Its report adds to the static
grading rules GR001-GR003 what only running shows: BITE001 (a cell fails on the
solution), BITE002 (a graded cell passes on the student version), BITE003 (a solution
region no graded test notices), BITE004 (a cell ran past a limit), BITE005 (a solution
cell's stub raises while the cell runs), BITE006 (a mutant of a region, a student's mistake,
that no graded test kills; `--no-mutants` skips them, `--mutants-per-region N` samples them).

Exit status: 0 every module bites (no critical or high finding), 1 findings that
block, 2 usage or input error (one line on stderr).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from audits import score as scoring
from audits.auditor import Auditor
from audits.bite import mutation
from audits.bite.plan import Plan, make_plan
from audits.bite.runner import Limits, Run, run_plan
from audits.bite.verdicts import RULES as BITE_RULES
from audits.bite.verdicts import Summary, findings, summarize
from audits.check import applies, apply
from audits.discover import nbgrader_copy, nothing_found
from audits.cli import EXIT_BLOCKED, EXIT_READY, Parser, add_selection, guarded_main, ignored_codes, warn
from audits.model import Finding, InputError, ModuleSource, display_path
from audits.parse import parse_file, parse_module
from audits import report
from audits.report import ModuleInfo, Report, text
from audits.rules import class_regions, provided_tests, unlocked_helpers

STATIC_RULES = [provided_tests.RULE, class_regions.RULE, unlocked_helpers.RULE]
RULES = STATIC_RULES + BITE_RULES + mutation.RULES
REVIEWER = "`python -m audits.bite` (dynamic check: the module ran in isolated child processes, never in the auditor)"


BITES, DOES_NOT_BITE, NOTHING_GRADED = "BITES", "DOES NOT BITE", "NOTHING GRADED"
# The total row's words for how many modules got each verdict ("3 of 20 DO NOT BITE").
PLURAL = {BITES: "BITE", DOES_NOT_BITE: "DO NOT BITE", NOTHING_GRADED: "NOTHING GRADED"}


@dataclass
class Bite:
    """One module's bite: what ran, what it found."""

    module: ModuleSource
    plan: Plan
    summary: Summary
    findings: list[Finding]
    run: Run  # what the worker reported, cell by cell (the verdicts compared with nbgrader's)
    scores: mutation.Scores | None = None  # None with --no-mutants
    suppressed: list[Finding] = field(default_factory=list)  # findings silenced by `# audit: ignore[...]`

    @property
    def equivalent(self) -> int:
        """Surviving mutants suppressed as equivalent (`# audit: ignore[BITE006]` on their line)."""
        if self.scores is None:
            return 0
        return mutation.equivalent(self.scores, {found.line for found in self.suppressed if found.code == mutation.BITE006.code})

    @property
    def mutation_score(self) -> str:
        """"41/41 killed (100%)", the equivalent ones left out; "-" when no mutant ran."""
        s = self.scores
        if s is None or not s.mutants:
            return "-"
        judged = s.mutants - self.equivalent
        percent = f" ({100 * s.killed / judged:.0f}%)" if judged else ""
        return f"{s.killed}/{judged} killed{percent}" + (f", {self.equivalent} equivalent" if self.equivalent else "")

    @property
    def stem(self) -> str:
        ref = self.module.ref
        return ref.key.replace("/", "-") if ref else self.module.path.stem  # as audits.auditor names reports

    @property
    def bites(self) -> bool:
        return scoring.is_ready(self.findings)

    @property
    def verdict(self) -> str:
        """The table's status: BITES, DOES NOT BITE, or NOTHING GRADED (no autograded test cell and nothing
        blocking, as in a notebook graded by hand only: there is no test to judge, which is not a test that bites)."""
        if not self.bites:
            return DOES_NOT_BITE
        return BITES if self.summary.graded else NOTHING_GRADED


def bite_module(auditor: Auditor, module: ModuleSource, limits: Limits, mutants: bool = True, per_region: int | None = None) -> Bite:
    """Run one module (in child processes) and collect static and dynamic findings."""
    return judge(auditor, *run_module(auditor, module, limits, mutants, per_region), mutants)


def run_module(auditor: Auditor, module: ModuleSource, limits: Limits, mutants: bool = True, per_region: int | None = None) -> tuple[ModuleSource, Plan, Run]:
    """Plan one module and run it in child processes: (the module, its plan, what ran)."""
    module.profile = auditor.profile_of(module)  # every report names it, as the static audit's do
    module.conventions = auditor.conventions_of(module)  # the course's delimiters and stub (audits.conventions)
    copy = nbgrader_copy(auditor.root, module.path) if module.ref is None else None
    plan = make_plan(module, mutants=mutants, per_region=per_region, root=auditor.root) if copy is None else copy_plan(module, auditor.root, *copy)
    run = run_plan(plan, auditor.root, limits) if plan.blocked is None and plan.cells else Run()  # no code cell: no process
    return module, plan, run


def copy_plan(module: ModuleSource, root: Path, what: str, source: Path | None) -> Plan:
    """A plan that runs nothing, for a notebook nbgrader made (a release, a student's submission): its
    "solution" is a student's version, so every verdict on it would be wrong. BITE007 says so."""
    instead = f"run bite on its source, {display_path(source, root)}" if source else "run bite on the course's source notebooks"
    return Plan(module, [], [], (module.cells[0].start if module.cells else 1, f"it is {what}, not a course source: it holds no solutions to check the tests against; {instead}"))


def judge(auditor: Auditor, module: ModuleSource, plan: Plan, run: Run, mutants: bool = True) -> Bite:
    """The module's static grading findings and the verdicts on what ran (no child process)."""
    index = auditor.index if module.ref is not None else None
    static = [found for rule in STATIC_RULES if applies(rule, module) for found in rule.check(module, index)]
    suppressed: list[Finding] = []
    # The module's suppression comments are not judged here (SUP001/SUP002): the static audit's business.
    kept = apply(static + findings(plan, run) + mutation.findings(plan, run), module, index, auditor.config, suppressed, judge_comments=False)
    ours = {rule.code for rule in RULES}
    scores = mutation.scores(plan, run) if mutants else None
    return Bite(module, plan, summarize(plan, run), [found for found in kept if found.code in ours], run, scores, [f for f in suppressed if f.code in ours])


def targets(auditor: Auditor, target: str | None) -> list[ModuleSource]:
    if target is None:
        if not auditor.refs:
            raise nothing_found(auditor.root)
        return [parse_module(ref) for ref in auditor.refs]
    ref, path = auditor.resolve(target)
    return [parse_module(ref) if ref else parse_file(path)]


def run_all(auditor: Auditor, modules: list[ModuleSource], limits: Limits, jobs: int, progress=None, mutants: bool = True, per_region: int | None = None) -> list[Bite]:
    """Every module, `jobs` at a time (each is one child process with its forks), started longest
    expected first (`longest_first`) and returned in the order given; `progress(done, total, bite)`
    is called as each one finishes.

    The `jobs` threads only plan and run modules; each finished module is judged here, in this
    thread, while its thread starts the next module's child: the children never wait for the
    verdicts of the module before."""
    bites: list[Bite | None] = [None] * len(modules)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_module, auditor, modules[number], limits, mutants, per_region): number for number in longest_first(modules, mutants)}
        for done, future in enumerate(as_completed(futures), 1):
            bite = bites[futures[future]] = judge(auditor, *future.result(), mutants)
            if progress is not None:
                progress(done, len(modules), bite)
    remember_seconds(bites, mutants)
    return bites


SECONDS = "bite-seconds.json"  # in the user's cache folder: {"mutants"|"no-mutants": {module source path: seconds}}


def longest_first(modules: list[ModuleSource], mutants: bool) -> list[int]:
    """The positions of `modules`, longest expected run first: jobs side by side then end together
    (started in the order given, the last long module could run alone at the end). The expected
    run is the module's time in the last run of the same kind (`remember_seconds`); a module not
    run before comes first, the longer source first."""
    past = _past_seconds().get(_kind(mutants), {})
    return sorted(range(len(modules)), key=lambda n: (-past.get(str(modules[n].path), math.inf), -len(modules[n].text)))


def remember_seconds(bites: list[Bite], mutants: bool) -> None:
    """Keep each module's time for the next run's order (nothing when the cache is off: AUDITS_NO_CACHE)."""
    from audits.files import cache_enabled, user_cache_folder, write_atomically

    if not cache_enabled() or not bites:
        return
    kept = _past_seconds()
    kept.setdefault(_kind(mutants), {}).update({str(bite.module.path): round(bite.summary.seconds, 2) for bite in bites})
    try:
        write_atomically(user_cache_folder() / SECONDS, json.dumps(kept, sort_keys=True))
    except OSError:
        pass  # only an order is lost


def _past_seconds() -> dict:
    from audits.files import cache_enabled, user_cache_folder

    if not cache_enabled():
        return {}
    try:
        kept = json.loads((user_cache_folder() / SECONDS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(kept, dict):
        return {}
    return {kind: {path: seconds for path, seconds in table.items() if isinstance(seconds, (int, float))}
            for kind, table in kept.items() if isinstance(table, dict)}  # fmt: skip


def _kind(mutants: bool) -> str:
    return "mutants" if mutants else "no-mutants"


def progress_line(done: int, total: int, bite: Bite) -> None:
    """One line on stderr per finished module (a whole course takes a while: the terminal shows it is working)."""
    verdict = bite.verdict if bite.verdict == DOES_NOT_BITE else bite.verdict.lower()
    print(f"bite: {done}/{total} {bite.stem} {bite.summary.seconds:.1f} s {verdict}", file=sys.stderr, flush=True)


HEADERS = ("module", "profile", "graded", "solution", "student", "regions", "mutants", "seconds", "status")


def table(bites: list[Bite], isolation: str) -> str:
    """The isolation used, then one row per module: graded cells passing on the solution / failing
    on the student version, regions caught by a graded test, and the verdict; then every finding."""
    rows = [HEADERS]
    for bite in bites:
        s = bite.summary
        rows.append((
            bite.stem, bite.module.profile, str(s.graded), f"{s.solution_passed}/{s.graded} pass", f"{s.student_failed}/{s.graded} fail",
            f"{s.caught}/{s.regions} caught", bite.mutation_score, f"{s.seconds:.1f}", bite.verdict,
        ))  # fmt: skip
    total = lambda attr: sum(getattr(b.summary, attr) for b in bites)
    rows.append((
        f"total ({len(bites)})", "", str(total("graded")), f"{total('solution_passed')}/{total('graded')} pass",
        f"{total('student_failed')}/{total('graded')} fail", f"{total('caught')}/{total('regions')} caught", _total_score(bites), "",
        _verdicts(bites),
    ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(w) if i in (0, 1, len(HEADERS) - 1) else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    regions = [(bite.stem, score) for bite in bites if bite.scores for score in bite.scores.regions]
    if regions:
        lines.append("mutants killed by region:")
        lines += [f"  {stem}  {score.region.name}: {_region_score(score)}" for stem, score in regions]
    for bite in bites:
        lines += [text.finding_line(found) for found in bite.findings]
        lines += [f"{found.path}:{found.line}: suppressed {found.code} {found.message}" for found in bite.suppressed]
    return f"isolation: {isolation}\n" + "\n".join(lines) + "\n"


def _verdicts(bites: list[Bite]) -> str:
    """The total row's status: "all BITE", else how many modules got each other verdict ("2 of 9 DO NOT BITE, ...")."""
    counts = Counter(bite.verdict for bite in bites)
    if set(counts) <= {BITES}:
        return "all BITE"
    return ", ".join(f"{counts[verdict]} of {len(bites)} {PLURAL[verdict]}" for verdict in (DOES_NOT_BITE, NOTHING_GRADED, BITES) if counts[verdict])


def _region_score(score: mutation.RegionScore) -> str:
    if not score.run:
        return f"{score.skipped} not run (no graded cell notices the region: BITE003)" if score.skipped else "none run"
    return f"{score.killed}/{score.run}" + (f", {score.skipped} not run" if score.skipped else "")


def _total_score(bites: list[Bite]) -> str:
    run = sum(b.scores.mutants - b.equivalent for b in bites if b.scores)
    killed = sum(b.scores.killed for b in bites if b.scores)
    return f"{killed}/{run} killed ({100 * killed / run:.0f}%)" if run else "-"


def render(bites: list[Bite], fmt: str | None, date, isolation: str) -> str:
    """The table (no format asked), else one format of the registry (audits.report.FORMATS); each JSON
    module document gains a "bite" block with the run's counts and the isolation used, the Markdown
    review's reviewer line and the text report's first line name the isolation too."""
    if fmt is None:
        return table(bites, isolation)
    reports = [Report(ModuleInfo.from_source(b.module), b.findings, b.suppressed, b.module, {"bite": _counts(b, isolation)}) for b in bites]
    rendered = report.render(fmt, reports, RULES, report.Options(date, reviewer=f"{REVIEWER}; isolation: {isolation}", strengths=False, repository=True))
    if fmt == "markdown":
        rendered += "".join(_markdown_scores(b) for b in bites if b.scores)
    return f"isolation: {isolation}\n{rendered}" if fmt == "text" else rendered


def _markdown_scores(bite: Bite) -> str:
    """The mutation score of one module and of each of its regions, as a Markdown section."""
    rows = "".join(f"| {score.region.name} | {score.run} | {score.killed} | {score.skipped} |\n" for score in bite.scores.regions)
    return (f"\n## Mutation score: {bite.stem}\n\n{bite.mutation_score} (mutants of each solution region, `audits/bite/mutants.py`)\n\n"
            f"| region | mutants run | killed | not run |\n|---|---|---|---|\n{rows}")  # fmt: skip


def _counts(bite: Bite, isolation: str) -> dict:
    summary = bite.summary
    counts = {key: getattr(summary, key) for key in ("graded", "solution_passed", "student_failed", "regions", "caught", "stopped")}
    if bite.scores is not None:
        s = bite.scores
        counts.update({
            "mutants": s.mutants, "killed": s.killed, "equivalent": bite.equivalent, "mutants_not_run": s.skipped,
            "mutation_regions": [{"region": r.region.name, "first": r.region.first, "last": r.region.last, "mutants": r.run,
                                  "killed": r.killed, "not_run": r.skipped} for r in s.regions],
        })  # fmt: skip
    return {**counts, "verdict": bite.verdict.lower(), "seconds": round(summary.seconds, 2), "isolation": isolation}


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, not {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, not {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m audits.bite", description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?", help="module number (05) or path to a module source (default: every module)")
    parser.add_argument("--root", help="the checkout (default: the one holding the source path given, else the current directory's, searched upward)")
    parser.add_argument("--format", choices=list(report.FORMATS), help="render the findings in this format (default: the table)")
    parser.add_argument("--timeout", type=_positive(float), default=Limits.timeout, help="seconds (wall-clock and CPU) one cell may run (default: %(default)s)")
    parser.add_argument("--memory-mb", type=_positive(int), default=Limits.memory_mb, help="address space of each child process, MiB (default: %(default)s)")
    parser.add_argument("--disk-mb", type=_positive(int), default=Limits.disk_mb, help="everything one module's run may write (its sandbox's scratch), MiB (default: %(default)s)")
    parser.add_argument("--processes", type=_positive(int), default=Limits.processes, help="processes one module's run may have at a time, in its sandbox (default: %(default)s)")
    parser.add_argument("--no-sandbox", action="store_true", help="run the course code without the operating-system sandbox: it can then read, write and delete your files, use the network and signal your processes (only for code you trust, where bubblewrap cannot run)")
    parser.add_argument("--jobs", type=_positive(int), default=os.cpu_count() or 1, help="modules run side by side (default: the CPU count)")
    parser.add_argument("--no-mutants", action="store_true", help="skip the mutants (BITE006): only the solution, student and knockout versions run")
    parser.add_argument("--mutants-per-region", type=_positive(int), default=None, help="at most N mutants of each region, every operator in turn, none on a line whose BITE006 is suppressed (default: all)")
    parser.add_argument("--mutant-timeout", type=_positive(float), default=Limits.mutant_timeout, help="seconds one cell of a mutant may run before the mutant counts as caught (default: %(default)s)")
    add_selection(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def body() -> int:
        if os.name != "posix":  # the static audit runs anywhere; running cells needs fork, rlimits and process groups
            raise InputError("python -m audits.bite needs a POSIX system (Linux or macOS): it runs cells in forked, resource-limited child processes")
        auditor = Auditor(args.root)
        auditor.leave_out(ignored_codes(args, ()))
        warn(auditor.conventions)  # what nbgrader_config.py sets without a literal: one line each, the defaults apply
        modules = targets(auditor, args.target)
        limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb, disk_mb=args.disk_mb, processes=args.processes,
                        sandboxed=not args.no_sandbox, mutant_timeout=args.mutant_timeout)
        isolation = limits.isolation  # before any run: no sandbox and no --no-sandbox is one line, exit 2
        on_terminal = sys.stderr.isatty()
        if on_terminal:
            print(f"bite: running {len(modules)} module(s), {max(1, args.jobs)} at a time ({isolation})", file=sys.stderr, flush=True)
        bites = run_all(auditor, modules, limits, args.jobs, progress_line if on_terminal else None, not args.no_mutants, args.mutants_per_region)
        rendering = render(bites, args.format, _dt.date.today(), isolation)
        sys.stdout.write(report.for_stream(args.format, rendering, sys.stdout) if args.format else rendering)
        return EXIT_READY if args.exit_zero or all(bite.bites for bite in bites) else EXIT_BLOCKED

    return guarded_main(body)


if __name__ == "__main__":
    sys.exit(main())
