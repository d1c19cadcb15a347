"""`python -m audits.bite`: graded tests run on the solution, the student version and each knockout,
in isolated child processes. Also the bite check of our own modules: CI fails when a test stops biting."""

import json
import sys
from pathlib import Path

import pytest
from testkit.auditkit import (
    assert_one_line_error,
    line_of,
    make_checkout,
    marker,
    source,
)
from testkit.bitekit import reuse_bite_runs

from audits.auditor import Auditor
from audits.bite.__main__ import bite_module, main
from audits.bite.runner import Limits
from audits.parse import parse_text
from audits.conventions import DEFAULT
from audits.solutions import solution_regions, stubbed_source, student_source

FIXTURES = Path(__file__).resolve().parent / "bite_fixtures"
CHECKOUT = Path(__file__).resolve().parents[2]


MUTATION_KEYS = ("mutants", "killed", "equivalent", "mutants_not_run", "mutation_regions")


def mutation_counts(counts: dict) -> tuple:
    """Take the mutation fields out of a module's "bite" block: (mutants, killed, equivalent, not run)."""
    fields = {key: counts.pop(key) for key in MUTATION_KEYS}
    return fields["mutants"], fields["killed"], fields["equivalent"], fields["mutants_not_run"]


def run_json(capsys, *args):
    code = main([*args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


IMPL_TWO = marker("two", "impl") + '\ndef two():\n    """TODO."""\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n'
TEST_TWO = marker("test-two", "test") + "\ndef test_unit_two():\n    assert two() == 2\n\ntest_unit_two()\n"


# -- the student version, as nbgrader makes it ---------------------------------------------


def test_student_version_stubs_each_region_at_its_markers_indentation():
    text = source(marker("f", "impl") + '\ndef f(x):\n    """TODO."""\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n')
    module = parse_text(text)
    cell = module.code_cells()[-1]
    assert student_source(cell) == 'def f(x):\n    """TODO."""\n    # YOUR CODE HERE\n    raise NotImplementedError()'
    padded = student_source(cell, keep_lines=True)
    assert len(padded.split("\n")) == len(cell.source.split("\n"))  # line numbers survive for tracebacks
    (region,) = solution_regions(module)
    assert (region.first, region.last) == (line_of(text, "### BEGIN"), line_of(text, "### END"))
    assert stubbed_source(cell, []) == cell.source


def test_a_solution_cell_without_markers_is_replaced_whole():
    module = parse_text(source(marker("g", "impl") + "\ndef g():\n    return 1\n"))
    assert student_source(module.code_cells()[-1]) == DEFAULT.code_stub


# -- fixture courses ---------------------------------------------------------------------


@pytest.fixture
def one_run_of_defects(monkeypatch):
    """The defects fixture runs once (on one xdist worker) for the JSON report and the Markdown review."""
    reuse_bite_runs(monkeypatch)


@pytest.mark.xdist_group("bite-defects")
def test_defects_fixture_gives_exactly_its_four_defects(capsys, one_run_of_defects):
    code, report = run_json(capsys, "--root", str(FIXTURES / "defects"))
    assert code == 1
    (module,) = report["modules"]
    text = (FIXTURES / "defects/modules/01_widget/widget.py").read_text(encoding="utf-8")
    test_scale = line_of(text, '"grade_id": "test-scale"')
    shift_region = line_of(text, "### BEGIN SOLUTION", nth=2)
    counter_region = line_of(text, "### BEGIN SOLUTION", nth=3)
    assert sorted((f["code"], f["line"]) for f in module["findings"]) == sorted([
        ("GR001", test_scale), ("BITE002", test_scale),                 # a test of provided code
        ("BITE003", shift_region),                                      # a region no test checks
        ("GR002", counter_region), ("BITE005", counter_region),         # a class-body region
        ("GR003", line_of(text, '"grade_id": "widget-helpers"')),       # an unlocked helper
    ])  # fmt: skip
    assert module["bite"].pop("seconds") > 0 and module["bite"].pop("isolation").startswith("bubblewrap: ")
    assert mutation_counts(module["bite"]) == (9, 9, 0, 5)  # the 5 mutants of `shift` (BITE003) are not run
    assert module["bite"].pop("verdict") == "does not bite"
    assert module["bite"] == {"graded": 3, "solution_passed": 3, "student_failed": 2, "regions": 3, "caught": 2, "stopped": None}
    uncaught = next(f for f in module["findings"] if f["code"] == "BITE003")
    assert "`shift`" in uncaught["message"] and uncaught["excerpt"].splitlines()[-1].strip() == "### END SOLUTION"


@pytest.mark.xdist_group("bite-defects")
def test_markdown_review_names_the_dynamic_check_and_each_finding(capsys, one_run_of_defects):
    code = main(["--root", str(FIXTURES / "defects"), "--format", "markdown"])
    review = capsys.readouterr().out
    assert code == 1
    assert "- **Reviewer:** `python -m audits.bite` (dynamic check" in review
    for code_name in ("GR001", "GR002", "GR003", "BITE002", "BITE003", "BITE005"):
        assert f"**{code_name}**" in review, code_name
    assert "`shift` in cell double" in review


def test_clean_fixture_bites(capsys):
    code, report = run_json(capsys, "--root", str(FIXTURES / "clean"))
    (module,) = report["modules"]
    assert code == 0 and module["findings"] == []
    assert module["bite"].pop("seconds") > 0 and module["bite"].pop("isolation").startswith("bubblewrap: ")
    assert mutation_counts(module["bite"]) == (14, 14, 0, 0)
    assert module["bite"].pop("verdict") == "bites"
    assert module["bite"] == {"graded": 3, "solution_passed": 3, "student_failed": 3, "regions": 4, "caught": 4, "stopped": None}


def test_nbgrader_quickstart_notebook(capsys):
    """nbgrader's own example assignment (a notebook): its tests bite. Its manually graded answer cell
    (`sum_of_squares_application`, a solution cell without markers, stubbed whole) is graded by a person:
    no test is meant to catch it (no BITE003), and its stub raising is how nbgrader works (no BITE005)."""
    course = Path(__file__).resolve().parent / "layouts" / "nbgrader_course"
    code, report = run_json(capsys, "source/ps1/problem1.ipynb", "--root", str(course))
    (module,) = report["modules"]
    assert code == 0 and module["findings"] == []
    assert module["module"]["profile"] == "nbgrader"
    bite = module["bite"]
    assert (bite["graded"], bite["solution_passed"], bite["student_failed"], bite["regions"], bite["caught"]) == (4, 4, 4, 2, 2)


def cell(kind, text, grade_id, **flags):
    """A notebook cell with nbgrader metadata (flags override the defaults of a plain locked-off cell)."""
    import nbformat

    meta = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3, "solution": False, "task": False, **flags}
    make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    return make(text, metadata={"nbgrader": meta})


def write_notebook(path: Path, cells: list) -> Path:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))
    return path


