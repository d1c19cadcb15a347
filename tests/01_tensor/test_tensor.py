"""Module 01: Tensor creation, dtype rules, operators, shapes, reductions, indexing, errors.

Expected values come from numpy applied to the same arrays, or from hand-worked examples.
"""

import operator
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch.core.tensor import AutogradSeam, Tensor, record

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv]


def floats_like(shape, low=0.5, high=2.0):
    """Positive values (safe denominators) with random signs."""
    magnitude = np.random.uniform(low, high, size=shape)
    return (magnitude * np.random.choice([-1.0, 1.0], size=shape)).astype(np.float32)


# ---- creation and dtype rules -------------------------------------------------------------

def test_float_input_becomes_float32():
    assert Tensor([1.5, 2.0]).data.dtype == np.float32
    assert Tensor(np.arange(4, dtype=np.float64)).data.dtype == np.float32
    assert Tensor(2.5).data.dtype == np.float32 and Tensor(2.5).shape == ()


def test_integer_and_bool_input_keep_their_dtype():
    assert Tensor([3, 1, 2]).dtype.kind == "i"
    assert Tensor(np.array([1, 2], dtype=np.uint8)).dtype == np.uint8
    assert Tensor(np.array([True, False])).dtype == np.bool_


def test_requires_grad_makes_integers_float():
    x = Tensor([1, 2, 3], requires_grad=True)
    assert x.dtype == np.float32 and x.requires_grad is True
    assert np.array_equal(x.data, [1.0, 2.0, 3.0])


def test_fresh_tensor_attributes():
    x = Tensor(np.zeros((2, 3, 4)))
    assert x.shape == (2, 3, 4) and x.size == 24 and x.ndim == 3
    assert x.grad is None and x.requires_grad is False
    assert isinstance(x.data, np.ndarray)


def test_tensor_from_tensor_shares_values():
    x = Tensor([1.0, 2.0])
    assert np.array_equal(Tensor(x).data, [1.0, 2.0])


@pytest.mark.parametrize("bad", [["a", "b"], {"x": 1}, None, [1 + 2j]])
def test_non_numeric_input_is_rejected(bad):
    with pytest.raises(TypeError, match="numeric"):
        Tensor(bad)


def test_item_len_numpy_repr():
    assert Tensor([[7.0]]).item() == 7.0
    with pytest.raises(ValueError, match="exactly one element"):
        Tensor([1.0, 2.0]).item()
    assert len(Tensor(np.zeros((5, 2)))) == 5
    with pytest.raises(TypeError):
        len(Tensor(1.0))
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert x.numpy() is x.data
    assert "shape=(2,)" in repr(x) and "requires_grad=True" in repr(x)
    copied = np.array(x, copy=True)
    copied[0] = 99.0
    assert np.asarray(x) is x.data and x.data[0] == 1.0


# ---- element-wise arithmetic and broadcasting ---------------------------------------------

@settings(max_examples=30, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
       op=st.sampled_from(BINARY))
def test_binary_ops_broadcast_like_numpy(shapes, op):
    a = floats_like(shapes.input_shapes[0])
    b = floats_like(shapes.input_shapes[1])
    result = op(Tensor(a), Tensor(b))
    assert result.shape == shapes.result_shape
    np.testing.assert_allclose(result.data, op(a, b), rtol=1e-6)


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("other", [3.0, 2, np.float32(1.5), np.array([1.0, 2.0, 4.0])])
def test_scalars_and_arrays_on_both_sides(op, other):
    a = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=np.float32)
    x = Tensor(a)
    right, left = op(x, other), op(other, x)
    assert isinstance(right, Tensor) and isinstance(left, Tensor)
    np.testing.assert_allclose(right.data, op(a, np.asarray(other, dtype=np.float32)), rtol=1e-6)
    np.testing.assert_allclose(left.data, op(np.asarray(other, dtype=np.float32), a), rtol=1e-6)
    assert right.dtype == np.float32 and left.dtype == np.float32


