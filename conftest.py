"""The progressive test plugin.

Every test under ``tests/NN_name/`` and every ``tests/checkpoints/checkpoint_NN_*.py``
belongs to course module NN and is marked ``module(NN)``.

    pytest --module 16   runs the suites of modules 01..16 (the prior stack is the regression suite)
    pytest --only 16     runs module 16 alone

Module numbers come from the folder names under ``modules/``; nothing here hard-codes them.
Suites of later modules are not even imported, so a student who has built modules 01..05
can run ``pytest --module 5`` without the later package files existing.

Also set here for every run: one BLAS thread per process, numpy's and Python's RNG seeded
from each test's id, and the hypothesis profiles ("default", bounded and the same examples
every run; ``HYPOTHESIS_PROFILE=thorough`` for many more, new examples each run). And for
speed: compiled test modules cached in the temp folder, what collection leaves alive frozen out of
the garbage collector's reach, `pytest -n` distributed by xdist group, in batches
(tests/testkit/batched_groups.py).
"""

import os

# One BLAS thread per process: with pytest-xdist each worker is a process, and a BLAS
# thread per core in each worker oversubscribes the cores (OpenBLAS threads spin-wait).
# The variables reach subprocesses and workers started later; threadpoolctl limits a
# library already loaded (pytest-randomly imports numpy before this file runs).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import gc  # noqa: E402
import random  # noqa: E402  (after the thread settings, which must precede numpy)
import re  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent

# Compiled code is cached in the temp folder (`sys.pycache_prefix`, never the checkout) and written
# while the suite is collected: in each process (every xdist worker) collection compiles every test
# module, pytest rewriting its asserts first, and what they import, 5-10 s of CPU when nothing is
# cached (as under PYTHONDONTWRITEBYTECODE=1, which keeps Python from writing bytecode at all).
# Python and pytest check each cached file against its source's size and time, and write it
# atomically (two workers may write one file). Once collected, Python's own settings are back
# (pytest_collection): a test's own short-lived modules are never cached there, and a package a test
# imports later is read from its usual __pycache__ (pip compiled it), not compiled again. Not for a
# checkout in the temp folder itself (tests/plugin's throwaway ones): its files would pile up there.
PYCACHE = Path(tempfile.gettempdir()) / "tinytorch-qa-pycache"
BYTECODE = sys.dont_write_bytecode, sys.pycache_prefix  # Python's own settings, restored once collected
if not ROOT.is_relative_to(tempfile.gettempdir()):
    sys.pycache_prefix = sys.pycache_prefix or str(PYCACHE)
    sys.dont_write_bytecode = False

# jsonschema (imported by nbformat, jupytext and nbgrader) loads `rfc3987_syntax` when it is installed,
# only to check the "iri" format; the test extra has it (nbgrader -> jupyter-events ->
# jsonschema[format-nongpl]). Its import builds an Earley parser: 1.5-2 s of CPU in every process
# that imports nbformat, every xdist worker included. No test checks formats (nbformat, nbgrader and
# our schema checks pass no format checker), and the harness alone never has it installed. Hidden
# here (an ImportError for jsonschema, which then leaves "iri" unchecked), unless already imported,
# and in the processes tests start by HIDDEN first on their PYTHONPATH (a module raising ImportError).
HIDDEN = ROOT / "tests" / "testkit" / "hidden"
sys.modules.setdefault("rfc3987_syntax", None)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HIDDEN), os.environ.get("PYTHONPATH")]))

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(limits=1, user_api="blas")

NUMBERED = re.compile(r"^(?:checkpoint_)?(\d{2})_")
SELECTION = pytest.StashKey[set | None]()  # the modules to run, None for everything
TEST_ID = pytest.StashKey[str]()  # a test's id as collected, before a worker adds its xdist group (seeded_rng)
THOROUGH_FACTOR = 10  # under the thorough profile, a test's own example bound is multiplied by this

# pytester runs the plugin's own tests (tests/plugin) as inner pytest sessions.
pytest_plugins = ("pytester",)

