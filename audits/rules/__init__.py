"""Every rule of the audit, one small file per rule or tight family of rules.

Rules are pure functions of the parsed module (`audits.parse`) and, for
cross-module rules, the repository index (`audits.index`). They never import or
execute the audited code. Each rule file defines `Rule` objects (code, name,
default severity, report category, doc, `check(module, index)` generator).

    ALL_RULES        every rule, sorted by code
    get_rule(code)   one rule; InputError for an unknown code
"""

from __future__ import annotations

import importlib

from audits.model import InputError, Rule

# The registry: one line per rule file (a file defines RULE, or RULES for a tight family).
RULE_FILES = (
    "api",  # API001
    "class_regions",  # GR002
    "composition",  # CC001
    "dependencies",  # DEP001, DEP002
    "export_completeness",  # EX004
    "exports",  # EX001-EX003
    "layout",  # LAY001, LAY002
    "nbgrader",  # NB001-NB006
    "provided_tests",  # GR001
    "references",  # REF001, REF002
    "side_effects",  # SE001
    "student_copies",  # EX005
    "suppressions",  # SUP001, SUP002
    "syntax",  # SYN001
    "test_folders",  # LAY003
    "test_isolation",  # TI001
    "test_quality",  # TST001
    "unlocked_helpers",  # GR003
)


def _collect() -> list[Rule]:
    rules: list[Rule] = []
    for name in RULE_FILES:
        family = importlib.import_module(f"audits.rules.{name}")
        rules.extend(getattr(family, "RULES", None) or [family.RULE])
    codes = [rule.code for rule in rules]
    duplicates = {code for code in codes if codes.count(code) > 1}
    if duplicates:
        raise RuntimeError(f"rule codes defined twice: {sorted(duplicates)}")
    return sorted(rules, key=lambda rule: rule.code)


ALL_RULES: list[Rule] = _collect()
_BY_CODE = {rule.code: rule for rule in ALL_RULES}


def get_rule(code: str) -> Rule:
    """The rule with this code (case-insensitive), or an InputError listing the known codes."""
    rule = _BY_CODE.get(code.strip().upper())
    if rule is None:
        raise InputError(f"unknown rule code {code!r} (known: {', '.join(_BY_CODE)})")
    return rule
