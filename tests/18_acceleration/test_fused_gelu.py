"""Module 18 fused_gelu: the same function as Module 02's GELU, one output buffer, analytic backward.

References: Module 02's GELU, a GELU composed of Tensor operations (testkit.references), the tanh-approximation formula
in float64, float64 finite differences of that formula, and testkit.gradcheck.
"""

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch.core.autograd  # noqa: F401  (turns autograd on)
from testkit.gradcheck import assert_gradients_match
from testkit.references import composed_gelu
from tinytorch.core.activations import GELU
from tinytorch.core.autograd import no_grad
from tinytorch.core.tensor import Tensor
from tinytorch.perf.acceleration import fused_gelu

FEW = settings(max_examples=30, deadline=None, derandomize=True)  # same examples on every run


def gelu64(x):
    """The tanh approximation in float64, written out from its definition."""
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def gelu64_slope(x, h=1e-5):
    """d gelu / dx by a float64 central difference (error ~ h^2, far below the test tolerance)."""
    x = np.asarray(x, dtype=np.float64)
    return (gelu64(x + h) - gelu64(x - h)) / (2 * h)


class TestValues:
    @FEW
    @given(st.lists(st.integers(1, 6), min_size=0, max_size=3), st.floats(0.1, 30.0), st.integers(0, 2**16))
    def test_equals_module_02_gelu(self, shape, scale, seed):
        x = np.random.default_rng(seed).normal(scale=scale, size=shape).astype(np.float32)
        fused, composed = fused_gelu(Tensor(x)), GELU()(Tensor(x))
        assert fused.shape == x.shape and fused.dtype == np.float32
        np.testing.assert_allclose(fused.data, composed.data, rtol=1e-6, atol=0)

    def test_equals_module_02_gelu_on_a_grid_of_extremes(self):
        x = np.concatenate([np.linspace(-12, 12, 2401), [-1e4, -300.0, 300.0, 1e4, 1e-30, -1e-30]]).astype(np.float32)
        np.testing.assert_allclose(fused_gelu(x).data, GELU()(Tensor(x)).data, rtol=1e-6, atol=0)

    def test_matches_float64_formula(self):
        x = np.linspace(-6, 6, 1201).astype(np.float32)
        np.testing.assert_allclose(fused_gelu(x).data, gelu64(x), rtol=1e-5, atol=1e-6)

    def test_hand_worked_values(self):
        out = fused_gelu(Tensor([0.0, 1.0, -1.0])).data
        inner = math.sqrt(2 / math.pi) * 1.044715  # s * (1 + c) at x = 1
        assert out[0] == 0.0
        assert out[1] == pytest.approx(0.5 * (1 + math.tanh(inner)), rel=1e-6)
        assert out[2] == pytest.approx(-0.5 * (1 - math.tanh(inner)), rel=1e-5)

    def test_limits(self):
        out = fused_gelu(Tensor([-1e4, -50.0, 50.0, 1e4])).data
        assert np.all(np.isfinite(out))
        assert out[0] == 0.0 and out[1] == 0.0  # GELU(x) -> 0 for x -> -inf (may be -0.0)
        assert out[2] == 50.0 and out[3] == 1e4  # GELU(x) -> x for x -> +inf

    def test_accepts_arrays_lists_and_integers(self):
        expected = gelu64([-2, 0, 3])
        for value in ([-2, 0, 3], np.array([-2, 0, 3]), np.array([-2.0, 0.0, 3.0]), Tensor([-2.0, 0.0, 3.0])):
            out = fused_gelu(value)
            assert isinstance(out, Tensor) and out.dtype == np.float32
            np.testing.assert_allclose(out.data, expected, rtol=1e-6)

    def test_zero_d_and_empty(self):
        assert fused_gelu(Tensor(2.0)).shape == ()
        assert fused_gelu(Tensor(2.0)).item() == pytest.approx(gelu64(2.0), rel=1e-6)
        assert fused_gelu(np.zeros((0, 3), dtype=np.float32)).shape == (0, 3)

    @pytest.mark.parametrize("requires_grad", [False, True])
    def test_input_is_not_modified(self, requires_grad):
        x = np.random.default_rng(1).normal(size=(3, 7)).astype(np.float32)
        original = x.copy()
        tensor = Tensor(x, requires_grad=requires_grad)
        out = fused_gelu(tensor)
        fused_gelu(x)
        if requires_grad:
            out.backward(np.ones(x.shape))
        assert np.array_equal(tensor.data, original) and np.array_equal(x, original)
        assert out.data is not tensor.data

    def test_non_numeric_input(self):
        with pytest.raises(TypeError, match="fused_gelu"):
            fused_gelu("x")
        with pytest.raises(TypeError, match="fused_gelu"):
            fused_gelu(None)


