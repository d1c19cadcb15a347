"""The fixer applies the rules' own fixes: guards, metadata completion, idempotence, nothing else touched.

Findings come from the audit of each text (the rules attach their fixes); each test
names the (code, line) findings it hands to the fixer, and checks they were reported.
"""

import ast
import json
import os
import stat

import pytest

from audits.check import audit_source
from audits.fix import fix_file, fix_source
from audits.model import Safety, unfold
from audits.parse import parse_file, parse_text
from audits.rules._base import MAIN_GUARD
from testkit.auditkit import marker

GUARD = 'if __name__ == "__main__":'
META = '{"grade": false, "grade_id": "%s", "locked": false, "schema_version": 3, "solution": false, "task": false}'


def ti(line):
    return ("TI001", line)


def nb(code, line):
    return (code, line)


def reported(text, wanted):
    """The audit's findings of text at the wanted (code, line) places (findings folded in one cell
    opened up into their places); each must be reported."""
    findings = [f for f in unfold(audit_source(parse_text(text, "m.py"), None)) if (f.code, f.line) in wanted]
    assert sorted((f.code, f.line) for f in findings) == sorted(wanted)
    return findings


def fixed(text, wanted):
    return fix_source(parse_text(text, "m.py"), reported(text, wanted), text)


def cell(body, grade_id="c"):
    return f"# %% nbgrader={META % grade_id}\n{body}"


def test_unguarded_call_is_wrapped_and_nothing_else_changes():
    text = cell("def test_unit_a():\n    assert 1 + 1 == 2\n\ntest_unit_a()\nx = 1\n")
    result = fixed(text, [ti(5)])
    assert result.text == cell(f"def test_unit_a():\n    assert 1 + 1 == 2\n\n{GUARD}\n    test_unit_a()\nx = 1\n")
    assert [how for _, how in result.fixed] == ["wrapped in a new __main__ guard"]


def test_consecutive_calls_share_one_guard_and_multiline_calls_are_indented_whole():
    text = cell("demo()\nanalyze(\n    1,\n    2)\n")
    result = fixed(text, [ti(2), ti(3)])
    assert result.text == cell(f"{GUARD}\n    demo()\n    analyze(\n        1,\n        2)\n")


def test_call_after_an_existing_guard_joins_it_with_its_indentation():
    text = cell(f"def test_unit_a():\n    assert True is not False\n\n{GUARD}\n  test_unit_a()\n\n# also\ntest_module()\n")
    result = fixed(text, [ti(9)])
    assert result.text == cell(f"def test_unit_a():\n    assert True is not False\n\n{GUARD}\n  test_unit_a()\n\n# also\n  test_module()\n")
    assert "moved under the __main__ guard" in result.fixed[0][1]
    ast.parse(result.text)


def test_crlf_line_endings_and_other_lines_are_kept_byte_for_byte():
    text = cell("x = 1\r\ntest_unit_a()\r\ny = 2\r\n")
    result = fixed(text, [ti(3)])
    assert result.text == cell(f"x = 1\r\n{GUARD}\r\n    test_unit_a()\r\ny = 2\r\n")


def test_call_on_the_last_line_without_newline():
    text = cell("test_module()")
    assert fixed(text, [ti(2)]).text == cell(f"{GUARD}\n    test_module()")


def test_a_multiline_string_makes_the_guard_unsafe_so_it_is_left_for_a_human():
    text = cell('demo("""a\nb""")\n')
    (finding,) = reported(text, [ti(2)])
    assert finding.fix.safety is Safety.UNSAFE
    result = fixed(text, [ti(2)])
    assert result.text == text and not result.fixed
    assert "multi-line string" in result.needs_human[0][1]
    assert GUARD in fix_source(parse_text(text, "m.py"), [finding], text, unsafe=True).text


def test_a_call_sharing_its_line_has_no_fix_and_the_suggestion_says_why():
    text = cell("a = 1; test_unit_a()\n")
    (finding,) = reported(text, [ti(2)])
    assert finding.fix is None and "shares a line" in finding.suggestion
    result = fixed(text, [ti(2)])
    assert result.text == text and not result.fixed and result.needs_human[0][0].code == "TI001"


