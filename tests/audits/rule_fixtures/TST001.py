# %% nbgrader={"grade": true, "grade_id": "tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import numpy as np


def test_unit_pass():  # expect: TST001
    pass


def test_unit_assert_true():  # expect: TST001
    assert True


def test_unit_assert_one():  # expect: TST001
    value = np.ones(2)
    assert 1


def test_unit_placeholder():  # expect: TST001
    raise NotImplementedError


def test_unit_real():
    assert np.ones(2).sum() == 2


def check_close(a, b):
    assert abs(a - b) < 1e-9


def test_unit_through_a_helper():
    check_close(0.1 + 0.2, 0.3)


def test_unit_raises_on_failure():
    if np.ones(1)[0] != 1:
        raise ValueError("ones are not one")


def test_module():
    test_unit_real()


def test_unit_should_raise():
    try:
        np.ones(2).reshape(3)
        assert False, "reshape(3) of 2 elements must raise"
    except ValueError:
        pass


def test_unit_should_raise_but_catches_everything():  # expect: TST001
    try:
        np.ones(2).reshape(3)
        assert False
    except Exception:
        return


# A predicate whose verdict is asserted where it is called (nbgrader's --autotest example):
def test_func_throws(func, ErrorType):
    try:
        func()
    except ErrorType:
        return True
    else:
        return False


def test_unit_uses_the_predicate():
    assert test_func_throws(lambda: np.ones(2).reshape(3), ValueError)


# The same shape, but nothing asserts its value: it checks nothing.
def test_unregarded_predicate(func):  # expect: TST001
    try:
        func()
    except ValueError:
        return True
    return False


def test_unit_calls_it_only():
    test_unregarded_predicate(lambda: None)


def test_asserted_but_returns_nothing():  # expect: TST001
    print("checked")


def test_unit_asserting_a_none():
    assert test_asserted_but_returns_nothing() is None
