"""Module 18 with the earlier stack: the fast kernels drop into Linear layers (03), losses (04),
autograd (05) and optimizers (06) and change nothing but the speed.

The reference is the same network written with Module 02's GELU and Module 01's `@`.
"""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (turns autograd on)
from tinytorch.core.activations import GELU
from tinytorch.core.layers import Linear
from tinytorch.core.losses import MSELoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import Tensor
from tinytorch.perf.acceleration import fused_gelu, tiled_matmul, vectorized_matmul


class TwoLayerNet:
    """Linear -> GELU -> Linear, chained by hand; `kernels` chooses how each step is computed."""

    def __init__(self, kernels, seed):
        np.random.seed(seed)  # same initial weights for every kernel choice
        self.layer1, self.layer2 = Linear(6, 16), Linear(16, 2)
        self.kernels = kernels

    def forward(self, x):
        if self.kernels == "reference":
            return self.layer2(GELU()(self.layer1(x)))
        if self.kernels == "vectorized":
            hidden = fused_gelu(vectorized_matmul(x, self.layer1.weight) + self.layer1.bias)
            return vectorized_matmul(hidden, self.layer2.weight) + self.layer2.bias
        hidden = fused_gelu(tiled_matmul(x, self.layer1.weight, tile_size=4) + self.layer1.bias)
        return tiled_matmul(hidden, self.layer2.weight, tile_size=5) + self.layer2.bias

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters()


def regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6)).astype(np.float32)
    y = np.stack([np.sin(x[:, 0]) + x[:, 1], x[:, 2] * x[:, 3]], axis=1).astype(np.float32)
    return Tensor(x), Tensor(y)


@pytest.mark.parametrize("kernel", [vectorized_matmul, lambda a, b: tiled_matmul(a, b, tile_size=3)])
def test_linear_layer_output_through_fast_kernels(kernel):
    layer = Linear(5, 7)
    x = Tensor(np.random.default_rng(1).normal(size=(4, 5)))
    expected = x.data.astype(np.float64) @ layer.weight.data.astype(np.float64) + layer.bias.data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose((kernel(x, layer.weight) + layer.bias).data, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kernels", ["vectorized", "tiled"])
def test_same_loss_and_parameter_gradients_as_reference(kernels):
    x, y = regression_data()
    reference, fast = TwoLayerNet("reference", seed=3), TwoLayerNet(kernels, seed=3)
    for p, q in zip(reference.parameters(), fast.parameters()):
        assert np.array_equal(p.data, q.data) and p is not q
    loss_ref = MSELoss()(reference.forward(x), y)
    loss_fast = MSELoss()(fast.forward(x), y)
    assert loss_fast.item() == pytest.approx(loss_ref.item(), rel=1e-5)
    loss_ref.backward()
    loss_fast.backward()
    for p, q in zip(reference.parameters(), fast.parameters()):
        assert q.grad is not None and q.grad.shape == q.shape
        np.testing.assert_allclose(q.grad, p.grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kernels", ["vectorized", "tiled"])
def test_training_follows_the_reference_trajectory(kernels):
    x, y = regression_data()
    histories = {}
    for name in ("reference", kernels):
        model = TwoLayerNet(name, seed=4)
        optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
        losses = []
        for _ in range(25):
            optimizer.zero_grad()
            loss = MSELoss()(model.forward(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        histories[name] = losses
    np.testing.assert_allclose(histories[kernels], histories["reference"], rtol=1e-3)
    assert histories[kernels][-1] < 0.5 * histories[kernels][0]  # and it does learn
