"""EX001-EX003 (export hygiene) and SYN001 (unparsable cells)."""

from testkit.auditkit import HEADER, audit_text, found, line_of, marker, source


def test_ex001_missing_default_exp_at_first_code_cell():
    text = HEADER + "\n" + marker("imports") + "\n#| export\nimport math\n"
    assert found(audit_text(text), "EX001") == [("EX001", line_of(text, "nbgrader"))]


def test_ex001_default_exp_not_in_first_code_cell():
    text = HEADER + "\n" + marker("a") + "\nimport math\n\n" + marker("b") + "\n#| default_exp core.widget\nx = 1\n"
    assert found(audit_text(text), "EX001") == [("EX001", line_of(text, "default_exp"))]


def test_ex001_not_found_with_default_exp():
    assert found(audit_text(source()), "EX001") == []


def test_ex002_test_function_in_export_cell():
    text = source(marker("w", "test") + "\n#| export\ndef test_unit_w():\n    assert True\n")
    assert found(audit_text(text), "EX002") == [("EX002", line_of(text, "def test_unit_w"))]
    fine = source(marker("w", "test") + "\ndef test_unit_w():\n    assert True\n")
    assert found(audit_text(fine), "EX002") == []


def test_ex003_duplicate_definition_across_export_cells_at_second():
    text = source(marker("a") + "\n#| export\ndef f():\n    return 1\n", marker("b") + "\n#| export\ndef f():\n    return 2\n")
    (finding,) = [f for f in audit_text(text) if f.code == "EX003"]
    assert finding.line == line_of(text, "def f", nth=2) and f"line {line_of(text, 'def f')}" in finding.message
    not_exported = source(marker("a") + "\n#| export\ndef f():\n    return 1\n", marker("b") + "\ndef f():\n    return 2\n")
    assert found(audit_text(not_exported), "EX003") == []


def test_syn001_reports_the_error_line_and_other_rules_skip_the_cell():
    text = source(marker("broken") + "\nx = 1\ndef broken(:\n    test_unit_x()\n", marker("t") + "\ntest_unit_y()\n")
    findings = audit_text(text)
    assert found(findings, "SYN001") == [("SYN001", line_of(text, "def broken"))]
    assert found(findings, "TI001") == [("TI001", line_of(text, "test_unit_y()"))]
