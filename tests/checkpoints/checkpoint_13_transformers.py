"""Checkpoint 13, transformers: can I train a small GPT from scratch on text, and does it
then continue that text on its own, never peeking at future tokens?

Written against the public API only: create_causal_mask(seq_len), LayerNorm(normalized_shape),
MLP(embed_dim), TransformerBlock(embed_dim, num_heads), GPT(vocab_size, embed_dim, num_layers,
num_heads, max_seq_len) with forward, parameters() and generate(prompt_ids, max_new_tokens, temperature).
"""

import numpy as np

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.tensor import Tensor
from tinytorch.core.tokenization import CharTokenizer
from tinytorch.core.transformer import GPT, MLP, LayerNorm, TransformerBlock, create_causal_mask
from testkit.language import next_token_loss, next_token_windows, train_next_token

TEXT = "to be or not to be. " * 6


def test_building_blocks_keep_the_shape():
    x = Tensor(np.random.randn(2, 4, 8) * 3 + 1)
    normalized = LayerNorm(8)(x).data
    assert normalized.shape == (2, 4, 8)
    assert np.allclose(normalized.mean(axis=-1), 0.0, atol=1e-5) and np.allclose(normalized.std(axis=-1), 1.0, atol=1e-3)
    assert MLP(8)(x).shape == (2, 4, 8)
    assert TransformerBlock(8, 2)(x, create_causal_mask(4)).shape == (2, 4, 8)


def test_a_gpt_learns_text_and_continues_it():
    tok = CharTokenizer()
    tok.build_vocab(TEXT)
    inputs, targets = next_token_windows(tok.encode(TEXT), 10)

    model = GPT(tok.vocab_size, embed_dim=24, num_layers=1, num_heads=2, max_seq_len=10)
    initial = next_token_loss(model, inputs, targets).item()
    train_next_token(model, inputs, targets, steps=150, lr=0.01)
    assert next_token_loss(model, inputs, targets).item() < 0.5 * initial

    text = tok.decode(model.generate(tok.encode("to be or "), max_new_tokens=7, temperature=0).tolist())
    assert text == "to be or not to "


def test_the_future_never_leaks_into_the_past():
    model = GPT(vocab_size=10, embed_dim=8, num_layers=2, num_heads=2, max_seq_len=8)
    a = np.array([[1, 2, 3, 4, 5, 6]])
    b = np.array([[1, 2, 3, 9, 9, 9]])
    assert np.allclose(model.forward(a).data[:, :3], model.forward(b).data[:, :3], atol=1e-6)


def test_generation_has_the_requested_length_and_is_reproducible():
    model = GPT(vocab_size=10, embed_dim=8, num_layers=1, num_heads=2, max_seq_len=8)
    np.random.seed(7)
    first = model.generate([1, 2, 3], max_new_tokens=10)
    np.random.seed(7)
    second = model.generate([1, 2, 3], max_new_tokens=10)
    assert len(first) == 13 and np.array_equal(first, second)
    assert all(0 <= i < 10 for i in first)