@pytest.mark.parametrize("body", ["def f():\n    test_unit_a()\n", "def f(:\n    test_unit_a()\n"], ids=["in-a-definition", "does-not-parse"])
def test_calls_in_definitions_or_unparsable_cells_are_not_guarded(body):
    text = cell(body)
    findings = audit_source(parse_text(text, "m.py"), None)
    assert [f for f in findings if f.code == "TI001"] == []
    result = fix_source(parse_text(text, "m.py"), findings, text)
    assert result.text == text and not result.fixed


def test_block_with_a_call_inside_is_guarded_whole():
    text = cell("for k in range(2):\n    test_unit_a()\n")
    assert fixed(text, [ti(2)]).text == cell(f"{GUARD}\n    for k in range(2):\n        test_unit_a()\n")


def test_bare_marker_gets_complete_inferred_metadata():
    text = (
        "# %%\nimport numpy as np\n\n"
        "# %%\ndef magnitude_prune(w):\n    ### BEGIN SOLUTION\n    return w\n    ### END SOLUTION\n\n"
        "# %%\ndef test_unit_magnitude_prune():\n    assert magnitude_prune(1) == 1\n\n"
        "# %%   \nclass TinyModel:\n    pass\n"
    )
    result = fixed(text, [nb("NB001", 1), nb("NB001", 4), nb("NB001", 10), nb("NB001", 14)])
    lines = result.text.splitlines()
    meta = {n: json.loads(lines[n - 1].split("nbgrader=")[1]) for n in (1, 4, 10, 14)}
    assert meta[1] == {"grade": False, "grade_id": "m-imports", "locked": False, "schema_version": 3, "solution": False, "task": False}
    assert meta[4] == {"grade": False, "grade_id": "magnitude-prune", "locked": False, "schema_version": 3, "solution": True, "task": False}
    assert meta[10] == {"grade": True, "grade_id": "test-magnitude-prune", "locked": True, "points": 5, "schema_version": 3, "solution": False, "task": False}
    assert meta[14]["grade_id"] == "tiny-model" and meta[14]["solution"] is False
    assert lines[0] == '# %% nbgrader={"grade": false, "grade_id": "m-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}'
    # body lines untouched
    assert [l for i, l in enumerate(lines, 1) if i not in (1, 4, 10, 14)] == [l for i, l in enumerate(text.splitlines(), 1) if i not in (1, 4, 10, 14)]


def test_missing_keys_are_added_and_existing_values_kept():
    text = '# %% nbgrader={"grade_id": "imports", "solution": true} tags=["x"]\nimport numpy as np\n'
    result = fixed(text, [nb("NB003", 1)])
    marker = result.text.splitlines()[0]
    assert marker.endswith(' tags=["x"]')
    meta = json.loads(marker.split("nbgrader=")[1].rsplit(" tags=", 1)[0])
    assert meta == {"grade": False, "grade_id": "imports", "locked": False, "schema_version": 3, "solution": True, "task": False}
    assert "grade, locked, schema_version, task" in result.fixed[0][1]


def test_graded_cell_missing_points_gets_them_and_wrong_values_are_not_touched():
    text = '# %% nbgrader={"grade": true, "grade_id": "t", "schema_version": 2, "solution": false, "task": false}\ndef test_unit_x():\n    assert 2 > 1\n'
    meta = json.loads(fixed(text, [nb("NB003", 1)]).text.splitlines()[0].split("nbgrader=")[1])
    assert meta["points"] == 5 and meta["locked"] is True and meta["schema_version"] == 2
    complete = '# %% nbgrader={"grade": true, "grade_id": "t", "locked": true, "points": 1, "schema_version": 2, "solution": false, "task": false}\nx = 1\n'
    result = fixed(complete, [nb("NB003", 1)])
    assert result.text == complete and "only a person" in result.needs_human[0][1]


def test_generated_grade_ids_are_unique():
    text = cell("x = 1\n", "double") + "\n# %%\ndef double(x):\n    return 2 * x\n\n# %%\ndef double(y):\n    return y + y\n"
    lines = fixed(text, [nb("NB001", 4), nb("NB001", 8)]).text.splitlines()
    ids = [json.loads(lines[n].split("nbgrader=")[1])["grade_id"] for n in (0, 3, 7)]
    assert ids == ["double", "double-2", "double-3"]


