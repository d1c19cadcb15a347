"""The exporter: the committed package matches its sources, and exports are faithful."""

import subprocess
import sys
from pathlib import Path

from audits.export import main as export_main
from testkit.auditkit import run_command

ROOT = Path(__file__).resolve().parents[2]

SOURCE = '''# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import math

# %% nbgrader={"grade": false, "grade_id": "widget", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def widget(x):
    """Double x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-widget", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_widget():
    assert widget(2) == 4

if __name__ == "__main__":
    test_unit_widget()
'''


def make_checkout(tmp_path):
    folder = tmp_path / "modules" / "01_widget"
    folder.mkdir(parents=True)
    (folder / "widget.py").write_text(SOURCE, encoding="utf-8")
    return tmp_path


def test_committed_package_matches_sources():
    result = run_command("audits.export", "--check", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_export_writes_only_export_cells_without_markers(tmp_path):
    root = make_checkout(tmp_path)
    assert export_main(["--root", str(root)]) == 0
    text = (root / "tinytorch" / "core" / "widget.py").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("# Generated from modules/01_widget/widget.py")
    assert "return 2 * x" in text and "def widget(x):" in text
    assert "SOLUTION" not in text and "#|" not in text
    assert "test_unit_widget" not in text
    assert (root / "tinytorch" / "__init__.py").exists() and (root / "tinytorch" / "core" / "__init__.py").exists()


def test_check_names_drifted_files(tmp_path, capsys):
    root = make_checkout(tmp_path)
    assert export_main(["--root", str(root)]) == 0
    target = root / "tinytorch" / "core" / "widget.py"
    target.write_text(target.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    capsys.readouterr()
    assert export_main(["--root", str(root), "--check"]) == 1
    assert "tinytorch/core/widget.py" in capsys.readouterr().out
    assert target.read_text(encoding="utf-8").endswith("# hand edit\n"), "--check must not write"


def test_unknown_module_is_a_usage_error_and_writes_nothing(tmp_path, capsys):
    root = make_checkout(tmp_path)
    assert export_main(["--root", str(root), "7"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no module 7" in err and "found: 01" in err
    assert not (root / "tinytorch").exists()


def test_export_in_a_real_process_gives_a_package_that_imports_and_works(tmp_path):
    root = make_checkout(tmp_path)
    exported = subprocess.run([sys.executable, "-m", "audits.export", "--root", str(root)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert exported.returncode == 0 and exported.stderr == "", exported.stdout + exported.stderr
    result = subprocess.run(
        [sys.executable, "-c", "from tinytorch.core.widget import widget; print(widget(21))"],
        cwd=root, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.strip() == "42", result.stderr


def test_source_copy_is_untouched_by_export(tmp_path):
    root = make_checkout(tmp_path)
    before = (root / "modules" / "01_widget" / "widget.py").read_bytes()
    export_main(["--root", str(root)])
    assert (root / "modules" / "01_widget" / "widget.py").read_bytes() == before


def test_check_names_stale_files_and_writes_nothing(tmp_path, capsys):
    root = make_checkout(tmp_path)
    assert export_main(["--root", str(root)]) == 0
    old = root / "tinytorch" / "old"
    old.mkdir()
    (old / "__init__.py").write_text("", encoding="utf-8")
    (old / "gone.py").write_text("# Generated from modules/02_gone/gone.py by `python -m audits.export`: edit the source, not this file.\nX = 1\n", encoding="utf-8")
    (root / "tinytorch" / "core" / "hand.py").write_text("Y = 2\n", encoding="utf-8")
    capsys.readouterr()
    assert export_main(["--root", str(root), "--check"]) == 1
    out = capsys.readouterr().out
    assert "package differs" not in out  # every planned file is current: only the extras are reported
    assert out.splitlines()[1:] == ["  tinytorch/core/hand.py", "  tinytorch/old/__init__.py", "  tinytorch/old/gone.py"]
    assert (old / "gone.py").exists() and (root / "tinytorch" / "core" / "hand.py").exists()


def test_export_after_a_rename_removes_the_generated_leftovers_only(tmp_path, capsys):
    root = make_checkout(tmp_path)
    assert export_main(["--root", str(root)]) == 0
    source = root / "modules" / "01_widget" / "widget.py"
    source.write_text(source.read_text(encoding="utf-8").replace("core.widget", "perf.widget"), encoding="utf-8")
    hand = root / "tinytorch" / "core" / "hand.py"
    hand.write_text("Y = 2\n", encoding="utf-8")
    capsys.readouterr()
    assert export_main(["--root", str(root), "1"]) == 0  # one module: no judgement about other files
    assert (root / "tinytorch" / "core" / "widget.py").exists()
    assert export_main(["--root", str(root)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-2:] == ["  tinytorch/core/__init__.py", "  tinytorch/core/widget.py"]
    assert not (root / "tinytorch" / "core" / "widget.py").exists() and (root / "tinytorch" / "perf" / "widget.py").is_file()
    assert hand.read_text(encoding="utf-8") == "Y = 2\n"
    assert captured.err.startswith("warning: tinytorch/core/hand.py is produced by no module source")
    assert export_main(["--root", str(root), "--check"]) == 1  # the hand-written file still needs a person
    hand.unlink()
    assert export_main(["--root", str(root), "--check"]) == 0


def test_export_removes_a_package_folder_left_empty(tmp_path, capsys):
    root = make_checkout(tmp_path)
    assert export_main(["--root", str(root)]) == 0
    source = root / "modules" / "01_widget" / "widget.py"
    source.write_text(source.read_text(encoding="utf-8").replace("core.widget", "perf.widget"), encoding="utf-8")
    (root / "tinytorch" / "core" / "__pycache__").mkdir()
    assert export_main(["--root", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == ["  tinytorch/core/__init__.py", "  tinytorch/core/widget.py"]
    assert not (root / "tinytorch" / "core").exists()
    assert export_main(["--root", str(root), "--check"]) == 0
