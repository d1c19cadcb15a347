"""Every rule of the harness, one registry: the static audit's and the ones bite finds by running.

Static rules are pure functions of the parsed module (`audits.parse`) and, for
cross-module rules, the repository index (`audits.index`). They never import or
execute the audited code. Each rule file defines `Rule` objects (code, name,
default severity, report category, doc, `check(module, index)` generator).
Bite's rules (BITE001...) are reported by `python -m audits.bite`, which runs the
course's graded tests; their documentation lives with their verdicts
(`audits.bite.verdicts.RULES`) and is loaded only when a code is looked up.

    ALL_RULES          the static audit's rules, sorted by code (what `audits.check` runs)
    every_rule()       ALL_RULES and bite's rules, sorted by code: what --explain,
                       --select, --ignore and `# audit: ignore[...]` accept
    get_rule(code)     one rule of every_rule(); InputError for an unknown code
"""

from __future__ import annotations

import functools
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
    "internal",  # INT001
    "kernel_stub",  # NB007
    "layout",  # LAY001, LAY002
    "nbgrader",  # NB001-NB006
    "provided_tests",  # GR001
    "references",  # REF001, REF002
    "side_effects",  # SE001
    "student_copies",  # EX005
    "suppressions",  # SUP001, SUP002
    "syntax",  # SYN001, SYN002
    "test_folders",  # LAY003
    "test_isolation",  # TI001
    "test_quality",  # TST001
    "test_swallows",  # TST002
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


# Rules found by running the course's code (`python -m audits.bite`): the module defining their RULES.
DYNAMIC_RULE_MODULES = ("audits.bite.verdicts", "audits.bite.mutation")

ALL_RULES: list[Rule] = _collect()


@functools.cache
def every_rule() -> tuple[Rule, ...]:
    """The whole registry: the static rules and bite's, sorted by code (bite's loaded on first use)."""
    rules = list(ALL_RULES)
    for name in DYNAMIC_RULE_MODULES:
        rules.extend(importlib.import_module(name).RULES)
    codes = [rule.code for rule in rules]
    duplicates = {code for code in codes if codes.count(code) > 1}
    if duplicates:
        raise RuntimeError(f"rule codes defined twice: {sorted(duplicates)}")
    return tuple(sorted(rules, key=lambda rule: rule.code))


def get_rule(code: str) -> Rule:
    """The rule with this code (case-insensitive), static or bite's, or an InputError listing the known codes."""
    by_code = {rule.code: rule for rule in every_rule()}
    rule = by_code.get(code.strip().upper())
    if rule is None:
        raise InputError(f"unknown rule code {code!r} (known: {', '.join(by_code)})")
    return rule
