"""`python -m audits.bite` with mutants: a wrong answer no graded test catches is BITE006, with its
line, the code before and after and the graded cells that ran it; scores per module and region in
every format; suppressed equivalent mutants listed; hanging mutants caught by their time limit.
Also the mutation check of our own modules (every mutant of module 02 here, from the run test_bite.py
makes of it; a sample of every other module there): CI fails when a graded test stops catching wrong answers."""

import json
from pathlib import Path

import pytest
from testkit.auditkit import line_of, make_checkout, marker, source
from testkit.bitekit import reuse_bite_runs

from audits.auditor import Auditor
from audits.bite.__main__ import bite_module, main
from audits.bite.runner import Limits

CHECKOUT = Path(__file__).resolve().parents[2]

IMPL = marker("double", "impl") + (
    '\ndef double(x):\n    """TODO: twice x."""\n    ### BEGIN SOLUTION\n    y = x + x\n    return y\n    ### END SOLUTION\n'
)
STRICT = marker("test-double", "test") + "\nassert double(3) == 6 and double(-1) == -2\n"
SHAPE_ONLY = marker("test-double", "test") + "\nassert double(3) is not None\n"


def run(capsys, root, *args):
    code = main(["1", "--root", str(root), *args])
    return code, capsys.readouterr().out


def test_a_test_that_checks_only_that_something_came_back_lets_wrong_answers_through(tmp_path, capsys):
    text = source(IMPL, SHAPE_ONLY)
    code, out = run(capsys, make_checkout(tmp_path, {"01_widget": text}), "--format", "json")
    assert code == 1
    (module,) = json.loads(out)["modules"]
    survivors = [f for f in module["findings"] if f["code"] == "BITE006"]
    assert {f["line"] for f in survivors} == {line_of(text, "y = x + x"), line_of(text, "return y")}
    assert all("graded cells that ran it: `test-double`" in f["message"] for f in survivors)
    assert any("`y = x + x` -> `y = (x - x)`" in f["message"] for f in survivors)
    assert module["bite"]["killed"] == 0 and module["bite"]["mutants"] > len(survivors)  # one finding per line


def test_a_strict_test_kills_every_mutant_and_every_format_shows_the_score(tmp_path, capsys, monkeypatch):
    reuse_bite_runs(monkeypatch)  # one run in every format, one without mutants
    root = make_checkout(tmp_path, {"01_widget": source(IMPL, STRICT)})
    code, out = run(capsys, root)
    assert code == 0
    assert "killed (100%)" in out and "mutants killed by region:" in out and "`double` in cell double" in out
    code, out = run(capsys, root, "--format", "markdown")
    assert code == 0 and "## Mutation score: 01_widget" in out and "| `double` in cell double, lines" in out
    code, out = run(capsys, root, "--format", "json")
    bite = json.loads(out)["modules"][0]["bite"]
    assert bite["mutants"] == bite["killed"] > 0 and bite["mutation_regions"][0]["killed"] == bite["killed"]
    code, out = run(capsys, root, "--format", "json", "--no-mutants")
    assert code == 0 and "mutants" not in json.loads(out)["modules"][0]["bite"]


def test_an_equivalent_survivor_suppressed_on_its_line_is_listed_not_blocking(tmp_path, capsys):
    impl = marker("absolute", "impl") + (
        '\ndef absolute(x):\n    """TODO."""\n    ### BEGIN SOLUTION\n'
        "    return x if x >= 0 else -x  # audit: ignore[BITE006] at 0 both branches give 0\n    ### END SOLUTION\n"
    )
    test = marker("test-absolute", "test") + "\nassert absolute(2) == 2 and absolute(-3) == 3\n"
    code, out = run(capsys, make_checkout(tmp_path, {"01_widget": source(impl, test)}))
    assert code == 0
    assert "suppressed BITE006" in out and "(x > 0)" in out and "1 equivalent" in out


def test_only_a_survivor_runs_under_the_trace_that_names_the_graded_cells_that_ran_it(tmp_path, capsys):
    """A mutant runs untraced first (the trace costs a third of its time); only a survivor runs again,
    traced, to name the graded cells that ran it (the test above). This graded test passes under a
    trace whatever the answer: run untraced, every mutant is caught; traced from the start, every
    one would survive."""
    test = marker("test-double", "test") + "\nimport sys\nassert double(3) == 6 or sys.gettrace() is not None\n"
    code, out = run(capsys, make_checkout(tmp_path, {"01_widget": source(IMPL, test)}), "--format", "json")
    (module,) = json.loads(out)["modules"]
    assert code == 0 and module["findings"] == []
    assert module["bite"]["killed"] == module["bite"]["mutants"] > 0


