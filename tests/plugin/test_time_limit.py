"""Every test runs under a time limit (pytest-timeout, set in pytest.ini): a test that loops forever fails at it."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_sets_a_time_limit_for_every_test(pytestconfig):
    assert pytestconfig.pluginmanager.hasplugin("timeout")
    assert 0 < float(pytestconfig.getini("timeout")) <= 300 and pytestconfig.getini("timeout_method") == "signal"


def test_a_test_that_loops_forever_fails_at_the_limit_and_the_run_goes_on(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeini((ROOT / "pytest.ini").read_text(encoding="utf-8"))
    pytester.makepyfile(test_loops="def test_loops():\n    while True:\n        pass\n\n\ndef test_after():\n    assert True\n")
    # the smallest limit that proves the point; the outer limit of this test is suspended meanwhile
    result = pytester.runpytest("-p", "pytest_timeout", "-p", "no:cacheprovider", "--timeout", "0.2")
    result.assert_outcomes(failed=1, passed=1)
    assert "Failed: Timeout" in result.stdout.str() and "test_loops" in result.stdout.str()
