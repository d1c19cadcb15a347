"""The two distributions: the harness alone (audits/pyproject.toml, `tinyaudit`) and the course project.

The wheels are built from copies of the sources under tmp_path (setuptools writes
build/ and *.egg-info beside the sources it builds) by calling the PEP 517 backend
directly: offline and in about a second. The install test puts the harness wheel into
a fresh virtual environment next to a course that has its own `tinytorch`, as its
README says (`pip install ./audits`), with `--no-deps --no-index`: the runtime
dependencies come from this environment through one `.pth` line (a plain path entry,
so the editable finders of this checkout there are not activated), and the test checks
separately that their closure holds no JupyterLab and no tinytorch.
"""

import ast
import email
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from audits.files import DEPENDENCIES

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "audits"
COPY_IGNORE = shutil.ignore_patterns("__pycache__", "build", "*.egg-info", ".pytest_cache")
# One worker runs the file (conftest.py: `-n` distributes by loadgroup): the harness wheel, a module
# fixture, is built once, not once on each worker that runs a test needing it.
pytestmark = pytest.mark.xdist_group("test_distribution")
# What must never arrive with the harness: the course's package name, and the notebook servers nbgrader pulls in.
FORBIDDEN = {"tinytorch", "tinytorch-qa", "numpy", "nbgrader", "jupyterlab", "notebook", "jupyter-server"}


def build_wheel(project: Path, out: Path) -> Path:
    """Build `project` (a copy) with its PEP 517 backend; the wheel's path."""
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))", str(out)],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return out / result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def harness_wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("harness-src") / "audits"
    shutil.copytree(HARNESS, source, ignore=COPY_IGNORE)
    return build_wheel(source, source.parent / "dist")


