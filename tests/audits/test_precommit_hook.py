"""The repository's pre-commit hook, driven by the real `pre-commit` on a scratch course repository.

The hook repository is built under tmp_path from this checkout's
.pre-commit-hooks.yaml (pre-commit wants a git repository with the hook at a
commit). The test uses the `tinyaudit-system` hook: it runs `python -m audits`
from this checkout (PYTHONPATH), so nothing is downloaded or built and the test
stays fast and offline. The `tinyaudit` hook (language: python) runs the same
command from an environment pre-commit builds by pip-installing this package,
which needs the package index: it is checked here to declare the same entry as
the installed command, and was tried by hand with `pre-commit try-repo`.
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from audits.__main__ import main as audits_main
from audits.discover import precommit_pattern

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SEEDLIKE = HERE / "seedlike"
HIDDEN = REPO / "tests" / "testkit" / "hidden"


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=True).stdout


# The hook repository and the course repository with the hook installed are made once for the file
# (`pre-commit install` starts an interpreter that imports pre-commit: most of the course's cost) and
# each test gets its own copy of the course: one worker runs the file, so they are made once.
pytestmark = pytest.mark.xdist_group("test_precommit_hook")


def environment(scratch):
    """The environment of git and pre-commit; pre-commit's cache (the hook repository's clone) under `scratch`."""
    scripts = str(Path(sys.executable).parent)  # pre-commit and the python that has the harness's dependencies
    return {
        **os.environ,
        "PATH": scripts + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(REPO), str(HIDDEN)]),  # HIDDEN: see tests/testkit/hidden
        "PRE_COMMIT_HOME": str(scratch / "pre-commit-cache"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
    }  # fmt: skip


@pytest.fixture
def env(tmp_path):
    return environment(tmp_path)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory):
    """A git repository holding only our .pre-commit-hooks.yaml, committed; returns (path, commit). Read only."""
    repo = tmp_path_factory.mktemp("hooks")
    shutil.copy(REPO / ".pre-commit-hooks.yaml", repo)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "hooks"]):
        subprocess.run(["git", *args], cwd=repo, env=environment(repo.parent), check=True, capture_output=True, timeout=60)
    return repo, git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def course(tmp_path, course_template):
    """A course repository (a clean module 01 and the seed-like flawed module 16, committed before
    the hook existed) whose .pre-commit-config.yaml uses our hook, installed as its git hook: a copy of
    `course_template` of the test's own (the hook pre-commit installs finds its folder when it runs)."""
    return shutil.copytree(course_template, tmp_path / "course", symlinks=True)


@pytest.fixture(scope="module")
def course_template(tmp_path_factory, hooks):
    scratch = tmp_path_factory.mktemp("course-template")
    env = environment(scratch)
    repo = scratch / "course"
    shutil.copytree(SEEDLIKE / "clean", repo)
    shutil.copytree(SEEDLIKE / "flawed" / "modules" / "16_compression", repo / "modules" / "16_compression")
    (repo / "README.md").write_text("A course.\n", encoding="utf-8")
    path, rev = hooks
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(path), "rev": rev, "hooks": [{"id": "tinyaudit-system"}]}]}), encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "course"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=60)
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True, capture_output=True, timeout=120)
    return repo


def commit(repo, env, message):
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True, timeout=60)
    return subprocess.run(["git", "commit", "-m", message], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


UNGUARDED = """
# %% nbgrader={"grade": true, "grade_id": "test-double-again", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_double_again():
    assert double([2.0]).tolist() == [4.0]

test_unit_double_again()
"""


def test_a_commit_adding_an_unguarded_test_call_is_blocked_and_passes_after_fix(course, env):
    source = course / "modules" / "01_widget" / "widget.py"
    text = source.read_text(encoding="utf-8") + UNGUARDED
    source.write_text(text, encoding="utf-8")
    call_line = text.splitlines().index("test_unit_double_again()") + 1

    blocked = commit(course, env, "add a test")
    assert blocked.returncode != 0
    output = blocked.stdout + blocked.stderr
    assert "tinyaudit" in output and "Failed" in output
    assert f"modules/01_widget/widget.py:{call_line}:1: TI001 " in output
    assert "16_compression" not in output, "only the changed module source is audited"
    assert git(course, "log", "--format=%s") == "course\n", "nothing was committed"

    assert audits_main(["--root", str(course), "--fix", str(source)]) == 0
    passed = commit(course, env, "add a test")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout + passed.stderr
    assert git(course, "log", "-1", "--format=%s") == "add a test\n"


def test_the_hook_skips_commits_that_change_no_module_source(course, env):
    (course / "README.md").write_text("A course, edited.\n", encoding="utf-8")
    result = commit(course, env, "readme")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no files to check)Skipped" in result.stdout + result.stderr


