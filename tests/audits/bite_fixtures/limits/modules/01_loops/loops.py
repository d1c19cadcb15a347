# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
# ---

# %% [markdown]
"""
# Loops: a fixture whose cells break the limits (run with a short --timeout)

`forever` loops when unsolved and swallows the timeout; `hoard` allocates without
bound when unsolved. bite must report each as a finding and finish.
"""

# %% nbgrader={"grade": false, "grade_id": "loops-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.loops
#| export
import signal
import time

import numpy as np

# %% nbgrader={"grade": false, "grade_id": "forever", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def ready():
    """TODO: return True."""
    ### BEGIN SOLUTION
    return True
    ### END SOLUTION


def wait_until_ready():
    """Provided: poll ready() every few milliseconds until it says yes (forever, if it never does),
    deaf to timeouts. (It sleeps between polls: waiting for the kill costs the suite no CPU.)"""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)  # only the kill can stop this cell
    signal.signal(signal.SIGXCPU, signal.SIG_IGN)
    while True:
        try:
            if ready():
                return "ready"
        except NotImplementedError:
            pass
        time.sleep(0.005)

# %% nbgrader={"grade": true, "grade_id": "test-forever", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_forever():
    """wait_until_ready() returns once ready() is True."""
    assert wait_until_ready() == "ready"

if __name__ == "__main__":
    test_unit_forever()

# %% nbgrader={"grade": false, "grade_id": "hoard", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def chunk_count():
    """TODO: return 4."""
    ### BEGIN SOLUTION
    return 4
    ### END SOLUTION


def hoard():
    """Provided: keep chunk_count() chunks of 64 MiB (without bound if it fails)."""
    chunks = []
    while True:
        try:
            if len(chunks) == chunk_count():
                return len(chunks)
        except NotImplementedError:
            pass
        chunks.append(np.empty(1 << 23))

# %% nbgrader={"grade": true, "grade_id": "test-hoard", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_hoard():
    """hoard() keeps exactly four chunks."""
    assert hoard() == 4

if __name__ == "__main__":
    test_unit_hoard()