TESTED = [cell("code", "### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", "answer", solution=True),
          cell("code", "assert answer == 42", "test-answer", grade=True, locked=True, points=1)]


def test_a_notebook_graded_by_hand_only_is_nothing_graded_not_bites(capsys, tmp_path):
    """A notebook with no autograded test cell (a free-text answer, a code answer graded by a person)
    has no test to judge: its status says NOTHING GRADED, never BITES, and it blocks nothing."""
    folder = tmp_path / "course" / "source" / "ps1"
    by_hand = [cell("markdown", "Why?\n\nBecause.", "essay", solution=True, grade=True, points=2),
               cell("code", "plot = 'a plot'", "drawing", solution=True, grade=True, points=3)]
    for name, cells in (("by_hand", by_hand), ("tested", TESTED)):
        write_notebook(folder / f"{name}.ipynb", cells)
    root = str(tmp_path / "course")
    code = main(["--root", root, "--no-mutants"])
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert code == 0
    assert rows["ps1-by_hand"].endswith("NOTHING GRADED") and rows["ps1-tested"].endswith("BITES")
    assert rows["total"].endswith("1 of 2 NOTHING GRADED, 1 of 2 BITE")
    code, report = run_json(capsys, "--root", root, "--no-mutants")
    assert code == 0 and [m["bite"]["verdict"] for m in report["modules"]] == ["nothing graded", "bites"]


