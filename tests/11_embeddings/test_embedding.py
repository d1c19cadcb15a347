"""Embedding: lookups return table rows, gradients scatter-add into the rows used, bad ids are refused."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch.core.autograd  # noqa: F401  (gradients for indexing)
from tinytorch.core.embeddings import Embedding
from tinytorch.core.tensor import Tensor
from testkit.gradcheck import assert_gradients_match


def test_weight_is_a_trainable_vocab_by_dim_table():
    emb = Embedding(vocab_size=7, embed_dim=3)
    assert emb.weight.shape == (7, 3)
    assert emb.weight.requires_grad
    assert emb.parameters() == [emb.weight]


def test_rows_start_as_roughly_unit_length_vectors():
    """Documented init N(0, 1/embed_dim): each entry has std 1/sqrt(embed_dim), each row norm about 1."""
    weight = Embedding(vocab_size=4000, embed_dim=16).weight.data.astype(np.float64)
    assert abs(weight.std() - 0.25) < 0.03 * 0.25  # 64,000 draws: the std is known to about 0.3%
    assert abs(weight.mean()) < 0.01
    assert abs(np.linalg.norm(weight, axis=1).mean() - 1.0) < 0.05


@settings(max_examples=25, deadline=None)
@given(ids=hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.integers(0, 9)))
def test_lookup_returns_the_rows_named_by_the_ids(ids):
    emb = Embedding(10, 4)
    out = emb(ids)
    assert out.shape == ids.shape + (4,)
    expected = np.take(emb.weight.data, ids.reshape(-1), axis=0).reshape(ids.shape + (4,))
    assert np.array_equal(out.data, expected)


def test_ids_may_come_as_tensor_list_or_whole_floats():
    emb = Embedding(6, 2)
    rows = emb.weight.data[[4, 1]]
    assert np.array_equal(emb(Tensor(np.array([4, 1]))).data, rows)
    assert np.array_equal(emb([4, 1]).data, rows)
    assert np.array_equal(emb(Tensor([4.0, 1.0])).data, rows)  # a float Tensor holding whole numbers


def test_repeated_ids_accumulate_their_gradients():
    emb = Embedding(5, 3)
    ids = np.array([[1, 3, 1], [1, 0, 3]])
    upstream = np.random.randn(2, 3, 3).astype(np.float32)
    (emb(ids) * Tensor(upstream)).sum().backward()

    expected = np.zeros((5, 3), dtype=np.float64)
    for position, token in np.ndenumerate(ids):  # reference: add every upstream vector to its row
        expected[token] += upstream[position]
    assert np.allclose(emb.weight.grad, expected, atol=1e-6)
    assert np.all(emb.weight.grad[[2, 4]] == 0.0)  # unused rows get nothing


def test_embedding_gradient_matches_finite_differences():
    emb = Embedding(4, 3)
    ids = np.array([[0, 2, 2, 2], [3, 0, 2, 1]])  # row 2 used four times

    def lookup(table):
        emb.weight = table
        return emb(ids)

    grad = assert_gradients_match(lookup, emb.weight.data)[0]
    assert np.all(grad[2] != 0.0)


@pytest.mark.parametrize(
    "bad, words",
    [
        ([[5]], "out of range"),
        ([[-1]], "out of range"),
        (np.array([0.5, 1.0]), "whole numbers"),
        (np.array([True, False]), "integers"),
        (np.array(["a"]), "integers"),
    ],
)
def test_bad_ids_raise_a_clear_value_error(bad, words):
    with pytest.raises(ValueError, match=words):
        Embedding(5, 2)(bad)


@pytest.mark.parametrize("vocab, dim, error", [
    (0, 4, ValueError), (4, 0, ValueError), (-3, 4, ValueError),  # integers below 1
    (2.5, 4, TypeError), (True, 4, TypeError),  # not integers: the one positive_int of module 03
])
def test_bad_sizes_are_rejected(vocab, dim, error):
    with pytest.raises(error, match="vocab_size" if dim == 4 else "embed_dim"):
        Embedding(vocab, dim)
