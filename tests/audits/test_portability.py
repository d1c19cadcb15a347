"""The static audit, fixer and exporter import nothing POSIX-only (they run on Windows);
bite, which needs fork and rlimits, says so in one line where it cannot run."""

import os
import subprocess
import sys
from pathlib import Path

from audits.bite.__main__ import main as bite_main
from testkit.auditkit import assert_one_line_error, make_checkout, marker, source

REPO = Path(__file__).resolve().parents[2]
POSIX_ONLY = ("fcntl", "resource", "termios", "pwd", "grp", "tty", "pty", "syslog")

# Imports of POSIX-only modules fail, as on Windows; then every command of the audit path runs.
SCRIPT = """
import sys
class WindowsLike:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {posix_only!r}:
            raise ImportError(f"No module named {{name!r}}")
sys.meta_path.insert(0, WindowsLike())
for name in list(sys.modules):
    if name.split(".")[0] in {posix_only!r}:
        del sys.modules[name]
from audits.__main__ import main as audits_main
from audits.module import main as module_main
from audits.export import main as export_main
from audits.rules.__main__ import main as rules_main
codes = [
    audits_main(["--root", sys.argv[1], "--jobs", "1"]),
    module_main(["1", "--root", sys.argv[1], "--fix"]),
    export_main(["--root", sys.argv[1], "1"]),
    rules_main(["--explain", "BITE001"]),
]
print("codes", codes)
"""


def test_the_audit_fix_and_export_import_nothing_posix_only(tmp_path):
    flawed = source(  # an unguarded test call: TI001, which --fix guards
        marker("f", "impl") + "\n#| export\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
        marker("test-f", "test") + "\ndef test_unit_f():\n    assert f() == 1\n\ntest_unit_f()\n",
    )
    root = make_checkout(tmp_path / "course", {"01_widget": flawed})
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(posix_only=POSIX_ONLY), str(root)],
                            capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "codes [1, 0, 0, 0]", result.stdout + result.stderr  # fixed, then exported
    assert (root / "tinytorch" / "core" / "widget.py").is_file()


def test_bite_says_it_needs_posix(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(os, "name", "nt")
    code = bite_main(["--root", str(tmp_path)])
    assert_one_line_error(code, capsys.readouterr().err, "needs a POSIX system")
