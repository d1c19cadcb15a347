"""audit_source and the Auditor: suppression, configuration, ordering, and never running the code."""

import os
from pathlib import Path

from audits.auditor import Auditor
from audits.check import audit_source, suppressed_codes
from audits.config import Config
from audits.discover import find_module
from audits.model import Severity, unfold
from audits.parse import parse_file
from testkit.auditkit import audit_text, found, line_of, make_checkout, marker, run_command, source

FIXTURES = Path(__file__).parent / "fixtures"
TEST_CELL = marker("t", "test") + "\ndef test_unit_w():\n    assert 2 + 2 == 4\n"


def test_suppression_comment_parsing():
    assert suppressed_codes("x()  # audit: ignore[TI001]") == {"TI001"}
    assert suppressed_codes("x()  #audit:ignore[ti001, SE001]") == {"TI001", "SE001"}
    assert suppressed_codes("x()  # audit: ignore") == set()


def test_suppression_on_the_line_only_silences_named_codes():
    text = source(TEST_CELL + "\ntest_unit_w()  # audit: ignore[SE001]\ntest_unit_w()  # audit: ignore[SE001,TI001]\n")
    assert found(audit_text(text), "TI001") == [("TI001", line_of(text, "ignore[SE001]"))]


def test_suppression_on_the_marker_line_covers_the_cell():
    text = source("# %%  # audit: ignore[NB001,TI001]\ndef test_unit_w():\n    assert 2 + 2 == 4\n\ntest_unit_w()\n")
    codes = {f.code for f in audit_text(text)}
    assert "NB001" not in codes and "TI001" not in codes


def test_config_ignore_and_severity_override():
    text = source(TEST_CELL + "\ntest_unit_w()\nprint('x')\n")
    findings = audit_text(text, config=Config(frozenset({"SE001"}), {"TI001": Severity.LOW}))
    assert [(f.code, f.severity) for f in findings] == [("TI001", Severity.LOW)]


def test_findings_sorted_and_deduplicated():
    text = source(TEST_CELL + "\ntest_unit_w(); test_unit_w()\nprint('x')\n")
    findings = audit_text(text)
    keys = [(f.path, f.line, f.code) for f in findings]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    assert found(findings, "TI001") == [("TI001", line_of(text, "test_unit_w(); test_unit_w()"))]


def test_good_fixture_is_clean(tmp_path):
    text = (FIXTURES / "good_widget.py").read_text(encoding="utf-8")
    root = make_checkout(tmp_path, {"01_widget": text})
    assert Auditor(root).audit_ref(find_module(root, 1)).findings == []


def test_seed_like_fixture_findings_with_codes_and_lines(tmp_path):
    text = (FIXTURES / "bad_compression.py").read_text(encoding="utf-8")
    layers = source(marker("linear") + "\n#| export\nclass Linear:\n    pass\n", target="core.layers")
    root = make_checkout(tmp_path, {"03_layers": layers, "16_compression": text, "17_memoization": source(marker("kv") + "\n#| export\nclass KVCache:\n    pass\n", target="perf.memoization")})
    findings = unfold(Auditor(root).audit_ref(find_module(root, 16)).findings)  # every line of a folded finding
    at = lambda needle, nth=1: line_of(text, needle, nth)  # noqa: E731
    assert found(findings) == sorted(
        [
            ("REF001", at("# Module 17")),
            ("REF002", at("compression_dev.py")),
            ("NB003", at('"grade_id": "imports"')),
            ("NB006", at('"grade_id": "imports"')),
            ("DEP001", at("tinytorch.perf.memoization")),
            ("NB001", at("# %%", 3)),
            ("CC001", at("class Sequential")),
            ("NB005", at('"measure-sparsity"')),
            ("NB006", at("BEGIN SOLUTION")),
            ("EX002", at("def test_unit_measure_sparsity")),
            ("NB004", at('"measure-sparsity"', 2)),
            ("NB005", at('"measure-sparsity"', 2)),
            ("TST001", at("def test_unit_prune")),
            ("TI001", at("test_unit_measure_sparsity()", 2)),
            ("TI001", at("test_unit_prune()", 2)),
            ("SE001", at("model = Sequential")),
            ("SE001", at('print("compression ready")')),
            ("NB002", at("nbgrader={'grade'")),
            ("TI001", at("demo_compression()", 2)),
        ],
        key=lambda pair: (pair[1], pair[0]),
    )
    by_code = {f.code: f for f in findings}
    assert by_code["REF001"].suggestion == "# Module 16: Compression - Making Models Smaller"
    assert all(f.path == "modules/16_compression/compression.py" and f.message and f.excerpt for f in findings)


