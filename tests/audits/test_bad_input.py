"""Bad input to every command: one `error:` line on stderr, exit 2, no traceback, no file changed.

The commands run in-process through their `main` (the same code path as
`python -m ...`, minus the interpreter start); `test_real_processes_*` checks
one case per command in a real subprocess.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from audits.__main__ import main as audits_main
from audits.discover import looked_in
from audits.export import main as export_main
from audits.module import main as module_main
from audits.rules.__main__ import main as rules_main
from testkit.auditkit import assert_one_line_error

SEEDLIKE = Path(__file__).resolve().parent / "seedlike"
COMMANDS = {"audits": audits_main, "audits.module": module_main, "audits.export": export_main, "audits.rules": rules_main}


@pytest.fixture
def root(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(SEEDLIKE / "clean", checkout)
    return checkout


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def run(command, argv, capsys):
    try:
        code = COMMANDS[command](argv)
    except SystemExit as exit:  # argparse usage errors
        code = exit.code
    return code, *capsys.readouterr()


def non_utf8(root):
    (root / "modules" / "01_widget" / "widget.py").write_bytes(b"# %%\nname = '\xe9t\xe9'\n")


def bad_config(root):
    (root / "pyproject.toml").write_text('[tool.audits]\nseverity = { "TI001" = "urgent" }\n', encoding="utf-8")


def sources(*patterns):
    """A `[tool.audits] sources` list of these globs."""

    def spoil(root):
        listed = ", ".join(f"'{pattern}'" for pattern in patterns)
        (root / "pyproject.toml").write_text(f"[tool.audits]\nsources = [{listed}]\n", encoding="utf-8")

    return spoil


def unknown_order(root):
    """Module folders are all numbered here: a `modules` order can only be a typo."""
    (root / "pyproject.toml").write_text('[tool.audits]\nmodules = ["widgit"]\n', encoding="utf-8")


def duplicate_number(root):
    shutil.copytree(root / "modules" / "01_widget", root / "modules" / "01_gadget")
    (root / "modules" / "01_gadget" / "widget.py").rename(root / "modules" / "01_gadget" / "gadget.py")


def no_modules(root):
    shutil.rmtree(root / "modules")


CASES = [
    # (commands, arguments after the command, how to spoil the checkout, text the error names)
    (["audits", "audits.module", "audits.export"], ["--root", "{root}/absent", "1"], None, "absent"),
    (["audits", "audits.module", "audits.export"], ["--root", "{root}/modules/01_widget/widget.py", "1"], None, "not a readable directory"),
    (["audits", "audits.module", "audits.export"], ["--root", "{root}", "1"], non_utf8, "not UTF-8"),
    (["audits", "audits.module", "audits.export"], ["--root", "{root}", "1"], bad_config, "unknown severity 'urgent'"),
    (["audits", "audits.module", "audits.export"], ["--root", "{root}", "1"], unknown_order, "no unnumbered module folder 'widgit'"),
    (["audits", "audits.module", "audits.export"], ["--root", "{root}", "1"], sources("/etc/*.py"), "'/etc/*.py' must match files inside the checkout"),
    (["audits", "audits.module", "audits.export"], ["--root", "{root}", "1"], sources("modules/../../*.py"), "inside the checkout"),
    (["audits", "audits.module", "audits.export"], ["--root", "{root}", "1"], sources("."), "'.' must match files inside"),
    (["audits", "audits.module", "audits.export"], ["--root", "{root}", "1"], sources("**a/*.py"), "'**a/*.py' is not a glob pattern"),
    # the whole-checkout table audits both folders instead (tests/audits/test_layouts.py)
    (["audits.module", "audits.export"], ["--root", "{root}", "1"], duplicate_number, "both have number 01"),
    # every command names every layout of discovery's table (audits.discover.LAYOUTS)
    (["audits", "audits.export"], ["--root", "{root}"], no_modules, f"({looked_in()})"),
    (["audits.module", "audits.export"], ["--root", "{root}", "99"], None, "no module 99 under"),
    (["audits.module"], ["--root", "{root}", "1x"], None, "1x: no such file"),
    (["audits.export"], ["--root", "{root}", "x"], None, "must be a whole number"),
    # past Python's 4,300-digit limit for int(): the message quotes the start and the length
    (["audits", "audits.module", "audits.export"], ["--root", "{root}", "1" * 4400], None, "at most 9 digits), not '1111111111"),
    (["audits", "audits.module", "audits.export", "audits.rules"], ["1", "--bogus"], None, "--bogus"),
    (["audits.rules"], ["--explain", "ZZ001"], None, "unknown rule code 'ZZ001'"),
    # --fix never writes when the input is bad
    (["audits", "audits.module"], ["--root", "{root}", "1", "--fix"], non_utf8, "not UTF-8"),
    (["audits", "audits.module"], ["--root", "{root}", "1", "--fix"], bad_config, "unknown severity 'urgent'"),
    (["audits"], ["--root", "{root}", "--jobs", "0"], None, "--jobs"),
    (["audits"], ["--root", "{root}", "--jobs", "two"], None, "--jobs"),
]


def _argv(command, args, root):
    argv = [arg.format(root=root) for arg in args]
    if command in ("audits", "audits.rules"):  # they take no module number
        argv = [arg for arg in argv if arg not in ("1", "99")]
    return argv


@pytest.mark.parametrize(
    "command, args, spoil, needle",
    [pytest.param(command, args, spoil, needle, id=f"{command}-{needle[:24]}") for commands, args, spoil, needle in CASES for command in commands],
)
def test_bad_input_is_one_line_exit_two_and_changes_nothing(root, capsys, command, args, spoil, needle):
    if spoil is not None:
        spoil(root)
    before = snapshot(root.parent)
    code, out, err = run(command, _argv(command, args, root), capsys)
    assert_one_line_error(code, err, needle)
    assert snapshot(root.parent) == before


@pytest.mark.parametrize("command", ["audits", "audits.module", "audits.export"])
def test_a_module_number_with_thousands_of_leading_zeros_is_that_module(root, capsys, command):
    """int() counts leading zeros toward its 4,300-digit limit; the number is still 1."""
    code, out, err = run(command, ["--root", str(root), "0" * 5000 + "1"], capsys)
    assert code == 0 and err == ""


NBGRADER_COURSE = Path(__file__).resolve().parent / "layouts" / "nbgrader_course"
BROKEN_NOTEBOOKS = [  # (the bytes of source/ps1/problem2.ipynb, text the error names)
    (b'{"cells": [', "not JSON"),
    (b'{"cells": "x", "nbformat": 4}', "list of cells"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"cells": [{"cell_type": "code", "source": 3, "metadata": {}}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "no text source"),
    (b'{"cells": [], "nbformat": 4, "metadata": {"a": ' + b"[" * 600 + b"]" * 600 + b"}}", "nested 602 levels deep"),
    (b'{"nbformat": 3, "nbformat_minor": 0, "metadata": {}}', "nbformat 3 notebook nbformat cannot convert"),
]


@pytest.mark.parametrize("content, needle", BROKEN_NOTEBOOKS, ids=[needle for _, needle in BROKEN_NOTEBOOKS])
@pytest.mark.parametrize("fix", [[], ["--fix"]], ids=["audit", "fix"])
def test_a_broken_notebook_is_one_line_exit_two_alone_and_a_table_row_beside_others(tmp_path, capsys, content, needle, fix):
    course = tmp_path / "course"
    shutil.copytree(NBGRADER_COURSE, course)
    (course / "source/ps1/problem2.ipynb").write_bytes(content)
    before = snapshot(tmp_path)
    code, out, err = run("audits.module", ["ps1/problem2", "--root", str(course), *fix], capsys)
    assert_one_line_error(code, err, "problem2.ipynb", needle)
    code, out, err = run("audits", ["--root", str(course), *fix], capsys)
    assert code == 1 and err == ""  # problem1 is audited (and READY), problem2 is a row with its error
    rows = {line.split()[0]: line for line in out.splitlines()[1:-1]}
    assert "READY FOR EXPORT" in rows["ps1-problem1"] and "ERROR:" in rows["ps1-problem2"] and needle in rows["ps1-problem2"]
    assert snapshot(tmp_path) == before


def test_unreadable_modules_folder(root, capsys, monkeypatch):
    real = Path.iterdir

    def iterdir(self):
        if self.name == "modules":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    for command in ("audits", "audits.module", "audits.export"):
        code, _, err = run(command, _argv(command, ["--root", str(root), "1"], root), capsys)
        assert_one_line_error(code, err, "cannot read")


def test_malformed_metadata_and_syntax_errors_are_findings_not_errors(root, capsys):
    source = root / "modules" / "01_widget" / "widget.py"
    text = source.read_text(encoding="utf-8")
    broken = text + "\n# %% nbgrader={'grade': True}\ndef broken(:\n    pass\n"
    source.write_text(broken, encoding="utf-8")
    code, out, err = run("audits.module", ["--root", str(root), "1", "--format", "text"], capsys)
    assert code == 1 and err == ""
    marker = broken.splitlines().index("# %% nbgrader={'grade': True}") + 1
    stopped = "def broken(:".index(":") + 1  # SYN001 points where the parser stopped
    assert f"widget.py:{marker}:1: NB002" in out and f"widget.py:{marker + 1}:{stopped}: SYN001" in out
    code, out, err = run("audits", ["--root", str(root)], capsys)
    assert code == 1 and err == "" and "NOT READY FOR EXPORT" in out


@pytest.mark.parametrize("command, args", [("audits", ["--root", "absent"]), ("audits.module", ["99"]), ("audits.export", ["99"]), ("audits.rules", ["--explain", "ZZ001"])])
def test_real_processes_print_one_line_and_exit_two(root, command, args):
    result = subprocess.run([sys.executable, "-m", command, *args], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
