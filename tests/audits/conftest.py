"""The harness's tests audit afresh: the result cache is off, so no `.audits_cache` folder appears in a
fixture checkout or in this one and no cache secret in the user's home (tests/audits/test_cache.py
turns it on, inside tmp_path)."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _no_result_cache():
    previous = os.environ.get("AUDITS_NO_CACHE")
    os.environ["AUDITS_NO_CACHE"] = "1"  # inherited by the commands tests start in child processes
    yield
    if previous is None:
        os.environ.pop("AUDITS_NO_CACHE", None)
    else:
        os.environ["AUDITS_NO_CACHE"] = previous
