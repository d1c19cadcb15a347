"""SARIF 2.1.0 and GitHub annotations: what code scanning and pull-request views read.

The SARIF is validated against the specification's JSON schema (2.1.0-rtm.5, the
final 2.1.0 schema, shipped under tests/audits/data/ from Microsoft's MIT-licensed
@microsoft/jest-sarif package).
"""

import dataclasses
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from audits.auditor import Auditor
from audits.model import Finding, Severity
from audits.module import main as module_main
from audits.module import render_all
from audits.report.locations import repository_root
from audits.report import ModuleInfo, github
from audits.rules import ALL_RULES

HERE = Path(__file__).resolve().parent
SCHEMA = json.loads((HERE / "data" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
FLAWED = HERE / "seedlike" / "flawed"
REPO_ROOT = repository_root(FLAWED)  # the git work tree holding the fixture (tests/audits/test_locations.py pins the rule)
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


# Its module-scoped fixture (`audit`) is built once: every test of this file runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("test_report_sarif")


@pytest.fixture(scope="module")
def audit():
    return Auditor(FLAWED).audit_target("16")


@pytest.fixture(scope="module")
def sarif(audit):
    return json.loads(render_all([audit], "sarif", "2025-11-10"))


def test_sarif_of_the_planted_defects_validates_against_the_schema(sarif):
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1


def test_every_finding_is_a_result_with_rule_level_message_file_line_and_column(audit, sarif):
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(audit.findings) and len(audit.findings) >= 22
    # paths relative to the repository root (the git work tree holding the audited checkout)
    home = FLAWED.resolve().relative_to(REPO_ROOT).as_posix()
    also = lambda f: "".join(f" Also at [line {p.line}]({n})" if n == 1 else f", [line {p.line}]({n})" for n, p in enumerate(f.parts[1:], 1))  # noqa: E731
    expected = sorted(
        (f.code, LEVELS[f.severity.label], f.message + (also(f) + "." if f.folded else ""), f"{home}/{f.path}", f.span, tuple(f.lines))
        for f in audit.findings
    )
    got = []
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        related = tuple(r["physicalLocation"]["region"]["startLine"] for r in result.get("relatedLocations", ()))
        got.append((result["ruleId"], result["level"], result["message"]["text"], location["artifactLocation"]["uri"],
                    (region["startLine"], region["startColumn"], region.get("endLine", region["startLine"]), region.get("endColumn", region["startColumn"])),
                    (region["startLine"], *related)))
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert sorted(got) == expected


def test_a_folded_finding_is_one_result_with_related_locations_and_exact_regions():
    from audits.parse import parse_text
    from audits.report import sarif as sarif_report
    from testkit.auditkit import audit_text, line_of, marker, source

    text = source(marker("demo") + "\nprint('a')\nx = 1\nresult = np.random.rand(3)\n")
    module = parse_text(text, "widget.py")
    findings = [f for f in audit_text(text) if f.code == "SE001"]
    log = json.loads(sarif_report.render(ModuleInfo.from_source(module), findings, ALL_RULES))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (result,) = log["runs"][0]["results"]
    first, second = line_of(text, "print('a')"), line_of(text, "np.random.rand")
    assert result["message"]["text"].endswith(f" Also at [line {second}](1).")
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == (first, 1, first, len("print('a')") + 1)
    (related,) = result["relatedLocations"]
    region = related["physicalLocation"]["region"]
    start = "result = ".__len__() + 1  # the call, not the assignment
    assert (related["id"], region["startLine"], region["startColumn"], region["endColumn"]) == (1, second, start, start + len("np.random.rand(3)"))
    assert "random" in related["message"]["text"]


def test_rules_carry_metadata_and_help(sarif):
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.code for rule in ALL_RULES]
    for rule, known in zip(rules, ALL_RULES):
        assert rule["shortDescription"]["text"] == known.name
        assert rule["fullDescription"]["text"] == " ".join(known.doc.split())
        assert f"--explain {known.code}" in rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == LEVELS[known.severity.label]
        assert rule["properties"]["tags"] == [known.category]


def test_sarif_for_the_whole_repository_and_suppressed_findings(tmp_path, capsys):
    root = tmp_path / "repo"
    shutil.copytree(FLAWED, root)
    source = root / "modules" / "16_compression" / "compression.py"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[76] += "  # audit: ignore[TI001]"  # line 77: test_unit_measure_sparsity()
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert module_main(["--root", str(root), "16", "--format", "sarif"]) == 1
    data = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(SCHEMA).validate(data)
    dismissed = [r for r in data["runs"][0]["results"] if "suppressions" in r]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in dismissed] == [("TI001", 77)]
    assert dismissed[0]["suppressions"][0]["kind"] == "inSource"


def test_github_annotations_name_file_line_column_and_escape_their_values():
    finding = Finding("TI001", Severity.CRITICAL, "modules/16_x/x.py", 77, "100% bad: runs, at import", "    f()",
                      "guard it\nlike this", column=5, end_line=77, end_column=8)
    line = github.render(ModuleInfo("modules/16_x/x.py"), [finding], ALL_RULES)
    assert line == ("::error file=modules/16_x/x.py,line=77,col=5,endLine=77,endColumn=8,title=TI001 test or analysis call at import time"
                    "::100%25 bad: runs, at import%0Aguard it%0Alike this\n")
    low = Finding("SUP002", Severity.LOW, "a,b:c.py", 3, "m")
    assert github.render(ModuleInfo("a.py"), [low], ALL_RULES).startswith("::notice file=a%2Cb%3Ac.py,line=3,col=1,")
    # a range over several lines: GitHub takes columns only within one line, so the lines alone
    block = Finding("SE001", Severity.HIGH, "x.py", 4, "a loop", "for i in x:\n    f(i)", column=1, end_line=5, end_column=9)
    assert github.render(ModuleInfo("x.py"), [block], ALL_RULES).startswith("::error file=x.py,line=4,endLine=5,title=SE001 ")


def test_a_folded_finding_is_one_annotation_listing_its_other_lines():
    parts = [Finding("SE001", Severity.HIGH, "x.py", n, f"print {n}", "print()", column=1, end_line=n, end_column=8) for n in (3, 5, 9)]
    folded = dataclasses.replace(parts[0], folded=tuple(parts[1:]))
    (line,) = github.render(ModuleInfo("x.py"), [folded], ALL_RULES).splitlines()
    assert line.startswith("::error file=x.py,line=3,col=1,endLine=3,endColumn=8,title=SE001 ")
    assert line.endswith("::print 3 (also at lines 5, 9)")


def test_github_format_for_a_module_has_one_annotation_per_finding(audit):
    out = render_all([audit], "github", "2025-11-10")
    lines = out.splitlines()
    assert len(lines) == len(audit.findings)
    assert all(line.startswith(("::error file=", "::warning file=", "::notice file=")) for line in lines)
    home = FLAWED.resolve().relative_to(REPO_ROOT).as_posix()  # relative to the repository root, where the workflow runs
    assert f"::error file={home}/modules/16_compression/compression.py,line=77,col=1,endLine=77,endColumn=29,title=TI001 " in out
