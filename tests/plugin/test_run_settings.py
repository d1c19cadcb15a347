"""How the suite runs: every test under a time limit (pytest-timeout, set in pytest.ini: a test that
loops forever fails at it), and workers distributed by xdist group (conftest.py)."""

import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from testkit.auditkit import PYCACHE, bare_env

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_sets_a_time_limit_for_every_test(pytestconfig):
    assert pytestconfig.pluginmanager.hasplugin("timeout")
    assert 0 < float(pytestconfig.getini("timeout")) <= 300 and pytestconfig.getini("timeout_method") == "signal"


def test_a_passed_tests_tmp_path_goes_when_it_ends_and_a_failed_ones_stays(pytester, monkeypatch):
    """pytest.ini's tmp_path_retention_policy = failed, in an inner run with the suite's settings."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeini((ROOT / "pytest.ini").read_text(encoding="utf-8"))
    pytester.makepyfile(test_kept="def test_passes(tmp_path):\n    (tmp_path / 'f').write_text('x')\n\n\n"
                                  "def test_fails(tmp_path):\n    (tmp_path / 'f').write_text('x')\n    assert False\n")  # fmt: skip
    base = pytester.path / "base"
    result = pytester.runpytest("-p", "pytest_timeout", "-p", "no:cacheprovider", "-o", "addopts=", "--basetemp", str(base))
    result.assert_outcomes(passed=1, failed=1)
    assert pytester.parseconfig().getini("tmp_path_retention_policy") == "failed"
    assert sorted(path.name for path in base.iterdir() if not path.is_symlink()) == ["test_fails0"]  # (pytest links `*current` to the last)


def test_a_bare_child_python_caches_its_bytecode_in_the_suites_temp_folder_not_the_checkout():
    """testkit's bare_env (children that must not inherit this environment): bytecode goes to conftest.py's
    temp-folder cache, so no __pycache__ lands in the checkout and nothing is compiled twice."""
    show = "import sys; print(sys.pycache_prefix); print(sys.dont_write_bytecode)"
    result = subprocess.run([sys.executable, "-c", show], env=bare_env(), capture_output=True, text=True, timeout=60)
    prefix, dont_write = result.stdout.split()
    assert Path(prefix) == PYCACHE and not PYCACHE.is_relative_to(ROOT) and dont_write == "False"


def test_what_collection_left_alive_is_frozen_and_a_tests_own_garbage_is_still_collected():
    """conftest.py freezes the objects alive once the suite is collected (the collector no longer walks
    them in every full collection); what a test makes is collected as before."""
    import gc
    import weakref

    assert gc.get_freeze_count() > 10_000  # the test items, the modules and their functions

    class Cycle:
        pass

    made = Cycle()
    made.itself = made
    gone = weakref.ref(made)
    del made
    gc.collect()
    assert gone() is None


def test_the_suite_leaves_out_anyios_plugin(pytestconfig):
    """No test is async; anyio's plugin (jupyter-server installs it) only costs time in every process."""
    assert pytestconfig.pluginmanager.is_blocked("anyio") and not pytestconfig.pluginmanager.hasplugin("anyio")


def test_a_test_that_loops_forever_fails_at_the_limit_and_the_run_goes_on(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeini((ROOT / "pytest.ini").read_text(encoding="utf-8"))
    pytester.makepyfile(test_loops="def test_loops():\n    while True:\n        pass\n\n\ndef test_after():\n    assert True\n")
    # the smallest limit that proves the point; the outer limit of this test is suspended meanwhile.
    # It times the test function only: on a loaded machine pytest's own set-up of a test can take
    # 0.2 s, and an alarm there ends the inner run with INTERNALERROR instead of failing the test.
    result = pytester.runpytest("-p", "pytest_timeout", "-p", "no:cacheprovider", "--timeout", "0.2", "-o", "timeout_func_only=true")
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


GROUPED = '''\
import os
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.xdist_group("together")


@pytest.mark.parametrize("n", range(6))
def test_member(n):
    (Path(os.environ["RAN_IN"]) / str(n)).write_text(f"{os.environ['PYTEST_XDIST_WORKER']} {np.random.rand()!r}", encoding="utf-8")
'''


def test_with_workers_a_group_runs_on_one_worker_and_draws_what_it_draws_serially(pytester, monkeypatch, tmp_path):
    """End to end, `-n 2` with the real conftest: every test of an xdist group on one worker (the
    worker adds the group to the test ids the controller reads), and each test's random numbers still
    seeded from its own id, as in a serial run."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("RAN_IN", str(tmp_path))
    shutil.copy(ROOT / "conftest.py", pytester.path)
    shutil.copy(ROOT / "pytest.ini", pytester.path)
    (pytester.path / "tests" / "testkit").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "testkit" / "batched_groups.py", pytester.path / "tests" / "testkit")  # the scheduler
    (pytester.path / "tests" / "test_grouped.py").write_text(GROUPED, encoding="utf-8")
    (pytester.path / "tests" / "test_alone.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('n', range(6))\ndef test_alone(n):\n    assert n >= 0\n", encoding="utf-8")
    result = pytester.runpytest("-p", "xdist.plugin", "-p", "pytest_timeout", "-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=12)
    ran = {int(path.name): path.read_text(encoding="utf-8").split() for path in tmp_path.iterdir()}
    assert sorted(ran) == list(range(6)) and len({worker for worker, _ in ran.values()}) == 1, ran
    for n, (_, drawn) in ran.items():
        np.random.seed(zlib.crc32(f"tests/test_grouped.py::test_member[{n}]".encode("utf-8")))
        assert float(drawn) == np.random.rand()
