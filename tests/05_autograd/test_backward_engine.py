"""Module 05: the backward pass itself: accumulation, shared subexpressions, no_grad,
enable_autograd idempotence, long chains, the Function protocol and bad input.

Expected gradients are worked out by hand (calculus on the expression) or in numpy.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinytorch.core.autograd import BACKWARD_RULES, Function, backward_pass, enable_autograd, is_grad_enabled, no_grad
from tinytorch.core.tensor import AutogradSeam, Tensor

ROOT = Path(__file__).resolve().parents[2]


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float32), requires_grad=True)


# ---- accumulation and graph shape ------------------------------------------------------

def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()  # 2x
    (x * 3.0).sum().backward()  # + 3
    np.testing.assert_allclose(x.grad, 2 * x.data + 3)


def test_backward_twice_on_the_same_graph_doubles():
    x = leaf([1.0, -2.0])
    loss = (x * x * x).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * 3 * x.data ** 2)


def test_resetting_grad_starts_over():
    x = leaf([1.0, 2.0])
    (x * 5.0).sum().backward()
    x.grad = None
    (x * 2.0).sum().backward()
    assert np.array_equal(x.grad, [2.0, 2.0])


def test_variable_used_twice_gets_summed_gradients():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    (y + y + x).sum().backward()  # d/dx (2x^2 + x) = 4x + 1
    np.testing.assert_allclose(x.grad, 4 * x.data + 1)


def test_diamond_graph():
    x = leaf([0.5, 1.5])
    a, b = x * 2.0, x * 3.0
    (a * b).sum().backward()  # 6x^2 -> 12x
    np.testing.assert_allclose(x.grad, 12 * x.data)


def test_repeated_doubling_is_linear_not_exponential():
    """y = y + y forty times: 2**40 paths, but each node is visited once; d/dx = 2**40 exactly."""
    x = leaf([1.0])
    y = x
    for _ in range(40):
        y = y + y
    y.backward()
    assert x.grad[0] == 2.0 ** 40


def test_long_chain_has_no_recursion_limit():
    x = leaf([0.5, -0.25])
    y = x
    for _ in range(20000):
        y = y * 1.0001 - 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.full(2, 1.0001 ** 20000), rtol=1e-3)


def test_gradients_have_the_leaf_shape_and_dtype():
    w = leaf(np.random.randn(3, 1))
    b = leaf(0.5)
    x = Tensor(np.random.randn(4, 3))
    ((x @ w) + b).mean().backward()
    assert w.grad.shape == (3, 1) and b.grad.shape == () and w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad[:, 0], x.data.mean(axis=0), rtol=1e-5)
    assert b.grad == pytest.approx(1.0)


def test_leaf_gradients_are_private_writable_arrays():
    """Optimizers and clip_grad_norm scale .grad in place: it must be writable and not shared."""
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x + y).sum().backward()  # AddBackward hands the same upstream array to both inputs
    x.grad *= 2.0
    assert np.array_equal(x.grad, [2.0, 2.0]) and np.array_equal(y.grad, [1.0, 1.0])
    z = leaf(np.ones((2, 3)))
    z.sum().backward()  # the sum's gradient is a read-only broadcast view of one number
    z.grad[0, 0] = 5.0
    assert z.grad.sum() == 10.0


def test_only_leaves_that_require_grad_receive_grad():
    x = leaf([1.0, 2.0])
    constant = Tensor([3.0, 4.0])
    hidden = x * constant
    (hidden * hidden).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * constant.data ** 2 * x.data)
    assert constant.grad is None and hidden.grad is None


def test_integer_labels_flow_through_indexing():
    logits = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    labels = Tensor([2, 0])
    picked = logits[Tensor([0, 1]), labels]
    picked.sum().backward()
    assert np.array_equal(logits.grad, [[0, 0, 1], [1, 0, 0]]) and labels.grad is None


def test_backward_does_not_modify_values():
    x = leaf([1.0, 2.0])
    y = (x * 3.0).exp()
    before = y.data.copy()
    y.sum().backward()
    assert np.array_equal(x.data, [1.0, 2.0]) and np.array_equal(y.data, before)


# ---- seeds and bad input ---------------------------------------------------------------

def test_explicit_gradient_for_non_scalar_output():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(np.array([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(x.grad, [2.0, 0.0, 12.0])
    y = leaf([1.0, 1.0])
    (y * 2.0).backward(Tensor([3.0, 4.0]))
    assert np.array_equal(y.grad, [6.0, 8.0])


def test_non_scalar_output_needs_a_gradient():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        (x * 2.0).backward()


def test_gradient_of_the_wrong_shape_is_rejected():
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        (x * 2.0).backward(np.ones(3))


def test_backward_on_a_constant_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2.0).backward()


def test_backward_on_a_leaf_seeds_its_own_grad():
    x = leaf([4.0])
    x.backward()
    assert np.array_equal(x.grad, [1.0])


# ---- no_grad ------------------------------------------------------------------------

def test_no_grad_records_nothing_and_restores():
    x = leaf([1.0, 2.0])
    with no_grad():
        y = x * 2.0
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.requires_grad is False and y._grad_fn is None
    assert (x * 2.0).requires_grad is True


def test_no_grad_switches_the_seam_so_no_graph_node_is_built(monkeypatch):
    built = []

    class CountingMul(BACKWARD_RULES["mul"]):
        def __init__(self, *inputs):
            built.append(inputs)
            super().__init__(*inputs)

    monkeypatch.setitem(BACKWARD_RULES, "mul", CountingMul)
    x = leaf([1.0, 2.0])
    with no_grad():
        assert AutogradSeam.recording is False
        x * 2.0
    assert built == [] and AutogradSeam.recording is True
    assert (x * 2.0)._grad_fn is not None and len(built) == 1


def test_no_grad_is_reentrant_and_nests():
    guard = no_grad()
    with guard:
        with guard:
            with no_grad():
                assert not is_grad_enabled()
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_restores_after_an_exception():
    with pytest.raises(KeyError):
        with no_grad():
            raise KeyError("boom")
    assert is_grad_enabled()


def test_no_grad_as_decorator():
    @no_grad()
    def evaluate(t):
        return t * 3.0

    x = leaf([1.0])
    assert evaluate(x).requires_grad is False and is_grad_enabled()


# ---- enable_autograd idempotence -------------------------------------------------------

def test_enable_autograd_many_times_does_not_double_wrap():
    methods = {name: Tensor.__dict__[name] for name in ("__add__", "__mul__", "matmul", "sum", "backward")}
    for _ in range(5):
        enable_autograd()
    assert all(Tensor.__dict__[name] is method for name, method in methods.items())
    assert all(method.__module__ == "tinytorch.core.tensor" for method in methods.values())  # module 01's own
    assert AutogradSeam.backward_rules is BACKWARD_RULES and AutogradSeam.backward_pass is backward_pass
    x = leaf([1.0, 2.0])
    (x * 3.0 + x).sum().backward()
    assert np.array_equal(x.grad, [4.0, 4.0])  # not 8 or 16: each op recorded once


def test_importing_autograd_replaces_no_tensor_method_and_a_second_copy_records_once():
    """Importing module 05 (the package, then the module source beside it) leaves every Tensor
    method as module 01 defined it; gradients are still recorded exactly once."""
    code = (
        "import runpy, numpy as np\n"
        "from tinytorch.core.tensor import Tensor\n"
        "before = dict(vars(Tensor))\n"
        "import tinytorch.core.autograd\n"
        "runpy.run_path('modules/05_autograd/autograd.py', run_name='second_copy')\n"
        "import tinytorch.core.autograd as ag\n"
        "ag.enable_autograd()\n"
        "x = Tensor([1.0, 2.0], requires_grad=True)\n"
        "(x * x).sum().backward()\n"
        "assert np.array_equal(x.grad, [2.0, 4.0]), x.grad\n"
        "assert dict(vars(Tensor)) == before, set(vars(Tensor).items()) ^ set(before.items())\n"
        "print('single')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "single"


# ---- the Function protocol -------------------------------------------------------------

class Square(Function):
    """A user-defined fused op: out = x**2 (+ optional bias), as later modules write them."""

    def backward(self, grad_output):
        x, bias = self.inputs
        return 2 * x.data * grad_output, (grad_output if bias is not None else None)


def square(x, bias=None):
    data = x.data ** 2 + (0 if bias is None else bias.data)
    return Square(x, bias).output(data)


def test_custom_function_with_none_input():
    x = leaf([1.0, -3.0])
    y = square(x)
    assert y.requires_grad and isinstance(y._grad_fn, Square)
    (y * 2.0).sum().backward()
    assert np.array_equal(x.grad, [4.0, -12.0])


def test_engine_reduces_broadcast_shaped_gradients_from_custom_functions():
    x = leaf(np.ones((2, 3)))
    bias = leaf([1.0, 2.0, 3.0])  # broadcast over rows; Square returns the (2, 3) gradient for it
    square(x, bias).sum().backward()
    assert np.array_equal(bias.grad, [2.0, 2.0, 2.0])


def test_function_output_records_only_when_needed():
    constant = Tensor([1.0])
    assert Square(constant, None).output(np.ones(1)).requires_grad is False
    with no_grad():
        assert Square(leaf([1.0]), None).output(np.ones(1))._grad_fn is None


def test_wrong_number_of_gradients_is_reported():
    class Broken(Function):
        def backward(self, grad_output):
            return (grad_output, grad_output)

    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="Broken"):
        Broken(x).output(x.data * 2).sum().backward()
