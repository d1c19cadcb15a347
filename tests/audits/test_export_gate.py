"""The export gate: `python -m audits.export` writes nothing while an audit has critical or high findings."""

import shutil
from pathlib import Path

from audits.export import main as export_main
from audits.auditor import Auditor

HERE = Path(__file__).resolve().parent
SEEDLIKE = HERE / "seedlike"


def checkout(tmp_path, *fixtures):
    root = tmp_path / "checkout"
    (root / "modules").mkdir(parents=True)
    for fixture, folder in fixtures:
        shutil.copytree(SEEDLIKE / fixture / "modules" / folder, root / "modules" / folder)
    return root


def test_blocking_findings_refuse_the_export_and_name_each_one(tmp_path, capsys):
    root = checkout(tmp_path, ("flawed", "16_compression"))
    blocking = [f for f in Auditor(root).audit_target("16").findings if f.severity.blocks_export]
    assert export_main(["--root", str(root), "16"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[: len(blocking)] == [f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in blocking]  # the text format of every command
    assert len(err) == len(blocking) + 1 and "export refused" in err[-1] and "--force" in err[-1]
    assert "(details: python -m audits.module 16; override: --force)" in err[-1], "the real number, not NN"
    assert not (root / "tinytorch").exists()


def test_exporting_all_is_refused_when_any_module_blocks(tmp_path, capsys):
    root = checkout(tmp_path, ("clean", "01_widget"), ("flawed", "16_compression"))
    assert export_main(["--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "modules/16_compression/compression.py:" in err and "01_widget" not in err
    assert "details: python -m audits.module 16;" in err and "audits.module 1;" not in err
    assert not (root / "tinytorch").exists()


def test_clean_module_exports(tmp_path, capsys):
    root = checkout(tmp_path, ("clean", "01_widget"))
    assert export_main(["--root", str(root), "1"]) == 0
    assert "def double(values):" in (root / "tinytorch" / "core" / "widget.py").read_text(encoding="utf-8")
    assert capsys.readouterr().err == ""


def test_check_is_not_gated(tmp_path, capsys):
    root = checkout(tmp_path, ("flawed", "16_compression"))
    assert export_main(["--root", str(root), "--check"]) == 1  # the package is missing: it differs
    captured = capsys.readouterr()
    assert "package differs" in captured.out and "export refused" not in captured.err


def test_force_exports_and_still_lists_the_findings(tmp_path, capsys):
    root = checkout(tmp_path, ("flawed", "16_compression"))
    assert export_main(["--root", str(root), "16", "--force"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: exporting despite") and "TI001" in err
    assert (root / "tinytorch" / "perf" / "compression.py").is_file()


def test_gate_errors_are_input_errors(tmp_path, capsys):
    root = checkout(tmp_path, ("clean", "01_widget"))
    (root / "pyproject.toml").write_text("[tool.audits]\nignore = 3\n", encoding="utf-8")
    assert export_main(["--root", str(root), "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ignore" in err
    assert not (root / "tinytorch").exists()
