"""GR001-GR003, the static grading rules, on the bite fixture courses and on small sources."""

from pathlib import Path

from testkit.auditkit import audit_text, found, line_of, marker, source

from audits.auditor import Auditor

FIXTURES = Path(__file__).resolve().parent / "bite_fixtures"
GRADING = ("GR001", "GR002", "GR003")


def grading_findings(course: str):
    auditor = Auditor(FIXTURES / course)
    audit = auditor.audit_ref(auditor.refs[0])
    return audit, [(f.code, f.line) for f in audit.findings if f.code in GRADING]


def test_defects_fixture_has_exactly_its_three_static_defects():
    audit, findings = grading_findings("defects")
    text = "\n".join(audit.module.lines)
    assert findings == [
        ("GR001", line_of(text, '"grade_id": "test-scale"')),  # tests the provided scale() only
        ("GR003", line_of(text, '"grade_id": "widget-helpers"')),  # unlocked, used by test-double
        ("GR002", line_of(text, "### BEGIN SOLUTION", nth=3)),  # the region around Counter's methods
    ]
    by_code = {f.code: f for f in audit.findings}
    assert "`scale`" in by_code["GR001"].message
    assert "`expected_double`" in by_code["GR003"].message and "`test-double`" in by_code["GR003"].message
    assert '"locked": true' in by_code["GR003"].suggestion and '"grade_id": "widget-helpers"' in by_code["GR003"].suggestion
    assert "class `Counter`" in by_code["GR002"].message
    assert by_code["GR002"].excerpt.splitlines()[-1].strip() == "### END SOLUTION"


def test_clean_fixture_has_none():
    audit, findings = grading_findings("clean")
    assert findings == [] and audit.ready


IMPL_TWO = marker("two", "impl") + '\ndef two():\n    """TODO: return 2."""\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n'


def test_gr001_follows_helpers_to_student_code_and_skips_sources_without_regions():
    via_helper = source(
        IMPL_TWO,
        marker("helper", locked=True) + "\ndef twice():\n    return two() * 2\n",
        marker("test-twice", "test") + "\ndef test_unit_twice():\n    assert twice() == 4\n",
    )
    assert found(audit_text(via_helper), "GR001") == []
    provided_only = source(marker("test-np", "test") + "\ndef test_unit_np():\n    assert np.zeros(2).sum() == 0\n")
    assert found(audit_text(provided_only), "GR001") == []  # no solution region: not an assignment
    with_region = source(IMPL_TWO, marker("test-np", "test") + "\ndef test_unit_np():\n    assert np.zeros(2).sum() == 0\n")
    assert found(audit_text(with_region), "GR001") == [("GR001", line_of(with_region, '"grade_id": "test-np"'))]


def test_gr001_a_test_that_imports_the_name_does_not_use_the_students():
    text = source(IMPL_TWO, marker("test-two", "test") + "\ndef test_unit_two():\n    from widget_reference import two\n    assert two() == 2\n")
    assert found(audit_text(text), "GR001") == [("GR001", line_of(text, '"grade_id": "test-two"'))]


def test_gr002_regions_inside_methods_are_fine_module_level_def_lines_are_not():
    methods = source(marker("c", "impl") + "\nclass C:\n    def f(self):\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n")
    assert found(audit_text(methods), "GR002") == []
    nested = source(marker("g", "impl") + "\ndef g():\n    ### BEGIN SOLUTION\n    def inner():\n        return 1\n    return inner()\n    ### END SOLUTION\n")
    assert found(audit_text(nested), "GR002") == []  # a def inside a function body runs only when g() is called
    around_def = source(marker("h", "impl") + "\n### BEGIN SOLUTION\ndef h():\n    return 1\n### END SOLUTION\n")
    (finding,) = [f for f in audit_text(around_def) if f.code == "GR002"]
    assert finding.line == line_of(around_def, "### BEGIN SOLUTION") and "`h`" in finding.message


def test_gr003_only_counts_helpers_reached_through_locked_code():
    helper = marker("helpers") + "\ndef expected():\n    return 2\n"
    direct = source(helper, IMPL_TWO, marker("test-two", "test") + "\ndef test_unit_two():\n    assert two() == expected()\n")
    assert found(audit_text(direct), "GR003") == [("GR003", line_of(direct, '"grade_id": "helpers"'))]
    # Reached only through the student's own (editable) code: the student can edit that anyway.
    through_solution = source(
        helper,
        marker("two", "impl") + '\ndef two():\n    """TODO."""\n    ### BEGIN SOLUTION\n    return expected()\n    ### END SOLUTION\n',
        marker("test-two", "test") + "\ndef test_unit_two():\n    assert two() == 2\n",
    )
    assert found(audit_text(through_solution), "GR003") == []
    locked = source(marker("helpers", locked=True) + "\ndef expected():\n    return 2\n", IMPL_TWO,
                    marker("test-two", "test") + "\ndef test_unit_two():\n    assert two() == expected()\n")  # fmt: skip
    assert found(audit_text(locked), "GR003") == []