def test_a_line_no_graded_cell_runs_is_named_so(tmp_path, capsys):
    impl = marker("sign", "impl") + (
        '\ndef sign(x):\n    """TODO."""\n    ### BEGIN SOLUTION\n    if x < 0:\n        return -1\n    return 1\n    ### END SOLUTION\n'
    )
    test = marker("test-sign", "test") + "\nassert sign(5) == 1\n"  # never a negative number
    code, out = run(capsys, make_checkout(tmp_path, {"01_widget": source(impl, test)}))
    assert code == 1
    assert any("return -1" in line and "no graded cell ran this line" in line for line in out.splitlines() if "BITE006" in line)


COUNT = marker("count", "impl") + (
    '\ndef count(n):\n    """TODO: the first even number >= n."""\n    ### BEGIN SOLUTION\n    i = 0\n    while i < n:\n        i += 2\n    return i\n    ### END SOLUTION\n'
)


def test_a_mutant_that_loops_forever_is_caught_by_its_time_limit_not_reported(tmp_path, capsys):
    test = marker("test-count", "test") + "\nassert count(3) == 4 and count(4) == 4\n"
    code, out = run(capsys, make_checkout(tmp_path, {"01_widget": source(COUNT, test)}), "--format", "json", "--mutant-timeout", "0.2")
    (module,) = json.loads(out)["modules"]
    assert code == 0 and module["findings"] == []  # `i -= 2` never ends: caught, and no BITE004
    assert module["bite"]["killed"] == module["bite"]["mutants"] > 0


def test_a_mutant_deaf_to_its_time_limit_is_killed_and_caught(tmp_path):
    """The same loop with the alarm and SIGXCPU ignored: the worker kills the mutant's process past the
    grace, and what it reported before (held back while it ran) comes before the timeout, in order."""
    test = marker("test-count", "test") + (
        "\nimport signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
        "assert count(3) == 4 and count(4) == 4\n"
    )
    root = make_checkout(tmp_path, {"01_widget": source(COUNT, test)})
    auditor = Auditor(root)
    bite = bite_module(auditor, auditor.index.source(1), Limits(timeout=5, grace=0.1, mutant_timeout=0.1))
    assert bite.findings == [] and bite.summary.stopped is None
    statuses = [outcome.status for outcomes in bite.run.mutants.values() for outcome in outcomes.values()]
    assert "timeout" in statuses and set(statuses) <= {"timeout", "fail"}


@pytest.mark.xdist_group("planted-weak-test")  # seconds long: started early (conftest.py)
def test_the_planted_weak_creation_test_of_module_01_is_found(tmp_path, capsys):
    """Issue 19's example: test-creation reduced to building a Tensor and asserting item() is not None."""
    text = (CHECKOUT / "modules/01_tensor/tensor.py").read_text(encoding="utf-8")
    start, end = text.index("def test_unit_creation():"), text.index('if __name__ == "__main__":\n    test_unit_creation()')
    weak = "def test_unit_creation():\n    x = Tensor([[1.0, 2.0], [3.0, 4.0]])\n    assert Tensor(5.0).item() is not None\n\n\n"
    root = make_checkout(tmp_path, {"01_tensor": text[:start] + weak + text[end:]})
    code, out = run(capsys, root, "--format", "json", "--mutants-per-region", "2")  # the sample test_bite.py runs on every module
    assert code == 1
    survivors = [f for f in json.loads(out)["modules"][0]["findings"] if f["code"] == "BITE006"]
    assert survivors and all("`test-creation`" in f["message"] and "Tensor.__init__" in f["message"] for f in survivors)


@pytest.mark.xdist_group("bite-module-02")
def test_every_mutant_of_our_module_02_is_killed(capsys, monkeypatch):
    reuse_bite_runs(monkeypatch)  # the run test_bite.py's check of module 02 makes (every mutant there too)
    code = main(["2", "--root", str(CHECKOUT), "--format", "json", "--jobs", "1"])
    (module,) = json.loads(capsys.readouterr().out)["modules"]
    assert code == 0 and [f for f in module["findings"] if f["code"] == "BITE006"] == []
    assert module["bite"]["mutants"] >= 40 and module["bite"]["killed"] == module["bite"]["mutants"] - module["bite"]["equivalent"]
