"""NB001-NB006: nbgrader metadata and solution markers."""

import functools
import importlib
import importlib.util
import json
import sys
import types
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from audits.check import audit_source
from audits.model import unfold
from audits.parse import parse_text
from audits.rules.nbgrader import complete_metadata, schema_problems
from testkit.auditkit import audit_text, found, line_of, marker, source

IMPL = marker("widget", "impl") + '\n#| export\ndef widget(x):\n    """TODO: double x."""\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n'


def test_nb001_cell_without_metadata_with_completed_marker_as_suggestion():
    text = source("# %%\ndef test_unit_widget():\n    assert 1\n")
    (finding,) = [f for f in audit_text(text) if f.code == "NB001"]
    assert finding.line == line_of(text, "# %%", nth=2)
    meta = json.loads(finding.suggestion.split("nbgrader=", 1)[1])
    assert meta == {"grade": True, "grade_id": "test-widget", "locked": True, "points": 5, "schema_version": 3, "solution": False, "task": False}


def test_nb001_code_before_first_marker_and_not_for_markdown_or_blank_cells():
    text = "import os\n\n# %% [markdown]\n# prose\n\n# %%\n\n# just a comment\n"
    assert found(audit_text(text), "NB001") == [("NB001", 1)]


def test_nb002_not_json_reports_the_error():
    text = source("# %% nbgrader={'grade': True}\nx = 1\n")
    (finding,) = [f for f in audit_text(text) if f.code == "NB002"]
    assert finding.line == line_of(text, "{'grade'") and "not JSON" in finding.message


def test_nb003_lists_every_problem_in_one_finding():
    text = source('# %% nbgrader={"grade": true, "grade_id": "test x", "locked": "yes", "solution": false, "extra": 1}\ndef f():\n    return 1\n')
    (finding,) = [f for f in audit_text(text) if f.code == "NB003"]
    assert finding.line == line_of(text, '"test x"')
    for problem in ("'extra'", "schema_version is missing", "locked must be true or false", "grade_id \"test x\"", "points is missing"):
        assert problem in finding.message, problem
    assert "task" not in finding.message  # optional in nbgrader v3: its absence is not a problem


def test_nb003_schema_details():
    good = {"grade": True, "grade_id": "t-1", "locked": True, "points": 0, "schema_version": 3, "solution": False, "task": False}
    assert schema_problems(good) == []
    assert schema_problems({**good, "schema_version": True}) == ["schema_version is true, not 3"]
    assert schema_problems({**good, "points": -1}) == ["points must be a number >= 0, not -1"]
    assert schema_problems({**good, "task": True}, "code") == ["a task cell must be a markdown cell"]
    assert schema_problems({**good, "cell_type": "code"}) == []


def test_nb004_duplicate_grade_id_at_second_occurrence_naming_the_first():
    text = source(marker("same") + "\nx = 1\n", marker("same") + "\ny = 2\n")
    (finding,) = [f for f in audit_text(text) if f.code == "NB004"]
    assert finding.line == line_of(text, '"same"', nth=2)
    first = line_of(text, '"same"')
    assert f"line {first}" in finding.message


def test_nb005_test_cell_must_be_graded_locked_with_points():
    text = source(marker("tests", "setup") + "\ndef test_unit_widget():\n    assert True\n")
    (finding,) = [f for f in audit_text(text) if f.code == "NB005"]
    assert finding.line == line_of(text, '"tests"')
    assert '"grade": true' in finding.message and '"points": N' in finding.message
    fine = source(marker("tests", "test") + "\ndef test_unit_widget():\n    assert True\n")
    assert found(audit_text(fine), "NB005") == []


def test_nb005_a_solution_cell_with_a_function_and_its_test_but_no_markers_is_mixed():
    """Its implementation is what students write: it must be split off, never graded and locked."""
    text = source(marker("widget", "impl") + "\ndef widget(x):\n    return 2 * x\n\n\ndef test_unit_widget():\n    assert widget(2) == 4\n")
    (finding,) = [f for f in audit_text(text) if f.code == "NB005"]
    assert "also holds solution code: the test cannot be graded and locked" in finding.message
    assert "needs" not in finding.message and finding.suggestion.startswith("Split the cell")


