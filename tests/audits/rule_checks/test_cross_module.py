"""Rules that need the checkout: DEP001/DEP002, REF001/REF002, API001, TST001 on test files."""

import pytest

from audits.auditor import Auditor
from testkit.auditkit import found, line_of, make_checkout, marker, source

TENSOR = source(marker("tensor", "impl") + '\n#| export\nclass Tensor:\n    """A tensor."""\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n', target="core.tensor")
MEMO = source(marker("cache") + "\n#| export\nclass KVCache:\n    pass\n", target="perf.memoization")


def compression(*cells):
    title = '# %% [markdown]\n"""\n# Module 16: Compression - Smaller Models\n"""\n'
    return source(title, *cells, target="perf.compression")


def audit(root, number):
    return Auditor(root).audit_target(str(number)).findings


@pytest.fixture
def checkout(tmp_path):
    def build(compression_text, files=None):
        modules = {"01_tensor": TENSOR, "16_compression": compression_text, "17_memoization": MEMO}
        return make_checkout(tmp_path, modules, files)

    return build


def test_dep001_later_module_and_self_import(checkout):
    text = compression(marker("deps") + "\nfrom tinytorch.core.tensor import Tensor\nfrom tinytorch.perf.memoization import KVCache\nfrom tinytorch.perf.compression import x\n")
    findings = audit(checkout(text), 16)
    assert found(findings, "DEP001") == [
        ("DEP001", line_of(text, "tinytorch.perf.memoization")),
        ("DEP001", line_of(text, "tinytorch.perf.compression")),
    ]
    assert "module 17 (memoization)" in findings[[f.code for f in findings].index("DEP001")].message


def test_dep002_unknown_path_and_name(checkout):
    text = compression(marker("deps") + "\nfrom tinytorch.core.tensor import Tensor, Tensr\nfrom tinytorch.optimization.compression import prune\nimport tinytorch.core\n")
    findings = audit(checkout(text), 16)
    assert found(findings, "DEP002") == [
        ("DEP002", line_of(text, "Tensr")),
        ("DEP002", line_of(text, "tinytorch.optimization")),
    ]


def test_ref001_own_title_number_and_stale_name(checkout):
    text = compression(
        '# %% [markdown]\n"""\nBuilds on Module 01 (Tensor) and Module 15: Memoization, see Module 17 (KV cache).\n"""\n'
    ).replace("# Module 16: Compression", "# Module 17: Compression")
    findings = audit(checkout(text), 16)
    refs = [f for f in findings if f.code == "REF001"]
    assert [(f.code, f.line) for f in refs] == [("REF001", line_of(text, "# Module 17")), ("REF001", line_of(text, "Module 15: Memoization"))]
    assert refs[0].suggestion == "# Module 16: Compression - Smaller Models"
    assert "module 17" in refs[1].message


def test_ref002_missing_paths_in_prose_only(checkout):
    text = compression(
        '# %% [markdown]\n"""\nSee modules/16_compression/compression.py and tests/16_compression/test_gone.py and compression_dev.py.\n"""\n',
        marker("paths") + "\n# old home: modules/source/17_compression/compression_dev.py\nPATH = 'tests/not_prose.py'\n",
    )
    findings = audit(checkout(text), 16)
    assert found(findings, "REF002") == [("REF002", line_of(text, "test_gone.py")), ("REF002", line_of(text, "old home"))]
    messages = [f.message for f in findings if f.code == "REF002"]
    assert any("tests/16_compression/test_gone.py" in m for m in messages)
    assert any("compression_dev.py" in m for m in messages)
    assert not any("modules/16_compression/compression.py" in m for m in messages)
    assert not any("not_prose" in m for m in messages)


