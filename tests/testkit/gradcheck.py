"""Finite-difference gradient checks for tinytorch (needs module 05, autograd).

    from testkit.gradcheck import assert_gradients_match

    assert_gradients_match(lambda x, w: (x @ w).tanh(), x_array, w_array)

`fn` maps Tensors to a Tensor. The inputs are numpy arrays (or numbers); each becomes
a `Tensor(..., requires_grad=True)`. Inputs that should not be differentiated
(integer class labels, masks) are closed over by `fn` instead of passed in.

How the comparison is made
- A one-element output is differentiated directly. A larger output is contracted
  with fixed random weights W (seeded, independent of the global RNG): the checked
  scalar is sum(W * out), and autograd gets W as `backward(gradient=W)`. Plain
  `sum(out)` would hide errors: softmax rows always sum to 1, so d(sum)/dx is 0
  whatever the backward rule does.
- Numerical derivative: central difference (f(x + e) - f(x - e)) / (2e) per element.
  The perturbed values are computed in float64 and then stored as float32 by Tensor,
  so the step actually taken is measured (float32(x + e) - float32(x - e)) and used
  as the denominator. Output differences are taken element-wise in float64 before
  the weighted sum, so large outputs do not cancel each other's precision.

Tolerances (float32 forward passes): a float32 output carries a relative rounding
error of about 6e-8, so with eps = 1e-3 the difference quotient of an output of size
|f| is off by about 6e-8 * |f| / 2e-3 = 3e-5 * |f|, and the truncation error of the
central difference is about eps**2 / 6 * |f'''| ~ 2e-7 * |f'''|. rtol = 1e-2 and
atol = 1e-3 leave a wide margin over both for outputs of size up to ~10, yet catch
any wrong rule (a wrong factor, sign, or a missing term is off by far more than 1%).
Keep inputs away from kinks (ReLU at 0, clip bounds, max ties), where the
central difference straddles two slopes.
"""

from __future__ import annotations

import numpy as np

from tinytorch.core.tensor import Tensor

EPS = 1e-3
RTOL = 1e-2
ATOL = 1e-3


def _float64_inputs(inputs):
    arrays = [np.array(value, dtype=np.float64) for value in inputs]
    if not arrays:
        raise ValueError("assert_gradients_match needs at least one input array")
    return arrays


def _output_weights(shape, seed):
    """Fixed random weights for contracting a non-scalar output (None for one element)."""
    if int(np.prod(shape)) == 1:
        return None
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _evaluate(fn, arrays):
    """fn on fresh constant Tensors, under no_grad, as a float64 array."""
    from tinytorch.core.autograd import no_grad

    with no_grad():
        out = fn(*[Tensor(a) for a in arrays])
    if not isinstance(out, Tensor):
        raise TypeError(f"fn must return a Tensor, got {type(out).__name__}")
    return out.data.astype(np.float64)


def numerical_gradients(fn, *inputs, eps=EPS, weights=None):
    """Central-difference gradients of sum(weights * fn(*inputs)) (or of fn when it has one element)."""
    arrays = _float64_inputs(inputs)
    grads = []
    for position, array in enumerate(arrays):
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            upper_x = np.float32(array[index])
            upper = _evaluate(fn, arrays)
            array[index] = original - eps
            lower_x = np.float32(array[index])
            lower = _evaluate(fn, arrays)
            array[index] = original
            difference = upper - lower
            if weights is not None:
                difference = difference * weights
            grad[index] = difference.sum() / (float(upper_x) - float(lower_x))
        grads.append(grad)
    return grads


def assert_gradients_match(fn, *inputs, atol=ATOL, rtol=RTOL, eps=EPS, seed=0):
    """Run autograd on fn(*inputs) and compare every input's .grad with finite differences.

    Returns the list of analytic gradients (one ndarray per input) for further checks.
    Raises AssertionError naming the input whose gradient disagrees.
    """
    import tinytorch.core.autograd  # noqa: F401  (importing it switches autograd on)

    arrays = _float64_inputs(inputs)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    before = [t.data.copy() for t in tensors]
    out = fn(*tensors)
    if not isinstance(out, Tensor):
        raise TypeError(f"fn must return a Tensor, got {type(out).__name__}")
    for position, (tensor, data) in enumerate(zip(tensors, before)):
        assert np.array_equal(tensor.data, data), f"fn modified input {position} in place"
    assert out.requires_grad, "the output does not require grad: no operation recorded a graph"
    weights = _output_weights(out.shape, seed)
    out.backward() if weights is None else out.backward(weights)

    numerical = numerical_gradients(fn, *arrays, eps=eps, weights=weights)
    analytic = []
    for position, (tensor, expected) in enumerate(zip(tensors, numerical)):
        got = np.zeros(tensor.shape) if tensor.grad is None else tensor.grad
        assert got.shape == tensor.shape, f"input {position}: grad shape {got.shape} != input shape {tensor.shape}"
        np.testing.assert_allclose(
            got, expected, rtol=rtol, atol=atol,
            err_msg=f"input {position} (shape {tensor.shape}): autograd vs finite differences",
        )
        analytic.append(got)
    return analytic
