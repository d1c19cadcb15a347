"""Course profiles: the nbgrader profile keeps the course-agnostic rules and drops the house rules."""

import dataclasses

import pytest

from audits.check import audit_source
from audits.parse import parse_text
from audits.rules import ALL_RULES
from testkit.auditkit import found, line_of, marker, source

GRADED_TEST = marker("test-squares", "test") + "\nassert squares(2) == [1, 4]\nsquares(3)\n"
DEMO = marker("demo") + "\nfor n in range(3):\n    print(squares(n))\nsquares(10)\n"
PLAIN = "# %%\nvalue = 1\n"
SOLUTION_NO_MARKERS = marker("squares", "impl") + "\ndef squares(n):\n    return [i * i for i in range(1, n + 1)]\n"
TEXT = source(SOLUTION_NO_MARKERS, GRADED_TEST, DEMO, PLAIN)


def audit(profile):
    module = parse_text(TEXT, "widget.py")
    module.profile = profile
    return audit_source(module, None)


def test_house_rules_declare_their_profile():
    house = {rule.code for rule in ALL_RULES if rule.profiles == ("tinytorch",)}
    assert {"EX001", "EX002", "EX003", "EX004", "EX005", "API001", "NB001"} <= house
    assert all("tinytorch" in rule.profiles for rule in ALL_RULES)
    assert {"NB003", "NB006", "CC001", "TST001", "LAY001"} <= {r.code for r in ALL_RULES if "nbgrader" in r.profiles}
    # import-time rules judge files imported as modules (exported into a package), not cells that simply run
    assert {"SE001", "TI001"} <= house


def test_nbgrader_profile_lets_cells_run_as_notebook_cells_do():
    tinytorch, nbgrader = audit("tinytorch"), audit("nbgrader")
    graded = [line_of(TEXT, "assert squares(2)"), line_of(TEXT, "squares(3)")]
    loop, shown = line_of(TEXT, "for n in range(3)"), line_of(TEXT, "squares(10)")
    assert {line for _, line in found(tinytorch, "SE001")} >= {*graded, loop, shown}
    assert found(nbgrader, "SE001") == found(nbgrader, "TI001") == []  # a notebook is never imported: its cells simply run
    assert found(tinytorch, "NB001") == [("NB001", line_of(TEXT, "value = 1") - 1)] and found(nbgrader, "NB001") == []
    defines = line_of(TEXT, "grade_id\": \"squares\"")
    assert ("NB006", defines) in found(tinytorch, "NB006") and found(nbgrader, "NB006") == []


@pytest.mark.parametrize("profile", ["tinytorch", "nbgrader"])
def test_unbalanced_markers_are_reported_in_every_profile(profile):
    text = source(marker("squares", "impl") + "\ndef squares(n):\n    ### BEGIN SOLUTION\n    return n\n")
    module = dataclasses.replace(parse_text(text, "widget.py"), profile=profile)
    assert found(audit_source(module, None), "NB006") == [("NB006", line_of(text, "### BEGIN SOLUTION"))]
