"""A course's conventions as data: package name, test layout, module-name synonyms, nbgrader's
solution delimiters and stub, from `[tool.audits]` and nbgrader_config.py (read, never run).

The courses live in tests/audits/conventions_courses/ and are copied under tmp_path (the
commands write reports and packages into the course they audit).
"""

import dataclasses
import json
import runpy
import shutil
from pathlib import Path

import pytest
from testkit.auditkit import assert_one_line_error, line_of, run_command

from audits.auditor import Auditor
from audits.bite.__main__ import main as bite_main
from audits.bite.plan import make_plan
from audits.config import load_config
from audits.conventions import DEFAULT
from audits.model import InputError
from audits.solutions import solution_regions, student_source

COURSES = Path(__file__).resolve().parent / "conventions_courses"
CHECKOUT = Path(__file__).resolve().parents[2]


def course(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(COURSES / name, tmp_path / name))


def audit(root: Path, folder: str):
    """The findings of one module, as (code, path, line) triples."""
    auditor = Auditor(root)
    ref = next(ref for ref in auditor.refs if ref.folder == folder)
    return [(f.code, f.path, f.line) for f in auditor.audit_ref(ref).findings]


def files_of(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


# -- defaults ----------------------------------------------------------------------------------


def test_defaults_are_todays_values_and_our_course_keeps_them():
    assert (DEFAULT.package, DEFAULT.tests, DEFAULT.checkpoints) == ("tinytorch", "tests", "tests/checkpoints")
    # nbgrader's own defaults (nbgrader/preprocessors/clearsolutions.py, clearhiddentests.py)
    assert (DEFAULT.begin_solution, DEFAULT.end_solution) == ("BEGIN SOLUTION", "END SOLUTION")
    assert DEFAULT.code_stub == "# YOUR CODE HERE\nraise NotImplementedError()" and DEFAULT.stub_raise == (1, "NotImplementedError")
    assert (DEFAULT.begin_hidden_tests, DEFAULT.end_hidden_tests) == ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    assert "pruning" in DEFAULT.synonyms_of("compression") and len(DEFAULT.synonyms) == 19
    assert load_config(CHECKOUT).conventions == DEFAULT


# -- nbgrader_config.py: delimiters and stub ----------------------------------------------------


def test_delimiters_and_stub_come_from_nbgrader_config(tmp_path):
    root = course(tmp_path, "answer_delimiters")
    text = (root / "modules/01_widget/widget.py").read_text(encoding="utf-8")
    conventions = Auditor(root).conventions
    assert (conventions.begin_solution, conventions.end_solution) == ("BEGIN ANSWER", "END ANSWER")
    assert conventions.stub_lines == ("# write your answer here", "raise RuntimeError('no answer yet')")
    assert (conventions.begin_hidden_tests, conventions.end_hidden_tests) == ("BEGIN SECRET", "END SECRET")
    assert audit(root, "01_widget") == []  # its regions are regions: no NB006, nothing else

    module = Auditor(root).audit_ref(Auditor(root).refs[0]).module
    (region,) = solution_regions(module)
    assert (region.first, region.last) == (line_of(text, "### BEGIN ANSWER"), line_of(text, "### END ANSWER"))
    solution, test = module.code_cells()[1:]
    assert student_source(solution, conventions=module.conventions).endswith("    # write your answer here\n    raise RuntimeError('no answer yet')")
    assert "double([-3])" not in student_source(test, conventions=module.conventions)  # hidden between BEGIN/END SECRET
    job = make_plan(module, mutants=False).job(str(root), {}, str(root))
    assert "raise RuntimeError('no answer yet')" in job["cells"][1]["student"]
    assert "raise RuntimeError('no answer yet')" in job["cells"][1]["knockouts"][0]

    (root / "nbgrader_config.py").unlink()  # nbgrader's defaults: the same source has no markers at all
    assert ("NB006", "modules/01_widget/widget.py", line_of(text, "grade_id\": \"double\"")) in audit(root, "01_widget")


def test_export_drops_the_courses_marker_lines(tmp_path):
    root = course(tmp_path, "answer_delimiters")
    result = run_command("audits.export", "--root", root)
    assert result.returncode == 0, result.stderr
    exported = (root / "tinytorch/core/widget.py").read_text(encoding="utf-8")
    assert "return np.asarray(values, dtype=float) * 2" in exported
    assert "ANSWER" not in exported


def test_bite_stubs_with_the_courses_stub(tmp_path, capsys):
    """A region around a `def` line: the student version raises the course's stub exception while the
    cell runs (BITE005 names it); with nbgrader's default the stub would raise NotImplementedError."""
    root = course(tmp_path, "answer_delimiters")
    path = root / "modules/01_widget/widget.py"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    ### BEGIN ANSWER\n", "").replace("def double(values):", "### BEGIN ANSWER\ndef double(values):")
    path.write_text(text, encoding="utf-8")
    code = bite_main(["--root", str(root), "--no-mutants", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    messages = [f["message"] for f in report["modules"][0]["findings"] if f["code"] == "BITE005"]
    assert code == 1 and len(messages) == 1 and "raises RuntimeError from its stub" in messages[0], report


def test_bite_copies_the_files_beside_a_notebook_as_the_courses_nbgrader_does(tmp_path, capsys):
    """CourseDirectory.ignore, include and max_file_size (nbgrader_config.py) decide which files beside
    a notebook its release gets, so which its cells see in bite's copy: a graded cell listing its
    folder passes on the solution with the course's settings, and fails with nbgrader's defaults."""
    import nbformat

    folder = tmp_path / "source" / "ps1"
    folder.mkdir(parents=True)
    files = {"helper.py": "x = 1\n", "notes.txt": "n\n", "_private.py": "y = 2\n", "data.csv": "a\n", "big.txt": "b" * 2001}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    expected = ["helper.py", "listing.ipynb", "notes.txt"]
    meta = {"grade": True, "grade_id": "test-listing", "locked": True, "points": 1, "schema_version": 3, "solution": False, "task": False}
    cell = nbformat.v4.new_code_cell(f"import os\nassert sorted(os.listdir('.')) == {expected!r}, sorted(os.listdir('.'))", metadata={"nbgrader": meta})
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), str(folder / "listing.ipynb"))
    config = 'c = get_config()\nc.CourseDirectory.ignore = ["_*", "*.csv"]\nc.CourseDirectory.include = ["*.py", "*.txt"]\nc.CourseDirectory.max_file_size = 2\n'
    (tmp_path / "nbgrader_config.py").write_text(config, encoding="utf-8")
    conventions = Auditor(tmp_path).conventions
    assert (conventions.copy_ignore, conventions.copy_include, conventions.max_file_kb) == (("_*", "*.csv"), ("*.py", "*.txt"), 2)

    def solution_outcome():
        code = bite_main(["--root", str(tmp_path), "--no-mutants", "--format", "json"])
        (module,) = json.loads(capsys.readouterr().out)["modules"]
        return code, module["bite"]["solution_passed"], [f["code"] for f in module["findings"]]

    assert solution_outcome() == (1, 1, ["BITE002"])  # passes on the solution (and, listing no answer, on the student version)
    (tmp_path / "nbgrader_config.py").unlink()  # nbgrader's defaults: _private.py, data.csv and big.txt are copied too
    assert solution_outcome() == (1, 0, ["BITE001"])


# -- [tool.audits]: package, test layout, module names ------------------------------------------


def test_package_test_layout_and_synonyms_come_from_tool_audits(tmp_path):
    root = course(tmp_path, "minitorch")
    layers = (root / "modules/02_layers/layers.py").read_text(encoding="utf-8")
    source = "modules/02_layers/layers.py"
    expected = {
        ("DEP002", source, line_of(layers, "minitorch.core.tensors")),  # the package is minitorch
        ("API001", "spec/02_layers/test_layers.py", 3),  # tests live in spec/
        ("API001", "spec/capabilities/checkpoint_02_layers.py", 3),  # checkpoints in spec/capabilities/
        ("REF002", source, line_of(layers, "minitorch/core/perceptron.py")),  # minitorch/ paths are checked
        ("REF001", source, line_of(layers, "Module 01 (Perceptrons)")),  # "perceptrons" names module 02
    }
    assert set(audit(root, "02_layers")) == expected
    assert audit(root, "01_tensor") == []  # "Module 02 (Perceptrons)" is right

    pyproject = root / "pyproject.toml"  # today's conventions: none of that is seen
    pyproject.write_text(pyproject.read_text(encoding="utf-8").split("[tool.audits]")[0], encoding="utf-8")
    assert not set(audit(root, "02_layers")) & expected


def test_export_writes_the_courses_package(tmp_path):
    root = course(tmp_path, "minitorch")
    result = run_command("audits.export", "--root", root, "01", "--force")
    assert result.returncode == 0, result.stderr
    assert (root / "minitorch/core/tensor.py").read_text(encoding="utf-8").startswith("# Generated from modules/01_tensor/tensor.py")
    assert (root / "minitorch/__init__.py").read_text(encoding="utf-8").startswith('"""minitorch: ')
    assert not (root / "tinytorch").exists()


def test_the_courses_test_folder_holds_no_module_sources(tmp_path):
    """A course without modules/ or source/: its notebooks anywhere are modules, but never those in its test folder."""
    notebook = json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
                                      "source": "x = 1\n"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})  # fmt: skip
    for relative in ("lessons/loops.ipynb", "spec/loops_check.ipynb"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(notebook, encoding="utf-8")
    assert sorted(ref.path.name for ref in Auditor(tmp_path).refs) == ["loops.ipynb", "loops_check.ipynb"]
    (tmp_path / "pyproject.toml").write_text('[tool.audits]\ntests = "spec"\n', encoding="utf-8")
    auditor = Auditor(tmp_path)
    assert [ref.path.name for ref in auditor.refs] == ["loops.ipynb"]
    assert "spec/loops_check.ipynb" not in dict(auditor.index.discovery.skipped)  # a test, not a course file left out


# -- nbgrader_config.py is read, never run -------------------------------------------------------


def test_non_literal_values_are_one_line_warnings_and_the_file_never_runs(tmp_path):
    root = course(tmp_path, "computed_config")
    for command, args in (("audits.module", ("01",)), ("audits", ()), ("audits.export", ("--check",))):
        result = run_command(command, "--root", root, *args)
        warnings = result.stderr.splitlines()
        assert warnings[:2] == [
            "warning: nbgrader_config.py:9: c.ClearSolutions.begin_solution_delimeter is not set to a literal value "
            "(the file is read, never run): the audit uses 'BEGIN SOLUTION'",
            "warning: nbgrader_config.py:12: c.ClearSolutions.code_stub is set inside a block (the file is read, never run): "
            "the audit uses '# YOUR CODE HERE\\nraise NotImplementedError()'",
        ], (command, result.stderr)
        assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    assert not (root / "EXECUTED").exists()
    assert Auditor(root).conventions.end_solution == "END SOLUTION"  # the literal next to them is read


def test_the_computed_config_fixture_does_write_its_marker_when_run(tmp_path):
    """The check above can fail: running the file (as nbgrader does) writes EXECUTED."""
    from traitlets.config import Config

    root = course(tmp_path, "computed_config")
    runpy.run_path(str(root / "nbgrader_config.py"), init_globals={"get_config": Config})
    assert (root / "EXECUTED").exists()


NBGRADER_TABLE = ("python", "R", "matlab", "octave", "sas", "java")
DEFAULT_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


@pytest.mark.parametrize(
    ("name", "text", "languages", "stub"),
    [
        ("nbgrader_config.py", "", NBGRADER_TABLE, DEFAULT_STUB),  # nbgrader's own table
        ("nbgrader_config.py", 'c.ClearSolutions.code_stub = {"R": "fail()"}\n', ("R",), DEFAULT_STUB),  # an R course needs no Python stub
        ("nbgrader_config.py", 'c.ClearSolutions.code_stub = "pass"\n', ("python",), "pass"),  # nbgrader makes a string {"python": ...}
        ("nbgrader_config.py", 'c.ClearSolutions.code_stub["julia"] = "error()"\n', (*NBGRADER_TABLE, "julia"), DEFAULT_STUB),
        ("nbgrader_config.py", 'c.ClearSolutions.code_stub["julia"] = STUBS["julia"]\n', (*NBGRADER_TABLE, "julia"), DEFAULT_STUB),  # any value
        ("nbgrader_config.py", 'c.ClearSolutions.code_stub = {"python": "pass"}\nc.ClearSolutions.code_stub["R"] = "fail()"\n', ("python", "R"), "pass"),
        ("pyproject.toml", '[tool.audits]\ncode-stub = { python = "raise ValueError()", julia = "error()" }\n', ("python", "julia"), "raise ValueError()"),
    ],
)  # fmt: skip
def test_the_kernel_languages_with_a_code_stub_are_read_as_nbgrader_reads_them(tmp_path, name, text, languages, stub):
    """NB007 and bite's refusals compare a notebook's kernelspec language with these (nbgrader's ClearSolutions)."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    conventions = Auditor(tmp_path).conventions
    assert conventions.stub_languages == languages and conventions.code_stub == stub


def test_a_stub_table_without_python_does_not_disagree_with_the_python_stub_set_elsewhere(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text('c.ClearSolutions.code_stub = {"R": "fail()"}\n', encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.audits]\ncode-stub = "raise ValueError()"\n', encoding="utf-8")
    conventions = Auditor(tmp_path).conventions  # no "disagrees" InputError: nbgrader_config.py set no Python stub
    assert conventions.code_stub == "raise ValueError()" and conventions.stub_languages == ("R",)


# -- bad values: one line, exit 2, nothing written -----------------------------------------------


BAD = [
    ("pyproject.toml", '[tool.audits]\npackage = "my-torch"\n', "package must be a Python package name"),
    ("pyproject.toml", '[tool.audits]\ntests = "../elsewhere"\n', "tests must be a folder inside the course"),
    ("pyproject.toml", '[tool.audits]\nmodule-synonyms = ["pruning"]\n', "module-synonyms must be a table"),
    ("pyproject.toml", '[tool.audits]\nbegin-solution = ""\n', "begin-solution must be a non-empty one-line string"),
    ("pyproject.toml", '[tool.audits]\nbegin-solution = "SOLUTION"\n', "must not contain each other"),
    ("nbgrader_config.py", "c.ClearSolutions.begin_solution_delimeter = 42\n", "nbgrader_config.py:1: c.ClearSolutions.begin_solution_delimeter must be"),
    ("nbgrader_config.py", 'c.ClearSolutions.code_stub = {"R": 7}\n', "must map kernel language names to non-empty stubs"),
    ("pyproject.toml", '[tool.audits]\ncode-stub = { python = "raise NotImplementedError()", R = "" }\n', "must map kernel language names"),
    ("nbgrader_config.py", "c.ClearSolutions.begin_solution_delimeter = (\n", "nbgrader_config.py: not valid Python"),
    ("nbgrader_config.py", 'c.CourseDirectory.ignore = "*.csv"\n', "c.CourseDirectory.ignore must be a list of file names or globs"),
    ("nbgrader_config.py", "c.CourseDirectory.max_file_size = -1\n", "c.CourseDirectory.max_file_size must be a number of kilobytes"),
    ("nbgrader_config.py", 'c.CourseDirectory.include = ["*.py", 3]\n', "c.CourseDirectory.include must be a list of file names or globs"),
    ("nbgrader_config.py", 'c.CourseDirectory.notebook_id = ""\n', "c.CourseDirectory.notebook_id must be a non-empty one-line string"),
]


@pytest.mark.parametrize("name, text, needle", BAD, ids=[needle.split()[0] + str(i) for i, (_, _, needle) in enumerate(BAD)])
def test_bad_values_are_one_line_and_exit_2(tmp_path, name, text, needle):
    root = course(tmp_path, "answer_delimiters")
    (root / "nbgrader_config.py").unlink()
    (root / name).write_text(text, encoding="utf-8")
    before = files_of(root)
    result = run_command("audits.module", "01", "--root", root)
    assert_one_line_error(result.returncode, result.stderr, needle)
    assert files_of(root) == before


def test_tool_audits_and_nbgrader_config_must_agree(tmp_path, capsys):
    root = course(tmp_path, "answer_delimiters")
    (root / "pyproject.toml").write_text('[tool.audits]\nbegin-solution = "BEGIN SOLUTION"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"begin-solution = 'BEGIN SOLUTION' disagrees with nbgrader_config.py:4 \('BEGIN ANSWER'\)"):
        load_config(root)
    for command in ("audits", "audits.export"):
        result = run_command(command, "--root", root)
        assert_one_line_error(result.returncode, result.stderr, "disagrees with nbgrader_config.py:4")
    assert bite_main(["--root", str(root)]) == 2
    assert_one_line_error(2, capsys.readouterr().err, "disagrees with nbgrader_config.py:4")


def test_changed_conventions_are_not_served_from_the_cache(tmp_path, monkeypatch):
    """The cache keys on the conventions themselves, not only on the checkout's files."""
    monkeypatch.delenv("AUDITS_NO_CACHE", raising=False)  # the suite turns the cache off (conftest.py)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    root = course(tmp_path, "answer_delimiters")
    (root / "nbgrader_config.py").unlink()
    auditor = Auditor(root, cache=True)
    ref = auditor.refs[0]
    text = ref.path.read_text(encoding="utf-8")
    assert [f.code for f in auditor.audit_ref(ref).findings] == ["NB006"]
    assert auditor.cached(ref, text) is not None
    answers = dataclasses.replace(auditor.conventions, begin_solution="BEGIN ANSWER", end_solution="END ANSWER")
    auditor.config = dataclasses.replace(auditor.config, conventions=answers)
    assert auditor.cached(ref, text) is None
