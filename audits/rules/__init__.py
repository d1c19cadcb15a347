"""Every rule of the audit, one small file per rule or tight family of rules.

Rules are pure functions of the parsed module (`audits.parse`) and, for
cross-module rules, the repository index (`audits.index`). They never import or
execute the audited code. Each rule file defines `Rule` objects (code, name,
default severity, report category, doc, `check(module, index)` generator).

    ALL_RULES        every rule, sorted by code
    get_rule(code)   one rule; InputError for an unknown code
"""

from __future__ import annotations

from audits.model import InputError, Rule
from audits.rules import (
    api,
    class_regions,
    composition,
    dependencies,
    export_completeness,
    exports,
    layout,
    nbgrader,
    provided_tests,
    references,
    side_effects,
    student_copies,
    suppressions,
    syntax,
    test_folders,
    test_isolation,
    test_quality,
    unlocked_helpers,
)

_FAMILIES = (
    api, composition, dependencies, export_completeness, exports, layout, nbgrader, references, side_effects,
    student_copies, suppressions, syntax, test_folders, test_isolation, test_quality,
)  # fmt: skip
_FAMILIES += (provided_tests, class_regions, unlocked_helpers)  # GR001-GR003: graded tests that bite


def _collect() -> list[Rule]:
    rules: list[Rule] = []
    for family in _FAMILIES:
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