def test_unary_minus_and_power():
    a = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    assert np.array_equal((-Tensor(a)).data, -a)
    np.testing.assert_allclose((Tensor(np.abs(a)) ** 0.5).data, np.sqrt(np.abs(a)), rtol=1e-6)
    assert np.array_equal((Tensor(a) ** 2).data, [1.0, 4.0, 9.0])
    with pytest.raises(TypeError, match="number"):
        Tensor(a) ** Tensor(a)


def test_result_dtypes():
    ints = Tensor([1, 2, 3])
    assert (ints + 1).dtype.kind == "i" and (ints * ints).dtype.kind == "i"
    assert (ints / 2).dtype == np.float32  # true division of integers gives floats
    assert (Tensor([1.0]) + np.array([1.0], dtype=np.float64)).dtype == np.float32
    assert (ints + 0.5).dtype == np.float32


@pytest.mark.parametrize("op", BINARY)
def test_shapes_that_do_not_broadcast_raise_value_error_naming_both(op):
    with pytest.raises(ValueError) as error:
        op(Tensor(np.ones((2, 3))), Tensor(np.ones((4,))))
    assert "(2, 3)" in str(error.value) and "(4,)" in str(error.value)


# ---- matrix multiplication ----------------------------------------------------------------

def test_matmul_hand_worked():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    w = Tensor([[5.0, 6.0], [7.0, 8.0]])
    assert np.array_equal((x @ w).data, [[19.0, 22.0], [43.0, 50.0]])
    assert np.array_equal(x.matmul(w).data, (x @ w).data)


@settings(max_examples=30, deadline=None)
@given(batch=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4),
       a_vector=st.booleans(), b_vector=st.booleans())
def test_matmul_matches_numpy_for_batched_and_vector_operands(batch, n, k, m, a_vector, b_vector):
    a_shape = (k,) if a_vector else batch.input_shapes[0] + (n, k)
    b_shape = (k,) if b_vector else batch.input_shapes[1] + (k, m)
    a, b = np.random.randn(*a_shape).astype(np.float32), np.random.randn(*b_shape).astype(np.float32)
    result = Tensor(a) @ Tensor(b)
    expected = np.matmul(a, b)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result.data, expected, rtol=1e-5, atol=1e-6)


def test_matmul_with_arrays_on_either_side():
    a = np.random.randn(2, 3).astype(np.float32)
    b = np.random.randn(3, 4).astype(np.float32)
    np.testing.assert_allclose((a @ Tensor(b)).data, a @ b, rtol=1e-5)
    np.testing.assert_allclose((Tensor(a) @ b).data, a @ b, rtol=1e-5)


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (4, 5)), ((3,), (2, 2)), ((2, 2, 3), (2,))])
def test_matmul_inner_mismatch_names_both_shapes(a_shape, b_shape):
    with pytest.raises(ValueError) as error:
        Tensor(np.ones(a_shape)) @ Tensor(np.ones(b_shape))
    assert str(a_shape) in str(error.value) and str(b_shape) in str(error.value)


def test_matmul_batch_mismatch_and_scalars_are_value_errors():
    with pytest.raises(ValueError, match=r"\(2, 3, 4\).*\(5, 4, 2\)"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((5, 4, 2)))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        Tensor(2.0) @ Tensor(np.ones(3))



def test_matmul_converts_a_list_operand_on_either_side():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert np.array_equal((x @ [[5.0, 6.0], [7.0, 8.0]]).data, [[19.0, 22.0], [43.0, 50.0]])
    assert np.array_equal(x.matmul([1.0, 1.0]).data, [3.0, 7.0])
    assert np.array_equal(([[5.0, 6.0], [7.0, 8.0]] @ x).data, [[23.0, 34.0], [31.0, 46.0]])


@pytest.mark.parametrize("scalar", [2.0, 3])
def test_matmul_with_a_python_number_is_the_documented_value_error(scalar):
    with pytest.raises(ValueError, match=r"at least 1 dimension.*\(2,\) and \(\)"):
        Tensor([1.0, 2.0]) @ scalar
    with pytest.raises(ValueError, match="at least 1 dimension"):
        scalar @ Tensor([1.0, 2.0])

# ---- shapes, reductions, indexing ---------------------------------------------------------

