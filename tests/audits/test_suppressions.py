"""Suppression hygiene (SUP001 unknown code, SUP002 unused code) and suppressed-finding counts in the reports."""

import json
import re
import shutil
from pathlib import Path

from audits.auditor import Auditor
from audits.config import Config
from audits.module import render
from audits.rules import ALL_RULES
from testkit.auditkit import audit_text, found, line_of, marker, source

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

GUARDED = f'''{marker("test-double", "test")}
def test_unit_double():
    assert 2 * 2 == 4

if __name__ == "__main__":
    test_unit_double()
'''


def module_with(call_line: str) -> str:
    return source(GUARDED, f'{marker("demo")}\n{call_line}\n')


def test_a_typo_in_a_suppression_is_reported_and_silences_nothing():
    text = module_with("test_unit_double()  # audit: ignore[TI01]")
    findings = audit_text(text)
    line = line_of(text, "ignore[TI01]")
    assert ("TI001", line) in found(findings), "the real finding is still reported"
    typo = [f for f in findings if f.code == "SUP001"]
    assert [(f.line, f.column) for f in typo] == [(line, len("test_unit_double()  ") + 1)]
    assert "TI01 (did you mean TI001?)" in typo[0].message and typo[0].suggestion == "# audit: ignore[TI001]"


def test_a_suppression_that_silences_nothing_is_reported_with_a_safe_fix():
    text = module_with("x = 1  # audit: ignore[SE001, TI001]")
    findings = audit_text(text)
    line = line_of(text, "x = 1")
    unused = [f for f in findings if f.code == "SUP002"]
    assert [(f.line, f.column) for f in unused] == [(line, len("x = 1  ") + 1)]
    assert "SE001, TI001 report(s) nothing here" in unused[0].message
    fix = unused[0].fix
    assert fix is not None and fix.safety.value == "safe"
    assert [(e.start, e.end, e.text) for e in fix.edits] == [(line, line, "x = 1")]
    partly = audit_text(module_with("test_unit_double()  # audit: ignore[SE001, TI001]"))
    [stale] = [f for f in partly if f.code == "SUP002"]
    assert "SE001 report(s)" in stale.message and stale.fix.edits[0].text == "test_unit_double()  # audit: ignore[TI001]"


def test_a_used_suppression_is_quiet_and_counted():
    text = module_with("test_unit_double()  # audit: ignore[TI001]")
    findings = audit_text(text)
    assert not [f for f in findings if f.code in ("TI001", "SUP001", "SUP002")]


def test_a_marker_suppression_is_used_by_findings_anywhere_in_its_cell():
    text = source(GUARDED, f'{marker("demo")}  # audit: ignore[TI001]\nfirst = 1\ntest_unit_double()\n')
    assert not [f for f in audit_text(text) if f.code in ("TI001", "SUP002")]


def test_codes_of_rules_that_did_not_run_are_never_unused():
    text = module_with("x = 1  # audit: ignore[SE001]")
    config = Config(ignore=frozenset({"SE001"}))
    assert not [f for f in audit_text(text, config=config) if f.code.startswith("SUP")]


def test_the_syntax_in_a_string_or_markdown_is_not_a_suppression():
    text = source('# %% [markdown]\n"""\nSilence a rule with `# audit: ignore[CODE]` on its line.\n"""',
                  f'{marker("doc")}\nHOW = "write # audit: ignore[XX999] at the end of the line"\n')
    assert not [f for f in audit_text(text) if f.code.startswith("SUP")]


def test_reports_say_how_many_findings_were_suppressed_and_where(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(HERE / "seedlike" / "flawed", root)
    path = root / "modules" / "16_compression" / "compression.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    for number in (77, 97):  # two unguarded test calls
        lines[number - 1] += "  # audit: ignore[TI001]"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    audit = Auditor(root).audit_target("16")
    assert [(f.code, f.line) for f in audit.suppressed] == [("TI001", 77), ("TI001", 97)]
    assert ("TI001", 77) not in found(audit.findings)
    where = "modules/16_compression/compression.py"
    assert f"suppressed 2 findings: {where}:77 TI001, {where}:97 TI001" in render(audit, "text", "2025-11-10")
    assert f"**Suppressed:** 2 finding(s) by `# audit: ignore[...]`: `{where}:77` TI001, `{where}:97` TI001" in render(
        audit, "markdown", "2025-11-10")
    assert json.loads(render(audit, "json", "2025-11-10"))["suppressed"] == [
        {"code": "TI001", "path": where, "line": 77}, {"code": "TI001", "path": where, "line": 97}]


def test_the_pyproject_comment_names_only_codes_that_exist():
    comments = [line for line in (REPO / "pyproject.toml").read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")]
    named = set(re.findall(r"\b[A-Z]{2,4}\d{3}\b", "\n".join(comments)))
    assert named, "the comment gives an example code"
    assert named <= {rule.code for rule in ALL_RULES}


def test_fix_removes_the_code_that_silences_nothing(tmp_path):
    from audits.module import main as module_main

    root = tmp_path / "repo"
    shutil.copytree(HERE / "seedlike" / "clean", root)
    path = root / "modules" / "01_widget" / "widget.py"
    text = path.read_text(encoding="utf-8").replace("import numpy as np\n", "import numpy as np  # audit: ignore[SE001]\n", 1)
    path.write_text(text, encoding="utf-8")
    assert [f.code for f in Auditor(root).audit_target("1").findings] == ["SUP002"]
    assert module_main(["1", "--root", str(root), "--fix", "--format", "json"]) == 0
    assert path.read_text(encoding="utf-8") == text.replace("import numpy as np  # audit: ignore[SE001]\n", "import numpy as np\n")
    assert Auditor(root).audit_target("1").findings == []
