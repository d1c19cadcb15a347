"""Module 04 (Losses): MSE, log_softmax, cross-entropy and BCE against numpy, stability, bad input.

Expected values come from numpy written here in float64 (naive formulas on
moderate inputs, the log-sum-exp identity on extreme ones) and from hand-worked
numbers. Gradients are module 05's business: this suite does not import autograd.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from testkit.references import log_softmax as ref_log_softmax

from tinytorch.core.activations import ReLU, Sigmoid
from tinytorch.core.layers import Linear
from tinytorch.core.losses import BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss, log_softmax
from tinytorch.core.tensor import Tensor

FEW = settings(max_examples=30, deadline=None, derandomize=True)  # same examples on every run
EPS = 1e-7


# ---- independent numpy references (float64) ---------------------------------------------
def ref_cross_entropy(logits, labels):
    """Per-sample -log p[label] through log-sum-exp with math.fsum: exact in float64 for any scale."""
    logits = np.asarray(logits, dtype=np.float64)
    losses = []
    for row, label in zip(logits, labels):
        m = max(row)
        losses.append(m + math.log(math.fsum(math.exp(v - m) for v in row)) - row[label])
    return float(np.mean(losses))


def ref_bce(p, t):
    """BCE with the argument of each log clipped to [EPS, 1 - EPS], in float64."""
    p = np.asarray(p, dtype=np.float64)
    return float(-np.mean(t * np.log(np.clip(p, EPS, 1 - EPS)) + (1 - t) * np.log(np.clip(1 - p, EPS, 1 - EPS))))


# ---- MSE -------------------------------------------------------------------------------------
def test_mse_hand_worked():
    loss = MSELoss()(Tensor([1.0, 2.0, 3.0, 4.0]), Tensor([2.0, 2.0, 1.0, 4.0]))
    assert loss.shape == () and isinstance(loss, Tensor)
    assert loss.item() == pytest.approx((1 + 0 + 4 + 0) / 4)


@pytest.mark.parametrize("shape", [(1,), (7,), (4, 3), (2, 3, 5)])
def test_mse_matches_numpy(shape):
    p, t = np.random.randn(*shape), np.random.randn(*shape)
    assert MSELoss()(Tensor(p), Tensor(t)).item() == pytest.approx(np.mean((p - t) ** 2), rel=1e-5)


@pytest.mark.parametrize("wrap", [Tensor, np.asarray, lambda a: a.tolist()])
def test_mse_accepts_targets_as_tensor_array_or_list(wrap):
    p, t = np.random.randn(3, 2), np.random.randn(3, 2)
    assert MSELoss()(Tensor(p), wrap(t)).item() == pytest.approx(np.mean((p - t) ** 2), rel=1e-5)


@FEW
@given(arrays(np.float64, (5,), elements=st.floats(-100, 100)), arrays(np.float64, (5,), elements=st.floats(-100, 100)))
def test_mse_non_negative_zero_iff_equal_and_symmetric(p, t):
    forward = MSELoss()(Tensor(p), t).item()
    backward = MSELoss()(Tensor(t), p).item()
    assert forward >= 0 and forward == pytest.approx(backward, rel=1e-6, abs=1e-6)
    assert MSELoss()(Tensor(p), p).item() == 0.0


def test_mse_integer_targets_work():
    assert MSELoss()(Tensor([0.5, 1.5]), np.array([0, 2])).item() == pytest.approx(0.25)


@pytest.mark.parametrize("p_shape, t_shape", [((4, 1), (4,)), ((4,), (4, 1)), ((3, 2), (2, 3)), ((3,), (4,))])
def test_mse_rejects_shape_mismatch_instead_of_broadcasting(p_shape, t_shape):
    with pytest.raises(ValueError) as error:
        MSELoss()(Tensor(np.zeros(p_shape)), np.zeros(t_shape))
    assert str(p_shape) in str(error.value) and str(t_shape) in str(error.value)


def test_mse_rejects_non_tensor_predictions():
    with pytest.raises(TypeError, match="Tensor"):
        MSELoss()(np.zeros(3), np.zeros(3))


# ---- log_softmax ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape, dim", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)])
def test_log_softmax_matches_numpy(shape, dim):
    x = np.random.randn(*shape) * 3
    out = log_softmax(Tensor(x), dim=dim)
    assert out.shape == shape and out.dtype == np.float32
    np.testing.assert_allclose(out.data, ref_log_softmax(x, dim), atol=1e-5)


def test_log_softmax_hand_worked_extreme():
    out = log_softmax(Tensor([[1000.0, 999.0, 0.0], [-1000.0, -1000.0, -1000.0]])).data
    lse = math.log(1 + math.exp(-1))
    np.testing.assert_allclose(out[0], [-lse, -1 - lse, -1000 - lse], rtol=1e-6)
    np.testing.assert_allclose(out[1], [-math.log(3)] * 3, rtol=1e-6)


@FEW
@given(arrays(np.float64, (3, 4), elements=st.floats(-1e4, 1e4)))
def test_log_softmax_finite_non_positive_and_exp_sums_to_one(x):
    with np.errstate(over="raise", invalid="raise"):
        out = log_softmax(Tensor(x)).data
    assert np.all(np.isfinite(out)) and np.all(out <= 0)
    np.testing.assert_allclose(np.exp(out.astype(np.float64)).sum(axis=1), 1.0, atol=1e-5)


@FEW
@given(arrays(np.float64, (2, 5), elements=st.floats(-10, 10)), st.floats(-1000, 1000))
def test_log_softmax_shift_invariant(x, c):
    np.testing.assert_allclose(log_softmax(Tensor(x + c)).data, log_softmax(Tensor(x)).data, atol=1e-3)


def test_log_softmax_bad_input():
    with pytest.raises(TypeError, match="Tensor"):
        log_softmax(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="out of range"):
        log_softmax(Tensor(np.zeros((2, 3))), dim=2)
    with pytest.raises(ValueError, match="out of range"):
        log_softmax(Tensor(1.0))
    with pytest.raises(TypeError, match="dim"):
        log_softmax(Tensor(np.zeros((2, 3))), dim=1.0)


# ---- CrossEntropyLoss -----------------------------------------------------------------------
def test_cross_entropy_hand_worked():
    # logits [ln 1, ln 3] -> probabilities [1/4, 3/4]; labels [1, 0] -> -(ln 3/4 + ln 1/4) / 2
    logits = Tensor([[0.0, math.log(3.0)], [0.0, math.log(3.0)]])
    loss = CrossEntropyLoss()(logits, np.array([1, 0]))
    assert loss.shape == ()
    assert loss.item() == pytest.approx(-(math.log(0.75) + math.log(0.25)) / 2, rel=1e-6)


@pytest.mark.parametrize("n, c", [(1, 2), (5, 3), (16, 10)])
def test_cross_entropy_matches_numpy(n, c):
    logits = np.random.randn(n, c) * 2
    labels = np.random.randint(0, c, size=n)
    naive = -np.mean(ref_log_softmax(logits)[np.arange(n), labels])
    assert CrossEntropyLoss()(Tensor(logits), labels).item() == pytest.approx(naive, rel=1e-5)


@pytest.mark.parametrize("wrap", [Tensor, np.asarray, list, lambda a: a.astype(np.float64), lambda a: Tensor(a.astype(np.int32))])
def test_cross_entropy_target_forms(wrap):
    logits = np.random.randn(4, 3)
    labels = np.array([2, 0, 1, 1])
    expected = ref_cross_entropy(logits, labels)
    assert CrossEntropyLoss()(Tensor(logits), wrap(labels)).item() == pytest.approx(expected, rel=1e-5)


def test_cross_entropy_uniform_and_confident_limits():
    assert CrossEntropyLoss()(Tensor(np.zeros((3, 7))), [0, 3, 6]).item() == pytest.approx(math.log(7), rel=1e-6)
    right = CrossEntropyLoss()(Tensor([[1000.0, 0.0, 0.0]]), [0]).item()
    wrong = CrossEntropyLoss()(Tensor([[1000.0, 0.0, 0.0]]), [1]).item()
    assert abs(right) < 1e-6
    assert wrong == pytest.approx(1000.0, rel=1e-6)


@pytest.mark.parametrize("scale", [1.0, 100.0, 1000.0, 1e4])
def test_cross_entropy_stable_for_large_logits(scale):
    logits = np.random.randn(8, 5) * scale
    labels = np.random.randint(0, 5, size=8)
    with np.errstate(over="raise", invalid="raise"):
        loss = CrossEntropyLoss()(Tensor(logits.astype(np.float32)), labels).item()
    assert np.isfinite(loss)
    assert loss == pytest.approx(ref_cross_entropy(logits.astype(np.float32), labels), rel=1e-4, abs=1e-4)


@FEW
@given(arrays(np.float64, (4, 3), elements=st.floats(-50, 50)), st.lists(st.integers(0, 2), min_size=4, max_size=4))
def test_cross_entropy_non_negative_and_matches_reference(logits, labels):
    loss = CrossEntropyLoss()(Tensor(logits), np.array(labels)).item()
    assert loss >= -1e-6
    assert loss == pytest.approx(ref_cross_entropy(logits.astype(np.float32), labels), rel=1e-4, abs=1e-4)


def test_cross_entropy_falls_as_the_true_logit_grows():
    losses = [CrossEntropyLoss()(Tensor([[a, 0.0, 0.0]]), [0]).item() for a in (-2.0, 0.0, 2.0, 5.0)]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))


def test_cross_entropy_does_not_modify_logits():
    logits = Tensor(np.random.randn(3, 4))
    before = logits.data.copy()
    CrossEntropyLoss()(logits, [0, 1, 2])
    assert np.array_equal(logits.data, before)


@pytest.mark.parametrize("labels", [[0, 3], [-1, 0], [5, 1]])
def test_cross_entropy_rejects_out_of_range_class_ids(labels):
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        CrossEntropyLoss()(Tensor(np.zeros((2, 3))), np.array(labels))


def test_cross_entropy_rejects_bad_target_shapes_and_values():
    logits = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\(2,\)"):
        CrossEntropyLoss()(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\(2,\)"):
        CrossEntropyLoss()(logits, np.array([[0], [1]]))
    with pytest.raises(ValueError, match="whole-number"):
        CrossEntropyLoss()(logits, np.array([0.5, 1.0]))
    with pytest.raises(TypeError, match="integer"):
        CrossEntropyLoss()(logits, np.array(["a", "b"]))


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4)])
def test_cross_entropy_rejects_logits_that_are_not_2d(shape):
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        CrossEntropyLoss()(Tensor(np.zeros(shape)), np.zeros(shape[0], dtype=int))


def test_cross_entropy_rejects_non_tensor_logits():
    with pytest.raises(TypeError, match="Tensor"):
        CrossEntropyLoss()(np.zeros((2, 3)), [0, 1])


# ---- BinaryCrossEntropyLoss -------------------------------------------------------------------
def test_bce_hand_worked():
    loss = BinaryCrossEntropyLoss()(Tensor([0.8, 0.25]), np.array([1.0, 0.0]))
    assert loss.shape == ()
    assert loss.item() == pytest.approx(-(math.log(0.8) + math.log(0.75)) / 2, rel=1e-6)


@pytest.mark.parametrize("shape", [(6,), (4, 1), (2, 3, 2)])
def test_bce_matches_numpy(shape):
    p = np.random.uniform(0.01, 0.99, size=shape)
    t = np.random.randint(0, 2, size=shape).astype(np.float64)
    naive = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert BinaryCrossEntropyLoss()(Tensor(p), Tensor(t)).item() == pytest.approx(naive, rel=1e-5)


def test_bce_soft_labels_and_integer_labels():
    p, t = np.array([0.3, 0.6]), np.array([0.5, 0.2])
    assert BinaryCrossEntropyLoss()(Tensor(p), t).item() == pytest.approx(ref_bce(p, t), rel=1e-5)
    assert BinaryCrossEntropyLoss()(Tensor(p), np.array([1, 0])).item() == pytest.approx(ref_bce(p, np.array([1, 0])), rel=1e-5)


def test_bce_saturated_predictions_are_clipped_not_infinite():
    with np.errstate(divide="raise", invalid="raise"):
        wrong = BinaryCrossEntropyLoss()(Tensor([0.0, 1.0]), np.array([1.0, 0.0])).item()
        right = BinaryCrossEntropyLoss()(Tensor([0.0, 1.0]), np.array([0.0, 1.0])).item()
    assert np.isfinite(wrong)
    assert wrong == pytest.approx(-math.log(EPS), rel=1e-5)  # both ends clip to the same bound
    assert 0.0 <= right < 1e-6


@FEW
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12), st.data())
def test_bce_bounded_and_matches_clipped_reference(p, data):
    t = data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=len(p), max_size=len(p)))
    p, t = np.array(p, dtype=np.float32), np.array(t)
    loss = BinaryCrossEntropyLoss()(Tensor(p), t).item()
    assert 0.0 <= loss <= 16.2
    assert loss == pytest.approx(ref_bce(p, t), rel=1e-3, abs=1e-5)


def test_bce_smallest_when_prediction_equals_label():
    t = np.array([1.0])
    losses = [BinaryCrossEntropyLoss()(Tensor([p]), t).item() for p in (0.1, 0.5, 0.9, 0.999)]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))


@pytest.mark.parametrize("p", [[1.5, 0.5], [-0.1, 0.5], [3.0, -2.0]])
def test_bce_rejects_predictions_outside_unit_interval(p):
    with pytest.raises(ValueError, match="Sigmoid"):
        BinaryCrossEntropyLoss()(Tensor(p), np.array([1.0, 0.0]))


@pytest.mark.parametrize("t", [[2.0, 0.0], [-1.0, 1.0]])
def test_bce_rejects_targets_outside_unit_interval(t):
    with pytest.raises(ValueError, match="targets"):
        BinaryCrossEntropyLoss()(Tensor([0.5, 0.5]), np.array(t))


def test_bce_rejects_shape_mismatch_and_non_tensor():
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        BinaryCrossEntropyLoss()(Tensor(np.full((4, 1), 0.5)), np.ones(4))
    with pytest.raises(TypeError, match="Tensor"):
        BinaryCrossEntropyLoss()(np.full(3, 0.5), np.ones(3))


# ---- integration: layers + activations + losses chained by hand ------------------------------
def test_classifier_chain_matches_numpy():
    hidden, head = Linear(4, 6), Linear(6, 3)
    x = np.random.randn(5, 4)
    labels = np.array([0, 2, 1, 1, 0])
    logits = head(ReLU()(hidden(Tensor(x))))
    w1, b1, w2, b2 = (p.data.astype(np.float64) for p in hidden.parameters() + head.parameters())
    z = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    assert CrossEntropyLoss()(logits, labels).item() == pytest.approx(ref_cross_entropy(z, labels), rel=1e-5)


def test_binary_chain_matches_numpy():
    layer = Linear(3, 1)
    x = np.random.randn(8, 3)
    t = np.random.randint(0, 2, size=(8, 1)).astype(np.float64)
    probs = Sigmoid()(layer(Tensor(x)))
    z = x @ layer.weight.data.astype(np.float64) + layer.bias.data
    assert BinaryCrossEntropyLoss()(probs, t).item() == pytest.approx(ref_bce(1 / (1 + np.exp(-z)), t), rel=1e-5)


def test_regression_chain_and_perfect_fit():
    layer = Linear(2, 1)
    layer.weight.data[...] = [[2.0], [-1.0]]
    layer.bias.data[...] = [0.5]
    x = np.random.randn(10, 2)
    y = x @ np.array([[2.0], [-1.0]]) + 0.5
    assert MSELoss()(layer(Tensor(x)), y).item() == pytest.approx(0.0, abs=1e-10)
    assert MSELoss()(layer(Tensor(x)), y + 1.0).item() == pytest.approx(1.0, rel=1e-5)
