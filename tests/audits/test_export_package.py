"""What the exporter writes: a source marker before each cell, `__all__`, docstrings without the exercise scaffolding.

Expected texts are written out here, independent of the exporter; the last tests
check the committed package itself.
"""

import ast
import re
from pathlib import Path

import pytest

from audits.export import main as export_main
from testkit.auditkit import line_of, make_checkout, marker, source

ROOT = Path(__file__).resolve().parents[2]

SCAFFOLDED = '''
#| export
import math

LIMIT = 3
_CACHE = {}


def scale(x, factor=2):
    """Multiply x by factor.

    Args come first and stay: they document the API.

    TODO: Return x times factor.

    APPROACH:
    1. Check the factor.
    2. Multiply.

    EXAMPLE:
    >>> scale(2)
    4

    HINTS:
    - Python's * does it.
    """
    ### BEGIN SOLUTION
    return x * factor
    ### END SOLUTION


def negate(x):
    """-x. TODO: negate it."""
    return -x


class Box:
    """A value in a box.

    TODO: store the value.
    """

    def __init__(self, value):
        """TODO: keep `value` as self.value.

        HINTS:
        - One assignment.
        """
        self.value = value

    def get(self):
        """TODO: return the value."""
'''.lstrip("\n")

EXPECTED_BODY = '''
def scale(x, factor=2):
    """Multiply x by factor.

    Args come first and stay: they document the API.
    """
    return x * factor


def negate(x):
    """-x."""
    return -x


class Box:
    """A value in a box."""

    def __init__(self, value):
        self.value = value

    def get(self):
        """TODO: return the value."""
'''.strip("\n")


@pytest.fixture
def exported(tmp_path):
    text = source(marker("impl", "impl") + "\n" + SCAFFOLDED)
    root = make_checkout(tmp_path, {"01_widget": text})
    assert export_main(["--root", str(root)]) == 0
    return text, (root / "tinytorch" / "core" / "widget.py").read_text(encoding="utf-8")


def test_each_export_cell_is_preceded_by_a_marker_naming_its_source_line(exported):
    text, package = exported
    markers = [line for line in package.splitlines() if line.startswith("# modules/")]
    assert markers == [
        f"# modules/01_widget/widget.py:{line_of(text, 'import numpy as np')}",
        f"# modules/01_widget/widget.py:{line_of(text, 'import math')}",
    ]
    lines = package.splitlines()
    assert lines[lines.index(markers[1]) + 1] == "import math"


def test_all_lists_the_public_names_the_cells_define_not_imports_or_private_ones(exported):
    _, package = exported
    tree = ast.parse(package)
    assigned = [node for node in tree.body if isinstance(node, ast.Assign) and node.targets[0].id == "__all__"]
    assert [ast.literal_eval(node.value) for node in assigned] == [["LIMIT", "scale", "negate", "Box"]]


def test_scaffolding_paragraphs_leave_the_docstrings_and_the_rest_stays(exported):
    _, package = exported
    assert package.endswith(EXPECTED_BODY + "\n")
    assert "SOLUTION" not in package and "#|" not in package


def test_check_still_proves_the_package_matches_after_stripping(tmp_path, capsys):
    root = make_checkout(tmp_path, {"01_widget": source(marker("impl", "impl") + "\n" + SCAFFOLDED)})
    assert export_main(["--root", str(root)]) == 0
    assert export_main(["--root", str(root), "--check"]) == 0
    source_file = root / "modules" / "01_widget" / "widget.py"
    source_file.write_text(source_file.read_text(encoding="utf-8").replace("- Python's * does it.", "- Use *."), encoding="utf-8")
    assert export_main(["--root", str(root), "--check"]) == 0, "scaffolding is not in the package: editing it changes nothing"
    source_file.write_text(source_file.read_text(encoding="utf-8").replace("Args come first", "Arguments come first"), encoding="utf-8")
    capsys.readouterr()
    assert export_main(["--root", str(root), "--check"]) == 1
    assert "tinytorch/core/widget.py" in capsys.readouterr().out


def test_future_imports_open_the_package_file_so_it_compiles(tmp_path):
    """A notebook compiles each cell alone, so `from __future__` may open any export cell;
    Python accepts it only at the top of a file. (In a percent source, which also runs as one
    script, the audit reports the late import: SYN001; the export is forced past it here.)"""
    cells = "\n#| export\nfrom __future__ import annotations\nimport math\n\n\ndef area(r: Radius) -> float:\n    ### BEGIN SOLUTION\n    return math.pi * r * r\n    ### END SOLUTION\n"
    text = source(marker("impl", "impl") + cells)
    root = make_checkout(tmp_path, {"01_widget": text})
    assert export_main(["--root", str(root), "--force"]) == 0
    package = (root / "tinytorch" / "core" / "widget.py").read_text(encoding="utf-8")
    compile(package, "widget.py", "exec")  # a SyntaxError here is what users got
    lines = package.splitlines()
    assert lines[1] == "from __future__ import annotations" and lines[2].startswith("__all__ = ")
    assert package.count("from __future__") == 1
    marker_line = f"# modules/01_widget/widget.py:{line_of(text, 'import math')}"
    assert lines[lines.index(marker_line) + 1] == "import math"  # markers still name their source line


PACKAGE_FILES = sorted(path for path in (ROOT / "tinytorch").rglob("*.py") if path.name != "__init__.py")


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda path: path.stem)
def test_committed_package_file_is_traceable_and_documented_for_users(path):
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    assert any(isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__" for node in tree.body)
    markers = [(n, re.fullmatch(r"# (modules/\S+\.py):(\d+)", line)) for n, line in enumerate(lines)]
    markers = [(n, match) for n, match in markers if match]
    assert markers, f"{path.name} has no source marker"
    for n, match in markers:
        source_lines = (ROOT / match.group(1)).read_text(encoding="utf-8").splitlines()
        assert lines[n + 1] == source_lines[int(match.group(2)) - 1], f"{path.name}:{n + 1} names the wrong source line"
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef, ast.Module)):
            doc = ast.get_docstring(node, clean=False) or ""
            assert not re.search(r"^\s*(TODO|APPROACH|EXAMPLE|HINTS)\s*:", doc, re.MULTILINE), f"{path.name}: {doc[:80]}"
