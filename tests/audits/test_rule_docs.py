"""audits/RULES.md, the rules reference SARIF's helpUri points into: generated from the registry,
one anchor per rule (bite's included), and every helpUri resolves to a heading of the file."""

import re
from pathlib import Path

from testkit.auditkit import run_command

from audits.report.sarif import document
from audits.rules import every_rule
from audits.rules.__main__ import markdown

CHECKOUT = Path(__file__).resolve().parents[2]


def anchors(markdown_text: str) -> set[str]:
    """The anchors GitHub (and most Markdown renderers) give the headings: lower case, punctuation
    other than `-` and `_` dropped, spaces as hyphens (an independent reading of the file)."""
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#{1,6} (.+)$", markdown_text, flags=re.MULTILINE)}  # fmt: skip


def test_rules_md_is_generated_from_the_registry():
    on_disk = (CHECKOUT / "audits/RULES.md").read_text(encoding="utf-8")
    assert on_disk == markdown(), "audits/RULES.md is stale: python -m audits.rules --markdown > audits/RULES.md"
    result = run_command("audits.rules", "--markdown")
    assert result.returncode == 0 and result.stdout == on_disk


def test_every_rule_has_a_help_uri_that_resolves():
    rules = every_rule()
    assert {"BITE001", "BITE008", "NB006", "INT001"} <= {rule.code for rule in rules}  # bite's rules are in the registry
    sarif_rules = document([], rules)["runs"][0]["tool"]["driver"]["rules"]
    assert [entry["id"] for entry in sarif_rules] == [rule.code for rule in rules]
    for entry in sarif_rules:
        path, _, fragment = entry["helpUri"].partition("#")
        target = CHECKOUT / path
        assert target.is_file(), entry["helpUri"]
        assert fragment == entry["id"].lower() and fragment in anchors(target.read_text(encoding="utf-8")), entry["helpUri"]


def test_a_rule_missing_from_the_doc_has_no_anchor():
    """The check above can fail: a doc without a rule's section does not resolve its helpUri."""
    text = markdown().replace("\n## NB006\n", "\n")
    assert "nb006" not in anchors(text) and "nb005" in anchors(text)
