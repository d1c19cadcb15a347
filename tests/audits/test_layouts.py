"""Every layout discovery understands, audited end to end with `--root` on a checkout of its own.

Each checkout holds modules 01 (tensor), 03 (compression) and 04 (memoization);
module 03 has one cross-module problem per rule: an import from module 04 (DEP001),
an import of a path nobody exports (DEP002), a title with the wrong number
(REF001) and a test file importing a name the package does not export (API001).
The expected lines come from the fixture texts, not from the auditor.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from audits.__main__ import main as audits_main
from audits.auditor import Auditor
from audits.discover import detect_profile, discover, find_root
from audits.export import main as export_main
from audits.module import main as module_main
from testkit.auditkit import LAYOUTS, assert_one_line_error, layout_path, line_of, make_checkout, marker, run_command, source

TENSOR = source(marker("tensor") + "\n#| export\nclass Tensor:\n    pass\n", target="core.tensor")
MEMO = source(marker("cache") + "\n#| export\nclass KVCache:\n    pass\n", target="perf.memoization")
COMPRESSION = source(
    '# %% [markdown]\n"""\n# Module 05: Compression\n"""\n',
    marker("deps")
    + "\n#| export\nfrom tinytorch.core.tensor import Tensor\nfrom tinytorch.perf.memoization import KVCache\n"
    + "from tinytorch.nn.prune import Pruner\n\n\ndef prune(model):\n    return model\n",
    target="perf.compression",
)
TEST_FILE = "from tinytorch.perf.compression import prune, measure_sparsity\n\n\ndef test_prune():\n    assert prune(1) == 1\n"
MODULES = {"01_tensor": TENSOR, "03_compression": COMPRESSION, "04_memoization": MEMO}
EXPECTED = sorted(
    [
        ("REF001", line_of(COMPRESSION, "# Module 05")),
        ("DEP001", line_of(COMPRESSION, "tinytorch.perf.memoization")),
        ("DEP002", line_of(COMPRESSION, "tinytorch.nn.prune")),
        ("API001", line_of(TEST_FILE, "measure_sparsity")),
    ]
)


@pytest.fixture(params=list(LAYOUTS))
def checkout(request, tmp_path):
    root = make_checkout(tmp_path / "other", MODULES, {"tests/03_compression/test_prune.py": TEST_FILE}, layout=request.param)
    return root, request.param


def test_module_cli_finds_cross_module_problems_in_every_layout(checkout, capsys):
    root, layout = checkout
    assert module_main(["3", "--root", str(root), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["module"]["path"] == layout_path(layout, "03_compression")
    assert sorted((f["code"], f["line"]) for f in report["findings"]) == EXPECTED
    api = next(f for f in report["findings"] if f["code"] == "API001")
    assert api["path"] == "tests/03_compression/test_prune.py"
    dep = next(f for f in report["findings"] if f["code"] == "DEP001")
    assert "module 04 (memoization)" in dep["message"]


def test_whole_checkout_table_and_export_in_every_layout(checkout, capsys):
    root, layout = checkout
    assert audits_main(["--root", str(root)]) == 1
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:-1]]
    # a row names the module's folder: "03_compression", or "03" where folders carry only the number
    assert rows == [Path(layout_path(layout, folder)).parent.name for folder in ("01_tensor", "03_compression", "04_memoization")]
    assert export_main(["--root", str(root), "1"]) == 0
    assert (root / "tinytorch" / "core" / "tensor.py").read_text(encoding="utf-8").count("class Tensor:") == 1