def test_fixing_is_idempotent_and_other_codes_are_ignored():
    text = "# %%\ndef test_unit_a():\n    assert 3 == 3\n\ntest_unit_a()\n"
    module = parse_text(text, "m.py")
    first = fix_source(module, audit_source(module, None), text)  # EX001 (no default_exp) has no fix: left alone
    assert {f.code for f, _ in first.fixed} == {"NB001", "TI001"} and [f.code for f, _ in first.needs_human] == ["EX001"]
    module = parse_text(first.text, "m.py")
    # what an audit of the fixed text would report for these codes: nothing left to do
    second = fix_source(module, [])
    assert second.text == first.text and not second.changed
    assert first.text.count(GUARD) == 1 and "nbgrader=" in first.text.splitlines()[0]


def test_fix_file_keeps_crlf_endings_on_disk(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(b"# %%\r\nx = 1\r\ntest_module()\r\n")
    module = parse_file(path)
    fix_file(module, [f for f in audit_source(module, None) if f.code in ("TI001", "NB001")])
    data = path.read_bytes()
    assert data.startswith(b"# %% nbgrader={") and data.endswith(b"\r\nx = 1\r\nif __name__ == \"__main__\":\r\n    test_module()\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") == 4


def test_fix_file_writes_atomically_and_keeps_the_mode(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(cell("test_module()\n").encode())
    os.chmod(path, 0o640)
    module = parse_file(path)
    result = fix_file(module, audit_source(module, None))
    assert result.changed and GUARD in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]  # no temporary left behind


def test_fix_file_does_not_write_when_nothing_changes(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(cell("x = 1\n").encode())
    before = path.stat().st_mtime_ns
    assert not fix_file(parse_file(path), []).changed
    assert path.stat().st_mtime_ns == before


def test_added_metadata_is_the_audit_suggestion_and_existing_values_win():
    from audits.rules.nbgrader import with_missing_keys

    text = "# %%\ndef test_unit_a():\n    assert 1\n"
    module = parse_text(text, "m.py")
    (nb001,) = [f for f in audit_source(module, None) if f.code == "NB001"]
    assert fix_source(module, [nb001], text).text.splitlines()[0] == nb001.suggestion  # --fix writes what the review suggests
    partial = parse_text('# %% nbgrader={"grade": false, "points": 9}\ndef test_unit_a():\n    assert 1\n', "m.py")
    merged = with_missing_keys(partial, partial.cells[0])
    assert merged["grade"] is False and merged["points"] == 9  # existing values are kept, even wrong ones
    assert merged["locked"] is True and merged["grade_id"] == "test-a" and merged["schema_version"] == 3


MIXED = (
    '# %% nbgrader={"grade": false, "grade_id": "cell-widget", "locked": false, "schema_version": 3, "solution": true}\n'
    "#| export\ndef widget(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\n"
    "# Test it\ndef test_unit_widget():\n    assert widget(2) == 4\n\ntest_unit_widget()\n"
)


def test_a_mixed_cell_is_split_into_a_solution_cell_and_a_graded_locked_test_cell():
    module = parse_text(MIXED, "m.py")
    findings = audit_source(module, None)
    assert {(f.code, f.line) for f in findings} >= {("NB005", 1), ("EX002", 9), ("TI001", 12)}
    result = fix_source(module, findings, MIXED)
    solution = '{"grade": false, "grade_id": "cell-widget", "locked": false, "schema_version": 3, "solution": true, "task": false}'
    test = '{"grade": true, "grade_id": "test-widget", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}'
    assert result.text == (
        f"# %% nbgrader={solution}\n#| export\ndef widget(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\n"
        f"# %% nbgrader={test}\n# Test it\ndef test_unit_widget():\n    assert widget(2) == 4\n\n{GUARD}\n    test_unit_widget()\n"
    )
    assert {f.code for f, _ in result.fixed} == {"NB005", "EX002", "TI001"}


@pytest.mark.parametrize(
    "body",
    [
        # the test comes first: not mechanical
        "def test_unit_widget():\n    assert widget(2) == 4\n\ndef widget(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n",
        # a solution region after the test starts
        "def widget(x):\n    return 2 * x\n\ndef test_unit_widget():\n    ### BEGIN SOLUTION\n    assert widget(2) == 4\n    ### END SOLUTION\n",
    ],
    ids=["test-first", "markers-in-test"],
)
def test_a_mixed_cell_that_cannot_be_split_mechanically_is_never_locked(body):
    text = "# %%\n" + body
    module = parse_text(text, "m.py")
    result = fix_source(module, audit_source(module, None), text)
    for cell in parse_text(result.text, "m.py").cells:
        meta = cell.nbgrader or {}
        assert not (meta.get("locked") or meta.get("grade")), result.text


def test_apply_edits_replaces_inserts_and_deletes_whole_lines_keeping_endings():
    from audits.fix import apply_edits
    from audits.model import Edit

    text = "a\r\nb\r\nc\r\nd"
    assert apply_edits(text, [Edit(2, 2, "B1\nB2")]) == "a\r\nB1\r\nB2\r\nc\r\nd"
    assert apply_edits(text, [Edit(3, 2, "new")]) == "a\r\nb\r\nnew\r\nc\r\nd"  # inserted before line 3
    assert apply_edits(text, [Edit(2, 3, "")]) == "a\r\nd"  # "" deletes the lines
    assert apply_edits(text, [Edit(4, 4, "D")]) == "a\r\nb\r\nc\r\nD"  # no final newline stays none
    assert apply_edits(text, [Edit(5, 4, "e")]) == "a\r\nb\r\nc\r\nd\r\ne\r\n"  # appended after the last line
    assert apply_edits(text, [Edit(1, 1, "A"), Edit(3, 2, "x"), Edit(4, 4, "D")]) == "A\r\nb\r\nx\r\nc\r\nD"


def test_a_fix_that_would_add_blocking_findings_or_break_the_syntax_is_rejected():
    import dataclasses

    from audits.model import Edit, Fix

    text = cell(f"def test_unit_a():\n    assert 1 + 1 == 2\n\n{GUARD}\n    test_unit_a()\n")
    module = parse_text(text, "m.py")
    unguard = Fix("drops the guard", (Edit(5, 6, "test_unit_a()"),), Safety.SAFE)  # would add a TI001
    unparsable = Fix("breaks the def", (Edit(2, 2, "def test_unit_a(:"),), Safety.SAFE)
    (ex001,) = [f for f in audit_source(module, None) if f.code == "EX001"]  # no default_exp: a real finding, no fix of its own
    for bad in (unguard, unparsable):
        result = fix_source(module, [dataclasses.replace(ex001, fix=bad)], text)
        assert result.text == text and not result.fixed
        assert [why for f, why in result.needs_human if f.code == "EX001"] == [
            "applying its fix would not reduce the findings (or would break the cell); fix it by hand"
        ]


def test_a_long_run_of_unguarded_calls_gets_bounded_guards_and_all_are_fixed():
    """Each finding carries its group's edit, so groups are bounded (reports stay linear in the calls)."""
    from audits.rules.test_isolation import GROUP_LIMIT

    calls = "".join(f"test_unit_{k}()\n" for k in range(3 * GROUP_LIMIT + 2))
    module = parse_text(marker("c0") + "\n" + calls, "many.py")
    [folded] = [f for f in audit_source(module, None) if f.code == "TI001"]  # one cell: one finding, every call's line
    findings = folded.parts
    assert len(findings) == 3 * GROUP_LIMIT + 2
    spans = {(e.start, e.end) for f in findings for e in f.fix.edits}
    assert len(spans) == 4 and max(end - start + 1 for start, end in spans) == GROUP_LIMIT
    result = fix_source(module, [folded])  # the folded finding: --fix applies the edit of every line
    assert result.text.count(MAIN_GUARD) == 4 and len(result.fixed) == len(findings)
    assert [f for f in audit_source(parse_text(result.text, "many.py"), None) if f.code == "TI001"] == []
