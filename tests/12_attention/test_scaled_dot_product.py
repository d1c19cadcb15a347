"""scaled_dot_product_attention: the formula, the mask convention (1 = keep), stability, gradients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.attention import scaled_dot_product_attention
from tinytorch.core.tensor import Tensor
from testkit.gradcheck import assert_gradients_match


def reference_attention(q, k, v, keep=None):
    """Plain float64 numpy: masked keys dropped per row; a row with no key left outputs zeros."""
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    keep = np.ones(scores.shape, dtype=bool) if keep is None else np.broadcast_to(keep.astype(bool), scores.shape)
    scores = np.where(keep, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)
    exps = np.where(keep, np.exp(scores - np.where(np.isfinite(row_max), row_max, 0.0)), 0.0)
    totals = exps.sum(axis=-1, keepdims=True)
    weights = np.divide(exps, totals, out=np.zeros_like(exps), where=totals > 0)
    return weights @ v, weights


@settings(max_examples=20, deadline=None)
@given(
    batch=st.integers(1, 3), seq_q=st.integers(1, 5), seq_k=st.integers(1, 5), d_k=st.integers(1, 6), d_v=st.integers(1, 4)
)
def test_matches_the_numpy_formula_for_any_shapes(batch, seq_q, seq_k, d_k, d_v):
    rng = np.random.default_rng(batch * 1000 + seq_q * 100 + seq_k * 10 + d_k)
    q, k, v = rng.normal(size=(batch, seq_q, d_k)), rng.normal(size=(batch, seq_k, d_k)), rng.normal(size=(batch, seq_k, d_v))
    out, weights = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v))
    expected_out, expected_w = reference_attention(q, k, v)
    assert out.shape == (batch, seq_q, d_v) and weights.shape == (batch, seq_q, seq_k)
    assert np.allclose(weights.data, expected_w, atol=1e-5)
    assert np.allclose(out.data, expected_out, atol=1e-5)


def test_two_token_example_by_hand():
    # q.k = [0, 2] / sqrt(2) -> weights softmax([0, sqrt 2]); output mixes the value rows
    q = Tensor([[1.0, 1.0]])
    k = Tensor([[1.0, -1.0], [1.0, 1.0]])
    v = Tensor([[10.0, 0.0], [0.0, 10.0]])
    out, weights = scaled_dot_product_attention(q, k, v)
    w1 = np.exp(np.sqrt(2)) / (1 + np.exp(np.sqrt(2)))
    assert np.allclose(weights.data, [[1 - w1, w1]], atol=1e-6)
    assert np.allclose(out.data, [[10 * (1 - w1), 10 * w1]], atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(keep=hnp.arrays(np.bool_, st.tuples(st.integers(1, 5), st.integers(1, 5))), scale=st.sampled_from([1.0, 30.0, 1e4]))
def test_masked_keys_get_exactly_zero_weight_and_rows_sum_to_one(keep, scale):
    seq_q, seq_k = keep.shape
    rng = np.random.default_rng(seq_q * 10 + seq_k)
    q, k, v = rng.normal(size=(2, seq_q, 3)) * scale, rng.normal(size=(2, seq_k, 3)), rng.normal(size=(2, seq_k, 4))
    out, weights = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask=keep)
    w = weights.data
    assert np.all(np.isfinite(w)) and np.all(np.isfinite(out.data))
    assert np.all(w[:, ~keep] == 0.0)
    live = keep.any(axis=-1)
    assert np.allclose(w[:, live].sum(axis=-1), 1.0, atol=1e-5)
    # fully masked query rows: documented as all-zero weights and a zero output
    assert np.all(w[:, ~live] == 0.0) and np.all(out.data[:, ~live] == 0.0)
    if scale == 1.0:
        expected_out, expected_w = reference_attention(q, k, v, keep)
        assert np.allclose(w, expected_w, atol=1e-5) and np.allclose(out.data, expected_out, atol=1e-5)


@settings(max_examples=20, deadline=None)
@given(keep=hnp.arrays(np.bool_, (4, 4)))
def test_values_behind_masked_keys_never_reach_the_output(keep):
    rng = np.random.default_rng(int(keep.sum()))
    q, k, v = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    out, _ = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask=keep)
    changed_v = v.copy()
    changed_k = k.copy()
    hidden = ~keep.any(axis=0)  # keys no query may see
    changed_v[hidden] = 1e6
    changed_k[hidden] = -1e3
    out2, _ = scaled_dot_product_attention(Tensor(q), Tensor(changed_k), Tensor(changed_v), mask=keep)
    assert np.array_equal(out.data, out2.data)


def test_mask_types_and_broadcasting_agree():
    rng = np.random.default_rng(3)
    q, k, v = (Tensor(rng.normal(size=(2, 3, 4, 5))) for _ in range(3))
    causal = np.tril(np.ones((4, 4)))
    results = [
        scaled_dot_product_attention(q, k, v, mask=m)[1].data
        for m in (causal, causal.astype(bool), Tensor(causal), np.broadcast_to(causal, (2, 3, 4, 4)).copy(), causal[None, None])
    ]
    for other in results[1:]:
        assert np.array_equal(results[0], other)
    assert np.all(np.triu(results[0][0, 0], k=1) == 0.0)


def test_large_logits_stay_finite_and_pick_the_best_key():
    q = Tensor([[1e4, 0.0]])
    k = Tensor([[1.0, 0.0], [0.9, 0.0], [-1.0, 0.0]])
    v = Tensor([[1.0], [2.0], [3.0]])
    out, weights = scaled_dot_product_attention(q, k, v)
    assert np.all(np.isfinite(weights.data))
    assert np.allclose(weights.data, [[1.0, 0.0, 0.0]]) and np.allclose(out.data, [[1.0]])


@pytest.mark.parametrize("use_mask", [False, True])
@pytest.mark.parametrize("which", [0, 1])  # 0: the output, 1: the attention weights
def test_gradients_match_finite_differences(use_mask, which):
    rng = np.random.default_rng(7)
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 4)), rng.normal(size=(2, 4, 2))
    mask = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]]) if use_mask else None  # last query sees nothing

    def attend(q_t, k_t, v_t):
        return scaled_dot_product_attention(q_t, k_t, v_t, mask=mask)[which]

    assert_gradients_match(attend, q, k, v)


def test_masked_scores_get_no_gradient():
    q = Tensor(np.random.randn(3, 2), requires_grad=True)
    k = Tensor(np.random.randn(3, 2), requires_grad=True)
    v = Tensor(np.random.randn(3, 2))
    mask = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    out, _ = scaled_dot_product_attention(q, k, v, mask=mask)
    out.sum().backward()
    # query 0 sees key 0 only: its output is v[0] whatever q[0] is
    assert np.allclose(q.grad[0], 0.0, atol=1e-6)
    assert not np.allclose(q.grad[2], 0.0)


@pytest.mark.parametrize(
    "shapes, mask_shape, words",
    [
        (((2, 3), (4, 5), (4, 5)), None, "d_k"),
        (((2, 3), (4, 3), (5, 3)), None, "seq_k"),
        (((2, 3), (4, 3), (4, 3)), (3, 4), "does not broadcast"),
        (((2, 3), (4, 3), (4, 3)), (2, 2, 4, 4), "does not broadcast"),
        (((3,), (4, 3), (4, 3)), None, "at least 2"),
    ],
)
def test_bad_shapes_raise_value_errors_naming_the_problem(shapes, mask_shape, words):
    q, k, v = (Tensor(np.ones(s)) for s in shapes)
    mask = None if mask_shape is None else np.ones(mask_shape)
    with pytest.raises(ValueError, match=words):
        scaled_dot_product_attention(q, k, v, mask=mask)


def test_non_tensor_inputs_are_a_type_error():
    with pytest.raises(TypeError):
        scaled_dot_product_attention([[1.0]], Tensor([[1.0]]), Tensor([[1.0]]))
