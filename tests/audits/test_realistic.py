"""The auditor on course sources written the way real TinyTorch courses write them.

tests/audits/realistic/ holds three checkouts, one per discovery layout:

- source_layout/ (modules/source/NN_name/name_dev.py): an upstream-style compression
  module: long docstrings and markdown with ASCII diagrams and code fences full of
  `Sequential(...)`, `print(...)`, loops and `test_unit_*()` calls (never findings),
  commented `%time`/`%%time` magics, guards written `'__main__'`, `"__main__" == __name__`,
  `... and ...` and inside a `try`; a test call inside a module-level `try` (a finding),
  single-quoted metadata, `"points": "5"`, a grade_id shared by a code and a locked
  markdown cell, `###  BEGIN SOLUTION` (valid) and `### begin solution` (not a marker),
  stale "Module 17" title and paths from the old layout.
- src_layout/ (src/NN_name/NN_name.py): a dataloader with `# | export` directives (the
  form black writes), a `Compose` of data transforms (not a layer container), seeded RNG
  and sys.path edits at import time, a test called through an attribute and a lambda.
- ours/ (modules/NN_name/name.py): a transformers module with every container shape
  (append-in-add, index loop, activation-wrapped chain, functools.reduce) next to models
  that are not containers (explicit named layers, self-built blocks, an ensemble),
  `@overload` stubs, tests that check by raising or print only, and multi-word module names.

Each file's findings are listed completely as (code, line, text on that line), so any new
false positive or false negative fails `test_findings_are_exactly_the_expected_ones`.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest

from audits.auditor import Auditor
from audits.model import unfold
from audits.module import main, render
from audits.parse import parse_file
from audits.rules.nbgrader import schema_problems

HERE = Path(__file__).resolve().parent / "realistic"
DATE = "2025-11-10"

COMPRESSION = ("source_layout", "modules/source/16_compression/compression_dev.py")
DATALOADER = ("src_layout", "src/08_dataloader/08_dataloader.py")
TRANSFORMERS = ("ours", "modules/13_transformers/transformers.py")

EXPECTED = {
    COMPRESSION: [
        ("REF001", 17, "# Module 17: Compression - Making Models Smaller"),
        ("REF002", 30, "**Learning Side:** You work in `modules/source/17_compression/compression_dev.py`"),
        ("REF002", 31, "**Building Side:** Code exports to `tinytorch/optimization/compression.py`"),
        ("GR003", 70, '# %% nbgrader={"grade": false, "grade_id": "two-layer-net", "locked": false'),  # TwoLayerNet, used by graded tests
        ("REF002", 107, "# The reference solution lives in tinytorch/optimization/compression.py once exported."),
        ("NB002", 185, "# %% nbgrader={'grade': True, 'grade_id': 'test-magnitude-prune'"),
        ("TI001", 192, "try:"),  # the test call at 193 runs inside this module-level try
        ("NB006", 206, "    ### begin solution"),
        ("NB006", 210, "    ### end solution"),
        ("NB003", 212, '"points": "5"'),
        ("NB004", 222, '# %% [markdown] nbgrader={"grade": false, "grade_id": "low-rank", "locked": true'),
    ],
    DATALOADER: [
        ("SE001", 46, 'sys.path.append("../01_tensor")'),
        ("SE001", 47, "np.random.seed(42)"),
        ("TI001", 150, "self_test.test_unit_dataloader()"),
        ("TI001", 170, "for size in (8, 64):"),
        ("REF002", 186, "# See `tests/08_dataloader/test_dataloader.py`"),
    ],
    TRANSFORMERS: [
        ("CC001", 106, "class LayerStack:"),
        ("CC001", 124, "class IndexedStack:"),
        ("CC001", 136, "class ActivatedStack:"),
        ("CC001", 149, "class ReducedStack:"),
        ("GR003", 158, '# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": false'),  # count_parameters, used by a graded test
        ("TST001", 187, "def test_unit_count_parameters():"),
        ("TST001", 192, "def test_unit_not_done():"),
        ("TI001", 207, "(lambda: analyze_depth_cost())()"),
    ],
}
# The small neighbour modules each checkout needs for its cross-module rules: all clean.
CLEAN = [
    ("source_layout", "modules/source/01_tensor/tensor_dev.py"),
    ("source_layout", "modules/source/14_profiling/profiling_dev.py"),
    ("source_layout", "modules/source/15_quantization/quantization_dev.py"),
    ("source_layout", "modules/source/17_memoization/memoization_dev.py"),
    ("src_layout", "src/01_tensor/01_tensor.py"),
    *[("ours", f"modules/{folder}/{folder.split('_', 1)[1]}.py") for folder in
      ("01_tensor", "02_activations", "10_tokenization", "11_embeddings", "12_attention")],
]  # fmt: skip
FILES = list(EXPECTED) + CLEAN
MECHANICAL = {"TI001", "NB001", "NB003"}


def _id(key) -> str:
    return key[1].rsplit("/", 1)[-1]


_AUDITORS: dict[str, Auditor] = {}


def audit_of(checkout: str, relative: str):
    auditor = _AUDITORS.setdefault(checkout, Auditor(HERE / checkout))
    return auditor.audit_target(_number(relative))


def _number(relative: str) -> str:
    """"16" for modules/source/16_compression/compression_dev.py (a path could also exist in our checkout)."""
    return str(int(Path(relative).parent.name[:2]))


@pytest.mark.parametrize("key", list(EXPECTED), ids=_id)
def test_fixture_lines_match_the_table(key):
    lines = (HERE / key[0] / key[1]).read_text(encoding="utf-8").splitlines()
    for code, line, text in EXPECTED[key]:
        assert text in lines[line - 1], f"{code}: line {line} is {lines[line - 1]!r}"


@pytest.mark.parametrize("key", FILES, ids=_id)
def test_findings_are_exactly_the_expected_ones(key):
    audit = audit_of(*key)
    places = sorted(unfold(audit.findings), key=lambda f: (f.path, f.line, f.code))  # every line of a folded finding
    assert [(f.code, f.line) for f in places] == [(code, line) for code, line, _ in EXPECTED.get(key, [])]


@pytest.mark.parametrize("checkout", ["source_layout", "src_layout", "ours"])
def test_every_layout_is_discovered(checkout):
    auditor = Auditor(HERE / checkout)
    expected = sorted(int(Path(rel).parent.name[:2]) for c, rel in FILES if c == checkout)
    assert sorted(ref.number for ref in auditor.refs) == expected


def test_messages_name_the_real_problem():
    by_line = {f.line: f for f in audit_of(*COMPRESSION).findings}
    assert "test_unit_magnitude_prune()` (line 193)" in by_line[192].message
    assert "only recognises the exact upper-case words" in by_line[206].message
    assert 'points must be a number >= 0, not "5"' in by_line[212].message
    assert "already used by the cell at line 197" in by_line[222].message
    transformers = {f.line: f for f in audit_of(*TRANSFORMERS).findings}
    assert "`self.layers` (line 113)" in transformers[106].message and "(line 118)" in transformers[106].message


def _marker_metadata(suggestion: str) -> dict:
    text = suggestion[suggestion.index("nbgrader=") + len("nbgrader=") :]
    value, _ = json.JSONDecoder().raw_decode(text)
    return value


@pytest.mark.parametrize("key", list(EXPECTED), ids=_id)
def test_suggestions_are_usable(key):
    """TI001 suggestions parse; metadata suggestions are complete, valid v3 for the cell's role,
    keep the marker's other options, and keep the author's grade_id and points."""
    audit = audit_of(*key)
    module = audit.module
    for finding in audit.findings:
        assert finding.excerpt.splitlines()[0] == module.line(finding.line), finding
        if finding.code == "TI001":
            ast.parse(finding.suggestion)
        if finding.suggestion.startswith("# %%"):
            cell = module.cell_at(finding.line)
            meta = _marker_metadata(finding.suggestion)
            assert schema_problems(meta) == [], (finding, meta)
            assert finding.suggestion.startswith(cell.marker[: cell.marker.index("nbgrader")]), finding.suggestion
            assert finding.suggestion.endswith(cell.marker[cell.marker.rindex("}") + 1 :]), finding.suggestion
    if key == COMPRESSION:
        by_line = {f.line: f for f in audit.findings}
        salvaged = _marker_metadata(by_line[185].suggestion)  # from the single-quoted Python dict
        assert salvaged == {"grade": True, "grade_id": "test-magnitude-prune", "locked": True, "points": 10,
                            "schema_version": 3, "solution": False, "task": False}  # fmt: skip
        assert _marker_metadata(by_line[212].suggestion)["points"] == 5
        assert by_line[206].suggestion == "    ### BEGIN SOLUTION"


@pytest.mark.parametrize("key", list(EXPECTED), ids=_id)
def test_markdown_review_quotes_each_line(key):
    audit = audit_of(*key)
    review = render(audit, "markdown", DATE)
    plan = render(audit, "fixplan", DATE)
    for finding in audit.findings:
        text = audit.module.line(finding.line)
        assert re.search(rf"^> +{finding.line} \| {re.escape(text)}$", review, re.MULTILINE), (finding.code, finding.line)
        assert f"{finding.line} | {text}" in plan


@pytest.mark.parametrize("key", list(EXPECTED), ids=_id)
def test_fix_is_idempotent_and_leaves_the_file_parseable(key, tmp_path, capsys):
    checkout = tmp_path / key[0]
    shutil.copytree(HERE / key[0], checkout)
    path = checkout / key[1]
    before = audit_of(*key).findings
    main([_number(key[1]), "--root", str(checkout), "--fix", "--format", "json"])
    once = path.read_text(encoding="utf-8")
    main([_number(key[1]), "--root", str(checkout), "--fix", "--format", "json"])
    assert path.read_text(encoding="utf-8") == once
    capsys.readouterr()
    fixed = parse_file(path)
    assert [cell.syntax_error for cell in fixed.cells if cell.syntax_error] == []
    after = Auditor(checkout).audit_target(_number(key[1])).findings
    # Guards and missing metadata are mechanical; a wrong existing value ("points": "5") is left to a person.
    assert sorted(f.code for f in after) == sorted(f.code for f in before if f.code not in {"TI001", "NB001"})


def test_a_relative_path_with_root_means_the_root_file(capsys):
    """modules/13_transformers/transformers.py exists in our checkout too: --root decides which one."""
    code = main([TRANSFORMERS[1], "--root", str(HERE / "ours"), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["module"]["number"] == 13
    places = sorted((f["path"], place["line"], f["code"]) for f in report["findings"] for place in f["locations"])
    assert [(code, line) for _, line, code in places] == [(c, n) for c, n, _ in EXPECTED[TRANSFORMERS]]
