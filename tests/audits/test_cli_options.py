"""The command line a linter user expects: several targets, --select/--ignore/--exit-zero,
--fix --diff, --version, the installed `tinyaudit` command, whole-repository JSON, colour,
any stdout encoding, and report paths that exist where they are printed.

In-process through each command's `main` (one real process for the encoding case).
"""

import difflib
import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from importlib import import_module, metadata
from pathlib import Path

import jsonschema
import pytest

from audits.__main__ import main as audits_main
from audits.export import main as export_main
from audits.module import main as module_main
from audits.module import run as module_run, build_parser
from audits.report import json as json_report
from testkit.auditkit import assert_one_line_error

HERE = Path(__file__).resolve().parent
SEEDLIKE = HERE / "seedlike"
REPO = HERE.parents[1]


@pytest.fixture
def both(tmp_path):
    """A checkout with the clean widget (01) and the seed-like flawed compression module (16)."""
    root = tmp_path / "both"
    shutil.copytree(SEEDLIKE / "clean", root)
    shutil.copytree(SEEDLIKE / "flawed" / "modules" / "16_compression", root / "modules" / "16_compression")
    return root


def call(main, argv, capsys):
    try:
        code = main([str(arg) for arg in argv])
    except SystemExit as exit:  # argparse: --version, usage errors
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def test_several_targets_in_one_call_give_one_json_document(both, capsys):
    code, out, err = call(module_main, ["1", "16", "--root", both, "--format", "json"], capsys)
    assert code == 1 and err == ""
    data = json.loads(out)
    jsonschema.validate(data, json_report.REPO_SCHEMA)
    assert [m["module"]["folder"] for m in data["modules"]] == ["01_widget", "16_compression"]
    assert data["status"] == "NOT READY FOR EXPORT"
    assert data["counts"] == {
        label: sum(m["counts"][label] for m in data["modules"]) for label in ("critical", "high", "medium", "low")
    }


def test_the_same_module_named_twice_is_audited_once(both, capsys):
    path = both / "modules" / "16_compression" / "compression.py"
    code, out, _ = call(module_main, ["16", path, "--root", both, "--format", "json"], capsys)
    assert json.loads(out)["module"]["folder"] == "16_compression"  # one target left: the one-module document


def test_whole_repository_json_is_one_document(both, capsys):
    code, out, err = call(audits_main, ["--root", both, "--format", "json"], capsys)
    assert code == 1 and err == ""
    data = json.loads(out)
    jsonschema.validate(data, json_report.REPO_SCHEMA)
    assert data["schema"] == "tinytorch-audit-repo/1"
    assert {m["module"]["folder"]: m["status"] for m in data["modules"]} == {
        "01_widget": "READY FOR EXPORT", "16_compression": "NOT READY FOR EXPORT"}


def test_select_and_ignore_take_codes_and_prefixes(both, capsys):
    _, out, _ = call(module_main, ["16", "--root", both, "--format", "json", "--select", "TI001"], capsys)
    assert {f["code"] for f in json.loads(out)["findings"]} == {"TI001"}
    _, out, _ = call(module_main, ["16", "--root", both, "--format", "json", "--select", "nb"], capsys)
    found = {f["code"] for f in json.loads(out)["findings"]}
    assert found and all(code.startswith("NB") for code in found)
    _, out, _ = call(module_main, ["16", "--root", both, "--format", "json", "--ignore", "TI001,NB,CC001"], capsys)
    found = {f["code"] for f in json.loads(out)["findings"]}
    assert found == {"REF001"}
    code, out, _ = call(module_main, ["16", "--root", both, "--select", "REF001"], capsys)
    assert code == 0, "only a medium finding is left: ready"


def test_unknown_codes_in_select_or_ignore_are_usage_errors(both, capsys):
    for option in ("--select", "--ignore"):
        code, out, err = call(module_main, ["16", "--root", both, option, "TI01"], capsys)
        assert_one_line_error(code, err, option, "TI01")
        assert not (both / "reports").exists()


def test_exit_zero_reports_but_does_not_fail(both, capsys):
    code, out, err = call(module_main, ["16", "--root", both, "--format", "text", "--exit-zero"], capsys)
    assert code == 0 and "NOT READY FOR EXPORT" in out and "TI001" in out
    code, *_ = call(audits_main, ["--root", both, "--exit-zero"], capsys)
    assert code == 0


def test_fix_diff_prints_what_fix_would_write_and_changes_nothing(both, tmp_path, capsys):
    source = both / "modules" / "16_compression" / "compression.py"
    before = source.read_bytes()
    code, diff, err = call(module_main, ["16", "--root", both, "--fix", "--diff"], capsys)
    assert code == 1 and err == ""
    assert source.read_bytes() == before and not (both / "reports").exists()
    assert diff.startswith("--- a/modules/16_compression/compression.py\n+++ b/modules/16_compression/compression.py\n")

    copy = tmp_path / "copy"
    shutil.copytree(both, copy)
    call(module_main, ["16", "--root", copy, "--fix"], capsys)
    fixed = (copy / "modules" / "16_compression" / "compression.py").read_text(encoding="utf-8")
    expected = "".join(difflib.unified_diff(before.decode().splitlines(True), fixed.splitlines(True),
                                            "a/modules/16_compression/compression.py", "b/modules/16_compression/compression.py"))
    assert diff == expected, "the dry run shows exactly what --fix writes"

    code, diff, _ = call(module_main, ["16", "--root", copy, "--fix", "--diff"], capsys)
    assert code == 0 and diff == "", "nothing left to fix: empty diff, exit 0"


