"""nbgrader's `### AUTOTEST` lines: bite writes their tests as nbgrader's release does (from autotests.yml,
values printed by the solution) and grades every version with them. That nbgrader itself gives the
same verdicts is tests/audits/test_bite_nbgrader.py's business (nbgrader's own autotest example)."""

import json
from pathlib import Path

import nbformat
import pytest

from audits.bite.__main__ import main

# autotests.yml as nbgrader documents it, cut to the types used here.
AUTOTESTS = '''\
python3:
    setup: "from hashlib import sha1"
    hash: 'sha1({{snippet}}.encode("utf-8")+b"{{salt}}").hexdigest()'
    dispatch: "type({{snippet}})"
    normalize: "str({{snippet}})"
    check: 'assert {{snippet}} == """{{value}}""", """{{message}}"""'
    success: "print('Success!')"
    templates:
        default:
            - test: "type({{snippet}})"
              fail: "type of {{snippet}} is not correct"
            - test: "{{snippet}}"
              fail: "value of {{snippet}} is not correct"
        list:
            - test: "type({{snippet}})"
              fail: "type of {{snippet}} is not list"
            - test: "len({{snippet}})"
              fail: "length of {{snippet}} is not correct"
            - test: "{{snippet}}"
              fail: "value of {{snippet}} is not correct"
'''

SQUARES = '''def squares(n):
    """The squares 1, 4, ... n * n."""
    ### BEGIN SOLUTION
    return [i * i for i in range(1, n + 1)]
    ### END SOLUTION'''


def cell(text, grade_id, **flags):
    meta = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3, "solution": False, "task": False, **flags}
    return nbformat.v4.new_code_cell(text, metadata={"nbgrader": meta})


def course(tmp_path: Path, *graded: str, yml: str = AUTOTESTS, solution: str = SQUARES, kernel: str = "python3") -> Path:
    """A course of one notebook (kernelspec `kernel`): the solution cell, then one graded cell per text."""
    folder = tmp_path / "source" / "ps1"
    folder.mkdir(parents=True)
    cells = [cell(solution, "squares", solution=True)]
    cells += [cell(text, f"test-{n}", grade=True, locked=True, points=1) for n, text in enumerate(graded)]
    kernelspec = {"name": kernel, "display_name": "Python 3", "language": "python"}
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), str(folder / "squares.ipynb"))
    (tmp_path / "autotests.yml").write_text(yml, encoding="utf-8")  # the course root's: nbgrader's fallback
    return tmp_path


def bite(capsys, root: Path, *args):
    code = main(["--root", str(root), "--format", "json", *args])
    (module,) = json.loads(capsys.readouterr().out)["modules"]
    return code, module


def test_the_tests_nbgrader_writes_for_autotest_lines_bite_and_catch_wrong_answers(tmp_path, capsys):
    """Plain and HASHED lines: the checks pass on the solution, fail on the stub, catch the region
    knocked out and kill the mutants (an off-by-one range, a wrong operator), as in nbgrader's release."""
    root = course(tmp_path, '"""Check squares."""\n### AUTOTEST squares(3); len(squares(2))\n### HASHED AUTOTEST squares(4)\nassert squares(0) == []')
    code, module = bite(capsys, root)
    counts = module["bite"]
    assert code == 0 and module["findings"] == [], module["findings"]
    assert (counts["graded"], counts["solution_passed"], counts["student_failed"], counts["caught"]) == (1, 1, 1, 1)
    assert counts["mutants"] > 0 and counts["killed"] == counts["mutants"]


def test_an_autotest_check_that_a_wrong_solution_fails_is_a_failure_on_the_solution(tmp_path, capsys):
    """The expected values are the solution's own, printed while the tests are written: a solution that
    changes between that run and the next (unseeded randomness) fails its own checks, in nbgrader too."""
    solution = "import random\n" + SQUARES.replace("return [i * i", "return [random.random() + i * i")
    code, module = bite(capsys, course(tmp_path, "### AUTOTEST squares(2)", solution=solution), "--no-mutants")
    (finding,) = module["findings"]
    assert code == 1 and finding["code"] == "BITE001" and "AssertionError: value of squares(2) is not correct" in finding["message"]


