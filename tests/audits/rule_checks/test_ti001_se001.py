"""TI001 (test calls at import time) and SE001 (other import-time side effects)."""

from audits.model import unfold
from testkit.auditkit import audit_text, found, line_of, marker, source

TEST_CELL = marker("test-widget", "test") + "\ndef test_unit_widget():\n    assert 2 * 2 == 4\n"


def test_ti001_unguarded_test_calls_each_at_their_line():
    text = source(TEST_CELL + "\ntest_unit_widget()\n", marker("analysis") + "\ndef analyze_speed():\n    return 1\n\nresult = analyze_speed()\ntest_module()\n")
    assert found(audit_text(text), "TI001") == [
        ("TI001", line_of(text, "test_unit_widget()", nth=2)),
        ("TI001", line_of(text, "result = analyze_speed()")),
        ("TI001", line_of(text, "test_module()")),
    ]


def test_ti001_suggestion_is_the_guarded_call():
    text = source(TEST_CELL + "\ntest_unit_widget()\n")
    (finding,) = [f for f in audit_text(text) if f.code == "TI001"]
    assert finding.excerpt == "test_unit_widget()"
    assert finding.suggestion == 'if __name__ == "__main__":\n    test_unit_widget()'
    assert finding.category == "Test isolation" and finding.severity.label == "critical"


def test_ti001_call_inside_non_guard_if_or_loop_is_found():
    """A call in a module-level block is reported at the block, whose whole text the suggestion guards."""
    text = source(TEST_CELL + "\nif True:\n    test_unit_widget()\nfor _ in range(2):\n    demo_widget()\n")
    findings = [f for f in unfold(audit_text(text)) if f.code == "TI001"]  # one cell: the places of one folded finding
    assert [(f.code, f.line) for f in findings] == [("TI001", line_of(text, "if True:")), ("TI001", line_of(text, "for _ in"))]
    assert findings[0].excerpt == "if True:\n    test_unit_widget()"
    assert findings[0].suggestion == 'if __name__ == "__main__":\n    if True:\n        test_unit_widget()'
    assert "(line " + str(line_of(text, "    test_unit_widget()")) + ")" in findings[0].message


def test_ti001_guard_combined_with_and_guards():
    text = source(TEST_CELL + '\nif __name__ == "__main__" and not QUICK:\n    test_unit_widget()\n')
    assert found(audit_text(text), "TI001") == [] and found(audit_text(text), "SE001") == []
    either = source(TEST_CELL + '\nif __name__ == "__main__" or DEBUG:\n    test_unit_widget()\n')
    assert found(audit_text(either), "TI001") == [("TI001", line_of(either, "or DEBUG"))]


def test_ti001_guarded_and_nested_calls_are_fine():
    text = source(
        TEST_CELL + '\nif __name__ == "__main__":\n    test_unit_widget()\n',
        marker("module-test", "test") + "\ndef test_module():\n    test_unit_widget()\n\n\nclass Runner:\n    def run(self):\n        demo_widget()\n\n\nif __name__ == '__main__':\n    test_module()\n",
    )
    assert found(audit_text(text), "TI001") == []


def test_ti001_else_branch_of_guard_runs_at_import():
    text = source(TEST_CELL + '\nif __name__ == "__main__":\n    pass\nelse:\n    test_unit_widget()\n')
    (finding,) = [f for f in audit_text(text) if f.code == "TI001"]
    assert finding.line == line_of(text, "    test_unit_widget()", nth=1)
    assert "else:" in finding.suggestion and finding.suggestion.endswith(".")


def test_se001_finds_each_kind_of_side_effect():
    text = source(
        marker("effects")
        + "\n"
        + "from tinytorch.core.layers import Linear\n"
        + "print('loaded')\n"
        + "model = Linear(3, 2)\n"
        + "np.random.seed(0)\n"
        + "X = np.random.randn(8, 4)\n"
        + "import time\nstart = time.perf_counter()\n"
        + "for i in range(3):\n    pass\n"
        + "with open('x') as f:\n    pass\n"
        + "assert 1 == 1\n"
        + "setup_everything()\n"
    )
    lines = [line for code, line in found(audit_text(text), "SE001")]
    for needle in ("print('loaded')", "model = Linear", "np.random.seed", "X = np.random", "start = time", "for i in", "with open", "assert 1", "setup_everything()"):
        assert line_of(text, needle) in lines, needle
    assert len(lines) == 9


def test_se001_quotes_a_statement_of_up_to_eight_lines_whole_and_a_longer_one_by_its_first_line():
    """The excerpt shows the statement a reader must change; past 8 lines, its first line points at it."""
    call_2 = "model = Linear(\n    3, 2)"
    call_8 = "model = Linear(\n" + "".join(f"    {n},\n" for n in range(6)) + ")"
    call_9 = "model = Linear(\n" + "".join(f"    {n},\n" for n in range(7)) + ")"
    loop_3 = "for i in range(3):\n    x = i\n    y = i"
    loop_9 = "for i in range(3):\n" + "".join(f"    x{n} = i\n" for n in range(8))
    for block, whole in ((call_2, True), (call_8, True), (call_9, False), (loop_3, True), (loop_9, False)):
        text = source(marker("effects") + "\nfrom tinytorch.core.layers import Linear\n" + block)
        [finding] = [f for f in audit_text(text) if f.code == "SE001"]
        lines = block.rstrip("\n").split("\n")
        assert finding.excerpt == ("\n".join(lines) if whole else lines[0]), block


def test_se001_constants_and_definitions_are_fine():
    text = source(
        marker("constants")
        + "\n"
        + "from pathlib import Path\nimport math\n"
        + "SCALE = np.sqrt(2.0)\nEPS = 1e-8\nSHAPE = tuple([2, 3])\nHERE = Path('x')\nTABLE = {'a': math.pi}\n"
        + "rng = np.random.default_rng(0)\n__all__ = ['SCALE']\n\n\ndef helper():\n    print('inside a function is fine')\n\n\n"
        + "class Thing:\n    size = 3\n\n\ntry:\n    import scipy\nexcept ImportError:\n    scipy = None\n"
        + 'if __name__ == "__main__":\n    print(helper())\n'
    )
    assert found(audit_text(text), "SE001") == []


def test_se001_deliberate_call_is_allowed_only_with_the_ignore_comment():
    cell = marker("autograd") + "\n#| export\ndef enable_autograd():\n    return None\n\n\nenable_autograd()COMMENT\n"
    plain = source(cell.replace("COMMENT", ""))
    assert found(audit_text(plain), "SE001") == [("SE001", line_of(plain, "enable_autograd()", nth=2))]
    assert "audit: ignore[SE001]" in audit_text(plain)[0].suggestion
    documented = source(cell.replace("COMMENT", "  # audit: ignore[SE001] -- patches Tensor on import, see the module text"))
    assert found(audit_text(documented), "SE001") == []


def test_se001_does_not_repeat_ti001():
    text = source(TEST_CELL + "\ntest_unit_widget()\n")
    assert found(audit_text(text), "SE001") == []
