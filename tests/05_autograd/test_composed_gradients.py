"""Module 05: activations (02), layers (03) and losses (04) are compositions of Tensor
primitives (and three fused operations: GELU, softmax, log_softmax), so they get gradients
from autograd. Check them against finite
differences, against closed-form derivatives computed in numpy, and for stability on
extreme inputs (finite gradients where a naive formula overflows).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from testkit.gradcheck import assert_gradients_match
from testkit.references import composed_gelu, composed_log_softmax, composed_softmax, softmax

from tinytorch.core.autograd import BACKWARD_RULES  # importing it switches autograd on
from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.layers import Linear
from tinytorch.core.losses import BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss, log_softmax
from tinytorch.core.tensor import Tensor

FAST = settings(max_examples=20, deadline=None)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float32), requires_grad=True)


# ---- activations (module 02) ------------------------------------------------------------

@FAST
@given(shape=SHAPES, name=st.sampled_from(["Sigmoid", "Tanh", "GELU"]))
def test_smooth_activations_match_finite_differences(shape, name):
    activation = {"Sigmoid": Sigmoid, "Tanh": Tanh, "GELU": GELU}[name]()
    assert_gradients_match(activation, np.random.uniform(-3.0, 3.0, size=shape))


@FAST
@given(shape=SHAPES)
def test_relu_matches_finite_differences_away_from_zero(shape):
    values = np.random.uniform(0.1, 3.0, size=shape) * np.random.choice([-1.0, 1.0], size=shape)
    assert_gradients_match(ReLU(), values)
    x = leaf(values)
    ReLU()(x).sum().backward()
    assert np.array_equal(x.grad, (values > 0).astype(np.float32))


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4), data=st.data())
def test_softmax_along_any_dim(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_gradients_match(Softmax(dim=dim), np.random.randn(*shape))


def test_sigmoid_gradient_closed_form():
    x = np.random.randn(5)
    t = leaf(x)
    Sigmoid()(t).sum().backward()
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(t.grad, s * (1 - s), rtol=1e-4, atol=1e-6)


# ---- losses (module 04) -------------------------------------------------------------------

@FAST
@given(shape=SHAPES)
def test_mse_loss(shape):
    targets = np.random.randn(*shape).astype(np.float32)
    grads = assert_gradients_match(lambda p: MSELoss()(p, Tensor(targets)), np.random.randn(*shape))
    assert grads[0].shape == shape


@FAST
@given(n=st.integers(1, 4), classes=st.integers(2, 5))
def test_cross_entropy_loss(n, classes):
    labels = np.random.randint(0, classes, size=n)
    logits = np.random.randn(n, classes)
    grads = assert_gradients_match(lambda z: CrossEntropyLoss()(z, labels), logits)
    one_hot = np.eye(classes)[labels]
    np.testing.assert_allclose(grads[0], (softmax(logits) - one_hot) / n, rtol=1e-4, atol=1e-6)


@FAST
@given(shape=SHAPES)
def test_binary_cross_entropy_loss(shape):
    targets = np.random.randint(0, 2, size=shape).astype(np.float32)
    probabilities = np.random.uniform(0.1, 0.9, size=shape)
    assert_gradients_match(lambda p: BinaryCrossEntropyLoss()(p, Tensor(targets)), probabilities)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4), data=st.data())
def test_log_softmax(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_gradients_match(lambda x: log_softmax(x, dim=dim), np.random.randn(*shape))


def test_sigmoid_then_bce_matches_closed_form():
    """d/dz BCE(sigmoid(z), t) = (sigmoid(z) - t) / N."""
    z = np.random.randn(6)
    t = np.random.randint(0, 2, size=6).astype(np.float32)
    logits = leaf(z)
    BinaryCrossEntropyLoss()(Sigmoid()(logits), Tensor(t)).backward()
    np.testing.assert_allclose(logits.grad, (1 / (1 + np.exp(-z)) - t) / 6, rtol=1e-3, atol=1e-6)


# ---- layers (module 03) -----------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
def test_linear_layer_gradients_for_input_weight_and_bias(bias):
    layer = Linear(3, 2, bias=bias)

    def forward(x, w, *b):
        layer.weight = w
        if bias:
            layer.bias = b[0]
        return layer(x).tanh()

    inputs = [np.random.randn(4, 3), np.random.randn(3, 2)] + ([np.random.randn(2)] if bias else [])
    grads = assert_gradients_match(forward, *inputs)
    assert grads[1].shape == (3, 2)


def test_linear_gradients_reach_its_parameters():
    layer = Linear(3, 2)
    x = np.random.randn(5, 3).astype(np.float32)
    MSELoss()(layer(Tensor(x)), Tensor(np.zeros((5, 2), dtype=np.float32))).backward()
    out = x @ layer.weight.data + layer.bias.data
    dout = 2 * out / out.size
    np.testing.assert_allclose(layer.weight.grad, x.T @ dout, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(layer.bias.grad, dout.sum(axis=0), rtol=1e-4, atol=1e-6)


def test_two_layer_network_end_to_end():
    first, second = Linear(4, 6), Linear(6, 3)
    labels = np.array([0, 2, 1])

    def forward(x, w1, b1, w2, b2):
        first.weight, first.bias, second.weight, second.bias = w1, b1, w2, b2
        return CrossEntropyLoss()(second(ReLU()(first(x))), labels)

    while True:  # keep every ReLU input away from its kink, where finite differences straddle two slopes
        arrays = [np.random.randn(3, 4), np.random.randn(4, 6), np.random.randn(6) + 0.3,
                  np.random.randn(6, 3), np.random.randn(3)]
        if np.min(np.abs(arrays[0] @ arrays[1] + arrays[2])) > 0.05:
            break
    assert_gradients_match(forward, *arrays)


# ---- stability: extreme inputs give finite, correct gradients ------------------------------

def test_softmax_and_log_softmax_with_huge_logits():
    z = np.array([[1000.0, 999.0, -1000.0], [-500.0, 500.0, 0.0]])
    weights = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.0]])
    x = leaf(z)
    Softmax()(x).backward(weights)
    s = softmax(z)
    expected = s * (weights - (weights * s).sum(axis=-1, keepdims=True))
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, expected, atol=1e-5)

    y = leaf(z)
    log_softmax(y).backward(weights)
    expected = weights - s * weights.sum(axis=-1, keepdims=True)
    assert np.all(np.isfinite(y.grad))
    np.testing.assert_allclose(y.grad, expected, atol=1e-5)


def test_cross_entropy_with_huge_logits():
    z = np.array([[1000.0, 0.0, -1000.0], [0.0, 2000.0, 0.0]])
    labels = np.array([2, 0])
    x = leaf(z)
    loss = CrossEntropyLoss()(x, labels)
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx((2000.0 + 2000.0) / 2, rel=1e-5)
    expected = (softmax(z) - np.eye(3)[labels]) / 2
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, expected, atol=1e-6)


def test_sigmoid_and_tanh_saturate_without_nan():
    x = leaf([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    (Sigmoid()(x) + Tanh()(x)).sum().backward()
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, [0.0, 0.0, 0.25 + 1.0, 0.0, 0.0], atol=1e-6)


def test_gelu_on_large_inputs():
    x = leaf([-100.0, 100.0])
    GELU()(x).sum().backward()
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, [0.0, 1.0], atol=1e-5)


def test_binary_cross_entropy_at_certain_predictions():
    """p exactly 0 or 1 is clipped: finite loss, finite gradients (no log(0))."""
    p = leaf([0.0, 1.0, 1.0, 0.0])
    loss = BinaryCrossEntropyLoss()(p, Tensor([0.0, 1.0, 0.0, 1.0]))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() > 0
    assert np.all(np.isfinite(p.grad))


# ---- fused operations: one recorded node, same gradients as the composed formula -----------

FUSED = {
    "gelu": (lambda x: GELU()(x), composed_gelu),
    "softmax": (lambda x: Softmax(dim=1)(x), lambda x: composed_softmax(x, 1)),
    "log_softmax": (lambda x: log_softmax(x, dim=1), lambda x: composed_log_softmax(x, 1)),
}


@pytest.mark.parametrize("name", sorted(FUSED))
def test_fused_operation_is_one_node_with_the_composed_gradient(name):
    fused, composed = FUSED[name]
    z = np.random.randn(3, 4, 5) * 3
    weights = np.random.randn(3, 4, 5)
    x, y = leaf(z), leaf(z)
    out = fused(x)
    assert type(out._grad_fn) is BACKWARD_RULES[name] and out._grad_fn.inputs == (x,), "one node, input x"
    out.backward(weights)
    reference = composed(y)
    assert reference._grad_fn.inputs != (y,), "the composed formula is several nodes"
    reference.backward(weights)
    np.testing.assert_allclose(out.data, reference.data, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad, y.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("batch", [(), (6,), (3, 2)], ids=["1-d", "2-d", "3-d"])
def test_linear_is_one_node_with_the_composed_gradient(batch):
    """Linear records x @ W + b as one "linear" node; its gradients equal those of `@` then `+`.

    1-d: a single vector (matmul's 1-D case); 2-d: a batch (the plain matrix product);
    3-d: a batch of sequences (the flattened batch-times-one-matrix backward).
    """
    layer = Linear(5, 4)
    layer.bias.data[...] = np.random.randn(4)
    z, weights = np.random.randn(*batch, 5), np.random.randn(*batch, 4)
    x, y = leaf(z), leaf(z)
    out = layer(x)
    assert type(out._grad_fn) is BACKWARD_RULES["linear"]
    assert out._grad_fn.inputs == (x, layer.weight, layer.bias), "one node, inputs x, weight, bias"
    out.backward(weights)
    w, b = leaf(layer.weight.data), leaf(layer.bias.data)
    reference = y @ w + b
    reference.backward(weights)
    np.testing.assert_allclose(out.data, reference.data, rtol=1e-5, atol=1e-6)
    for ours, expected in ((x, y), (layer.weight, w), (layer.bias, b)):
        np.testing.assert_allclose(ours.grad, expected.grad, rtol=1e-4, atol=1e-5)


# ---- matmul of a batch with one matrix (the flattened backward) --------------------------

@pytest.mark.parametrize("a_shape", [(2, 3, 4), (2, 2, 3, 4)])
def test_batch_times_one_matrix_gradients(a_shape):
    a_data, b_data = np.random.randn(*a_shape), np.random.randn(4, 5)
    assert_gradients_match(lambda a, b: a @ b, a_data, b_data)
    a, b = leaf(a_data), leaf(b_data)
    g = np.random.randn(*a_shape[:-1], 5)
    (a @ b).backward(g)
    rows_a, rows_g = a_data.reshape(-1, 4), g.reshape(-1, 5)
    np.testing.assert_allclose(b.grad, rows_a.T @ rows_g, rtol=1e-4, atol=1e-4)  # summed over the batch
    np.testing.assert_allclose(a.grad, g @ b_data.T, rtol=1e-4, atol=1e-4)
    assert a.grad.shape == a_shape and b.grad.shape == (4, 5)