def test_nb006_good_solution_cell_has_no_finding():
    assert found(audit_text(source(IMPL)), "NB006") == []


def test_nb006_unclosed_nested_and_stray_markers():
    unclosed = source(IMPL.replace("    ### END SOLUTION\n", ""))
    assert found(audit_text(unclosed), "NB006") == [("NB006", line_of(unclosed, "BEGIN SOLUTION"))]
    nested = source(IMPL.replace("    return 2 * x\n", "    ### BEGIN SOLUTION\n    return 2 * x\n"))
    assert found(audit_text(nested), "NB006") == [("NB006", line_of(nested, "BEGIN SOLUTION", nth=2))]
    stray = source(IMPL.replace("    ### BEGIN SOLUTION\n", "    ### END SOLUTION\n    ### BEGIN SOLUTION\n", 1))
    assert found(audit_text(stray), "NB006") == [("NB006", line_of(stray, "END SOLUTION"))]


def test_nb006_missing_markers():
    no_markers = source(IMPL.replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION\n", ""))
    (finding,) = [f for f in audit_text(no_markers) if f.code == "NB006"]
    assert finding.line == line_of(no_markers, '"widget"') and "defines `widget`" in finding.message
    imports = source(marker("more-imports", "impl") + "\nimport math\n")
    (finding,) = [f for f in audit_text(imports) if f.code == "NB006"]
    assert finding.line == line_of(imports, '"more-imports"') and '"solution": false' in finding.suggestion
    empty = source(marker("to-do", "impl") + "\n# nothing to write yet\n")
    assert found(audit_text(empty), "NB006") == []


def test_nb006_markers_outside_solution_cells_and_inside_strings():
    wrong = source(IMPL.replace(marker("widget", "impl"), marker("widget", "setup")))
    assert found(audit_text(wrong), "NB006") == [("NB006", line_of(wrong, "BEGIN SOLUTION"))]
    # nbgrader matches the marker text on any line (ClearSolutions: `"BEGIN SOLUTION" in line`),
    # so a string or markdown prose holding it opens a region nbgrader refuses or mis-cuts.
    in_string = source(marker("doc") + '\nTEXT = """\n### BEGIN SOLUTION\n"""\n')
    assert found(audit_text(in_string), "NB006") == [("NB006", line_of(in_string, "### BEGIN SOLUTION"))]
    prose = source('# %% [markdown]\n# Write your code between BEGIN SOLUTION and END SOLUTION.\n')
    assert found(audit_text(prose), "NB006") == [("NB006", line_of(prose, "Write your code"))]
    in_docstring = source(IMPL.replace('"""TODO: double x."""', '"""TODO: fill in the BEGIN SOLUTION block."""'))
    assert found(audit_text(in_docstring), "NB006") == [("NB006", line_of(in_docstring, "TODO: fill in"))]
    harmless = source("# %% [markdown]\n# The solution markers are removed for students.\n")
    assert found(audit_text(harmless), "NB006") == []


def test_nb006_marker_nbgrader_does_not_recognise():
    lower = source(IMPL.replace("### BEGIN SOLUTION", "### begin solution").replace("### END SOLUTION", "### end solution"))
    findings = [f for f in unfold(audit_text(lower)) if f.code == "NB006"]  # one cell: the places of one folded finding
    assert [(f.code, f.line) for f in findings] == [("NB006", line_of(lower, "begin solution")), ("NB006", line_of(lower, "end solution"))]
    assert [f.suggestion for f in findings] == ["    ### BEGIN SOLUTION", "    ### END SOLUTION"]
    spaced = source(IMPL.replace("### BEGIN SOLUTION", "###  BEGIN SOLUTION").replace("### END", "# END"))
    assert found(audit_text(spaced), "NB006") == []  # nbgrader needs the words, not three hashes


def test_nb006_near_miss_markers_around_a_whole_answer_cell_change_nothing_nbgrader_releases():
    """`# Begin Solution` ... `# End Solution` spanning a solution cell (a real course's answer graded by
    hand): nbgrader, seeing no marker, stubs the whole cell, exactly what real markers there would
    give. In an nbgrader course that is no finding; with anything else in the cell (scaffolding that
    the whole-cell stub drops), or under our house rules (markers required), it still is."""
    def near_misses(text, profile="nbgrader"):
        module = parse_text(text, "widget.py")
        module.profile = profile
        return found(audit_source(module, None), "NB006")

    answer = marker("answer", "impl") + "\n# Begin Solution\n\nfor i in range(3):\n    print(i)\n\n# End Solution\n"
    assert near_misses(source(answer)) == []
    scaffolded = source(answer.replace("# Begin Solution", "# Print three numbers.\n# Begin Solution"))
    assert near_misses(scaffolded) == [("NB006", line_of(scaffolded, "# Begin")), ("NB006", line_of(scaffolded, "# End"))]
    reversed_ = source(answer.replace("# Begin Solution", "# End Solution", 1).replace("\n# End Solution\n", "\n# Begin Solution\n"))
    assert len(near_misses(reversed_)) == 2
    assert len(near_misses(source(answer), "tinytorch")) == 2


def test_complete_metadata_keeps_valid_values_and_makes_unique_ids():
    text = source(marker("widget", "impl") + "\nimport math\n", "# %%\nclass Widget:\n    pass\n", "# %%\nclass Widget:\n    pass\n")
    module = parse_text(text)
    cell = module.cells[-1]
    meta = complete_metadata(module, cell, ["widget", "imports"])
    assert meta["grade_id"] == "widget-2" and meta["solution"] is False and meta["schema_version"] == 3


def test_nb003_is_nbgrader_v3_exact_for_the_issue_example_and_names_the_real_problems():
    valid = {"grade": True, "grade_id": "t", "locked": True, "points": 5, "solution": False, "schema_version": 3}
    assert schema_problems(valid, "code") == []  # task is optional
    assert schema_problems({"grade": False, "locked": False, "solution": False, "schema_version": 3}, "code") == []  # no flag: no id needed
    assert schema_problems({"grade": False, "locked": True, "solution": False, "schema_version": 3}) == ["grade_id is missing (required when locked is true)"]
    assert schema_problems({**valid, "grade_id": ""}) == ["grade_id is empty (required when grade or locked is true)"]
    assert schema_problems({"schema_version": 3, "grade": True, "grade_id": "t", "locked": False}) == ["solution is missing", "points is missing (required when grade is true)"]
    assert schema_problems({**valid, "checksum": "abc"}) == ['checksum "abc" must be a 32-character string']
    assert schema_problems({**valid, "solution": True}, "markdown") == []
    assert schema_problems(valid, "markdown") == ["a graded markdown cell must also be a solution cell"]


@functools.cache
def nbgrader_validator():
    """nbgrader's own cell metadata validator (`MetadataValidatorV3`), loaded without running the package's
    `__init__`, which imports nbgrader's Jupyter server extensions (tornado, jupyter_server...): a second
    of CPU, against milliseconds for `nbgrader.nbgraderformat`, which needs only nbformat and jsonschema.
    The modules loaded here leave sys.modules again, so a later `import nbgrader` is the ordinary one."""
    if "nbgrader" in sys.modules:
        from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

        return MetadataValidatorV3
    folders = list(importlib.util.find_spec("nbgrader").submodule_search_locations)
    before = set(sys.modules)
    package = sys.modules["nbgrader"] = types.ModuleType("nbgrader")
    package.__path__ = folders
    try:
        return importlib.import_module("nbgrader.nbgraderformat.v3").MetadataValidatorV3
    finally:
        for name in set(sys.modules) - before:
            if name == "nbgrader" or name.startswith("nbgrader."):
                del sys.modules[name]


VALUES = st.sampled_from([True, False, 0, 1, 3, 3.0, 2, -1, 2.5, "", "t", "a b", "3", None, [], "x" * 32])
KEYS = st.sampled_from(["schema_version", "grade", "locked", "solution", "task", "grade_id", "points", "checksum", "cell_type", "extra"])


# Metadata nbgrader may accept: the four required keys with values of their types, some optional ones,
# then at most one key overwritten with anything. (Random dictionaries alone almost never hold all four
# required keys: 0 of 300 examples were valid, so the agreement was only ever checked on rejections.)
NEAR_VALID = st.builds(
    lambda base, noise: {**base, **noise},
    st.fixed_dictionaries(
        {"schema_version": st.just(3), "grade": st.booleans(), "locked": st.booleans(), "solution": st.booleans(),
         "grade_id": st.sampled_from(["t", "cell-1_a", "", "a b"]), "points": st.sampled_from([0, 1, 2.5, -1, "3"])},
        optional={"task": st.booleans(), "checksum": st.sampled_from(["x" * 32, "abc"]), "cell_type": st.sampled_from(["code", "markdown", "raw"])},
    ),
    st.dictionaries(KEYS, VALUES, max_size=1),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES | st.sampled_from(["code", "markdown", "raw"])) | NEAR_VALID, st.sampled_from(["code", "markdown"]))