class TestGradients:
    @pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 2, 3)])
    def test_finite_differences(self, shape):
        x = np.random.default_rng(2).uniform(-4, 4, size=shape)
        assert_gradients_match(fused_gelu, x)

    def test_slope_matches_float64_derivative(self):
        x = np.linspace(-6, 6, 241).astype(np.float32)
        tensor = Tensor(x, requires_grad=True)
        fused_gelu(tensor).backward(np.ones(x.shape))
        # atol: for x near -5, t = tanh(u) is within float32's spacing of -1, so 1 - t*t and
        # 1 + t lose their digits (as in Module 05's TanhBackward); that costs ~1e-6 absolute.
        np.testing.assert_allclose(tensor.grad, gelu64_slope(x), rtol=1e-5, atol=3e-6)
        assert tensor.grad[120] == pytest.approx(0.5)  # x = 0: slope 1/2

    def test_same_gradient_as_composed_gelu(self):
        x = np.random.default_rng(3).normal(scale=2.0, size=(5, 6)).astype(np.float32)
        upstream = np.random.default_rng(4).normal(size=x.shape).astype(np.float32)
        fused_x, composed_x = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
        fused_gelu(fused_x).backward(upstream)
        GELU()(composed_x).backward(upstream)
        np.testing.assert_allclose(fused_x.grad, composed_x.grad, rtol=1e-5, atol=1e-6)

    def test_chain_rule_through_later_operations(self):
        x = np.random.default_rng(5).uniform(-3, 3, size=(4, 3))
        w = np.random.default_rng(6).normal(size=(3, 2))
        assert_gradients_match(lambda a, b: (fused_gelu(a) @ b).tanh(), x, w)

    def test_no_graph_when_not_needed(self):
        assert not fused_gelu(Tensor([1.0, 2.0])).requires_grad
        x = Tensor([1.0, 2.0], requires_grad=True)
        with no_grad():
            assert not fused_gelu(x).requires_grad
        assert fused_gelu(x).requires_grad


def traced_bytes(function, x):
    """(peak bytes during the call, bytes still held while its result is alive), as tracemalloc sees them."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        result = function(x)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.shape == x.shape
    return peak - before, held - before


class TestMemory:
    """Fusion's promise in bytes: one output buffer, no temporaries, nothing extra kept for backward."""

    SIZE = 1 << 18  # 1 MiB of float32: large enough that object overheads are noise

    def test_inference_peak_is_one_output_buffer(self):
        x = Tensor(np.random.default_rng(7).normal(size=self.SIZE))
        fused_peak, _ = traced_bytes(fused_gelu, x)
        composed_peak, _ = traced_bytes(GELU(), x)
        assert fused_peak < 1.1 * x.data.nbytes
        assert composed_peak > 2 * x.data.nbytes  # the composed version really does hold temporaries

    def test_training_graph_keeps_no_intermediates(self):
        x = Tensor(np.random.default_rng(8).normal(size=self.SIZE), requires_grad=True)
        _, fused_held = traced_bytes(fused_gelu, x)
        _, module_02_held = traced_bytes(GELU(), x)
        _, composed_held = traced_bytes(composed_gelu, x)
        assert fused_held < 1.1 * x.data.nbytes  # just the output; the input was already there
        assert module_02_held < 1.1 * x.data.nbytes  # module 02's GELU is one recorded node too
        assert composed_held > 3 * x.data.nbytes  # nine recorded operations keep their results