# Default: bounded and deterministic (the same examples in every run and order, no
# deadline on a shared machine, no example database written into the checkout).
settings.register_profile("default", deadline=None, derandomize=True, database=None)
# Nightly / explicit: HYPOTHESIS_PROFILE=thorough pytest ... (new examples each run).
settings.register_profile("thorough", max_examples=1000, deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
# Hypothesis caches (constants, unicode tables) go to the temp folder, not .hypothesis/ in the checkout.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "tinytorch-qa-hypothesis"))
# The audits' result cache is off: no `.audits_cache/` in this checkout or a fixture one, no cache
# secret in the user's home (inherited by the commands tests start; tests/audits/test_cache.py
# turns it on inside tmp_path).
os.environ["AUDITS_NO_CACHE"] = "1"
# `python -m audits` forks one process per CPU; the xdist workers already use every core, so the
# commands tests run audit serially unless a test asks for processes (tests/audits/test_parallel.py).
os.environ.setdefault("AUDITS_JOBS", "1")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """With workers (-n) and no --dist, distribute by `loadgroup`: like `load`, but the tests of a file
    marked `xdist_group` (its module-scoped fixture is expensive) all run on one worker, so the fixture
    is built once instead of once per worker. Before xdist's own hook, which would pick `load`."""
    if getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", None) == "no":
        config.option.dist = "loadgroup"


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """(xdist, in the controller) `loadgroup` with its work sent in batches (tests/testkit/batched_groups.py)."""
    if config.getvalue("dist") == "loadgroup":
        from testkit.batched_groups import BatchedGroupScheduling

        return BatchedGroupScheduling(config, log)
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """(xdist, in the controller, for each worker) Tell the worker how tests are distributed.

    A worker re-reads the command line, not the controller's options: without this, it never learns
    of the `loadgroup` chosen above and never adds the group to its tests' ids, which is how the
    controller sees the groups (the tests of a group then went to both workers, each building the
    expensive fixture again)."""
    node.workerinput["tinytorch_dist"] = node.config.option.dist


@pytest.hookimpl(hookwrapper=True)
def pytest_collection(session):
    """Once collected, Python's own bytecode settings again (see PYCACHE), and what collection left
    alive frozen (see below)."""
    try:
        yield
    finally:
        sys.dont_write_bytecode, sys.pycache_prefix = BYTECODE
        freeze_what_collection_left()


def freeze_what_collection_left():
    """Move every object alive once the suite is collected (the test items, the imported modules and
    their functions: about 130,000 in an xdist worker) to the garbage collector's permanent
    generation. They live to the end of the run, and each full collection used to walk them all
    again: 16 to 19 of them in a worker during a run, 70 to 180 ms each, and two more at its end
    (pytest's search for unraisable exceptions), while the other worker had finished. Measured in
    two runs each, alternated: the workers' CPU time 35.7 and 33.7 s before, 32.4 and 31.8 s
    after. Garbage made by collection goes first; what the tests make is collected as before."""
    gc.collect()
    gc.freeze()


def course_modules():
    """Module numbers found under modules/, from their NN_name folder names."""
    found = {}
    for folder in sorted((ROOT / "modules").glob("[0-9][0-9]_*")):
        if folder.is_dir():
            found[int(folder.name[:2])] = folder.name
    return found


def module_of(path):
    """The module number a test file belongs to, or None for harness tests."""
    for part in Path(path).parts[::-1]:
        match = NUMBERED.match(part)
        if match:
            return int(match.group(1))
    return None


def pytest_addoption(parser):
    group = parser.getgroup("progressive", "progressive module suites")
    group.addoption("--module", type=int, metavar="N", help="run the suites of modules 01..N")
    group.addoption("--only", type=int, metavar="N", help="run the suite of module N alone")


def selected_modules(config):
    """The set of module numbers to run, or None when no selection was asked for."""
    upto, only = config.getoption("--module"), config.getoption("--only")
    if upto is None and only is None:
        return None
    if upto is not None and only is not None:
        raise pytest.UsageError("use either --module N or --only N, not both")
    wanted = upto if upto is not None else only
    known = course_modules()
    if wanted not in known:
        listing = ", ".join(f"{n:02d}" for n in known) or "none"
        raise pytest.UsageError(f"no module {wanted} under modules/ (found: {listing})")
    return set(range(1, wanted + 1)) & set(known) if upto is not None else {wanted}


def pytest_configure(config):
    config.stash[SELECTION] = selected_modules(config)
    if getattr(config, "workerinput", {}).get("tinytorch_dist") == "loadgroup":
        config.option.loadgroup = True  # read by xdist's worker when the suite is collected
    if config.pluginmanager.hasplugin("randomly"):
        # pytest-randomly shuffles the order; the seeding stays ours (`seeded_rng`:
        # from the test id alone), so a test draws the same numbers in every order.
        config.option.randomly_reset_seed = False


def pytest_ignore_collect(collection_path, config):
    """Do not even import the suites of modules outside the selection (they may not be built yet).

    Unnumbered harness tests are imported and then deselected unless a parameter
    carries a selected module marker (tests/sources, tests/audits/test_own_modules.py).
    """
    selection = config.stash[SELECTION]
    if selection is None or not collection_path.is_relative_to(ROOT):
        return None
    number = module_of(collection_path.relative_to(ROOT))
    return True if number is not None and number not in selection else None


def pytest_collection_modifyitems(config, items):
    if settings.get_current_profile_name() == "thorough":
        for item in items:
            _scale_examples(item)
    selection = config.stash[SELECTION]
    kept, dropped = [], []
    for item in items:
        number = module_of(Path(str(item.path)).relative_to(ROOT))
        if number is not None:
            item.add_marker(pytest.mark.module(number))
        marker = item.get_closest_marker("module")
        number = marker.args[0] if marker else None
        if selection is None or (number is not None and number in selection):
            kept.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    for item in items:
        item.stash[TEST_ID] = item.nodeid
    if getattr(config.option, "loadgroup", False):  # an xdist worker of a loadgroup run
        _add_groups_to_ids(items)


def _add_groups_to_ids(items):
    """Append each test's xdist_group to its id (`...::test_x[a]@group`): the controller finds the groups there.

    xdist 3.8 does this by setting `item._nodeid`, which pytest 9.2 no longer reads (a node's id is
    `str(item._id)`), so the groups were lost and their tests spread over both workers, each building
    the group's expensive fixture again. Nothing is done where the id already ends with the group."""
    for item in items:
        names = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")) for mark in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = type(item._id).parse(item.nodeid + suffix)


def _scale_examples(item):
    """Thorough profile: a test that sets its own (smaller) example count gets THOROUGH_FACTOR times
    as many, up to the profile's count, and new examples each run."""
    test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
    if not getattr(test, "is_hypothesis_test", False):
        return
    own = test._hypothesis_internal_use_settings  # where @given/@settings keep the test's settings
    ceiling = settings.default.max_examples
    wanted = max(own.max_examples, min(own.max_examples * THOROUGH_FACTOR, ceiling))
    test._hypothesis_internal_use_settings = settings(own, max_examples=wanted, derandomize=False)


@pytest.fixture(autouse=True)
def seeded_rng(request):
    """Seed numpy's and Python's global RNG from the test's id: same numbers in any order, on any worker."""
    seed = zlib.crc32(request.node.stash.get(TEST_ID, request.node.nodeid).encode("utf-8"))
    np.random.seed(seed)
    random.seed(seed)
    yield seed