def test_nb003_agrees_with_nbgrader_own_validator(meta, kind):
    """schema_problems(meta, kind) is empty exactly when nbgrader's v3 validator accepts the cell."""
    import nbformat

    validator = nbgrader_validator()()
    cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)("x = 1")
    cell.metadata["nbgrader"] = dict(meta)
    try:
        validator.validate_cell(cell)
        accepted = True
    except Exception:  # ValidationError, SchemaMismatchError, or a TypeError on a non-integer schema_version
        accepted = False
    assert (schema_problems(meta, kind) == []) == accepted, schema_problems(meta, kind)


OLD_META = st.fixed_dictionaries(
    {},
    optional={"schema_version": st.sampled_from([0, 1, 2]), "grade": st.booleans(), "solution": st.booleans(), "locked": st.booleans(),
              "task": st.booleans(), "grade_id": st.sampled_from(["t", "", "a b"]), "points": st.sampled_from([1, "2", "", -1, "abc", None, 2.5]),
              "checksum": st.just("x" * 32), "cell_type": st.sampled_from(["code", "markdown"]), "extra": st.just(1)},
)


@settings(max_examples=200, deadline=None)
@given(OLD_META, st.sampled_from(["code", "markdown"]))
def test_the_upgrade_nb003_expects_is_nbgrader_updates(meta, kind):
    """NB003 tells an older nbgrader's notebook to run `nbgrader update` only when that makes it valid: its
    model of the upgrade (v0 -> v1 -> v2 -> v3) gives what nbgrader's own upgrade gives, or fails where it fails."""
    import nbformat

    from audits.rules.nbgrader import _upgraded

    cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)("x = 1")
    cell.metadata["nbgrader"] = dict(meta)
    try:
        theirs = dict(nbgrader_validator()().upgrade_cell_metadata(cell).metadata.get("nbgrader", {}))
    except (ValueError, TypeError):  # float("abc"), float(None): `nbgrader update` stops
        theirs = None
    assert _upgraded(meta, kind) == theirs