def test_diff_alone_is_a_usage_error(both, capsys):
    code, _, err = call(module_main, ["16", "--root", both, "--diff"], capsys)
    assert_one_line_error(code, err, "--fix --diff")


@pytest.mark.parametrize("main, prog", [(module_main, "python -m audits.module"), (audits_main, "python -m audits")])
def test_version(main, prog, capsys):
    code, out, _ = call(main, ["--version"], capsys)
    assert code == 0 and out == f"{prog} {metadata.version('tinytorch-qa')}\n"


def test_installed_command_is_declared_and_audits_the_repository(both):
    """`tinyaudit` (the script pip writes beside this interpreter) audits, names itself and exits like `python -m audits`."""
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module_name, function = scripts["tinyaudit"].split(":")
    assert getattr(import_module(module_name), function).__module__ == "audits.__main__"
    script = Path(sys.executable).parent / "tinyaudit"
    assert script.is_file(), "the README's install (pip install -e .) writes the tinyaudit script"

    def tinyaudit(*args):
        return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120)

    result = tinyaudit("--version")
    assert result.returncode == 0 and result.stdout == f"tinyaudit {metadata.version('tinytorch-qa')}\n"
    result = tinyaudit("--root", str(both))
    assert result.returncode == 1 and result.stdout.splitlines()[0].split()[:2] == ["module", "lines"]
    result = subprocess.run([str(script), "1", "--format", "text"], capture_output=True, text=True, timeout=120, cwd=both)
    assert result.returncode == 0 and result.stdout.startswith("modules/01_widget/widget.py (57 lines, tinytorch profile)\nREADY FOR EXPORT")


def test_text_lines_are_path_line_col_code_message(both, capsys, monkeypatch):
    monkeypatch.chdir(both)  # paths are relative to the current directory (absolute outside it)
    _, out, _ = call(module_main, ["16", "--format", "text"], capsys)
    rows = [line for line in out.splitlines() if line.startswith("modules/16_compression/compression.py:")]
    data = json.loads(call(module_main, ["16", "--root", both, "--format", "json"], capsys)[1])
    assert len(rows) >= 10  # the flawed module has many findings: two empty lists would prove nothing
    assert sorted(rows) == sorted(f"{f['path']}:{f['line']}:{f['column']}: {f['code']} {f['message']}" for f in data["findings"])
    assert not any("more" in line for line in out.splitlines()), "--format text lists every finding"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_colour_on_a_terminal_only_and_never_with_no_color(both, monkeypatch):
    args = build_parser().parse_args(["16", "--root", str(both), "--format", "text"])
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = Terminal()
    module_run(args, out=terminal)
    assert "\033[31m" in terminal.getvalue() and "\033[0m" in terminal.getvalue()
    pipe = io.StringIO()
    module_run(args, out=pipe)
    assert "\033[" not in pipe.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    module_run(args, out=terminal)
    assert "\033[" not in terminal.getvalue()
    assert terminal.getvalue() == pipe.getvalue()


def test_an_ascii_stdout_gets_replacement_characters_not_a_crash(both):
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "audits.module", "16", "--root", str(both), "--format", "markdown"],
                            capture_output=True, env=env, timeout=120)
    assert result.returncode == 1 and result.stderr == b"", result.stderr
    result.stdout.decode("ascii")  # every byte is ASCII
    assert b"**Status:** ? **NOT READY FOR EXPORT**" in result.stdout  # the cross mark became "?"


def test_reports_line_names_files_that_exist_from_the_callers_directory(both, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, _ = call(module_main, ["16", "--root", "both"], capsys)
    assert code == 1
    listed = out.splitlines()[-1]
    assert listed.startswith("reports: ")
    paths = listed[len("reports: "):].split(", ")
    assert paths == [f"both/reports/16_compression{suffix}" for suffix in (".review.md", ".fixes.md", ".json")]
    assert all((tmp_path / path).is_file() for path in paths)
    more = [line for line in out.splitlines() if line.startswith("... and ")]
    assert more == [f"... and {len(json.loads((tmp_path / paths[2]).read_text())['findings']) - 10} more (see both/reports/16_compression.review.md)"]


def test_refused_export_names_the_module_to_audit(both, capsys):
    code, _, err = call(export_main, ["--root", both], capsys)
    assert code == 1
    assert err.splitlines()[-1].startswith("export refused") and "details: python -m audits.module 16;" in err
    assert "NN" not in err


def test_explain_prints_the_full_rule_doc_the_reviews_point_to(capsys):
    from audits.rules import get_rule

    code, out, err = call(audits_main, ["--explain", "TI001"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("TI001") and "Why it matters" in out and "How to fix" in out
    assert "not QUICK" in out and "not QUICK" in get_rule("TI001").doc  # the whole doc, not a summary