def test_a_release_or_a_submission_is_one_bite007_pointing_to_its_source(capsys, tmp_path):
    """A notebook nbgrader made (release/, a student's submitted/ or autograded/ copy) has a student's
    code where the solutions were: run as a source, every graded cell would "fail on the solution".
    Bite runs nothing there and names the source notebook to run instead."""
    write_notebook(tmp_path / "source" / "ps1" / "quiz.ipynb", TESTED)
    student = [TESTED[0].copy(), TESTED[1]]
    student[0]["source"] = "# YOUR CODE HERE\nraise NotImplementedError()"
    for copy in ("release/ps1/quiz.ipynb", "submitted/bob/ps1/quiz.ipynb", "autograded/bob/ps1/quiz.ipynb"):
        write_notebook(tmp_path / copy, student)
        code, report = run_json(capsys, str(tmp_path / copy), "--root", str(tmp_path), "--no-mutants")
        (module,) = report["modules"]
        (finding,) = module["findings"]
        assert code == 1 and finding["code"] == "BITE007" and module["bite"]["graded"] == 0, copy
        assert "not a course source" in finding["message"] and "run bite on its source, source/ps1/quiz.ipynb" in finding["message"]
    code, report = run_json(capsys, str(tmp_path / "source/ps1/quiz.ipynb"), "--root", str(tmp_path), "--no-mutants")
    assert code == 0 and report["modules"][0]["bite"]["verdict"] == "bites"


@pytest.mark.xdist_group("limit-hang-hoard")  # seconds long: started early (conftest.py)
def test_cells_that_hang_or_hoard_memory_become_findings_not_a_hung_run():
    auditor = Auditor(FIXTURES / "limits")
    module = auditor.index.source(1)
    # No mutants (a mutant that hangs is test_bite_mutation.py's): the forks that overrun are the
    # student version and the knockouts, each killed `grace` after its cell's limit.
    bite = bite_module(auditor, module, Limits(timeout=0.5, grace=0.25, memory_mb=700), mutants=False)
    text = "\n".join(module.lines)
    limits = {f.line: f.message for f in bite.findings if f.code == "BITE004"}
    assert set(limits) == {line_of(text, '"grade_id": "test-forever"'), line_of(text, '"grade_id": "test-hoard"')}
    assert "killed" in limits[line_of(text, '"grade_id": "test-forever"')]  # it ignored the alarm and SIGXCPU
    assert "out of memory" in limits[line_of(text, '"grade_id": "test-hoard"')]
    assert bite.summary.solution_passed == 2 and bite.summary.stopped is None


@pytest.mark.xdist_group("limit-deaf-cell")  # seconds long: started early (conftest.py)
def test_a_solution_cell_deaf_to_every_limit_stops_the_run_with_a_finding(tmp_path):
    """The solution walk itself hangs (signals ignored): the watchdog kills the child's whole
    process group and the report says where it stopped, instead of hanging the auditor."""
    # It sleeps while it hangs: the watchdog goes by progress over time, and waiting for it costs the suite no CPU.
    hang = marker("hang") + "\nimport signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.005)\n"
    root = make_checkout(tmp_path / "course", {"01_widget": source(IMPL_TWO, hang, TEST_TWO)})
    auditor = Auditor(root)
    bite = bite_module(auditor, auditor.index.source(1), Limits(timeout=0.3, grace=0.15), mutants=False)
    assert bite.summary.stopped is not None and "no progress" in bite.summary.stopped
    (finding,) = bite.findings  # one finding for the cell, though it also overran in the student version and a knockout
    assert finding.code == "BITE004" and not bite.bites
    assert finding.line == line_of(source(IMPL_TWO, hang, TEST_TWO), '"grade_id": "hang"') and "bite stopped here" in finding.message
    assert bite.summary.solution_passed == 0  # the graded cell after the hang never ran


# A cell that leaves something running in the background: a process, as multiprocessing's fork start
# method or a server started from a notebook makes one (it holds every pipe of the process that forked
# it), or a thread that is not a daemon (the interpreter waits for it before it exits).
LINGER = {
    "process": "import os, time\nif os.fork() == 0:\n    time.sleep(600)\n    os._exit(0)\n",
    "thread": "import threading, time\nthreading.Thread(target=time.sleep, args=(600,)).start()\n",
}


@pytest.mark.timeout(60)  # the cell limit is 300 s: a run that waits for the background process to end fails here
@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandbox", "no-sandbox"])
@pytest.mark.parametrize("kind", sorted(LINGER))
def test_a_process_the_course_leaves_running_does_not_hold_up_the_run(tmp_path, sandboxed, kind):
    """Each version ends with its last cell, though a process its cells forked still holds its pipe
    (the student version and the knockout fork one too) or a thread keeps the interpreter alive; what
    is left is killed with the worker (the runner stops reading at the worker's last event)."""
    linger = marker("linger") + "\n" + LINGER[kind]
    root = make_checkout(tmp_path / "course", {"01_widget": source(IMPL_TWO, linger, TEST_TWO)})
    auditor = Auditor(root)
    bite = bite_module(auditor, auditor.index.source(1), Limits(timeout=300, sandboxed=sandboxed), mutants=False)
    assert bite.summary.stopped is None and bite.findings == [] and bite.bites
    assert bite.summary.solution_passed == bite.summary.student_failed == bite.summary.graded == 1 and bite.summary.caught == 1


