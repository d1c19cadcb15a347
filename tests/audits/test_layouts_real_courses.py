"""Layouts of real courses (issue 20), each a committed checkout under tests/audits/layouts/: every
notebook and every `.py` with `# %%` cells is either audited or listed as skipped with its reason."""

import json
from pathlib import Path

import pytest

from audits.__main__ import main as audits_main
from audits.auditor import Auditor
from audits.discover import discover

FIXTURES = Path(__file__).resolve().parent / "layouts"


def keys(name: str) -> list[str]:
    return [ref.key for ref in discover(FIXTURES / name).refs]


def skipped(name: str) -> dict[str, str]:
    return dict(discover(FIXTURES / name).skipped)


def test_module_numbers_of_three_digits():
    refs = discover(FIXTURES / "hundreds").refs
    assert [(ref.number, ref.folder) for ref in refs] == [(99, "99_warmup"), (100, "100_capstone"), (101, "101_encore")]
    assert all(ref.ordered for ref in refs)


def test_several_source_folders_are_all_audited():
    assert keys("source_variants") == ["ps1", "source (Fall2020)/ps1"]


def test_nested_assignments():
    assert keys("nested_assignments") == ["Project/images", "ps1"]


def test_a_course_without_source_folder_audits_its_notebooks_and_old_percent_sources():
    assert keys("no_source") == ["Notebooks", "lab2", "ps1"]
    assert discover(FIXTURES / "no_source").refs[1].path.name == "lab2.py"  # `# %% {"nbgrader": ...}` cells
    assert skipped("no_source") == {}  # helpers.py holds no cells: not a course source


def test_unnumbered_folders_and_two_notebooks_beside_numbered_ones():
    assert keys("mixed_assignments") == ["01_intro", "02_loops/extra", "02_loops/loops", "homework"]
    assert skipped("mixed_assignments") == {
        "release/01_intro/intro.ipynb": "nbgrader output (release/ is made from source/ by generate_assignment)",
        "source/header.ipynb": "in source/ itself, not in an assignment folder (nbgrader: a header or template)",
    }


