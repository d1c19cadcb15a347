"""Checkpoint 13, transformers: can I train a small GPT from scratch on text, and does it
then continue that text on its own, never peeking at future tokens?

Written against the public API only: create_causal_mask(seq_len), LayerNorm(normalized_shape),
MLP(embed_dim), TransformerBlock(embed_dim, num_heads), GPT(vocab_size, embed_dim, num_layers,
num_heads, max_seq_len) with forward, parameters() and generate(prompt_ids, max_new_tokens, temperature).
"""

import numpy as np

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.tokenization import CharTokenizer
from tinytorch.core.transformer import GPT, MLP, LayerNorm, TransformerBlock, create_causal_mask

TEXT = "to be or not to be. " * 6


def test_building_blocks_keep_the_shape():
    x = Tensor(np.random.randn(2, 4, 8))
    assert LayerNorm(8)(x).shape == (2, 4, 8)
    assert MLP(8)(x).shape == (2, 4, 8)
    assert TransformerBlock(8, 2)(x, create_causal_mask(4)).shape == (2, 4, 8)


def test_a_gpt_learns_text_and_continues_it():
    tok = CharTokenizer()
    tok.build_vocab(TEXT)
    ids = np.array(tok.encode(TEXT))
    context = 10
    starts = np.arange(len(ids) - context)
    inputs = ids[starts[:, None] + np.arange(context)]
    targets = ids[starts[:, None] + np.arange(context) + 1]

    model = GPT(tok.vocab_size, embed_dim=24, num_layers=1, num_heads=2, max_seq_len=context)
    loss_fn, optimizer = CrossEntropyLoss(), Adam(model.parameters(), lr=0.01)

    def full_loss():
        return loss_fn(model.forward(inputs).reshape(-1, tok.vocab_size), targets.reshape(-1)).item()

    initial = full_loss()
    for _ in range(150):
        rows = np.random.randint(0, len(inputs), size=16)
        loss = loss_fn(model.forward(inputs[rows]).reshape(-1, tok.vocab_size), targets[rows].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert full_loss() < 0.5 * initial

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
