"""Next-token training for the language-model suites (12 attention, 13 transformers).

A model here is any object with `forward(ids) -> logits (batch, seq, vocab)` and
`parameters()`. Batches are drawn with `np.random`, so the root conftest's seed
makes every run the same.
"""

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (training needs backward)
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam


def next_token_windows(ids, length):
    """Every (input, target) window of an id sequence: targets are the inputs shifted by one.

    Returns two int arrays of shape (len(ids) - length, length).
    """
    ids = np.asarray(ids)
    positions = np.arange(len(ids) - length)[:, None] + np.arange(length)[None, :]
    return ids[positions], ids[positions + 1]


def next_token_loss(model, inputs, targets):
    """Mean cross-entropy of the model's logits against the next tokens, over every position."""
    logits = model.forward(inputs)
    vocab_size = logits.shape[-1]
    return CrossEntropyLoss()(logits.reshape(-1, vocab_size), targets.reshape(-1))


def train_next_token(model, inputs, targets, steps, lr, batch_size=16):
    """Adam on random mini-batches of windows; returns the loss of every step."""
    optimizer = Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        rows = np.random.randint(0, len(inputs), size=batch_size)
        loss = next_token_loss(model, inputs[rows], targets[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