@pytest.fixture(scope="module")
def course_wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("course-src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    for package in ("tinytorch", "audits"):
        shutil.copytree(REPO / package, source / package, ignore=COPY_IGNORE)
    return build_wheel(source, source / "dist")


def wheel_metadata(wheel: Path) -> tuple[list[str], email.message.Message, str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(name for name in names if name.endswith(".dist-info/METADATA"))
        entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
        return names, email.message_from_bytes(archive.read(info)), archive.read(entry_points).decode()


def requirement_names(requirements) -> set[str]:
    return {canonicalize_name(Requirement(requirement).name) for requirement in requirements or ()}


def harness_project() -> dict:
    return tomllib.loads((HARNESS / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_harness_wheel_holds_the_package_audits_and_nothing_else(harness_wheel):
    names, info, entry_points = wheel_metadata(harness_wheel)
    assert {name.split("/")[0] for name in names} == {"audits", "tinyaudit-0.1.0.dist-info"}
    shipped = {name for name in names if name.endswith(".py")}
    sources = {path.relative_to(REPO).as_posix() for path in HARNESS.rglob("*.py") if not {"__pycache__", "build"} & set(path.parts)}
    assert shipped == sources, "every module of audits/ (every sub-package listed in audits/pyproject.toml) is in the wheel"
    assert info["Name"] == "tinyaudit" and info["License-Expression"] == "MIT"
    required = requirement_names(info.get_all("Requires-Dist"))
    assert required == {"jupytext", "nbformat", "pathspec", "ipython", "traitlets", "filelock", "platformdirs", "jinja2", "pyyaml"}
    assert not required & FORBIDDEN
    assert re.search(r"^tinyaudit = audits\.__main__:command$", entry_points, re.M)


def test_the_course_wheel_holds_tinytorch_and_the_harness(course_wheel):
    names, info, entry_points = wheel_metadata(course_wheel)
    tops = {name.split("/")[0] for name in names}
    assert tops == {"tinytorch", "audits", "tinytorch_qa-0.1.0.dist-info"}
    assert "audits/pyproject.toml" not in names and any(name.endswith("licenses/LICENSE") for name in names)
    harness = harness_project()
    assert info["Version"] == harness["version"], "the two distributions carry one version"
    assert requirement_names(harness["dependencies"]) <= requirement_names(info.get_all("Requires-Dist"))
    assert re.search(r"^tinyaudit = audits\.__main__:command$", entry_points, re.M)
    # the names a missing-dependency error gives are the harness's dependencies (audits.files.DEPENDENCIES)
    assert requirement_names(DEPENDENCIES.values()) == requirement_names(harness["dependencies"])


def _third_party_imports() -> dict[str, str]:
    """Top-level module name -> the file importing it, for every import in audits/ outside the standard library."""
    found = {}
    for path in sorted(HARNESS.rglob("*.py")):
        if {"__pycache__", "build"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "audits":
                    found.setdefault(top, path.relative_to(REPO).as_posix())
    return found


def test_every_third_party_import_of_the_harness_is_a_declared_dependency():
    declared = requirement_names(harness_project()["dependencies"])
    provided = {top for name in declared for top in (metadata.distribution(name).read_text("top_level.txt") or name).split()}
    provided |= declared
    missing = {top: where for top, where in _third_party_imports().items() if top not in provided}
    assert not missing, f"imported by the harness but not in audits/pyproject.toml dependencies: {missing}"


def _closure(names: set[str]) -> set[str]:
    """Every distribution the given ones need, installed ones read from this environment's metadata."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.distribution(name).requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):  # no extras, this Python
                todo.append(canonicalize_name(requirement.name))
    return seen


def test_the_harness_dependencies_pull_in_no_jupyterlab_and_no_tinytorch():
    closure = _closure(requirement_names(harness_project()["dependencies"]))
    assert not closure & FORBIDDEN, closure & FORBIDDEN
    assert not {name for name in closure if name.startswith("jupyterlab")}


COURSE_MODULE = '''# %% [markdown]
"""
# Module 01: Tensor
"""

# %% nbgrader={"grade": false, "grade_id": "tensor", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| default_exp core.tensor
#| export
class Tensor:
    def __init__(self, data):
        ### BEGIN SOLUTION
        self.data = data
        ### END SOLUTION

print(Tensor(1))
'''


def test_the_harness_installs_beside_a_course_with_its_own_tinytorch_and_audits_it(harness_wheel, tmp_path):
    course = tmp_path / "their-course"
    (course / "tinytorch").mkdir(parents=True)
    (course / "tinytorch" / "__init__.py").write_text('WHOSE = "theirs"\n', encoding="utf-8")
    (course / "modules" / "01_tensor").mkdir(parents=True)
    (course / "modules" / "01_tensor" / "tensor.py").write_text(COURSE_MODULE, encoding="utf-8")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(harness_wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True, timeout=60).stdout.strip())  # fmt: skip
    own = {path.name for path in site.iterdir()}
    assert "audits" in own and "tinyaudit-0.1.0.dist-info" in own
    assert not {name for name in own if name.lower().startswith(("tinytorch", "jupyter", "nbgrader", "numpy"))}, own
    # The runtime dependencies, from this environment (see the module docstring).
    (site / "harness-dependencies.pth").write_text(str(Path(metadata.distribution("jupytext").locate_file(""))) + "\n", encoding="utf-8")

    def run(*args, cwd):
        return subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, timeout=300)

    where = run("-c", "import audits; print(audits.__file__)", cwd=course)
    assert where.stdout.strip() == str(site / "audits" / "__init__.py"), where.stderr
    assert run("-c", "import tinytorch; print(tinytorch.WHOSE)", cwd=course).stdout == "theirs\n"
    assert "No module named 'tinytorch'" in run("-c", "import tinytorch", cwd=tmp_path).stderr, "the harness brought no tinytorch"

    script = venv / ("Scripts/tinyaudit.exe" if sys.platform == "win32" else "bin/tinyaudit")
    audit = subprocess.run([str(script)], cwd=course, capture_output=True, text=True, timeout=300)
    assert audit.returncode == 1 and audit.stderr == "", audit.stderr
    assert audit.stdout.splitlines()[1].startswith("01_tensor ") and "1 of 1 NOT READY FOR EXPORT" in audit.stdout
    lines = run("-m", "audits.module", "1", "--format", "text", cwd=course).stdout
    assert "modules/01_tensor/tensor.py:15:1: " in lines, lines  # the print at import time
    assert run("-m", "audits", "--version", cwd=course).stdout == "python -m audits 0.1.0\n"
