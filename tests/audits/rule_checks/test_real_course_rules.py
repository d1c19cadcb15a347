"""False positives and misses seen on real courses (issue 20), each on a small source that failed before the fix."""

from pathlib import Path

from audits.index import RepoIndex
from testkit.auditkit import audit_text, found, line_of, make_checkout, marker, source

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"

DOUBLE = marker("double", "impl") + '\n#| export\ndef double(x):\n    """TODO: double x."""\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n'
UNLOCKED_DATA = marker("data") + "\ndata = [1, 2, 3]\n"


# GR003: a graded test's local variable is not the global of an unlocked cell.
def test_a_test_local_named_like_an_unlocked_global_is_not_a_dependency():
    local = marker("test-double", "test") + "\ndef test_unit_double():\n    data = [4, 5]\n    assert [double(x) for x in data] == [8, 10]\n"
    assert found(audit_text(source(DOUBLE, UNLOCKED_DATA, local)), "GR003") == []


def test_a_test_reading_the_unlocked_global_still_depends_on_it():
    reads = marker("test-double", "test") + "\ndef test_unit_double():\n    assert [double(x) for x in data] == [2, 4, 6]\n"
    text = source(DOUBLE, UNLOCKED_DATA, reads)
    assert found(audit_text(text), "GR003") == [("GR003", line_of(text, '"grade_id": "data"'))]


def test_a_locked_helper_parameter_named_like_an_unlocked_global_is_not_a_dependency():
    helper = marker("check", locked=True) + "\ndef check(data):\n    return [double(x) for x in data]\n"
    test = marker("test-double", "test") + "\nassert check([1]) == [2]\n"
    assert found(audit_text(source(DOUBLE, UNLOCKED_DATA, helper, test)), "GR003") == []


# GR001: the student version of a notebook (nbgrader's stub where the solution was) and solution imports.
STUB = marker("squares", "impl") + "\n# YOUR CODE HERE\nraise NotImplementedError()\n"


def test_a_student_version_tests_what_the_student_defines_in_place_of_the_stub():
    test = marker("test-squares", "test") + "\nassert squares(3) == [1, 4, 9]\n"
    assert found(audit_text(source(STUB, test)), "GR001") == []


def test_a_test_of_provided_code_in_a_student_version_is_still_reported():
    provided = marker("provided", locked=True) + "\ndef provided():\n    return 1\n"
    test = marker("test-provided", "test") + "\nassert provided() == 1\n"
    text = source(STUB, provided, test)
    assert found(audit_text(text), "GR001") == [("GR001", line_of(text, '"grade_id": "test-provided"'))]


def test_a_name_a_solution_region_imports_is_the_students_work():
    imports = marker("import-pandas", "impl") + "\n### BEGIN SOLUTION\nimport math as m\n### END SOLUTION\n"
    test = marker("test-import", "test") + '\nassert m.__name__ == "math"\n'
    assert found(audit_text(source(imports, test)), "GR001") == []


# EX004: annotations are never evaluated under `from __future__ import annotations`.
def _annotated(future: str) -> str:
    imports = marker("setup") + "\n#| default_exp core.widget\n#| export\n" + future + "import numpy as np\n"
    demo = marker("demo") + "\nfrom typing import Optional\n"
    typed = marker("typed") + "\n#| export\ndef first(items: list, default: Optional[int] = None) -> Optional[int]:\n    return items[0] if items else default\n"
    return "\n".join([imports, demo, typed])


def test_annotations_under_future_annotations_are_not_reads():
    assert found(audit_text(_annotated("from __future__ import annotations\n")), "EX004") == []


def test_annotations_without_future_annotations_are_reads():
    text = _annotated("")
    assert found(audit_text(text), "EX004") == [("EX004", line_of(text, "def first("))]


# SYN001: a `from __future__` import after other statements parses but does not compile.
def test_a_late_future_import_in_a_percent_file_is_a_syntax_finding():
    late = marker("late") + "\nfrom __future__ import annotations\n"
    text = source(late)  # the imports cell (import numpy) comes first: the file runs as one script
    assert found(audit_text(text), "SYN001") == [("SYN001", line_of(text, "from __future__"))]


def test_a_future_import_first_in_the_file_or_nested_in_a_block():
    first = '# %%\n"""Docstring."""\nfrom __future__ import annotations\nimport numpy as np\n'
    assert found(audit_text(first), "SYN001") == []
    nested = "# %%\nfrom __future__ import annotations\nif True:\n    from __future__ import division\n"
    assert found(audit_text(nested), "SYN001") == [("SYN001", 4)]


def test_a_notebook_cell_may_start_with_a_future_import(tmp_path):
    import nbformat

    from audits.check import audit_source
    from audits.parse import parse_file

    cells = [nbformat.v4.new_code_cell("import math"), nbformat.v4.new_code_cell("from __future__ import annotations\nx = 1")]
    late = nbformat.v4.new_code_cell("y = 2\nfrom __future__ import annotations")
    path = tmp_path / "course.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))
    assert found(audit_source(parse_file(path), None), "SYN001") == []
    nbformat.write(nbformat.v4.new_notebook(cells=[*cells, late]), str(path))
    module = parse_file(path)
    [(code, line)] = found(audit_source(module, None), "SYN001")
    assert module.cell_at(line).index == 2 and module.line(line) == "from __future__ import annotations"


# LAY003: upstream TinyTorch's checkpoints are a capability sequence, not module numbers.
def test_capability_checkpoints_are_not_misplaced_module_tests():
    index = RepoIndex.build(LAYOUTS / "capability_checkpoints")
    assert index.misplaced_tests(1) == []
    assert index.misplaced_tests(2) == ["tests/02_tensor"]  # a numbered test folder named for another module still is
    named = [path.name for path in index.test_paths(2)]
    assert "checkpoint_03_activations.py" in named  # a checkpoint that names a module goes to it
    assert "checkpoint_02_intelligence.py" not in named


def test_module_numbered_checkpoints_are_still_read_by_number(tmp_path):
    checkpoint = "from tinytorch.core.tensor import Tensor\n"
    files = {"tests/checkpoints/checkpoint_01_tensor.py": checkpoint, "tests/checkpoints/checkpoint_02_tensor.py": checkpoint}
    root = make_checkout(tmp_path, {"01_tensor": source(DOUBLE), "02_layers": source(DOUBLE)}, files)
    assert RepoIndex.build(root).misplaced_tests(2) == ["tests/checkpoints/checkpoint_02_tensor.py"]
