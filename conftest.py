"""The progressive test plugin.

Every test under ``tests/NN_name/`` and every ``tests/checkpoints/checkpoint_NN_*.py``
belongs to course module NN and is marked ``module(NN)``.

    pytest --module 16   runs the suites of modules 01..16 (the prior stack is the regression suite)
    pytest --only 16     runs module 16 alone

Module numbers come from the folder names under ``modules/``; nothing here hard-codes them.
Suites of later modules are not even imported, so a student who has built modules 01..05
can run ``pytest --module 5`` without the later package files existing.
"""

import random
import re
import zlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent
NUMBERED = re.compile(r"^(?:checkpoint_)?(\d{2})_")


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
    config._progressive_selection = selected_modules(config)


def pytest_ignore_collect(collection_path, config):
    """Do not even import the suites of modules outside the selection (they may not be built yet).

    Unnumbered harness tests are imported and then deselected unless a parameter
    carries a selected module marker (tests/sources, tests/audits/test_own_modules.py).
    """
    selection = config._progressive_selection
    if selection is None or not collection_path.is_relative_to(ROOT):
        return None
    number = module_of(collection_path.relative_to(ROOT))
    return True if number is not None and number not in selection else None


def pytest_collection_modifyitems(config, items):
    selection = config._progressive_selection
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


@pytest.fixture(autouse=True)
def seeded_rng(request):
    """Seed numpy's and Python's global RNG from the test's id: same numbers in any order, on any worker."""
    seed = zlib.crc32(request.node.nodeid.encode("utf-8"))
    np.random.seed(seed)
    random.seed(seed)
    yield seed
