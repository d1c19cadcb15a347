"""The flags a ruff user reaches for, folders as targets, and reports written only when asked."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from audits.__main__ import main as audits_main
from audits.module import main as module_main
from testkit.auditkit import assert_one_line_error, line_of, make_checkout, marker, source

PRINTS = source(marker("f", "impl") + "\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\nprint(f())\nprint(f() + 1)\n")
CLEAN = source(marker("g", "impl") + "\ndef g():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n", target="core.gadget")


@pytest.fixture
def root(tmp_path):
    return make_checkout(tmp_path / "course", {"01_widget": PRINTS, "02_gadget": CLEAN}, {"README.md": "# A course\n"})


def run(main, args, capsys):
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_tinyaudit_with_targets_prints_the_findings_and_writes_no_reports(root, capsys):
    code, out, _ = run(audits_main, ["--root", root, "1"], capsys)
    assert code == 1 and not (root / "reports").exists()
    assert out.count(" SE001 ") == 1 and f"(lines {line_of(PRINTS, 'print(f())')}, {line_of(PRINTS, 'print(f() + 1)')})" in out  # one cell: one finding
    assert "print(f() + 1)\n" in out  # each line shown under it
    code, out, _ = run(audits_main, ["--root", root, "1", "--reports"], capsys)
    assert sorted(path.name for path in (root / "reports").iterdir()) == ["01_widget.fixes.md", "01_widget.json", "01_widget.review.md"]


def test_folders_are_targets(root, capsys, monkeypatch):
    monkeypatch.chdir(root)
    for target in (".", "modules/"):
        code, out, err = run(audits_main, [target, "--format", "json"], capsys)
        assert [m["module"]["folder"] for m in json.loads(out)["modules"]] == ["01_widget", "02_gadget"], (target, err)
    code, out, err = run(audits_main, ["modules/02_gadget", "--format", "json"], capsys)
    assert json.loads(out)["module"]["folder"] == "02_gadget", err  # one module: its own document
    (root / "notes").mkdir()
    code, _, err = run(audits_main, ["notes"], capsys)
    assert_one_line_error(code, err, "notes: no module sources under this folder")


def test_a_file_that_is_no_module_source_is_refused(root, capsys, monkeypatch):
    monkeypatch.chdir(root)
    code, _, err = run(audits_main, ["README.md"], capsys)
    assert_one_line_error(code, err, "README.md: not a module source")
    assert not (root / "reports").exists()


def test_statistics_counts_findings_per_rule(root, capsys):
    code, out, _ = run(audits_main, ["--root", root, "--statistics"], capsys)
    assert code == 1
    assert out.splitlines()[0].split() == ["1", "SE001", "side", "effect", "at", "import", "time"]  # the two prints of one cell: one finding


def test_quiet_prints_only_the_findings(root, capsys):
    code, out, _ = run(audits_main, ["--root", root, "--quiet"], capsys)
    lines = out.splitlines()
    assert code == 1 and len(lines) == 1 and " SE001 " in lines[0]  # no source context; the two prints of one cell are one finding
    first, second = line_of(PRINTS, "print(f())"), line_of(PRINTS, "print(f() + 1)")
    assert lines[0].endswith(f"modules/01_widget/widget.py:{first}:1: SE001 " + lines[0].split(" SE001 ", 1)[1])
    assert lines[0].endswith(f" (lines {first}, {second})")
    assert run(module_main, ["2", "--root", root, "-q"], capsys)[1] == ""


def test_output_file_writes_the_format_its_suffix_names(root, capsys, tmp_path):
    target = tmp_path / "audit.sarif"
    code, out, _ = run(audits_main, ["--root", root, "--output-file", target], capsys)
    assert code == 1 and f"wrote {target}" in out
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_no_cache_reads_and_writes_no_cache(root, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("AUDITS_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    run(audits_main, ["--root", root, "--no-cache"], capsys)
    assert not (root / ".audits_cache").exists()
    run(audits_main, ["--root", root], capsys)
    assert (root / ".audits_cache").is_dir()


def test_per_file_ignores(root, capsys):
    (root / "pyproject.toml").write_text('[tool.audits]\nper-file-ignores = { "modules/01_*/*.py" = ["SE001"] }\n', encoding="utf-8")
    code, out, _ = run(audits_main, ["--root", root, "--statistics"], capsys)
    assert code == 0 and out == ""
    (root / "pyproject.toml").write_text('[tool.audits]\nper-file-ignores = { "modules/02_*/*.py" = ["SE001"] }\n', encoding="utf-8")
    assert run(audits_main, ["--root", root, "--statistics"], capsys)[1].split()[:2] == ["1", "SE001"]
    (root / "pyproject.toml").write_text('[tool.audits]\nper-file-ignores = { "modules/01_*/*.py" = ["SE01"] }\n', encoding="utf-8")
    code, _, err = run(audits_main, ["--root", root], capsys)
    assert_one_line_error(code, err, "per-file-ignores", "SE01")


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_and_sarif_escape_what_the_console_cannot_encode(tmp_path, fmt):
    warned = source(marker("f", "impl") + '\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\nprint("⚠️ caution")\n')
    root = make_checkout(tmp_path / "course", {"01_widget": warned})
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run([sys.executable, "-m", "audits", "--root", str(root), "1", "--format", fmt],
                            capture_output=True, env=env, timeout=120)  # fmt: skip
    assert result.returncode == 1, result.stderr
    text = result.stdout.decode("ascii")  # nothing but ASCII on an ASCII console
    assert "?? caution" not in text and "⚠️ caution" in json.dumps(json.loads(text), ensure_ascii=False)
