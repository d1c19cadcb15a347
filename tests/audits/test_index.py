"""The repository index: modules, targets, exported names, test files; nothing is executed."""

from audits.index import RepoIndex
from testkit.auditkit import make_checkout, marker, source

TENSOR = source(
    marker("tensor") + "\n#| export\nclass Tensor:\n    pass\n\n\ndef _helper():\n    pass\n\n\nEPS = 1e-8\nfrom math import sqrt\n",
    marker("tests", "test") + "\ndef test_unit_tensor():\n    assert Tensor\n",
    target="core.tensor",
)


def test_targets_names_and_lazy_parsing(tmp_path):
    root = make_checkout(tmp_path, {"01_tensor": TENSOR, "02_widget": source(target="core.widget")})
    index = RepoIndex.build(root)
    assert sorted(index.refs) == [1, 2] and index._sources == {}  # nothing parsed yet
    assert index.targets == {"core.tensor": 1, "core.widget": 2}
    info = index.exports(1)
    assert info.names == {"Tensor", "_helper", "EPS"} and info.public_names == {"Tensor", "EPS"}
    assert info.provides("sqrt") and info.provides("np") and not info.provides("test_unit_tensor")
    assert index.exporter("tinytorch.core.tensor") == 1 and index.exporter("tinytorch.core.nothing") is None
    assert index.is_package("tinytorch.core") and not index.is_package("tinytorch.nn")
    assert index.source(1) is index.source(1)  # parsed once


def test_test_files_per_module(tmp_path):
    files = {
        "tests/01_tensor/test_basics.py": "def test_a():\n    assert 2 + 2 == 4\n",
        "tests/01_tensor/deep/test_more.py": "def test_b(:\n",
        "tests/checkpoints/checkpoint_01_tensor.py": '"""Can I add?"""\n',
        "tests/checkpoints/checkpoint_02_widget.py": "",
        "tests/02_widget/test_w.py": "",
    }
    root = make_checkout(tmp_path, {"01_tensor": TENSOR}, files)
    index = RepoIndex.build(root)
    tests = index.test_files(1)
    assert [t.rel for t in tests] == [
        "tests/01_tensor/deep/test_more.py",
        "tests/01_tensor/test_basics.py",
        "tests/checkpoints/checkpoint_01_tensor.py",
    ]
    assert tests[0].tree is None and tests[0].syntax_error[0] == 1
    assert tests[1].tree is not None and tests[1].is_test_module
    assert [t.rel for t in index.test_files(2)] == ["tests/02_widget/test_w.py", "tests/checkpoints/checkpoint_02_widget.py"]


def test_a_test_file_is_parsed_once_and_only_when_a_rule_asks_for_its_tree(tmp_path, monkeypatch):
    import ast

    root = make_checkout(tmp_path, {"01_tensor": TENSOR}, {"tests/01_tensor/test_basics.py": "def test_a():\n    assert 2 + 2 == 4\n"})
    parsed = []
    real_parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda text, *args, **kwargs: parsed.append(text) or real_parse(text, *args, **kwargs))
    index = RepoIndex.build(root)
    (test,) = index.test_files(1)
    assert test.line(2) == "    assert 2 + 2 == 4" and parsed == []  # its lines need no parse (suppressions, excerpts, bite)
    assert test.tree is test.tree and test.syntax_error is None
    assert parsed == ["def test_a():\n    assert 2 + 2 == 4\n"]


def test_building_the_index_never_runs_module_code(tmp_path):
    evil = source(marker("evil") + "\n#| export\nimport sys\nopen('EXECUTED', 'w').write('x')\nsys.exit(3)\n", target="core.evil")
    root = make_checkout(tmp_path, {"01_evil": evil})
    index = RepoIndex.build(root)
    assert index.exports(1).names == set() and index.targets == {"core.evil": 1}
    assert not (root / "EXECUTED").exists()


def test_files_and_names_on_disk(tmp_path):
    root = make_checkout(tmp_path, {"01_tensor": TENSOR}, {"docs/guide.md": "x", ".venv/lib/hidden.py": ""})
    index = RepoIndex.build(root)
    assert index.exists("docs/guide.md") and not index.exists("docs/missing.md")
    assert "tensor.py" in index.file_names and "hidden.py" not in index.file_names
