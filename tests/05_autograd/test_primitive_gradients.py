"""Module 05: the gradient of every differentiable Tensor primitive, against finite differences.

Shapes come from hypothesis (broadcasting pairs included); values are kept away from
kinks (ReLU/clip thresholds, max ties) and from the poles of 1/x, log and sqrt, where
a central difference is not a derivative.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from testkit.gradcheck import assert_gradients_match

import tinytorch.core.autograd  # noqa: F401  (switches autograd on)
from tinytorch.core.tensor import Tensor

FAST = settings(max_examples=25, deadline=None)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def signed(shape, low=0.5, high=2.0):
    """Values with |v| in [low, high] and random signs: safe denominators."""
    return np.random.uniform(low, high, size=shape) * np.random.choice([-1.0, 1.0], size=shape)


def positive(shape, low=0.5, high=2.0):
    return np.random.uniform(low, high, size=shape)


def away_from(values, threshold, gap=0.05):
    """Push values within `gap` of a kink at `threshold` to threshold +- 2 * gap."""
    near = np.abs(values - threshold) < gap
    return np.where(near, threshold + np.where(values >= threshold, 2 * gap, -2 * gap), values)


def distinct(shape):
    """Values whose pairwise gaps (0.05) exceed the finite-difference step: no max ties."""
    n = int(np.prod(shape))
    return (np.random.permutation(n).reshape(shape) * 0.05 - 0.5 * n * 0.05)


# ---- binary arithmetic with broadcasting --------------------------------------------------

@FAST
@given(shapes=PAIRS, op=st.sampled_from(["add", "sub", "mul", "div"]))
def test_binary_operator_gradients_with_broadcasting(shapes, op):
    functions = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
                 "mul": lambda a, b: a * b, "div": lambda a, b: a / b}
    a, b = signed(shapes.input_shapes[0]), signed(shapes.input_shapes[1])
    grads = assert_gradients_match(functions[op], a, b)
    assert grads[0].shape == a.shape and grads[1].shape == b.shape


@FAST
@given(shape=SHAPES, op=st.sampled_from(["radd", "rsub", "rmul", "rdiv"]), scalar=st.floats(0.5, 3.0))
def test_reflected_operators_with_numbers(shape, op, scalar):
    functions = {"radd": lambda x: scalar + x, "rsub": lambda x: scalar - x,
                 "rmul": lambda x: scalar * x, "rdiv": lambda x: scalar / x}
    assert_gradients_match(functions[op], signed(shape))


@FAST
@given(shapes=PAIRS, op=st.sampled_from(["radd", "rsub", "rmul", "rdiv"]))
def test_reflected_operators_with_ndarrays_broadcast(shapes, op):
    constant = signed(shapes.input_shapes[0]).astype(np.float32)
    functions = {"radd": lambda x: constant + x, "rsub": lambda x: constant - x,
                 "rmul": lambda x: constant * x, "rdiv": lambda x: constant / x}
    grads = assert_gradients_match(functions[op], signed(shapes.input_shapes[1]))
    assert grads[0].shape == shapes.input_shapes[1]


def test_constant_operand_gets_no_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert np.array_equal(x.grad, [3.0, 4.0]) and c.grad is None


@FAST
@given(shape=SHAPES, exponent=st.sampled_from([2, 3, -1, 0.5, 1.5, -2.5, 0]))
def test_negation_and_power(shape, exponent):
    base = positive(shape) if exponent != int(exponent) else signed(shape)
    assert_gradients_match(lambda x: -(x ** exponent), base)


def test_power_zero_has_zero_gradient_even_at_zero():
    """d/dx x**0 = 0 everywhere; the general rule p * x**(p-1) would give 0 * inf = nan at x = 0."""
    x = Tensor([0.0, 2.0, -3.0], requires_grad=True)
    (x ** 0).sum().backward()
    assert np.array_equal(x.grad, [0.0, 0.0, 0.0])


# ---- matmul ---------------------------------------------------------------------------

@FAST
@given(batch=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3),
       a_vector=st.booleans(), b_vector=st.booleans())
def test_matmul_gradients_batched_broadcast_and_vectors(batch, n, k, m, a_vector, b_vector):
    a_shape = (k,) if a_vector else batch.input_shapes[0] + (n, k)
    b_shape = (k,) if b_vector else batch.input_shapes[1] + (k, m)
    grads = assert_gradients_match(lambda a, b: a @ b, np.random.randn(*a_shape), np.random.randn(*b_shape))
    assert grads[0].shape == a_shape and grads[1].shape == b_shape


def test_matmul_method_and_reflected_array():
    w = np.random.randn(3, 2)
    x = np.random.randn(4, 3).astype(np.float32)
    assert_gradients_match(lambda a, b: a.matmul(b), np.random.randn(4, 3), w)
    assert_gradients_match(lambda b: x @ b, w)


# ---- shapes, reductions, indexing ----------------------------------------------------------

@FAST
@given(shape=SHAPES)
def test_reshape_and_transpose(shape):
    a = np.random.randn(*shape)
    assert_gradients_match(lambda x: x.reshape(-1) * Tensor(np.arange(a.size, dtype=np.float32)), a)
    if len(shape) >= 2:
        assert_gradients_match(lambda x: x.transpose() * 2.0, a)
        assert_gradients_match(lambda x: x.transpose(0, -1).reshape(a.size), a)


@FAST
@given(shape=SHAPES, data=st.data(), name=st.sampled_from(["sum", "mean", "max"]), keepdims=st.booleans())
def test_reductions_with_axis_and_keepdims(shape, data, name, keepdims):
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1)
                     | st.just(tuple(range(len(shape)))[-2:]))
    a = distinct(shape) if name == "max" else np.random.randn(*shape)
    grads = assert_gradients_match(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), a)
    if name == "max":  # the gradient of each reduced slice sits on its single maximum
        expected = (a == np.max(a, axis=axis, keepdims=True)).astype(np.float64)
        assert np.array_equal(grads[0] != 0, expected != 0)


def test_max_ties_share_the_gradient_equally():
    x = Tensor([[2.0, 7.0, 7.0], [1.0, 1.0, 1.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


INDEXES = {
    "int": 1, "negative": -1, "slice": slice(0, 2), "repeated ints": np.array([0, 0, 1, 0]),
    "tensor of ints": Tensor([1, 1, 0]), "tuple of arrays": (np.array([0, 1, 1]), np.array([2, 0, 2])),
    "slice and array": (slice(None), np.array([2, 2])), "bool mask": np.array([True, False, True]),
    "ellipsis": (Ellipsis, 1), "2-d ids": np.array([[0, 1], [1, 1]]),
    "negative ids": np.array([-1, 0, -1, 2]),  # rows from the end, -1 twice
    "uint8 ids": np.array([2, 0, 2], dtype=np.uint8), "uint64 ids": np.array([1, 1, 0], dtype=np.uint64),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_indexing_scatters_and_accumulates(name):
    index = INDEXES[name]
    grads = assert_gradients_match(lambda x: x[index], np.random.randn(3, 3))
    if name == "repeated ints":  # row 0 is read three times, so it collects three upstream gradients
        assert np.all(grads[0][2] == 0)


def test_repeated_index_accumulates_exactly():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[np.array([0, 2, 0, 0])].sum().backward()
    assert np.array_equal(x.grad, [3.0, 0.0, 1.0])


# ---- element-wise math ------------------------------------------------------------------

@FAST
@given(shape=SHAPES, name=st.sampled_from(["exp", "log", "sqrt", "tanh"]))
def test_elementwise_math(shape, name):
    a = positive(shape) if name in ("log", "sqrt") else np.random.uniform(-2.0, 2.0, size=shape)
    assert_gradients_match(lambda x: getattr(x, name)(), a)


@FAST
@given(shape=SHAPES, low=st.floats(-1.0, 0.0), width=st.floats(0.3, 1.5))
def test_clip_passes_gradient_inside_only(shape, low, width):
    high = low + width
    a = away_from(away_from(np.random.uniform(-2.5, 2.5, size=shape), low), high)
    grads = assert_gradients_match(lambda x: x.clip(low, high), a)
    assert np.array_equal(grads[0] != 0, (a > low) & (a < high))


@FAST
@given(shape=SHAPES, value=st.sampled_from([0.0, 0.5, -1.0, 2]))
def test_maximum_with_a_number(shape, value):
    a = away_from(np.random.uniform(-3.0, 3.0, size=shape), value)
    grads = assert_gradients_match(lambda x: x.maximum(value), a)
    assert np.array_equal(grads[0] != 0, a > value)


def test_tie_conventions_of_clip_and_maximum():
    x = Tensor([0.0, 1.0, -1.0], requires_grad=True)
    (x.maximum(0.0) + x.clip(-1.0, 1.0)).sum().backward()
    # maximum: a value equal to the bound gets no gradient; clip: a value on a bound passes it.
    assert np.array_equal(x.grad, [0.0 + 1.0, 1.0 + 1.0, 0.0 + 1.0])


# ---- compositions -----------------------------------------------------------------------

@FAST
@given(shapes=PAIRS)
def test_composed_expression_over_broadcast_shapes(shapes):
    def f(a, b):
        mixed = (a * b + a / (b * b + 1.0)).tanh()
        return (mixed.exp() - a ** 2).sum(axis=-1) if mixed.ndim else mixed.exp() - a ** 2

    assert_gradients_match(f, np.random.randn(*shapes.input_shapes[0]), np.random.randn(*shapes.input_shapes[1]))