@pytest.mark.parametrize("graded, yml, why", [
    ("### AUTOTEST missing_name", AUTOTESTS, "`test-0` raised NameError: name 'missing_name' is not defined while nbgrader ran the solution"),
    ("### AUTOTEST squares(2)", AUTOTESTS.replace('"""{{value}}"""', '"""{{value | upper}}"""'), "the `check` template of its autotests.yml transforms the value"),
    ("### AUTOTEST squares(2)", AUTOTESTS.replace("        default:", "        other:"), "has no `default` templates for 'python3'"),
    ("### AUTOTEST squares(2)", "python2: {}\n", "has no complete entry for the kernel 'python3'"),
    ("### AUTOTEST squares(2)", AUTOTESTS.replace('dispatch: "type({{snippet}})"', "dispatch: {type: 1}"), "has no complete entry for the kernel 'python3'"),
    ("### AUTOTEST squares(2)", "python3: [\n", "cannot be read as YAML"),
    ("### HASHED AUTOTEST squares(2)", AUTOTESTS.replace("    hash:", "    unused:"), "`### HASHED AUTOTEST` but autotests.yml sets no `hash` template"),
])  # fmt: skip
def test_a_notebook_nbgraders_release_stops_on_is_one_bite007_and_no_verdicts(tmp_path, capsys, graded, yml, why):
    code, module = bite(capsys, course(tmp_path, graded, yml=yml), "--no-mutants")
    (finding,) = module["findings"]
    assert code == 1 and finding["code"] == "BITE007" and why in finding["message"], finding["message"]
    assert module["bite"]["graded"] == 0 and module["bite"]["verdict"] == "does not bite"


def test_a_kernel_nbgrader_has_no_comment_string_for_is_refused(tmp_path, capsys):
    """InstantiateTests knows the kernels python, python3 and ir by name; any other stops the release."""
    code, module = bite(capsys, course(tmp_path, "### AUTOTEST squares(2)", kernel="conda-env-py"), "--no-mutants")
    (finding,) = module["findings"]
    assert code == 1 and finding["code"] == "BITE007" and "its kernel 'conda-env-py' has no comment string" in finding["message"]


def test_an_autotest_line_outside_a_graded_cell_is_refused(tmp_path, capsys):
    root = course(tmp_path, "assert squares(1) == [1]")
    notebook = root / "source" / "ps1" / "squares.ipynb"
    node = nbformat.read(str(notebook), as_version=4)
    node.cells.insert(1, cell("### AUTOTEST squares(1)", "helper"))
    nbformat.write(node, str(notebook))
    code, module = bite(capsys, root, "--no-mutants")
    (finding,) = module["findings"]
    assert code == 1 and finding["code"] == "BITE007" and "an `### AUTOTEST` line in `helper`, which is not a graded cell" in finding["message"]


def test_a_cell_that_overruns_while_the_tests_are_written_is_refused_at_its_limit(tmp_path, capsys):
    """nbgrader's kernel runs the solution to compute the expected values; a cell that never ends
    there stops the release. Bite stops it at the cell's time limit and names it."""
    graded = "import time\n### AUTOTEST time.sleep(30) or squares(1)"
    code, module = bite(capsys, course(tmp_path, graded), "--no-mutants", "--timeout", "0.3")
    (finding,) = module["findings"]
    assert code == 1 and finding["code"] == "BITE007" and "`test-0` ran past the wall-clock limit of 0.3 s" in finding["message"]


def test_a_process_the_solution_leaves_running_does_not_hold_up_writing_the_tests(tmp_path, capsys):
    """The fork that writes the tests ends with its last cell, though a process the solution forked (as
    multiprocessing's fork start method does) still holds its pipe."""
    solution = "import os, time\nif os.fork() == 0:\n    time.sleep(600)\n    os._exit(0)\n" + SQUARES
    code, module = bite(capsys, course(tmp_path, "### AUTOTEST squares(3)", solution=solution), "--no-mutants", "--timeout", "20")  # a run that waited for it would be stopped (no progress)
    assert code == 0 and module["findings"] == [] and module["bite"]["caught"] == 1 and module["bite"]["solution_passed"] == 1


def test_a_setup_of_several_lines_and_a_percent_source_get_their_tests_too(tmp_path, capsys):
    """A setup that spans lines keeps its lines (the checks follow them: joined to its last line by `;`,
    they would be the body of its function, and never run); a jupytext percent source (our course's
    format) is the Python 3 notebook jupytext makes of it, and nbgrader's fallback, the course root's
    autotests.yml, serves it."""
    from testkit.auditkit import make_checkout, marker, source

    yml = AUTOTESTS.replace('setup: "from hashlib import sha1"', 'setup: "from hashlib import sha1\\ndef unused():\\n    pass"')
    code, module = bite(capsys, course(tmp_path / "notebook", "### HASHED AUTOTEST squares(3)", yml=yml), "--no-mutants")
    assert code == 0 and module["findings"] == [] and module["bite"]["caught"] == 1
    impl = marker("squares", "impl") + "\n" + SQUARES + "\n"
    root = make_checkout(tmp_path / "percent", {"01_squares": source(impl, marker("test-squares", "test") + "\n### AUTOTEST squares(3)\n")})
    (root / "autotests.yml").write_text(AUTOTESTS, encoding="utf-8")
    code, module = bite(capsys, root, "--no-mutants")
    assert code == 0 and module["findings"] == [], module["findings"]
    assert (module["bite"]["solution_passed"], module["bite"]["student_failed"], module["bite"]["caught"]) == (1, 1, 1)