def test_auditing_never_runs_the_module(tmp_path):
    marker_file = tmp_path / "WRITTEN"
    evil = source(
        marker("evil")
        + f"\nimport sys\nopen({str(marker_file)!r}, 'w').write('ran')\nsys.exit(7)\nraise SystemExit(9)\nos._exit(5)\n",
        marker("t", "test") + "\ndef test_unit_x():\n    assert False\n\ntest_unit_x()\n",
    )
    root = make_checkout(tmp_path, {"01_evil": evil})
    findings = Auditor(root).audit_ref(find_module(root, 1)).findings
    assert not marker_file.exists()
    assert os.getpid() > 0  # still here: nothing called sys.exit or os._exit
    assert {"SE001", "TI001"} <= {f.code for f in findings}


def test_a_lone_file_without_index(tmp_path):
    path = tmp_path / "lone.py"
    path.write_text(source(TEST_CELL + "\ntest_unit_w()\n"), encoding="utf-8")
    findings = audit_source(parse_file(path), None)
    assert [f.code for f in findings] == ["TI001"] and findings[0].path == path.as_posix()


def test_every_rule_survives_odd_sources(tmp_path):
    texts = [
        "",
        "# %%\n",
        "# %% nbgrader={\n",
        "# %% [markdown]\n# Module 99: Nothing at modules/none.py\n",
        '# %% nbgrader={"grade_id": 3, "points": "x"}\nclass A:\n    def f(self, *a):\n        self.a = a\n        for b in self.a:\n            b = b(b)\n',
        "\x00\x01 binary-ish\n# %%\nfrom tinytorch import Tensor\nfrom tinytorch.core import *\n",
        "# %%\n" + "(" * 300 + ")" * 300 + "\n",
    ]
    root = make_checkout(tmp_path, {f"0{i + 1}_odd": text for i, text in enumerate(texts)})
    auditor = Auditor(root)
    for ref in auditor.refs:
        auditor.audit_ref(ref)


def test_rules_cli_lists_and_explains():
    run = lambda *args: run_command("audits.rules", *args)  # noqa: E731
    listing = run()
    assert listing.returncode == 0 and "TI001" in listing.stdout and "critical" in listing.stdout
    explained = run("--explain", "cc001")
    assert explained.returncode == 0 and "Sequential" in explained.stdout
    unknown = run("--explain", "ZZ1")
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "unknown rule code" in unknown.stderr


def test_findings_of_one_rule_in_one_cell_fold_into_one_with_their_lines():
    """Issue 20: one cell with many prints gave one SE001 finding per print; now one finding lists
    the lines, each place keeping its own range, excerpt and message; another cell's stay apart."""
    prints = "".join(f"print({k})\n" for k in range(5))
    text = source(marker("demo") + "\n" + prints, marker("other") + "\nprint('other')\n")
    findings = [f for f in audit_text(text) if f.code == "SE001"]
    first = line_of(text, "print(0)")
    assert [f.lines for f in findings] == [tuple(range(first, first + 5)), (line_of(text, "print('other')"),)]
    folded = findings[0]
    assert [(p.line, p.column, p.end_column, p.excerpt) for p in folded.parts] == [
        (first + k, 1, len(f"print({k})") + 1, f"print({k})") for k in range(5)
    ]
    assert all(p.folded == () and p.severity == folded.severity for p in folded.parts)
    from audits import score as scoring

    assert scoring.counts(findings)[folded.severity.label] == 2  # the folded finding counts once


def test_a_suppression_silences_only_its_own_line_of_a_folded_finding():
    text = source(marker("demo") + "\nprint(0)\nprint(1)  # audit: ignore[SE001]\nprint(2)\n")
    suppressed = []
    from audits.parse import parse_text

    findings = [f for f in audit_source(parse_text(text, "widget.py"), None, None, suppressed) if f.code == "SE001"]
    assert [f.lines for f in findings] == [(line_of(text, "print(0)"), line_of(text, "print(2)"))]
    assert [(f.code, f.line) for f in suppressed] == [("SE001", line_of(text, "print(1)"))]