def test_try_repo_runs_the_hook_on_the_given_files(course, env, hooks):
    path, _ = hooks
    flawed = "modules/16_compression/compression.py"
    result = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(path), "tinyaudit-system", "--files", flawed],
                            cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert f"{flawed}:77:1: TI001 " in result.stdout and f"{flawed}:30:1: CC001 " in result.stdout


def test_both_hooks_run_the_installed_command_on_module_sources_only():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert hooks["tinyaudit"]["language"] == "python" and hooks["tinyaudit"]["entry"].split()[0] in scripts
    assert scripts["tinyaudit"] == "audits.__main__:command" and hooks["tinyaudit-system"]["entry"].startswith("python -m audits ")
    for hook in hooks.values():
        assert hook["files"] == precommit_pattern(), "the hook's files: pattern is read from discovery"
        assert hook["entry"].endswith(" --sources-only"), "discovery, not the pattern, decides what is a module source"
        pattern = re.compile(hook["files"])
        for source in ("modules/16_compression/compression.py", "src/16_compression/16_compression.py", "source/ps1/problem1.ipynb", "ps1/problem1.ipynb"):
            assert pattern.search(source), source
        assert not pattern.search("README.md")
        assert hook["require_serial"] is True  # one call: the repository index is built once


def test_sources_only_audits_exactly_what_discovery_audits(course, capsys):
    """Helpers and conftest.py under modules/ are not module sources; a [tool.audits] sources glob is honoured."""
    folder = course / "modules" / "16_compression"
    (folder / "plot_utils.py").write_text("print('a helper, run at import')\n", encoding="utf-8")
    (folder / "conftest.py").write_text("import pytest\n", encoding="utf-8")
    helpers = [str(folder / "plot_utils.py"), str(folder / "conftest.py"), str(course / "README.md")]
    assert audits_main(["--format", "text", "--sources-only", *helpers]) == 0
    assert capsys.readouterr().out == ""
    assert audits_main(["--format", "text", "--sources-only", *helpers, str(folder / "compression.py")]) == 1
    assert "modules/16_compression/compression.py:77:1: TI001 " in capsys.readouterr().out
    lesson = course / "lessons" / "intro.py"
    lesson.parent.mkdir()
    lesson.write_text((folder / "compression.py").read_text(encoding="utf-8"), encoding="utf-8")
    assert audits_main(["--format", "text", "--sources-only", str(lesson)]) == 0  # not a module source of this checkout
    (course / "pyproject.toml").write_text('[tool.audits]\nsources = ["lessons/*.py"]\n', encoding="utf-8")
    assert audits_main(["--format", "text", "--sources-only", str(lesson)]) == 1
    assert "lessons/intro.py:77:1: TI001 " in capsys.readouterr().out


def test_the_hook_audits_a_changed_notebook_of_an_nbgrader_course(tmp_path, env, hooks):
    course = tmp_path / "nbgrader_course"
    shutil.copytree(HERE / "layouts" / "nbgrader_course", course)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "course"]):
        subprocess.run(["git", *args], cwd=course, env=env, check=True, capture_output=True, timeout=60)
    path, _ = hooks
    notebook = "source/ps1/problem1.ipynb"
    result = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(path), "tinyaudit-system", "--files", notebook,
                             "--verbose"], cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith(f"{notebook} ("))
    assert header.endswith("lines, nbgrader profile)") and "READY FOR EXPORT" in result.stdout