def test_each_nbgrader_folder_beside_source_is_skipped_with_what_it_holds(tmp_path):
    """A whole nbgrader course directory, as a grader's machine has it (nbgrader-feedback's example
    course): only source/ is audited; students' submissions are not called output of source/."""
    notebook = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    for path in ("source/ps1/ps1.ipynb", "release/ps1/ps1.ipynb", "submitted/bob/ps1/ps1.ipynb", "autograded/bob/ps1/ps1.ipynb",
                 "feedback/bob/ps1/ps1.ipynb", "downloaded/ps1/archive/bob_ps1.ipynb"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(notebook, encoding="utf-8")
    found = discover(tmp_path)
    assert [ref.key for ref in found.refs] == ["ps1"]
    assert {path.split("/")[0]: reason for path, reason in found.skipped} == {
        "release": "nbgrader output (release/ is made from source/ by generate_assignment)",
        "submitted": "a student's submission (submitted/ holds what students hand in)",
        "autograded": "nbgrader output (autograded/ is made from submitted/ by autograde)",
        "feedback": "nbgrader output (feedback/ is made from autograded/ by generate_feedback)",
        "downloaded": "a student's submission (downloaded/ holds submissions collected from a learning platform)",
    }


def test_a_graders_course_lists_its_students_submissions_as_one_line_per_folder(tmp_path, capsys, monkeypatch):
    """A course directory on a grader's machine holds every student's copy: the table says how many
    files of each nbgrader folder it skipped, in one line (five or more), and JSON still lists each.
    Without nbgrader_config.py, its source/ makes it a checkout: the same table from any folder in it."""
    notebook = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    paths = ["source/ps1/ps1.ipynb", "release/ps1/ps1.ipynb", *(f"submitted/student{n}/ps1/ps1.ipynb" for n in range(6))]
    for path in paths:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(notebook, encoding="utf-8")
    assert audits_main(["--root", str(tmp_path)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[table.index("skipped (7 files not audited):") + 1:] == [
        "  release/ps1/ps1.ipynb: nbgrader output (release/ is made from source/ by generate_assignment)",
        "  submitted/ (6 files): a student's submission (submitted/ holds what students hand in)",
    ]
    assert audits_main(["--root", str(tmp_path), "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["skipped"]) == 7
    monkeypatch.chdir(tmp_path / "source" / "ps1")
    assert audits_main([]) == 0
    assert capsys.readouterr().out.splitlines() == table


def test_a_lone_unnumbered_notebook_needs_no_course_order(tmp_path, capsys):
    """One notebook (an nbgrader course of one assignment, or a notebook audited on its own) has nothing
    to be ordered against: no LAY002 asking for `[tool.audits] modules = [...]`. A second one does.
    (That course's JSON was the one module's document, without the skipped files, before.)"""
    notebook = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    (tmp_path / "source" / "ps1").mkdir(parents=True)
    (tmp_path / "source" / "ps1" / "ps1.ipynb").write_text(notebook, encoding="utf-8")

    def lay002():
        audits_main(["--root", str(tmp_path), "--format", "json"])
        return [f["code"] for m in json.loads(capsys.readouterr().out)["modules"] for f in m["findings"] if f["code"] == "LAY002"]

    assert discover(tmp_path).order_note == "" and lay002() == []
    # The whole checkout's JSON is the repository document, one module or many, with what was skipped.
    (tmp_path / "release" / "ps1").mkdir(parents=True)
    (tmp_path / "release" / "ps1" / "ps1.ipynb").write_text(notebook, encoding="utf-8")
    assert audits_main(["--root", str(tmp_path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == "tinytorch-audit-repo/1" and [m["module"]["path"] for m in document["modules"]] == ["source/ps1/ps1.ipynb"]
    assert document["skipped"] == [{"path": "release/ps1/ps1.ipynb", "reason": "nbgrader output (release/ is made from source/ by generate_assignment)"}]
    (tmp_path / "source" / "ps2").mkdir()
    (tmp_path / "source" / "ps2" / "ps2.ipynb").write_text(notebook, encoding="utf-8")
    assert "carry no numbers" in discover(tmp_path).order_note and lay002() == ["LAY002", "LAY002"]


def test_notebooks_the_courses_notebook_id_does_not_match_are_skipped(tmp_path):
    """nbgrader releases only the notebooks whose name matches CourseDirectory.notebook_id (nbgrader-
    feedback's example course: "[!_]*", so `_data_generation.ipynb` beside an assignment is a helper)."""
    notebook = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    for name in ("ps1/ps1.ipynb", "ps1/_data_generation.ipynb", "ps2/ps2.ipynb"):
        (tmp_path / "source" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "source" / name).write_text(notebook, encoding="utf-8")
    assert [ref.key for ref in Auditor(tmp_path).refs] == ["ps1/_data_generation", "ps1/ps1", "ps2"]
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.notebook_id = "[!_]*"\n', encoding="utf-8")
    auditor = Auditor(tmp_path)
    assert [ref.key for ref in auditor.refs] == ["ps1", "ps2"]
    assert auditor.index.discovery.skipped == [
        ("source/ps1/_data_generation.ipynb", "not an assignment notebook: nbgrader_config.py's CourseDirectory.notebook_id ('[!_]*') does not match its name"),
    ]


def test_second_candidates_and_stale_copies_are_listed_and_a_file_named_unlike_its_folder_is_audited():
    refs = discover(FIXTURES / "copies").refs
    assert [(ref.key, ref.path.name) for ref in refs] == [("01_tensor", "tensor.py"), ("02_layers", "exercise.py")]
    assert set(skipped("copies")) == {"modules/01_tensor/tensor_dev.py", "modules/01_tensor/tensor_old.py"}  # not plot_utils.py, conftest.py


def test_our_own_checkout_skips_nothing():
    assert discover(FIXTURES.parents[2]).skipped == []


def test_both_broken_notebooks_of_one_folder_block(capsys):
    code = audits_main(["--root", str(FIXTURES / "mixed_assignments"), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert sorted(module["module"]["path"] for module in document["modules"] if module["status"] != "READY FOR EXPORT") == [
        "source/02_loops/extra.ipynb",
        "source/02_loops/loops.ipynb",
    ]
    assert document["skipped"] == [
        {"path": "release/01_intro/intro.ipynb", "reason": "nbgrader output (release/ is made from source/ by generate_assignment)"},
        {"path": "source/header.ipynb", "reason": "in source/ itself, not in an assignment folder (nbgrader: a header or template)"},
    ]


@pytest.mark.parametrize("fmt", ["table", "text"])
def test_the_table_and_the_text_name_what_was_skipped(fmt, capsys):
    audits_main(["--root", str(FIXTURES / "copies")] + (["--format", "text"] if fmt == "text" else []))
    out = capsys.readouterr().out
    if fmt == "table":
        assert "skipped (2 files not audited):\n  modules/01_tensor/tensor_dev.py: a second source of 01_tensor" in out
    else:
        assert "modules/01_tensor/tensor_old.py: skipped: a second course file in a module folder" in out
