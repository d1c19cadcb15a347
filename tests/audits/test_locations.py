"""Exact locations: a notebook's findings point into the .ipynb file itself (SARIF, GitHub, text),
name the cell (index, id, line within) everywhere; text paths are relative to the current
directory, SARIF and GitHub paths to the repository root (the git work tree)."""

import json

import nbformat
import pytest

from audits.__main__ import main as audits_main
from audits.module import main as module_main
from testkit.auditkit import make_checkout, marker, source

META = {"grade": False, "locked": False, "schema_version": 3, "solution": False, "task": False}


def cell(kind, text, grade_id, cell_id, **nbgrader):
    new = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    return new(text, id=cell_id, metadata={"nbgrader": {**META, "grade_id": grade_id, **nbgrader}})


@pytest.fixture
def course(tmp_path):
    """A git repository holding an nbgrader course in a sub-folder: repo/course/source/ps1/squares.ipynb."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        cell("markdown", "# Squares\n\nWrite `squares(n)`.", "intro", "intro", locked=True),
        cell("code", "def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(1, n + 1)]\n    ### END SOLUTION",
             "squares", "squares-impl", solution=True),
        cell("code", "def test_squares():\n    assert squares(3) == [1, 4, 9]\n\ntest_squares()",
             "test-squares", "squares-test", grade=True, locked=True, points=1),
        cell("code", "# chaining, as students must not\nclass Stack:\n    def __init__(self, layers):\n        self.layers = layers\n\n"
             "    def forward(self, x):\n        for layer in self.layers:\n            x = layer.forward(x)\n        return x",
             "stack", "stack-demo"),
    ]  # fmt: skip
    path = repo / "course" / "source" / "ps1" / "squares.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook, str(path))
    return repo, path


def run_json(main, args, capsys):
    main(args)
    return json.loads(capsys.readouterr().out)


def test_a_sarif_finding_on_a_notebook_names_the_ipynb_and_a_line_of_that_cells_source(course, capsys):
    repo, path = course
    log = run_json(audits_main, ["--root", str(repo / "course"), "--format", "sarif", "--exit-zero"], capsys)
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "CC001"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "course/source/ps1/squares.ipynb", "uriBaseId": "%SRCROOT%"}
    raw = path.read_text(encoding="utf-8").splitlines()
    line, column = location["region"]["startLine"], location["region"]["startColumn"]
    assert raw[line - 1].strip() == '"class Stack:\\n",', raw[line - 1]  # the call, inside the cell's source array
    assert raw[line - 1][column - 1 :].startswith("class Stack:")
    assert result["properties"]["cell"] == {"index": 3, "id": "stack-demo", "line": 2}


def test_github_annotations_and_text_point_into_the_ipynb(course, capsys, monkeypatch):
    repo, path = course
    raw = path.read_text(encoding="utf-8").splitlines()
    expected = next(number for number, text in enumerate(raw, 1) if text.strip() == '"class Stack:\\n",')
    audits_main(["--root", str(repo / "course"), "--format", "github", "--exit-zero"])
    annotation = next(line for line in capsys.readouterr().out.splitlines() if "CC001" in line)
    column = raw[expected - 1].index("class Stack") + 1  # the class's name, inside the JSON string
    assert annotation.startswith(f"::error file=course/source/ps1/squares.ipynb,line={expected},col={column},endLine={expected},endColumn={column + len('class Stack')},")
    assert "(cell 3, id stack-demo, line 2)" in annotation
    monkeypatch.chdir(repo / "course" / "source")
    module_main(["--root", str(repo / "course"), "ps1/squares.ipynb", "--format", "text"])
    text = capsys.readouterr().out
    assert f"\nps1/squares.ipynb:{expected}:" in text and "CC001" in text and "(cell 3, id stack-demo, line 2)" in text


def test_json_names_the_cell_and_its_place_in_the_file(course, capsys):
    repo, path = course
    document = run_json(module_main, [str(path), "--format", "json"], capsys)
    (finding,) = [f for f in document["findings"] if f["code"] == "CC001"]
    raw = path.read_text(encoding="utf-8").splitlines()
    assert finding["cell"]["index"] == 3 and finding["cell"]["id"] == "stack-demo" and finding["cell"]["line"] == 2
    assert raw[finding["cell"]["file_line"] - 1].strip() == '"class Stack:\\n",'
    # the range: `class Stack` in the cell's source, and the same characters inside the JSON string
    cell, line = finding["cell"], raw[finding["cell"]["file_line"] - 1]
    assert (finding["line"], finding["end_line"]) == (finding["line"], finding["line"]) and finding["end_column"] - finding["column"] == len("class Stack")
    assert cell["file_end_line"] == cell["file_line"] and line[cell["file_column"] - 1 : cell["file_end_column"] - 1] == "class Stack"


SCRIPT = source(marker("f", "impl") + "\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\nprint(f())\n")


def test_text_paths_are_relative_to_the_current_directory(tmp_path, capsys, monkeypatch):
    root = make_checkout(tmp_path / "course", {"01_widget": SCRIPT})
    monkeypatch.chdir(root / "modules")
    module_main(["1", "--format", "text"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("01_widget/widget.py (")
    assert any(line.startswith("01_widget/widget.py:") and " SE001 " in line for line in lines), lines
    monkeypatch.chdir(tmp_path)
    module_main(["--root", str(root), "1", "--format", "text"])
    assert "\ncourse/modules/01_widget/widget.py:" in capsys.readouterr().out


def test_sarif_rules_carry_severity_properties(course, capsys):
    repo, _ = course
    log = run_json(audits_main, ["--root", str(repo / "course"), "--format", "sarif", "--exit-zero"], capsys)
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CC001"]["properties"]["security-severity"] == "9.5" and rules["GR001"]["properties"]["security-severity"] == "8.0"
    assert rules["SUP002"]["properties"]["problem.severity"] == "recommendation"
    assert all(rule["properties"]["precision"] for rule in rules.values())