def test_reshape_forms_and_errors():
    a = np.arange(12.0, dtype=np.float32)
    x = Tensor(a)
    assert np.array_equal(x.reshape(3, 4).data, a.reshape(3, 4))
    assert x.reshape((2, 6)).shape == (2, 6) and x.reshape([4, 3]).shape == (4, 3)
    assert x.reshape(2, -1, 3).shape == (2, 2, 3)
    with pytest.raises(ValueError, match=r"\(12,\).*\(5, 2\)"):
        x.reshape(5, 2)


def test_transpose_default_and_explicit_axes():
    a = np.random.randn(2, 3, 4).astype(np.float32)
    assert np.array_equal(Tensor(a).transpose().data, np.swapaxes(a, -2, -1))
    assert np.array_equal(Tensor(a).transpose(0, 2).data, np.swapaxes(a, 0, 2))
    assert Tensor(a[0]).T.shape == (4, 3)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        Tensor([1.0, 2.0]).transpose()
    with pytest.raises(ValueError, match="out of range"):
        Tensor(a).transpose(0, 5)


@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data(),
       name=st.sampled_from(["sum", "mean", "max"]), keepdims=st.booleans())
def test_reductions_match_numpy(shape, data, name, keepdims):
    a = np.random.randn(*shape).astype(np.float32)
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1)
                     | st.just(tuple(range(len(shape)))[:2]))
    result = getattr(Tensor(a), name)(axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(a, axis=axis, keepdims=keepdims)
    assert result.shape == np.shape(expected)
    np.testing.assert_allclose(result.data, expected, rtol=1e-5, atol=1e-6)


def test_reductions_hand_worked():
    x = Tensor([[1.0, 5.0], [3.0, 2.0]])
    assert x.sum().item() == 11.0 and x.mean().item() == 2.75 and x.max().item() == 5.0
    assert np.array_equal(x.max(axis=0).data, [3.0, 5.0])
    assert x.sum(axis=1, keepdims=True).shape == (2, 1)


def test_indexing_forms():
    a = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    x = Tensor(a)
    assert x[1].shape == (4,) and np.array_equal(x[1].data, a[1])
    assert x[2, 3].item() == 11.0
    assert np.array_equal(x[:, 1:3].data, a[:, 1:3])
    assert np.array_equal(x[np.array([2, 0, 2])].data, a[[2, 0, 2]])
    assert np.array_equal(x[Tensor([1, 1])].data, a[[1, 1]])
    assert np.array_equal(x[Tensor([0, 2]), Tensor([3, 0])].data, a[[0, 2], [3, 0]])
    assert np.array_equal(x[a > 5].data, a[a > 5])
    with pytest.raises(IndexError):
        x[5]


# ---- element-wise math --------------------------------------------------------------------

@pytest.mark.parametrize("name, reference", [("exp", np.exp), ("log", np.log), ("sqrt", np.sqrt), ("tanh", np.tanh)])
def test_elementwise_functions_match_numpy(name, reference):
    a = np.random.uniform(0.1, 3.0, size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(getattr(Tensor(a), name)().data, reference(a), rtol=1e-6)


def test_clip_and_maximum():
    a = np.array([-2.0, -0.5, 0.0, 0.5, 2.0], dtype=np.float32)
    assert np.array_equal(Tensor(a).clip(-1.0, 1.0).data, [-1.0, -0.5, 0.0, 0.5, 1.0])
    assert np.array_equal(Tensor(a).maximum(0.0).data, [0.0, 0.0, 0.0, 0.5, 2.0])
    assert np.array_equal(Tensor(a).maximum(1).data, [1.0, 1.0, 1.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="low <= high"):
        Tensor(a).clip(1.0, -1.0)
    with pytest.raises(TypeError, match="number"):
        Tensor(a).maximum(Tensor(a))


def test_detach_gives_a_constant_with_the_same_values():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert d.requires_grad is False and np.array_equal(d.data, x.data)


# ---- operations never modify their inputs -------------------------------------------------

OPERATIONS = {
    "add": lambda x, y: x + y, "radd": lambda x, y: 2.0 + x, "sub": lambda x, y: x - y,
    "rsub": lambda x, y: 1.0 - x, "mul": lambda x, y: x * y, "div": lambda x, y: x / y,
    "rdiv": lambda x, y: 1.0 / x, "neg": lambda x, y: -x, "pow": lambda x, y: x ** 2,
    "matmul": lambda x, y: x @ y.transpose(), "reshape": lambda x, y: x.reshape(-1),
    "transpose": lambda x, y: x.transpose(), "sum": lambda x, y: x.sum(axis=0),
    "mean": lambda x, y: x.mean(), "max": lambda x, y: x.max(axis=1, keepdims=True),
    "index": lambda x, y: x[np.array([0, 0])], "exp": lambda x, y: x.exp(),
    "log": lambda x, y: y.log(), "sqrt": lambda x, y: y.sqrt(), "tanh": lambda x, y: x.tanh(),
    "clip": lambda x, y: x.clip(-0.5, 0.5), "maximum": lambda x, y: x.maximum(0.0),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operations_do_not_modify_inputs(name):
    a = np.random.randn(2, 3).astype(np.float32)
    b = np.random.uniform(0.5, 2.0, size=(2, 3)).astype(np.float32)
    x, y = Tensor(a.copy()), Tensor(b.copy())
    result = OPERATIONS[name](x, y)
    assert isinstance(result, Tensor) and result is not x and result is not y
    assert np.array_equal(x.data, a) and np.array_equal(y.data, b)
    assert x.grad is None and y.grad is None



# ---- the recording seam (module 05 plugs in here) -----------------------------------------

class FakeRule:
    """Stands in for a module 05 Function: remembers how record() built and called it."""

    built = []

    def __init__(self, *inputs_and_params):
        FakeRule.built.append(inputs_and_params)

    def output(self, data):
        return ("recorded", data)


def test_record_without_a_backward_rule_returns_a_plain_tensor(monkeypatch):
    monkeypatch.setattr(AutogradSeam, "backward_rules", {})
    x = Tensor([1.0, 2.0], requires_grad=True)
    result = record("mul", np.array([3.0, 4.0]), (x, x))
    assert isinstance(result, Tensor) and np.array_equal(result.data, [3.0, 4.0]) and result._grad_fn is None
    assert (x * x)._grad_fn is None and (x * x).requires_grad is False


def test_record_builds_the_rule_from_inputs_and_params_only_when_an_input_requires_grad(monkeypatch):
    monkeypatch.setattr(AutogradSeam, "backward_rules", {"sum": FakeRule})
    monkeypatch.setattr(FakeRule, "built", [])
    x, constant = Tensor([[1.0, 2.0]], requires_grad=True), Tensor([[1.0, 2.0]])
    assert x.sum(axis=1, keepdims=True)[0] == "recorded"
    assert FakeRule.built == [(x, 1, True)]
    assert isinstance(constant.sum(axis=1), Tensor) and len(FakeRule.built) == 1  # nothing to record
    assert isinstance(x.mean(), Tensor)  # no rule for "mean" in this table: plain result


def test_record_builds_no_rule_while_recording_is_off(monkeypatch):
    monkeypatch.setattr(AutogradSeam, "backward_rules", {"sum": FakeRule})
    monkeypatch.setattr(FakeRule, "built", [])
    monkeypatch.setattr(AutogradSeam, "recording", False)  # what module 05's no_grad() does
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    result = x.sum(axis=1)
    assert isinstance(result, Tensor) and result.requires_grad is False and FakeRule.built == []


def test_backward_calls_the_installed_backward_pass(monkeypatch):
    calls = []
    monkeypatch.setattr(AutogradSeam, "backward_pass", lambda tensor, gradient: calls.append((tensor, gradient)))
    x = Tensor([1.0])
    x.backward(gradient=[2.0])
    assert calls == [(x, [2.0])]

def test_backward_before_module_05_points_to_autograd():
    """In a fresh interpreter (autograd not imported), backward explains what to import."""
    code = "from tinytorch.core.tensor import Tensor\nTensor([1.0], requires_grad=True).backward()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "RuntimeError" in result.stderr and "tinytorch.core.autograd" in result.stderr
