"""How the suite runs: every test under a time limit (pytest-timeout, set in pytest.ini: a test that
loops forever fails at it), and workers distributed by xdist group (conftest.py)."""

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


def _root_conftest(pytestconfig):
    (plugin,) = [p for p in pytestconfig.pluginmanager.get_plugins() if getattr(p, "__file__", None) == str(ROOT / "conftest.py")]
    return plugin


@pytest.mark.parametrize("workers, dist, expected", [("auto", "no", "loadgroup"), (2, "no", "loadgroup"), (2, "load", "load"), (None, "no", "no")])
def test_workers_run_the_tests_of_an_xdist_group_together_unless_a_dist_is_named(pytestconfig, workers, dist, expected):
    """`pytest -n auto` distributes by loadgroup (files with an expensive module fixture run on one worker)."""
    from types import SimpleNamespace

    config = SimpleNamespace(option=SimpleNamespace(numprocesses=workers, dist=dist))
    _root_conftest(pytestconfig).pytest_cmdline_main(config)
    assert config.option.dist == expected
