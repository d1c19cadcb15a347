"""The progressive plugin (root conftest.py), run for real in a throwaway checkout.

The checkout has modules 01..03, a suite and a checkpoint for each, a harness test, and
a file whose parameters carry module markers (like tests/sources). Module 03's suite
imports a package that does not exist, as on a course where module 03 is not built yet.

Each inner session runs through pytest's `pytester` (in this process), isolated from the
plugins installed around it: no plugin is autoloaded (pytest-randomly, xdist, hypothesis),
so the inner run sees only the conftest under test.
"""

import random
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def checkout(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    root = pytester.path
    shutil.copy(ROOT / "conftest.py", root)
    shutil.copy(ROOT / "pytest.ini", root)
    for number, name in ((1, "tensor"), (2, "activations"), (3, "layers")):
        folder = f"{number:02d}_{name}"
        (root / "modules" / folder).mkdir(parents=True)
        (root / "modules" / folder / f"{name}.py").write_text("", encoding="utf-8")
        (root / "tests" / folder).mkdir(parents=True)
        body = "import not_built_yet\n\n" if number == 3 else ""
        (root / "tests" / folder / "test_suite.py").write_text(body + "def test_suite():\n    assert True\n", encoding="utf-8")
    (root / "tests" / "checkpoints").mkdir()
    for number in (1, 2, 3):
        (root / "tests" / "checkpoints" / f"checkpoint_{number:02d}_x.py").write_text("def test_capability():\n    assert True\n", encoding="utf-8")
    (root / "tests" / "audits").mkdir()
    (root / "tests" / "audits" / "test_harness.py").write_text("def test_harness():\n    assert True\n", encoding="utf-8")
    (root / "tests" / "sources").mkdir()
    (root / "tests" / "sources" / "test_each.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('n', [pytest.param(n, marks=pytest.mark.module(n)) for n in (1, 2, 3)])\n"
        "def test_each(n):\n    assert n\n",
        encoding="utf-8",
    )
    (root / "tests" / "seeds").mkdir()
    (root / "tests" / "seeds" / "test_seed.py").write_text(
        "import random\n\nimport numpy as np\n\n\ndef test_seed():\n    print('DRAW', np.random.rand())\n"
        "    print('PYDRAW', random.random())\n    assert True\n", encoding="utf-8"
    )
    return root


def run(pytester, *args):
    return pytester.runpytest("-q", "-p", "no:cacheprovider", "--collect-only", *args)


def collected(result):
    return sorted(line for line in result.outlines if "::" in line)


def test_module_n_runs_modules_one_to_n_and_never_imports_later_suites(pytester, checkout):
    result = run(pytester, "--module", "2")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert collected(result) == [
        "tests/01_tensor/test_suite.py::test_suite",
        "tests/02_activations/test_suite.py::test_suite",
        "tests/checkpoints/checkpoint_01_x.py::test_capability",
        "tests/checkpoints/checkpoint_02_x.py::test_capability",
        "tests/sources/test_each.py::test_each[1]",
        "tests/sources/test_each.py::test_each[2]",
    ]


def test_only_n_runs_module_n_alone(pytester, checkout):
    result = run(pytester, "--only", "1")
    assert collected(result) == [
        "tests/01_tensor/test_suite.py::test_suite",
        "tests/checkpoints/checkpoint_01_x.py::test_capability",
        "tests/sources/test_each.py::test_each[1]",
    ]


def test_no_selection_collects_everything(pytester, checkout):
    result = run(pytester)
    assert result.ret == 2, "module 03's suite imports a package that does not exist"
    assert "not_built_yet" in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize("args, message", [
    (("--module", "9"), "no module 9 under modules/ (found: 01, 02, 03)"),
    (("--module", "2", "--only", "1"), "use either --module N or --only N, not both"),
])
def test_bad_selection_is_a_one_line_usage_error(pytester, checkout, args, message):
    result = run(pytester, *args)
    assert result.ret == 4
    assert result.stderr.str().strip() == f"ERROR: {message}"


def test_rng_is_seeded_from_the_test_id_not_the_order(pytester, checkout):
    def draw():
        result = pytester.runpytest("-q", "-s", "-p", "no:cacheprovider", "tests/seeds")
        return [line for line in result.outlines if line.startswith("DRAW")]

    first, second = draw(), draw()
    assert len(first) == 1 and first == second
    np.random.seed(zlib.crc32(b"tests/seeds/test_seed.py::test_seed"))
    assert first[0] == f"DRAW {np.random.rand()}"


def test_python_random_is_seeded_from_the_test_id_too(pytester, checkout):
    """The conftest seeds Python's `random` with the same crc32 of the test id as numpy."""
    result = pytester.runpytest("-q", "-s", "-p", "no:cacheprovider", "tests/seeds")
    drawn = [line for line in result.outlines if line.startswith("PYDRAW")]
    assert drawn == [f"PYDRAW {random.Random(zlib.crc32(b'tests/seeds/test_seed.py::test_seed')).random()}"]


def test_rng_seeding_holds_under_pytest_randomly(pytester, checkout):
    """pytest-randomly shuffles the order but leaves the seeding to the conftest (same draw for any --randomly-seed)."""
    def draw(seed):
        result = pytester.runpytest("-q", "-s", "-p", "no:cacheprovider", "-p", "randomly", f"--randomly-seed={seed}", "tests/seeds")
        assert result.ret == 0, result.stdout.str()
        return [line for line in result.outlines if line.startswith("DRAW")]

    np.random.seed(zlib.crc32(b"tests/seeds/test_seed.py::test_seed"))
    expected = [f"DRAW {np.random.rand()}"]  # drawn first: the inner sessions reseed this process's RNG
    assert draw(1) == draw(2) == expected


EXAMPLE_COUNTS = '''\
from hypothesis import given, settings, strategies as st

SEEN = {"small": [], "large": []}


@settings(max_examples=4)
@given(st.integers(0, 10 ** 9))
def test_small(n):
    SEEN["small"].append(n)


@settings(max_examples=150)
@given(st.integers(0, 10 ** 9))
def test_large(n):
    SEEN["large"].append(n)


def test_report():
    for name, test in (("small", test_small), ("large", test_large)):
        own = test._hypothesis_internal_use_settings
        print("COUNT", name, len(SEEN[name]), own.max_examples, own.derandomize)
'''


@pytest.fixture
def profile_restored():
    """The inner session's conftest loads its hypothesis profile for this whole process: ours is loaded
    again after it (in this process, not a child: a second interpreter with numpy, hypothesis and pytest
    cost a second per run)."""
    saved = settings.get_current_profile_name()
    yield
    settings.load_profile(saved)
    assert settings.default.max_examples == settings.get_profile(saved).max_examples


@pytest.mark.parametrize("profile, expected", [
    ("default", ["COUNT small 4 4 True", "COUNT large 150 150 True"]),  # each test's own bound, derandomized
    # thorough: 10x a test's own bound, capped by the profile's 1000, with new examples each run
    ("thorough", ["COUNT small 40 40 False", "COUNT large 1000 1000 False"]),
])
def test_hypothesis_profile_sets_each_tests_example_count(pytester, checkout, monkeypatch, profile, expected, profile_restored):
    """The conftest's profiles: `default` keeps a test's @settings; `thorough` scales it (THOROUGH_FACTOR)."""
    (checkout / "tests" / "examples").mkdir()
    (checkout / "tests" / "examples" / "test_counts.py").write_text(EXAMPLE_COUNTS, encoding="utf-8")
    monkeypatch.setenv("HYPOTHESIS_PROFILE", profile)
    result = pytester.runpytest("-q", "-s", "-p", "no:cacheprovider", "tests/examples")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    printed = [line[line.index("COUNT"):] for line in result.outlines if "COUNT" in line]  # after pytest's progress dots
    assert printed == expected
    assert not (checkout / ".hypothesis").exists(), "hypothesis wrote its database or caches into the checkout"


def test_blas_runs_one_thread_per_test_process():
    """The conftest limits BLAS to one thread (xdist workers already use every core)."""
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas), blas
