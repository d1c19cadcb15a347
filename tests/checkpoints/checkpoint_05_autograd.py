"""Checkpoint 05 (autograd): can my framework compute the gradients a network needs to learn?

Written against the public API of API.md: importing `tinytorch.core.autograd` turns
gradients on, `loss.backward()` fills `.grad` of every parameter, and plain gradient
descent on those gradients fits a regression and a classifier.
"""

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (importing it enables autograd)
from tinytorch.core.activations import ReLU
from tinytorch.core.autograd import enable_autograd, no_grad
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss, MSELoss
from tinytorch.core.tensor import Tensor


def test_linear_regression_gradient_matches_the_normal_equations_formula():
    x = np.random.randn(20, 3).astype(np.float32)
    y = np.random.randn(20, 1).astype(np.float32)
    w = Tensor(np.zeros((3, 1)), requires_grad=True)
    loss = ((Tensor(x) @ w - Tensor(y)) ** 2).mean()
    loss.backward()
    # d/dw mean((xw - y)^2) = 2/N x^T (xw - y), with w = 0
    np.testing.assert_allclose(w.grad, 2 / 20 * x.T @ (-y), rtol=1e-5, atol=1e-6)


def test_gradient_descent_fits_a_noisy_line():
    x = np.random.uniform(-1, 1, size=(64, 1)).astype(np.float32)
    y = 3.0 * x - 0.5 + 0.01 * np.random.randn(64, 1).astype(np.float32)
    layer = Linear(1, 1)
    loss_fn = MSELoss()
    for _ in range(300):
        loss = loss_fn(layer(Tensor(x)), Tensor(y))
        for p in layer.parameters():
            p.grad = None
        loss.backward()
        with no_grad():
            for p in layer.parameters():
                p.data -= 0.3 * p.grad
    assert abs(layer.weight.data.item() - 3.0) < 0.05 and abs(layer.bias.data.item() + 0.5) < 0.05


def test_two_layer_classifier_learns_xor():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    labels = np.array([0, 1, 1, 0])
    rng = np.random.default_rng(0)
    first, second, relu = Linear(2, 16), Linear(16, 2), ReLU()
    first.weight = Tensor(rng.normal(0, 1.0, (2, 16)), requires_grad=True)
    loss_fn = CrossEntropyLoss()
    params = first.parameters() + second.parameters()
    for _ in range(500):
        loss = loss_fn(second(relu(first(Tensor(x)))), labels)
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad
    with no_grad():
        predictions = second(relu(first(Tensor(x)))).data.argmax(axis=1)
    assert loss.item() < 0.1
    assert np.array_equal(predictions, labels)


def test_enable_autograd_is_idempotent_and_no_grad_stops_recording():
    enable_autograd()
    enable_autograd()
    w = Tensor([2.0], requires_grad=True)
    (w * w).sum().backward()
    assert np.array_equal(w.grad, [4.0])
    with no_grad():
        assert (w * w).requires_grad is False