def test_root_option_in_a_real_process(tmp_path):
    root = make_checkout(tmp_path / "other", MODULES, layout="src/NN_name/NN_name.py")
    result = subprocess.run([sys.executable, "-m", "audits", "--root", str(root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stderr == ""
    assert "03_compression" in result.stdout and "1 of 3 NOT READY FOR EXPORT" in result.stdout


# -- the committed fixture checkouts under tests/audits/layouts/ ---------------------------------------------
#
# Each holds module 01 tensor (clean) and module 02 layers, whose problems are one per rule
# that needs the checkout or the module's cells: an import nobody exports (DEP002), `@dataclass`
# imported only in a demo cell (EX004) and an exported `scale` that differs from the student's
# (EX005). Every layout must give the same findings at the same lines, however it is audited.

FIXTURES = Path(__file__).resolve().parent / "layouts"
SOURCE_OF = {  # layout -> (module 02's source, the folder to stand in for "from inside the checkout")
    "modules_name": ("modules/02_layers/layers.py", "modules/02_layers"),
    "modules_dev": ("modules/02_layers/layers_dev.py", "modules"),
    "modules_source": ("modules/source/02_layers/layers_dev.py", "modules/source/02_layers"),
    "modules_number": ("modules/source/02/layers_dev.py", "modules/source/02"),  # folders named by number alone
    "src_numbered": ("src/02_layers/02_layers.py", "src"),
    "unnumbered": ("modules/layers/layers_dev.py", "modules/layers"),
}


def layers_expected(root: Path, relative: str) -> list[tuple[str, int]]:
    text = (root / relative).read_text(encoding="utf-8")
    return sorted([("DEP002", line_of(text, "tinytorch.nn.init")), ("EX004", line_of(text, "@dataclass")), ("EX005", line_of(text, "def scale", 2))])


def json_findings(*args, cwd) -> tuple[int, list[dict], dict]:
    result = run_command("audits.module", *args, "--format", "json", cwd=cwd)
    assert result.stderr == "", result.stderr
    report = json.loads(result.stdout)
    return result.returncode, report["findings"], report["module"]


@pytest.mark.parametrize("layout", sorted(SOURCE_OF))
def test_every_layout_gives_the_same_findings_from_root_from_inside_and_by_path(layout, tmp_path):
    root = FIXTURES / layout
    relative, inside = SOURCE_OF[layout]
    by_root = json_findings("2", "--root", root, cwd=tmp_path)
    from_inside = json_findings("2", cwd=root / inside)
    by_path = json_findings(root / relative, cwd=tmp_path)
    by_relative_path = json_findings(Path(relative).name, cwd=(root / relative).parent)  # cd modules/02_layers && ... layers.py
    assert by_root == from_inside == by_path == by_relative_path
    code, findings, module = by_root
    assert code == 1 and module["path"] == relative
    assert sorted((f["code"], f["line"]) for f in findings) == layers_expected(root, relative)
    assert {f["path"] for f in findings} == {relative}
    clean = json_findings("1", "--root", root, cwd=tmp_path)
    assert clean[0] == 0 and clean[1] == []


def test_git_ignored_generated_copies_are_not_audited_when_a_tracked_source_exists(tmp_path):
    root = FIXTURES / "src_numbered"
    discovery = discover(root)
    assert [ref.path.relative_to(root).as_posix() for ref in discovery.refs] == ["src/01_tensor/01_tensor.py", "src/02_layers/02_layers.py"]
    assert [p.relative_to(root).as_posix() for p in discovery.generated] == ["modules/01_tensor/tensor.py", "modules/02_layers/layers.py"]
    # the generated copy of module 01 calls its test at import time: audited by path it shows, but it is no module
    code, findings, module = json_findings(root / "modules/01_tensor/tensor.py", cwd=tmp_path)
    assert module["number"] is None and ("TI001", line_of((root / module["path"]).read_text(), "test_unit_tensor()", 2)) in [
        (f["code"], f["line"]) for f in findings
    ]
    # without the .gitignore, modules/ is the first layout again and its copy is the source
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    (copy / ".gitignore").unlink()
    assert [ref.path.relative_to(copy).as_posix() for ref in discover(copy).refs] == ["modules/01_tensor/tensor.py", "modules/02_layers/layers.py"]


@pytest.mark.parametrize(
    "ignores, generated, source_01",
    [  # generated: what `git check-ignore modules/01_tensor/tensor.py modules/02_layers/layers.py` prints
        ({"modules/.gitignore": "*.py\n"}, ["01_tensor/tensor.py", "02_layers/layers.py"], "src/01_tensor/01_tensor.py"),
        # a deeper .gitignore re-includes: the tracked modules/ copy is module 01's source (the first layout wins)
        ({".gitignore": "modules/**/*.py\n", "modules/01_tensor/.gitignore": "!tensor.py\n"}, ["02_layers/layers.py"], "modules/01_tensor/tensor.py"),
        # ... but never a file in a folder git ignores
        ({".gitignore": "modules/\n", "modules/01_tensor/.gitignore": "!tensor.py\n"}, ["01_tensor/tensor.py", "02_layers/layers.py"], "src/01_tensor/01_tensor.py"),
    ],
    ids=["nested", "deeper-negation", "ignored-folder"],
)
def test_nested_gitignores_follow_git(tmp_path, ignores, generated, source_01):
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "src_numbered", root)
    (root / ".gitignore").unlink()
    for relative, text in ignores.items():
        (root / relative).write_text(text, encoding="utf-8")
    discovery = discover(root)
    assert [path.relative_to(root / "modules").as_posix() for path in discovery.generated] == generated
    assert [ref.path.relative_to(root).as_posix() for ref in discovery.refs] == [source_01, "src/02_layers/02_layers.py"]


def test_duplicate_numbers_are_both_audited_and_reported_never_an_abort(tmp_path):
    root = FIXTURES / "duplicates"
    result = run_command("audits", "--root", root, cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    rows = [line.split()[0] for line in result.stdout.splitlines()[1:-1]]
    assert rows == ["01_tensor", "02_competition", "02_layers", "03_training"]
    for folder in ("02_layers", "02_competition"):
        code, findings, module = json_findings(folder, "--root", root, cwd=tmp_path)
        text = (root / module["path"]).read_text(encoding="utf-8")
        assert ("LAY001", line_of(text, "# %%")) in [(f["code"], f["line"]) for f in findings]
        other = "02_competition" if folder == "02_layers" else "02_layers"
        assert other in next(f["message"] for f in findings if f["code"] == "LAY001")
    assert json_findings("3", "--root", root, cwd=tmp_path)[:2] == (0, [])  # module 03's number is not ambiguous
    assert json_findings("1", "--root", root, cwd=tmp_path)[:2] == (0, [])
    ambiguous = run_command("audits.module", "2", "--root", root, "--format", "json", cwd=tmp_path)
    assert_one_line_error(ambiguous.returncode, ambiguous.stderr, "02_competition and 02_layers both have number 02")


def test_unnumbered_folders_follow_the_configured_order_else_a_note_and_no_forward_checks(tmp_path):
    ordered = json_findings("2", "--root", FIXTURES / "unnumbered", cwd=tmp_path)
    assert ordered[2]["path"] == "modules/layers/layers_dev.py" and "LAY002" not in {f["code"] for f in ordered[1]}
    unordered = FIXTURES / "unordered"
    assert [ref.key for ref in discover(unordered).refs] == ["layers", "tensor"]  # alphabetical, and said to be so
    code, findings, module = json_findings("tensor", "--root", unordered, cwd=tmp_path)
    assert code == 0 and [(f["code"], f["line"], f["severity"]) for f in findings] == [("LAY002", line_of((unordered / module["path"]).read_text(), "# %%"), "low")]
    assert "forward-dependency" in findings[0]["message"] and 'modules = ["layers", "tensor"' in findings[0]["suggestion"]
    # tensor importing from layers: a forward dependency only an order can reveal
    for name in ("unnumbered", "unordered"):
        copy = tmp_path / name
        shutil.copytree(FIXTURES / name, copy)
        source = copy / "modules/tensor/tensor_dev.py"
        source.write_text(source.read_text().replace("import numpy as np\n", "import numpy as np\nfrom tinytorch.core.layers import linear\n", 1))
    dep = lambda root: [f["line"] for f in json_findings("tensor", "--root", root, cwd=tmp_path)[1] if f["code"] == "DEP001"]  # noqa: E731
    assert dep(tmp_path / "unnumbered") == [line_of((tmp_path / "unnumbered/modules/tensor/tensor_dev.py").read_text(), "tinytorch.core.layers")]
    assert dep(tmp_path / "unordered") == []


def test_a_test_folder_numbered_for_another_module_is_a_finding_and_feeds_the_module_it_names(tmp_path):
    root = FIXTURES / "misplaced_tests"
    code, findings, _ = json_findings("2", "--root", root, cwd=tmp_path)
    layers = sorted((f["code"], f["line"]) for f in findings if f["path"] == "modules/02_layers/layers.py")
    assert layers == layers_expected(root, "modules/02_layers/layers.py")
    misplaced = [(f["code"], f["path"]) for f in findings if f["path"] != "modules/02_layers/layers.py"]
    assert misplaced == [("LAY003", "tests/02_tensor")]  # and not the API001 of the tensor tests it holds
    code, findings, _ = json_findings("1", "--root", root, cwd=tmp_path)
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("API001", "tests/02_tensor/test_tensor_more.py", 1)]
    assert "`Missing`" in findings[0]["message"]


def test_one_unreadable_module_is_a_table_row_and_nothing_readable_is_exit_two(tmp_path):
    root = tmp_path / "broken"
    shutil.copytree(FIXTURES / "modules_name", root)
    (root / "modules/01_tensor/tensor.py").write_bytes(b"# %%\nname = '\xe9t\xe9'\n")
    result = run_command("audits", "--root", root, cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "ERROR:" in rows["01_tensor"] and "not UTF-8" in rows["01_tensor"]
    assert "NOT READY" in rows["02_layers"] and "2 of 2 NOT READY FOR EXPORT" in rows["total"]
    (root / "modules/02_layers/layers.py").write_bytes(b"\xff\xfe")
    result = run_command("audits", "--root", root, cwd=tmp_path)
    assert_one_line_error(result.returncode, result.stderr, "no module could be audited", "not UTF-8")


def test_source_globs_replace_discovery(tmp_path):
    root = tmp_path / "globbed"
    shutil.copytree(FIXTURES / "modules_name", root)
    (root / "lessons/01_basics").mkdir(parents=True)
    (root / "modules/01_tensor/tensor.py").rename(root / "lessons/01_basics/anything.py")
    (root / "pyproject.toml").write_text('[tool.audits]\nsources = ["lessons/*/*.py"]\n', encoding="utf-8")
    assert [(ref.number, ref.folder, ref.path.relative_to(root).as_posix()) for ref in Auditor(root).refs] == [
        (1, "01_basics", "lessons/01_basics/anything.py")
    ]


def test_the_root_is_found_upward_and_a_lone_file_is_audited_alone(tmp_path):
    assert find_root(FIXTURES / "modules_source/modules/source/02_layers") == FIXTURES / "modules_source"
    assert find_root(FIXTURES / "src_numbered/src/01_tensor/01_tensor.py") == FIXTURES / "src_numbered"
    lone = tmp_path / "lone" / "widget.py"
    lone.parent.mkdir()
    lone.write_text((FIXTURES / "modules_name/modules/02_layers/layers.py").read_text(encoding="utf-8"), encoding="utf-8")
    assert find_root(lone) is None
    code, findings, module = json_findings(lone, cwd=tmp_path)
    assert module["number"] is None
    assert sorted((f["code"], f["line"]) for f in findings) == [("EX004", line_of(lone.read_text(), "@dataclass")), ("EX005", line_of(lone.read_text(), "def scale", 2))]


@pytest.mark.parametrize(
    "config, profile",
    [("", "tinytorch"), ('[tool.audits]\nprofile = "nbgrader"\n', "nbgrader"), ('[tool.audits]\nprofile = "tinytorch"\n', "tinytorch")],
)
def test_profile_detected_and_configured_and_house_rules_follow_it(tmp_path, config, profile):
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "modules_name", root)
    (root / "pyproject.toml").write_text(config, encoding="utf-8")
    auditor = Auditor(root)
    assert auditor.profile == profile
    audit = auditor.audit_target("2")
    assert audit.module.profile == profile
    codes = {f.code for f in audit.findings}
    assert ("EX004" in codes) == ("EX005" in codes) == (profile == "tinytorch")
    assert "DEP002" in codes  # course-agnostic


def test_a_course_without_default_exp_is_an_nbgrader_course(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "modules_name", root)
    for path in root.rglob("*.py"):
        path.write_text(path.read_text(encoding="utf-8").replace("#| default_exp", "# default export:"), encoding="utf-8")
    assert detect_profile(discover(root).refs) == "nbgrader"
    assert Auditor(root).profile == "nbgrader"
    code, findings, module = json_findings("2", "--root", root, cwd=tmp_path)
    assert module["profile"] == "nbgrader" and not {"EX001", "EX004", "EX005"} & {f["code"] for f in findings}
    header = run_command("audits.module", "2", "--root", root, "--format", "text", cwd=tmp_path).stdout.splitlines()[0]
    assert header == "course/modules/02_layers/layers.py (61 lines, nbgrader profile)"  # relative to the current directory
    (root / "pyproject.toml").write_text('[tool.audits]\nprofile = "house"\n', encoding="utf-8")
    result = run_command("audits", "--root", root, cwd=tmp_path)
    assert_one_line_error(result.returncode, result.stderr, "profile must be one of tinytorch, nbgrader")


def test_an_nbgrader_course_is_discovered_notebook_by_notebook():
    root = FIXTURES / "nbgrader_course"
    discovery = discover(root)
    assert [(ref.key, ref.path.relative_to(root).as_posix(), ref.ordered) for ref in discovery.refs] == [
        ("ps1/problem1", "source/ps1/problem1.ipynb", False),
        ("ps1/problem2", "source/ps1/problem2.ipynb", False),
    ]  # source/header.ipynb belongs to no assignment: not a module
    assert detect_profile(discovery.refs) == "nbgrader" and "forward-dependency" in discovery.order_note
    assert find_root(root / "source" / "ps1") == root  # nbgrader_config.py marks the course


def test_numbered_assignment_folders_number_their_notebook(tmp_path):
    """source/01_intro/intro.ipynb is module 01, as modules/01_intro/ would be: ordered, no LAY002 note."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "nbgrader_course", root)
    (root / "source/ps1/problem1.ipynb").rename(root / "source/02_squares.ipynb")
    for folder, notebook in (("01_intro", "source/ps1/problem2.ipynb"), ("02_squares", "source/02_squares.ipynb")):
        (root / "source" / folder).mkdir()
        (root / notebook).rename(root / "source" / folder / f"{folder[3:]}.ipynb")
    shutil.rmtree(root / "source/ps1")  # and its picture
    discovery = discover(root)
    assert [(ref.number, ref.key, ref.path.relative_to(root).as_posix(), ref.ordered) for ref in discovery.refs] == [
        (1, "01_intro", "source/01_intro/intro.ipynb", True),
        (2, "02_squares", "source/02_squares/squares.ipynb", True),
    ]
    assert discovery.order_note == ""
    code, findings, module = json_findings("2", "--root", root, cwd=tmp_path)
    assert (code, findings, module["number"], module["profile"]) == (0, [], 2, "nbgrader")


def cell_findings(text_report: str) -> set[tuple[str, int, str]]:
    """(code, cell index, cell id) of each finding line of a notebook's text report."""
    return {(m.group(1), int(m.group(2)), m.group(3)) for m in re.finditer(r": ([A-Z]+\d{3}) .*\(cell (\d+), id ([\w-]+)", text_report)}


def test_the_nbgrader_course_nbgrader_validate_accepts_gets_no_blocking_finding(tmp_path):
    root = FIXTURES / "nbgrader_course"
    result = run_command("audits", "--root", root, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stdout
    table, listed = result.stdout.split("skipped (1 file not audited):\n")
    rows = [line.split()[0] for line in table.splitlines()[1:-1]]
    assert rows == ["ps1-problem1", "ps1-problem2"] and "all READY FOR EXPORT" in table
    assert listed == "  source/header.ipynb: in source/ itself, not in an assignment folder (nbgrader: a header or template)\n"
    for key in ("ps1/problem1", "ps1/problem2"):
        code, findings, module = json_findings(key, "--root", root, cwd=tmp_path)
        assert module["profile"] == "nbgrader" and [f["code"] for f in findings] == ["LAY002"]  # the order note only


def test_breaking_the_nbgrader_course_gives_the_right_findings_at_the_right_cells(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "nbgrader_course", root)
    path = root / "source/ps1/problem1.ipynb"
    notebook = nbformat.read(path, as_version=4)
    cells = {cell.id: cell for cell in notebook.cells}
    index = {cell.id: number for number, cell in enumerate(notebook.cells)}
    del cells["correct_squares"].metadata.nbgrader["points"]  # graded without points
    cells["sum_of_squares_uses_squares"].metadata.nbgrader["grade_id"] = "correct_sum_of_squares"  # a grade_id twice
    cells["sum_of_squares"].source = cells["sum_of_squares"].source.replace("### END SOLUTION", "")  # an unclosed marker
    nbformat.write(notebook, path)
    result = run_command("audits.module", "ps1/problem1", "--root", root, "--format", "text", cwd=tmp_path)
    assert result.returncode == 1
    assert cell_findings(result.stdout) == {
        ("NB003", index["correct_squares"], "correct_squares"),
        ("NB004", index["sum_of_squares_uses_squares"], "sum_of_squares_uses_squares"),
        ("NB006", index["sum_of_squares"], "sum_of_squares"),
        ("LAY002", 0, "jupyter"),
    }
    assert "points is missing" in result.stdout


def test_export_finds_its_checkout_upward_too(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "modules_source", root)
    result = run_command("audits.export", "1", cwd=root / "modules" / "source" / "02_layers")
    assert result.returncode == 0, result.stderr
    assert "class Tensor" in (root / "tinytorch" / "core" / "tensor.py").read_text(encoding="utf-8")
    assert not (root / "modules" / "source" / "02_layers" / "tinytorch").exists()


def test_a_notebook_course_gives_the_same_findings_from_root_from_inside_and_by_path(tmp_path):
    root = FIXTURES / "nbgrader_course"
    by_root = json_findings("ps1/problem2", "--root", root, cwd=tmp_path)
    from_inside = json_findings("ps1/problem2", cwd=root / "source" / "ps1")
    by_path = json_findings(root / "source/ps1/problem2.ipynb", cwd=tmp_path)
    by_relative_path = json_findings("problem2.ipynb", cwd=root / "source" / "ps1")
    assert by_root == from_inside == by_path == by_relative_path
    assert by_root[2]["path"] == "source/ps1/problem2.ipynb" and [f["code"] for f in by_root[1]] == ["LAY002"]


@pytest.mark.parametrize("ignored, chosen", [("", "tensor.py"), ("modules/**/*.py\n", "tensor.ipynb")])
def test_a_notebook_beside_a_script_is_the_source_when_the_script_is_generated(tmp_path, ignored, chosen):
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "modules_name", root)
    script = root / "modules/01_tensor/tensor.py"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np")])
    nbformat.write(notebook, script.with_suffix(".ipynb"))
    (root / ".gitignore").write_text(ignored, encoding="utf-8")
    refs = discover(root).refs
    assert refs[0].path.name == chosen and refs[1].path.name == "layers.py"  # module 02 has no notebook: its script stays


def test_a_number_only_folder_is_named_by_its_marked_source_file(tmp_path):
    """`modules/source/03/` holding `compression_dev.py` beside a helper: the `_dev` file is the module."""
    root = make_checkout(tmp_path / "course", {"03_compression": TENSOR}, {"modules/source/03/helpers.py": "X = 1\n"},
                         layout="modules/source/NN/name_dev.py")
    [ref] = discover(root).refs
    assert (ref.number, ref.folder, ref.name, ref.path.name) == (3, "03", "compression", "compression_dev.py")
