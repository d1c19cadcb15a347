"""Issue 14's fuzz classes, kept as regression fixtures: each ends in findings or a one-line error.

One input per class, each a few bytes (or a long run of one byte), through the
module command plain and with `--fix`: the exit code is 0, 1 or 2, stderr never
says "internal error", and the finding that explains the input is reported at
its cell.
"""

import pytest

from audits.check import audit_source
from audits.parse import parse_text
from testkit.auditkit import assert_one_line_error, run_command

META = '{"grade": false, "grade_id": "g", "locked": false, "schema_version": 3, "solution": false, "task": false}'

CLASSES = {
    # 1. a JSON integer past Python's digit limit (ValueError, not JSONDecodeError), in code and markdown cells
    "long-integer": ('# %% nbgrader={"points": 1' + "0" * 4300 + "}\nx = 1\n\n"
                     '# %% [markdown] nbgrader={"points": 1' + "0" * 4300 + "}\n# prose\n", [("NB002", 1), ("NB002", 4)]),
    # 2. absurd nesting in jupytext's `{"nbgrader": ...}` header form (RecursionError)
    "deep-nesting": ('# %% {"nbgrader": ' + "[" * 100_000 + "\nx = 1\n", [("NB002", 1)]),
    # 3. an unhashable grade_id (a dict or a list), then --fix
    "dict-grade-id": ('# %% nbgrader={"grade_id": {"a": 1}}\nx = 1\n', [("NB003", 1)]),
    "list-grade-id": ('# %% nbgrader={"grade_id": [1, 2]}\nx = 1\n', [("NB003", 1)]),
    # 4. a lone surrogate escaped in the JSON, then --fix writes the file
    "lone-surrogate": ('# %% nbgrader={"grade_id": "\\ud800"}\nx = 1\n', [("NB003", 1)]),
}


@pytest.mark.parametrize("name", list(CLASSES))
def test_each_fuzz_class_gives_its_finding_at_its_cell(name):
    text, expected = CLASSES[name]
    found = {(f.code, f.line) for f in audit_source(parse_text(text, "fuzz.py"), None)}
    assert set(expected) <= found


@pytest.mark.parametrize("fix", [False, True], ids=["audit", "fix"])
@pytest.mark.parametrize("name", list(CLASSES))
def test_each_fuzz_class_ends_in_findings_never_an_internal_error(name, fix, tmp_path):
    text, expected = CLASSES[name]
    path = tmp_path / "fuzz.py"
    path.write_text(text, encoding="utf-8")
    result = run_command("audits.module", path, "--format", "json", *(["--fix"] if fix else []), cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # NB002/NB003 block
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert all(f'"code": "{code}"' in result.stdout for code, _ in expected)
    path.read_text(encoding="utf-8")  # whatever --fix wrote is still UTF-8


@pytest.mark.parametrize("command", ["audits.module", "audits.export"])
def test_a_non_ascii_digit_is_a_one_line_error_not_an_internal_error(command, tmp_path):
    result = run_command(command, "²", "--root", tmp_path)
    assert_one_line_error(result.returncode, result.stderr, "'²'")
