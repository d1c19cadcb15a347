"""Integration: tokenizer -> embeddings -> attention -> GPT, trained with Adam until it continues the text."""

import numpy as np

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.tokenization import CharTokenizer
from tinytorch.core.transformer import GPT

TEXT = "the cat sat on the mat. " * 6
CONTEXT = 12


def windows(ids, length):
    """Every (input, next-token target) window of the id sequence, as two (n, length) arrays."""
    starts = np.arange(len(ids) - length)
    positions = starts[:, None] + np.arange(length)[None, :]
    return ids[positions], ids[positions + 1]


def train(model, inputs, targets, steps, lr=0.01, batch_size=16):
    loss_fn = CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        rows = np.random.randint(0, len(inputs), size=batch_size)
        logits = model(inputs[rows])
        loss = loss_fn(logits.reshape(-1, model.vocab_size), targets[rows].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_tiny_gpt_learns_a_repeated_sentence_and_continues_it():
    tokenizer = CharTokenizer()
    tokenizer.build_vocab(TEXT)
    ids = np.array(tokenizer.encode(TEXT))
    inputs, targets = windows(ids, CONTEXT)

    model = GPT(tokenizer.vocab_size, embed_dim=24, num_layers=1, num_heads=2, max_seq_len=CONTEXT)
    initial = CrossEntropyLoss()(model(inputs).reshape(-1, tokenizer.vocab_size), targets.reshape(-1)).item()

    losses = train(model, inputs, targets, steps=150)
    final = CrossEntropyLoss()(model(inputs).reshape(-1, tokenizer.vocab_size), targets.reshape(-1)).item()
    assert final < 0.5 * initial, f"loss went from {initial:.3f} to {final:.3f}"
    assert np.mean(losses[-10:]) < np.mean(losses[:10])

    prompt = tokenizer.encode("the cat ")
    continuation = tokenizer.decode(model.generate(prompt, max_new_tokens=8, temperature=0).tolist())
    assert continuation.startswith("the cat ")
    assert continuation[len("the cat "):] == "sat on t"  # greedy decoding reproduces the memorised text


def test_training_changes_every_parameter_and_keeps_them_finite():
    model = GPT(vocab_size=6, embed_dim=8, num_layers=1, num_heads=2, max_seq_len=8)
    before = [p.data.copy() for p in model.parameters()]
    pattern = np.tile(np.arange(6), 3)
    inputs, targets = windows(pattern, 8)
    train(model, inputs, targets, steps=5, batch_size=4)
    for old, param in zip(before, model.parameters()):
        assert np.all(np.isfinite(param.data))
        assert not np.array_equal(old, param.data)
    assert isinstance(model.parameters()[0], Tensor)
