"""nbgrader's own documentation course, as a new user would audit it (issue 20): the course
`nbgrader quickstart` makes (its notebooks are the user guide's `source/` folder) and the user
guide's own notebooks get no blocking finding, and the same findings from any folder."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from audits.__main__ import main as audits_main

# Found, not imported: importing nbgrader costs seconds, and every xdist worker collects this file.
NBGRADER = importlib.util.find_spec("nbgrader")
if NBGRADER is None or NBGRADER.origin is None:
    pytest.skip("nbgrader is not installed", allow_module_level=True)
USER_GUIDE = Path(NBGRADER.origin).parent / "docs" / "source" / "user_guide"
ROOT = Path(__file__).resolve().parents[2]


def quickstart(where: Path, autotest: bool = False) -> Path:
    """The course `nbgrader quickstart [--autotest] course101` creates (its own copying, without the config text)."""
    course = where / "course101"
    if autotest:
        shutil.copytree(USER_GUIDE / "source", course / "source", ignore=shutil.ignore_patterns("*.html", "ps1"))
        (course / "source" / "ps1_autotest").rename(course / "source" / "ps1")
        shutil.copyfile(USER_GUIDE / "autotests.yml", course / "autotests.yml")
    else:
        shutil.copytree(USER_GUIDE / "source", course / "source", ignore=shutil.ignore_patterns("*.html", "autotests.yml", "ps1_autotest"))
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "course101"\n', encoding="utf-8")
    return course


def run(folder: Path, args: list[str], monkeypatch, capsys) -> tuple[int, dict]:
    monkeypatch.chdir(folder)
    code = audits_main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    assert err == ""
    return code, json.loads(out)


def blocking(document: dict) -> list[tuple[str, str, int]]:
    modules = document["modules"] if "modules" in document else [document]
    return [(f["code"], f["path"], f["line"]) for m in modules for f in m["findings"] if f["severity"] in ("critical", "high")]


def test_the_quickstart_course_has_no_blocking_finding_from_any_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUDITS_NO_CACHE", "1")
    course = quickstart(tmp_path)
    runs = [run(folder, [], monkeypatch, capsys) if folder == course else run(folder, ["--root", str(course)], monkeypatch, capsys) for folder in (course, ROOT, Path("/"))]
    assert runs[0] == runs[1] == runs[2]
    code, document = runs[0]
    assert [m["module"]["path"] for m in document["modules"]] == ["source/ps1/problem1.ipynb", "source/ps1/problem2.ipynb"]
    assert document["skipped"] == [{"path": "source/header.ipynb", "reason": "in source/ itself, not in an assignment folder (nbgrader: a header or template)"}]
    assert (code, blocking(document)) == (0, [])
    by_path = [run(folder, [str(course / "source/ps1/problem1.ipynb")], monkeypatch, capsys) for folder in (course, ROOT, Path("/"))]
    assert by_path[0] == by_path[1] == by_path[2] and by_path[0][0] == 0


def test_the_user_guide_notebooks_have_no_blocking_finding_from_any_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUDITS_NO_CACHE", "1")
    guide = tmp_path / "guide"
    guide.mkdir()
    notebooks = sorted(USER_GUIDE.glob("*.ipynb"))
    assert len(notebooks) >= 4  # creating_and_grading_assignments, managing_assignment_files, ... (shell cells, %%bash)
    for notebook in notebooks:
        shutil.copy(notebook, guide)
    for notebook in sorted(guide.glob("*.ipynb")):
        runs = [run(folder, [str(notebook)], monkeypatch, capsys) for folder in (guide, ROOT, Path("/"))]
        assert runs[0] == runs[1] == runs[2], notebook.name
        code, document = runs[0]
        assert document["module"]["profile"] == "nbgrader" and (code, blocking(document)) == (0, []), notebook.name


def test_the_autotest_course_reads_its_autotest_lines(tmp_path, monkeypatch, capsys):
    """`nbgrader quickstart --autotest`: the `### AUTOTEST` cells test the student's functions (no GR001),
    nbgrader locks grade cells itself (no NB005), and `test_func_throws`, a predicate whose value the
    AUTOTEST lines assert, is no placeholder test (no TST001): no blocking finding."""
    monkeypatch.setenv("AUDITS_NO_CACHE", "1")
    course = quickstart(tmp_path, autotest=True)
    runs = [run(folder, ["--root", str(course)], monkeypatch, capsys) for folder in (course, ROOT, Path("/"))]
    assert runs[0] == runs[1] == runs[2]
    assert [m["module"]["path"] for m in runs[0][1]["modules"]] == ["source/ps1/problem1.ipynb", "source/ps1/problem2.ipynb"]
    assert (runs[0][0], blocking(runs[0][1])) == (0, [])
