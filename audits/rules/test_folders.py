"""LAY003: a test folder (or checkpoint) numbered for one module and named for another."""

from __future__ import annotations

import re

from audits.model import Finding, Rule, Severity

CATEGORY = "Course layout"
NAME = re.compile(r"^(?:checkpoint_)?\d{2,}_([A-Za-z0-9_]+?)(?:\.py)?$")


def check_test_folders(module, index):
    if index is None or module.number is None:
        return
    for place in index.misplaced_tests(module.number):
        match = NAME.match(place.rstrip("/").rsplit("/", 1)[-1])
        named = match.group(1) if match else place
        owner = next((ref for ref in index.all_refs if ref.name == named), None)
        whose = f"module {owner.folder}" if owner else "no module of this checkout"
        yield Finding(
            LAY003.code, LAY003.severity, place, 1,
            f"`{place}` is numbered {module.number:02d} but named for {whose}: `pytest --module {module.number}` runs it "
            f"with module {module.ref.folder}, and this review leaves its tests out.",
            suggestion=f"Rename it after {owner.folder if owner else module.ref.folder}, the module whose tests it holds.",
            category=LAY003.category,
        )  # fmt: skip


LAY003 = Rule(
    code="LAY003",
    name="test folder numbered for another module",
    severity=Severity.HIGH,
    category=CATEGORY,
    doc="""\
What it does: finds test folders (`tests/NN_name/`) and checkpoints
(`tests/checkpoints/checkpoint_NN_name.py`) whose number is a module's number while
their name is another module's name, or no module's (`tests/16_quantization/` beside
`modules/15_quantization/` and `modules/16_compression/`). Such tests are not fed to the
module of that number's rules (API conformance, placeholder tests); a folder named for
another module goes to that module. Checkpoints numbered in a sequence of their own
(upstream TinyTorch's `checkpoint_00_environment.py`, `checkpoint_01_foundation.py`, ...:
capabilities, so fewer than half carry the number of the module they name) are not read
as module numbers. Why it matters: `pytest --module 16` selects tests by
folder number, so module 16's suite runs module 15's tests and misses its own; the review
of module 16 would otherwise cite another module's tests. Example: a renumbering that
renamed `modules/` but not `tests/`. How to fix: rename the test folder after the module
whose tests it holds (`tests/15_quantization/`).""",
    check=check_test_folders,
)

RULE = LAY003