def test_course_code_runs_isolated_in_a_scratch_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("BITE_SECRET", "token")
    checks = (
        "import os, sys\n"
        "def test_unit_isolated():\n"
        "    assert sys.flags.isolated == 1 and sys.flags.no_site == 0\n"  # python -I's flags: a child interpreter finds the packages too
        "    assert 'BITE_SECRET' not in os.environ and 'PYTHONPATH' not in os.environ\n"
        f"    assert not os.getcwd().startswith({str(tmp_path)!r})\n"
        "    open('written-by-the-course.txt', 'w').close()\n"
        "    assert two() == 2\n"
        "test_unit_isolated()\n"
    )
    impl = marker("two", "impl") + '\ndef two():\n    """TODO."""\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n'
    root = make_checkout(tmp_path / "course", {"01_widget": source(impl, marker("test-isolated", "test") + "\n" + checks)})
    auditor = Auditor(root)
    bite = bite_module(auditor, auditor.index.source(1), Limits(timeout=20))
    assert bite.findings == [] and bite.summary.solution_passed == 1 and bite.summary.caught == 1
    assert not list(tmp_path.rglob("written-by-the-course.txt")) and not Path("written-by-the-course.txt").exists()
    assert "widget" not in sys.modules and "two" not in globals()


@pytest.mark.parametrize(
    "args, needle",
    [(["99"], "no module 99"), (["--root", "/nonexistent/dir"], "not a readable directory"),
     (["--timeout", "-1"], "positive number"), (["--jobs", "x"], "positive number")],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(args, needle, capsys):
    try:
        code = main([*args, "--root", str(FIXTURES / "clean")] if "--root" not in args else args)
    except SystemExit as exit:  # argparse usage errors
        code = exit.code
    assert_one_line_error(code, capsys.readouterr().err, needle)


# -- our own modules: CI fails when a graded test stops biting ------------------------------


# One test per module (the folders are the source of truth for what exists), so xdist can
# spread the runs over its workers instead of one worker running all twenty.
OUR_MODULES = sorted(path.name for path in (CHECKOUT / "modules").iterdir() if (path / f"{path.name[3:]}.py").is_file())


def test_the_bite_check_covers_every_module_of_the_course():
    assert len(OUR_MODULES) == 20 and OUR_MODULES[0] == "01_tensor" and OUR_MODULES[-1] == "20_capstone"


# Module 02 runs every one of its mutants here, not a sample: test_bite_mutation.py checks that run
# too (one run for both, in this process: the same xdist group).
EVERY_MUTANT = "02_activations"


# Each module's run is a group of its own: seconds long, so sent first (conftest.py), never left for the end.
@pytest.mark.parametrize("folder", [pytest.param(f, marks=pytest.mark.xdist_group("bite-module-02" if f == EVERY_MUTANT else f"bite-{f}")) for f in OUR_MODULES])
def test_every_graded_test_of_our_modules_bites(capsys, monkeypatch, folder):
    # Two mutants of each region (every operator in turn, deterministic): a sample, so the suite stays
    # fast; every mutant of module 02 (shared with test_bite_mutation.py); `python -m audits.bite` all of them.
    if folder == EVERY_MUTANT:
        reuse_bite_runs(monkeypatch)
    sample = [] if folder == EVERY_MUTANT else ["--mutants-per-region", "2"]
    code, report = run_json(capsys, "--root", str(CHECKOUT), folder[:2], "--jobs", "1", *sample)
    findings = [f"{f['path']}:{f['line']} {f['code']} {f['message']}" for m in report["modules"] for f in m["findings"]]
    assert (code, findings) == (0, []), [module["bite"] for module in report["modules"]]  # on failure: what bite found, and its counts
    (module,) = report["modules"]
    assert module["module"]["folder"] == folder
    counts = module["bite"]
    assert counts["stopped"] is None
    assert counts["graded"] > 0 and counts["regions"] > 0
    assert counts["solution_passed"] == counts["student_failed"] == counts["graded"]
    assert counts["caught"] == counts["regions"]
    assert counts["mutants"] > 0 and counts["killed"] == counts["mutants"] - counts["equivalent"]