def test_api001_checkpoint_importing_unexported_names(checkout):
    module = compression(marker("prune", "impl") + "\n#| export\ndef magnitude_prune(model, sparsity=0.9):\n    ### BEGIN SOLUTION\n    return model\n    ### END SOLUTION\n")
    checkpoint = '"""Can I prune?"""\nfrom tinytorch.nn.utils.prune import MagnitudePruner\nfrom tinytorch.perf.compression import magnitude_prune, measure_sparsity\n\n\ndef test_prune():\n    assert magnitude_prune\n'
    root = checkout(module, {"tests/checkpoints/checkpoint_16_compression.py": checkpoint, "tests/16_compression/test_ok.py": "from tinytorch.perf.compression import magnitude_prune\n\n\ndef test_ok():\n    assert magnitude_prune\n"})
    findings = [f for f in audit(root, 16) if f.code == "API001"]
    assert [(f.path, f.line) for f in findings] == [
        ("tests/checkpoints/checkpoint_16_compression.py", 2),
        ("tests/checkpoints/checkpoint_16_compression.py", 3),
    ]
    assert "magnitude_prune" in findings[0].suggestion or "tinytorch.perf.compression" in findings[0].suggestion


def test_tst001_in_source_and_test_files(checkout):
    module = compression(
        marker("tests", "test")
        + "\ndef _check_close(a, b):\n    assert abs(a - b) < 1e-6\n\n\ndef test_unit_ok():\n    _check_close(1.0, 1.0)\n\n\ndef test_unit_empty():\n    \"\"\"Placeholder.\"\"\"\n    print('todo')\n\n\ndef test_module():\n    test_unit_ok()\n    test_unit_empty()\n"
    )
    suite = (
        "import numpy as np\nimport pytest\nfrom testkit.gradcheck import assert_gradients_match\n\n\n"
        "def test_placeholder():\n    pass\n\n\ndef test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n\n\n"
        "def test_numpy():\n    np.testing.assert_allclose(1.0, 1.0)\n\n\ndef test_testkit():\n    assert_gradients_match(None)\n\n\n"
        "class TestThing:\n    def test_nothing(self):\n        x = 1\n"
    )
    root = checkout(module, {"tests/16_compression/test_suite.py": suite})
    findings = [f for f in audit(root, 16) if f.code == "TST001"]
    assert [(f.path, f.line) for f in findings] == [
        ("modules/16_compression/compression.py", line_of(module, "def test_unit_empty")),
        ("tests/16_compression/test_suite.py", line_of(suite, "def test_placeholder")),
        ("tests/16_compression/test_suite.py", line_of(suite, "def test_nothing")),
    ]


def test_tst001_audits_a_numbered_module_alone_when_there_is_no_index(checkout):
    """audit_source(module, None): the module's own placeholder tests, and no test files to look in."""
    from audits.check import audit_source

    module_text = compression(marker("tests", "test") + "\ndef test_unit_empty():\n    print('todo')\n")
    root = checkout(module_text, {"tests/16_compression/test_suite.py": "def test_placeholder():\n    pass\n"})
    module = Auditor(root).audit_target("16").module
    assert module.number == 16
    findings = [f for f in audit_source(module, None) if f.code == "TST001"]
    assert [(f.path, f.line) for f in findings] == [("modules/16_compression/compression.py", line_of(module_text, "def test_unit_empty"))]


def test_suppression_in_a_test_file(checkout):
    suite = "def test_placeholder():  # audit: ignore[TST001]\n    pass\n"
    root = checkout(compression(), {"tests/16_compression/test_suite.py": suite})
    assert [f for f in audit(root, 16) if f.code == "TST001"] == []


@pytest.mark.parametrize(
    "prose",
    [
        "Keep the order of Module 01 (x*x*x, then the tanh) so results match bit for bit.",
        "In Module 17 - we build caches - you meet KVCache.",
        "Module 01 (for the basics) comes first.",
        "Module 16: the one you are reading.",
    ],
)
def test_ref001_ignores_words_that_are_not_module_names(checkout, prose):
    """The cited modules exist in the checkout, so a misread word would be judged (and flagged)."""
    text = compression(f'# %% [markdown]\n"""\n{prose}\n"""\n')
    assert found(audit(checkout(text), 16), "REF001") == []


@pytest.mark.parametrize("prose", ["See Module 15 - Memoization.", "See Module 15 (memoization).", "See Module 15: KV cache."])
def test_ref001_still_reads_every_name_form(checkout, prose):
    text = compression(f'# %% [markdown]\n"""\n{prose}\n"""\n')
    assert found(audit(checkout(text), 16), "REF001") == [("REF001", line_of(text, "Module 15"))]
