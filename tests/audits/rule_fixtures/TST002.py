# %% nbgrader={"grade": false, "grade_id": "double", "locked": false, "schema_version": 3, "solution": true, "task": false}
import contextlib

import numpy as np


def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-double", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_swallows_everything():
    try:
        assert double(2) == 4
    except Exception:  # expect: TST002
        pass


def test_unit_bare_except():
    try:
        assert double(3) == 6
    except:  # expect: TST002
        print("double is not implemented yet")


def test_unit_catches_its_own_assertion():
    try:
        assert double(1) == 2
    except (ValueError, AssertionError):  # expect: TST002
        return


def test_unit_import_skip():
    try:
        from tinytorch.core.double import double as packaged
    except ImportError:  # expect: TST002
        return
    assert packaged(1) == 2


def test_unit_suppress():
    with contextlib.suppress(AssertionError):  # expect: TST002
        assert double(0) == 0


def test_unit_should_raise_is_fine():
    try:
        double(None)
        assert False, "double(None) must raise"
    except TypeError:
        pass


def test_unit_handler_that_checks_is_fine():
    try:
        double("x") * np.ones(2)
    except Exception as error:
        assert "multiply" in str(error) or "ufunc" in str(error)


def test_unit_catches_only_the_expected_error():
    try:
        double(np.ones(2)).reshape(3)
    except ValueError:
        return
    raise AssertionError("reshape(3) of 2 elements must raise")


try:
    assert double(5) == 10
except AssertionError:  # expect: TST002
    pass
