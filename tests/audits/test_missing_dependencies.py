"""A command run by a Python the harness was not installed for (`python -m audits` in a fresh checkout,
no venv activated): what it can do without a dependency it does (the result cache only saves time:
without platformdirs it is off, and one warning says so); what needs a missing one is one `error:`
line naming the package and how to install it, exit 2, never a traceback. `python -S` stands for such
an interpreter here: it starts without site-packages, so the checkout is all it can import."""

import subprocess
import sys
from pathlib import Path

from testkit.auditkit import assert_one_line_error, bare_env, make_checkout, marker, run_command, source

from audits.files import DEPENDENCIES, missing_dependency

CHECKOUT = Path(__file__).resolve().parents[2]
NOTEBOOK = CHECKOUT / "tests" / "audits" / "notebooks" / "nbgrader_problem1.ipynb"


def bare_python(*args, home: Path) -> subprocess.CompletedProcess:
    """`python -S -m args` in the checkout, the result cache on (as a user's first run has it)."""
    env = bare_env(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"))
    return subprocess.run([sys.executable, "-S", "-m", *args], cwd=CHECKOUT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_audit_runs_without_platformdirs_with_its_cache_off(tmp_path):
    course = make_checkout(tmp_path / "course", {"01_widget": source(marker("widget", "impl") + "\ndef widget():\n    return 1\n")})
    done = bare_python("audits", "--root", str(course), home=tmp_path)
    installed = run_command("audits", "--root", course)  # the same command where the harness is installed
    assert (done.returncode, done.stdout) == (installed.returncode, installed.stdout) and done.stdout.startswith("module ")
    assert done.stderr.splitlines() == [f"warning: platformdirs is not installed for {sys.executable}: the result cache is off "
                                        f"(pip install -e {CHECKOUT}, or the harness alone: pip install {CHECKOUT / 'audits'})"]  # fmt: skip
    assert not (tmp_path / "cache").exists()  # nothing recorded, nowhere


def test_a_command_that_needs_a_missing_dependency_says_which_in_one_line(tmp_path):
    done = bare_python("audits.module", str(NOTEBOOK), home=tmp_path)  # a notebook is read with nbformat
    assert_one_line_error(done.returncode, done.stderr, "error: nbformat, a dependency of the harness, is not installed for", f"pip install -e {CHECKOUT},")


def test_only_the_harness_dependencies_are_named_a_bug_stays_an_internal_error():
    assert missing_dependency(ModuleNotFoundError("No module named 'yaml'", name="yaml")).startswith("pyyaml, a dependency of the harness")
    assert missing_dependency(ModuleNotFoundError("No module named 'IPython.core.x'", name="IPython.core.x")).startswith("ipython, ")
    assert missing_dependency(ModuleNotFoundError("No module named 'audits.gone'", name="audits.gone")) is None
    assert missing_dependency(ImportError("cannot import name 'x'", name="nbformat")) is None
    assert set(DEPENDENCIES) == {"jupytext", "nbformat", "pathspec", "IPython", "traitlets", "filelock", "platformdirs", "jinja2", "yaml"}
