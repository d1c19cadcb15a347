"""TST002 through the command: a graded test that swallows its own failure blocks the module,
in the module source and in its test files (the rule's own lines are pinned by rule_fixtures/TST002.py)."""

from testkit.auditkit import line_of, make_checkout, marker, run_command, source

IMPL = marker("double", "impl") + '\n#| export\ndef double(x):\n    """TODO: twice x."""\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n'
SWALLOWING = marker("test-double", "test") + (
    "\ndef test_unit_double():\n    try:\n        assert double(2) == 4\n    except Exception:\n        pass\n"
    '\nif __name__ == "__main__":\n    test_unit_double()\n'
)
HONEST = SWALLOWING.replace("    try:\n        assert double(2) == 4\n    except Exception:\n        pass\n", "    assert double(2) == 4\n")


def test_try_except_exception_pass_around_a_graded_test_blocks_the_module(tmp_path):
    text = source(IMPL, SWALLOWING)
    root = make_checkout(tmp_path, {"01_widget": text})
    result = run_command("audits.module", "1", "--root", root, "--format", "text")
    assert result.returncode == 1, result.stdout
    assert f"widget.py:{line_of(text, 'except Exception')}:" in result.stdout and "TST002" in result.stdout


def test_the_same_test_without_the_try_is_ready(tmp_path):
    root = make_checkout(tmp_path, {"01_widget": source(IMPL, HONEST)})
    result = run_command("audits.module", "1", "--root", root, "--format", "text")
    assert result.returncode == 0, result.stdout
    assert "TST002" not in result.stdout


def test_an_import_error_skip_in_a_test_file_is_found(tmp_path):
    test_file = (
        "import pytest\n\n\ndef test_double():\n    try:\n        from tinytorch.core.widget import double\n"
        "    except ImportError:\n        pytest.skip('not exported yet')\n    assert double(2) == 4\n"
    )
    root = make_checkout(tmp_path, {"01_widget": source(IMPL, HONEST)}, {"tests/01_widget/test_widget.py": test_file})
    result = run_command("audits.module", "1", "--root", root, "--format", "text")
    assert result.returncode == 1, result.stdout
    assert "tests/01_widget/test_widget.py:7:" in result.stdout and "TST002" in result.stdout
