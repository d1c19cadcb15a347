"""Every layout discovery understands, audited end to end with `--root` on a checkout of its own.

Each checkout holds modules 01 (tensor), 03 (compression) and 04 (memoization);
module 03 has one cross-module problem per rule: an import from module 04 (DEP001),
an import of a path nobody exports (DEP002), a title with the wrong number
(REF001) and a test file importing a name the package does not export (API001).
The expected lines come from the fixture texts, not from the auditor.
"""

import json
import subprocess
import sys

import pytest

from audits.__main__ import main as audits_main
from audits.export import main as export_main
from audits.module import main as module_main
from testkit.auditkit import LAYOUTS, line_of, make_checkout, marker, source

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
    return root, LAYOUTS[request.param]


def test_module_cli_finds_cross_module_problems_in_every_layout(checkout, capsys):
    root, pattern = checkout
    assert module_main(["3", "--root", str(root), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["module"]["path"] == pattern.format(folder="03_compression", name="compression")
    assert sorted((f["code"], f["line"]) for f in report["findings"]) == EXPECTED
    api = next(f for f in report["findings"] if f["code"] == "API001")
    assert api["path"] == "tests/03_compression/test_prune.py"
    dep = next(f for f in report["findings"] if f["code"] == "DEP001")
    assert "module 04 (memoization)" in dep["message"]


def test_whole_checkout_table_and_export_in_every_layout(checkout, capsys):
    root, _ = checkout
    assert audits_main(["--root", str(root)]) == 1
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:-1]]
    assert rows == ["01_tensor", "03_compression", "04_memoization"]
    assert export_main(["--root", str(root), "1"]) == 0
    assert (root / "tinytorch" / "core" / "tensor.py").read_text(encoding="utf-8").count("class Tensor:") == 1


def test_root_option_in_a_real_process(tmp_path):
    root = make_checkout(tmp_path / "other", MODULES, layout="src/NN_name/NN_name.py")
    result = subprocess.run([sys.executable, "-m", "audits", "--root", str(root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stderr == ""
    assert "03_compression" in result.stdout and "1 of 3 NOT READY FOR EXPORT" in result.stdout
