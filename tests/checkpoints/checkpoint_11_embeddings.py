"""Checkpoint 11, embeddings: can I turn token ids into trainable vectors that also know
where in the sequence each token sits?

Written against the public API only: Embedding(vocab_size, embed_dim),
PositionalEncoding(max_seq_len, embed_dim), create_sinusoidal_embeddings(max_seq_len, embed_dim),
EmbeddingLayer(vocab_size, embed_dim, max_seq_len=512, pos_encoding='learned').
"""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.embeddings import Embedding, EmbeddingLayer, PositionalEncoding, create_sinusoidal_embeddings
from tinytorch.core.tensor import Tensor
from tinytorch.core.tokenization import CharTokenizer


def test_text_becomes_one_vector_per_character():
    tok = CharTokenizer()
    tok.build_vocab("embeddings")
    ids = np.array([tok.encode("seed")])
    emb = Embedding(tok.vocab_size, 6)
    vectors = emb(ids)
    assert vectors.shape == (1, 4, 6)
    (table,) = emb.parameters()
    assert np.array_equal(vectors.data[0], table.data[ids[0]])  # each character's own row
    assert np.array_equal(vectors.data[0, 1], vectors.data[0, 2])  # the two 'e's share it
    assert not np.array_equal(vectors.data[0, 0], vectors.data[0, 3])


def test_the_same_token_gets_the_same_vector_and_training_moves_only_used_rows():
    emb = Embedding(vocab_size=8, embed_dim=4)
    out = emb(np.array([[3, 5, 3]]))
    assert np.array_equal(out.data[0, 0], out.data[0, 2])
    out.sum().backward()
    assert np.allclose(emb.weight.grad[3], 2.0) and np.allclose(emb.weight.grad[5], 1.0)
    assert np.all(emb.weight.grad[[0, 1, 2, 4, 6, 7]] == 0.0)


def test_the_same_token_at_two_positions_gets_two_different_vectors():
    for kind in ("learned", "sinusoidal"):
        layer = EmbeddingLayer(vocab_size=8, embed_dim=4, max_seq_len=16, pos_encoding=kind)
        out = layer(np.array([[3, 3]])).data
        assert not np.allclose(out[0, 0], out[0, 1]), kind


def test_positions_are_added_and_limited_to_max_seq_len():
    pe = PositionalEncoding(max_seq_len=4, embed_dim=2)
    assert pe(Tensor(np.zeros((2, 4, 2)))).shape == (2, 4, 2)
    with pytest.raises(ValueError):
        pe(Tensor(np.zeros((2, 5, 2))))


def test_sinusoidal_table_starts_with_sin0_cos0_and_stays_bounded():
    table = create_sinusoidal_embeddings(100, 8).data
    assert np.allclose(table[0], [0, 1, 0, 1, 0, 1, 0, 1])
    assert np.all(np.abs(table) <= 1.0)


def test_invalid_ids_are_refused():
    with pytest.raises(ValueError):
        Embedding(4, 2)(np.array([[4]]))