def test_an_older_nbgraders_notebook_is_one_finding_saying_nbgrader_update(tmp_path):
    """nbgrader's own old-schema test notebooks (test-v0, v1, v2): one NB003 for the notebook, naming
    `nbgrader update`, not one per cell listing keys. test-v0-invalid has a cell no upgrade makes
    valid (no grade_id): that cell keeps its own finding."""
    import shutil

    from audits.parse import parse_file

    files = Path(importlib.util.find_spec("nbgrader").origin).parent / "tests" / "apps" / "files"
    for name, cells in (("test-v0", 17), ("test-v1", 9), ("test-v2", 9), ("test-v0-invalid", 16)):
        path = Path(shutil.copy(files / f"{name}.ipynb", tmp_path / f"{name}.ipynb"))
        findings = [f for f in audit_source(parse_file(path), None) if f.code == "NB003"]
        upgrade = [f for f in findings if "nbgrader update" in f.suggestion]
        assert len(upgrade) == 1 and upgrade[0].message.startswith(f"{cells} cells carry nbgrader metadata of schema version"), name
        others = [f.message for f in findings if f not in upgrade]
        assert others == (["nbgrader metadata is not valid v3: schema_version is missing; locked is missing; grade_id is missing "
                           "(required when grade or solution is true)."] if name == "test-v0-invalid" else []), name
