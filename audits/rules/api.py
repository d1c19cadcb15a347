"""API001: a module's tests and checkpoint import names the package does not export."""

from __future__ import annotations

from audits.model import Rule, Severity
from audits.rules._base import file_finding
from audits.rules.imports import replacement, resolved_imports

DOC = """\
What it does: finds imports in this module's test and checkpoint files (tests/NN_name/**,
tests/checkpoints/checkpoint_NN_*.py) of a tinytorch module path or name that no module in
the checkout exports: no module has that `#| default_exp` target, or its export cells define
no such name. Hand-written, tracked package files (a `tinytorch/nn/__init__.py` that
re-exports names) count as exports. Reported in the test file, at the import.
Why it matters: the suite then fails at collection, or the checkpoint tests an API students
never build.
Example: `from tinytorch.nn.utils.prune import MagnitudePruner` while module 16 exports
`magnitude_prune` from `tinytorch.perf.compression`.
How to fix: import what API.md and the module really export (the suggestion names the
exporting path, or the closest exported name), and test that."""


def check(module, index):
    if index is None or module.number is None:
        return
    for test in index.test_files(module.number):
        if test.tree is None:
            continue
        for resolved in resolved_imports(test.tree, index):
            if resolved.problem is not None:
                node = resolved.node
                yield file_finding(
                    RULE, test, node.lineno, f"{test.path.name} imports what the package does not export: {resolved.problem}.",
                    last=node.end_lineno, suggestion=replacement(index, resolved), node=node,
                )  # fmt: skip


RULE = Rule(
    code="API001",
    name="test imports a name the package does not export",
    severity=Severity.HIGH,
    category="API conformance",
    doc=DOC,
    check=check,
    effort_minutes=15,
    profiles=("tinytorch",),  # the tinytorch package's API
)
