"""Positional encodings (learned and sinusoidal) and the combined EmbeddingLayer."""

import math

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.embeddings import EmbeddingLayer, PositionalEncoding, create_sinusoidal_embeddings
from tinytorch.core.tensor import Tensor
from tinytorch.core.tokenization import CharTokenizer


def sinusoid_reference(max_seq_len, embed_dim):
    """The formula of "Attention Is All You Need", one entry at a time."""
    table = np.zeros((max_seq_len, embed_dim))
    for pos in range(max_seq_len):
        for col in range(embed_dim):
            angle = pos / 10000 ** ((col - col % 2) / embed_dim)
            table[pos, col] = math.sin(angle) if col % 2 == 0 else math.cos(angle)
    return table


# ---- learned positions ----------------------------------------------------------------
def test_learned_positions_add_one_row_per_position_to_every_batch_item():
    pe = PositionalEncoding(max_seq_len=8, embed_dim=3)
    x = np.random.randn(2, 5, 3)
    out = pe(Tensor(x))
    assert out.shape == (2, 5, 3)
    assert np.allclose(out.data, x + pe.position_embeddings.data[None, :5], atol=1e-6)
    assert pe.parameters() == [pe.position_embeddings]


def test_learned_position_gradient_sums_over_the_batch_and_skips_unused_positions():
    pe = PositionalEncoding(max_seq_len=6, embed_dim=2)
    upstream = np.random.randn(3, 4, 2).astype(np.float32)
    (pe(Tensor(np.zeros((3, 4, 2)))) * Tensor(upstream)).sum().backward()
    grad = pe.position_embeddings.grad
    assert np.allclose(grad[:4], upstream.sum(axis=0), atol=1e-6)
    assert np.all(grad[4:] == 0.0)


def test_sequence_longer_than_the_table_is_rejected():
    pe = PositionalEncoding(max_seq_len=4, embed_dim=2)
    pe(Tensor(np.zeros((1, 4, 2))))  # exactly max_seq_len is fine
    with pytest.raises(ValueError, match="max_seq_len"):
        pe(Tensor(np.zeros((1, 5, 2))))


@pytest.mark.parametrize("shape", [(4, 2), (1, 3, 5), (1, 2, 3, 2)])
def test_wrong_input_shapes_are_rejected(shape):
    with pytest.raises(ValueError):
        PositionalEncoding(max_seq_len=8, embed_dim=2)(Tensor(np.zeros(shape)))


@pytest.mark.parametrize("bad", [np.zeros((1, 2, 2)), [[[0.0, 0.0]]]])
def test_non_tensor_input_is_a_type_error(bad):
    with pytest.raises(TypeError, match="Tensor"):
        PositionalEncoding(max_seq_len=8, embed_dim=2)(bad)


# ---- sinusoidal table ------------------------------------------------------------------
@pytest.mark.parametrize("max_seq_len, embed_dim", [(10, 8), (7, 5), (1, 1), (50, 16)])
def test_sinusoidal_table_matches_the_formula(max_seq_len, embed_dim):
    table = create_sinusoidal_embeddings(max_seq_len, embed_dim)
    assert isinstance(table, Tensor) and table.shape == (max_seq_len, embed_dim)
    assert not table.requires_grad
    assert np.allclose(table.data, sinusoid_reference(max_seq_len, embed_dim), atol=1e-6)


def test_sinusoidal_rows_are_distinct_positions():
    table = create_sinusoidal_embeddings(64, 16).data
    distances = np.linalg.norm(table[:, None] - table[None, :], axis=-1)
    assert np.all(distances[~np.eye(64, dtype=bool)] > 1e-3)


@pytest.mark.parametrize("args, error", [((0, 4), ValueError), ((4, 0), ValueError), ((3.5, 4), TypeError)])
def test_sinusoidal_rejects_bad_sizes(args, error):
    with pytest.raises(error, match="max_seq_len" if args[1] == 4 else "embed_dim"):
        create_sinusoidal_embeddings(*args)


# ---- EmbeddingLayer --------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["learned", "sinusoidal", None])
def test_embedding_layer_is_tokens_plus_the_chosen_positions(kind):
    layer = EmbeddingLayer(vocab_size=12, embed_dim=4, max_seq_len=6, pos_encoding=kind)
    ids = np.array([[3, 3, 0], [11, 2, 5]])
    out = layer(ids)
    tokens = layer.token_embedding.weight.data[ids]
    if kind == "learned":
        positions = layer.position_encoding.position_embeddings.data[:3]
    elif kind == "sinusoidal":
        positions = sinusoid_reference(6, 4)[:3]
    else:
        positions = 0.0
    assert np.allclose(out.data, tokens + positions, atol=1e-6)


def test_only_learned_tables_are_parameters():
    learned = EmbeddingLayer(10, 4, max_seq_len=5, pos_encoding="learned")
    fixed = EmbeddingLayer(10, 4, max_seq_len=5, pos_encoding="sinusoidal")
    assert [p.shape for p in learned.parameters()] == [(10, 4), (5, 4)]
    assert [p.shape for p in fixed.parameters()] == [(10, 4)]
    fixed(np.array([[1, 2]])).sum().backward()
    assert fixed.token_embedding.weight.grad is not None
    assert fixed.sinusoidal_table.grad is None


def test_embedding_layer_bad_input():
    with pytest.raises(ValueError, match="pos_encoding"):
        EmbeddingLayer(10, 4, pos_encoding="rotary")
    layer = EmbeddingLayer(10, 4, max_seq_len=3, pos_encoding="sinusoidal")
    with pytest.raises(ValueError, match="max_seq_len"):
        layer(np.array([[1, 2, 3, 4]]))
    with pytest.raises(ValueError, match=r"\(batch, seq\)"):
        layer(np.array([1, 2]))
    with pytest.raises(ValueError, match="out of range"):
        layer(np.array([[10]]))


def test_tokenizer_ids_flow_into_embeddings_and_back_to_their_rows():
    text = "hello world"
    tok = CharTokenizer()
    tok.build_vocab(text)
    ids = np.array([tok.encode(text)])
    layer = EmbeddingLayer(tok.vocab_size, 8, max_seq_len=32, pos_encoding=None)
    vectors = layer(ids).data[0]
    # the two 'o's (and the three 'l's) share one vector; different characters do not
    o_positions = [i for i, c in enumerate(text) if c == "o"]
    assert np.array_equal(vectors[o_positions[0]], vectors[o_positions[1]])
    assert not np.array_equal(vectors[text.index("h")], vectors[text.index("w")])
