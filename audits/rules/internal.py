"""INT001: a rule that raised on a module. The audit goes on, as ruff reports a file it failed on and lints the rest.

`audits.check` runs every rule under `crashed`: an exception from one rule on one module
becomes this finding (naming the rule and the module) instead of ending the whole run;
the module's other rules and every other module are still audited. Set AUDITS_DEBUG=1
to let the exception through with its traceback.
"""

from __future__ import annotations

from audits.model import Finding, ModuleSource, Rule, Severity

DOC = """\
What it does: reports a rule of the auditor that raised an exception on this module, naming
the rule, the exception and the module; the other rules and the other modules are audited.
Why it matters: the module was not fully checked: what that rule looks for may be there
unseen, so the module cannot be called ready; it is a bug in the auditor (or a source shape
it does not expect), not in the module.
Example: `CC001` raised `RecursionError` on a class nested a thousand levels deep.
How to fix: report it with the module attached (`AUDITS_DEBUG=1` shows the traceback); until
then `--ignore` the rule for this run, or `# audit: ignore[INT001]` on the module's first line."""


def _applied_by_check(module, index):
    return iter(())  # see the module docstring: audits.check makes these findings


RULE = Rule(
    code="INT001",
    name="a rule raised on this module",
    severity=Severity.HIGH,
    category="Auditor",
    doc=DOC,
    check=_applied_by_check,
    effort_minutes=15,
    any_language=True,
)


def crashed(rule: Rule, module: ModuleSource, error: BaseException) -> Finding:
    """The finding for `rule` raising `error` on `module` (line 1: the module as a whole)."""
    where = module.ref.key if module.ref is not None else module.display_path
    return Finding(
        RULE.code, RULE.severity, module.display_path, 1,
        f"rule {rule.code} ({rule.name}) raised {type(error).__name__}: {error} on module {where}; "
        "the module's other rules ran, this one's findings are missing.",
        module.line(1), "Report it with this module (AUDITS_DEBUG=1 shows the traceback).", RULE.category,
    )  # fmt: skip
