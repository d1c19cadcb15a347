"""EX004 (export cells need names only non-export cells provide) and EX005 (student and exported copies differ)."""

import pytest

from audits.model import unfold
from testkit.auditkit import audit_text, found, line_of, marker, source

DEMO_IMPORT = marker("demo") + "\nfrom dataclasses import dataclass\nfrom collections import OrderedDict as OD\nLIMIT = 3\n"


def test_names_only_a_demo_cell_provides_are_reported_once_at_their_first_use():
    text = source(
        DEMO_IMPORT,
        marker("stats", "impl") + "\n#| export\n@dataclass\nclass Stats:\n    n: int\n\n\ndef table():\n    return OD(limit=LIMIT, again=LIMIT)\n",
    )
    findings = unfold(audit_text(text))  # one place per line (both lines are in one cell: one folded finding)
    assert found(findings, "EX004") == [
        ("EX004", line_of(text, "@dataclass")),
        ("EX004", line_of(text, "return OD(")),
    ]
    messages = [f.message for f in findings if f.code == "EX004"]
    assert "`dataclass`" in messages[0] and f"line {line_of(text, 'from dataclasses')}" in messages[0]
    assert "`OD`" in messages[1]  # one finding per line: LIMIT on the same line folds into it
    demo = line_of(text, "LIMIT = ")
    assert messages[1] == (
        f"`OD` (line {line_of(text, 'OrderedDict as OD')}), `LIMIT` (line {demo}) are used by exported code "
        "but only non-export cells provide them: the generated package raises NameError."
    )
    assert [f.suggestion for f in findings if f.code == "EX004"][1] == (
        "Move `from collections import OrderedDict as OD` into an `#| export` cell (the first one holds the imports). "
        f"Move the definition of `LIMIT` (line {demo}) into an `#| export` cell, or stop using it here."
    )
    assert [f.suggestion for f in findings if f.code == "EX004"][0] == "Move `from dataclasses import dataclass` into an `#| export` cell (the first one holds the imports)."


@pytest.mark.parametrize(
    "export_body",
    [
        "from dataclasses import dataclass\n\n\n@dataclass\nclass Stats:\n    n: int\n",  # imported where it is used
        "def f(dataclass):\n    return dataclass\n",  # a parameter of the same name
        "from dataclasses import *\n\n\n@dataclass\nclass Stats:\n    n: int\n",  # star import: cannot judge
        'def f():\n    return 1\n\n\nif __name__ == "__main__":\n    print(dataclass, LIMIT)\n',  # never runs in the package
        "def f():\n    return len(undefined_anywhere)\n",  # a plain NameError, not an export problem
    ],
)
def test_no_export_completeness_finding(export_body):
    text = source(DEMO_IMPORT, marker("impl", "impl") + "\n#| export\n" + export_body)
    assert found(audit_text(text), "EX004") == []


def test_a_student_copy_that_differs_from_the_exported_copy():
    text = source(
        marker("student", "impl") + '\ndef measure_sparsity(model):\n    """Percent of zeros."""\n    return 100.0 * model\n',
        marker("export") + '\n#| export\ndef measure_sparsity(model):\n    """Fraction of zeros."""\n    return model\n',
    )
    findings = [f for f in audit_text(text) if f.code == "EX005"]
    assert [(f.code, f.line) for f in findings] == [("EX005", line_of(text, "def measure_sparsity", 2))]
    assert f"(line {line_of(text, 'def measure_sparsity')})" in findings[0].message


def test_copies_that_differ_only_in_docstrings_or_are_unrelated_are_fine():
    same = source(
        marker("student", "impl") + '\ndef scale(x):\n    """Student version."""\n    return 2 * x\n',
        marker("export") + '\n#| export\ndef scale(x):\n    """Package version."""\n    return 2 * x\n\n\nclass Other:\n    pass\n',
    )
    assert found(audit_text(same), "EX005") == []


def test_names_one_demo_import_provides_on_one_line_share_one_suggestion():
    demo = marker("demo") + "\nfrom collections import Counter, OrderedDict\n"
    text = source(demo, marker("impl", "impl") + "\n#| export\ndef table():\n    return OrderedDict(), Counter()\n")
    [finding] = [f for f in audit_text(text) if f.code == "EX004"]
    assert finding.line == line_of(text, "return OrderedDict")
    assert "`OrderedDict`" in finding.message and "`Counter`" in finding.message
    assert finding.suggestion == "Move `from collections import Counter, OrderedDict` into an `#| export` cell (the first one holds the imports)."
