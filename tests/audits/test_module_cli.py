"""`python -m audits.module`: exit codes, one-line errors, output formats, and never running the audited code.

The command runs in-process through its `main` (see `testkit.auditkit.run_command`);
`test_clean_module_in_a_real_process` runs it as a real process once.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from audits.report import json as json_report
from testkit.auditkit import assert_one_line_error, run_command

HERE = Path(__file__).resolve().parent
SEEDLIKE = HERE / "seedlike"
REPO = HERE.parents[1]


def audit(*args, cwd=None):
    return run_command("audits.module", *args, cwd=cwd or REPO)


def assert_usage_error(result, *needles):
    assert_one_line_error(result.returncode, result.stderr, *needles)


@pytest.fixture
def clean(tmp_path):
    root = tmp_path / "clean"
    shutil.copytree(SEEDLIKE / "clean", root)
    return root


@pytest.fixture
def flawed(tmp_path):
    root = tmp_path / "flawed"
    shutil.copytree(SEEDLIKE / "flawed", root)
    return root


def test_clean_module_exits_zero_and_writes_the_three_reports(clean):
    result = audit("1", "--root", clean)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "READY FOR EXPORT" in result.stdout and "NOT READY" not in result.stdout
    assert sorted(p.name for p in (clean / "reports").iterdir()) == ["01_widget.fixes.md", "01_widget.json", "01_widget.review.md"]
    assert result.stderr == ""


def test_clean_module_in_a_real_process(clean):
    result = subprocess.run([sys.executable, "-m", "audits.module", "1", "--root", str(clean)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == "", result.stdout + result.stderr
    assert "READY FOR EXPORT" in result.stdout and (clean / "reports" / "01_widget.json").is_file()


def test_blocking_findings_exit_one(flawed):
    result = audit("16", "--root", flawed)
    assert result.returncode == 1
    assert "NOT READY FOR EXPORT" in result.stdout and "TI001" in result.stdout


def test_file_path_target_is_audited_like_its_number(flawed):
    by_number = audit("16", "--root", flawed, "--format", "json")
    by_path = audit(flawed / "modules" / "16_compression" / "compression.py", "--root", flawed, "--format", "json")
    assert by_number.returncode == by_path.returncode == 1
    assert json.loads(by_number.stdout) == json.loads(by_path.stdout)


def test_format_without_output_prints_only_that_format(flawed):
    result = audit("16", "--root", flawed, "--format", "json")
    data = json.loads(result.stdout)
    jsonschema.validate(data, json_report.SCHEMA)
    assert not (flawed / "reports").exists()
    markdown = audit("16", "--root", flawed, "--format", "markdown", "--date", "2025-11-10")
    assert markdown.stdout.startswith("# Module 16: Compression - Audit Review") and "2025-11-10" in markdown.stdout


def test_output_writes_one_format_to_the_path(flawed, tmp_path):
    target = tmp_path / "out" 
    target.mkdir()
    result = audit("16", "--root", flawed, "--format", "fixplan", "--output", target / "plan.md")
    assert result.returncode == 1
    assert (target / "plan.md").read_text(encoding="utf-8").startswith("# Fix plan: Module 16: Compression")
    assert not (flawed / "reports").exists()
    inferred = audit("16", "--root", flawed, "--output", target / "a.json")
    assert json.loads((target / "a.json").read_text(encoding="utf-8"))["schema"] == "tinytorch-audit/1", inferred.stderr


def test_output_into_a_missing_folder_is_a_usage_error_that_creates_nothing(clean, tmp_path):
    result = audit("1", "--root", clean, "--format", "json", "--output", tmp_path / "missing" / "a.json")
    assert_usage_error(result, "cannot write", "missing")
    assert "wrote" not in result.stdout and not (tmp_path / "missing").exists()


def test_unknown_module_lists_the_numbers_found(clean):
    assert_usage_error(audit("99", "--root", clean), "no module 99", "found: 01")


def test_usage_errors_are_one_line(clean):
    assert_usage_error(audit("1", "--root", clean, "--format", "pdf"), "--format")
    assert_usage_error(audit("1", "--root", clean, "--date", "yesterday"), "date")
    assert_usage_error(audit("1", "--root", clean, "--output", clean / "x.pdf"), "--format")
    assert_usage_error(audit("--root", clean), "target")


def test_config_can_silence_a_rule(flawed):
    (flawed / "pyproject.toml").write_text('[tool.audits]\nignore = ["TI001"]\n', encoding="utf-8")
    data = json.loads(audit("16", "--root", flawed, "--format", "json").stdout)
    assert all(f["code"] != "TI001" for f in data["findings"])


def test_untrusted_module_is_never_executed(tmp_path):
    root = tmp_path / "untrusted"
    shutil.copytree(SEEDLIKE / "untrusted", root)
    for cwd in (root, tmp_path):
        result = audit("1", "--root", root, cwd=cwd)
        # the audit completed (a summary, not exit 42 from the module's sys.exit) ...
        assert result.returncode in (0, 1), result.stderr
        assert "modules/01_evil/evil.py" in result.stdout
        # ... and the module's import-time file write never happened
        assert not (cwd / "PWNED").exists()
    assert not list(tmp_path.rglob("PWNED"))
