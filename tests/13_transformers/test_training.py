"""Integration: tokenizer -> embeddings -> attention -> GPT, trained with Adam until it continues the text."""

import numpy as np

from tinytorch.core.tokenization import CharTokenizer
from tinytorch.core.transformer import GPT
from testkit.language import next_token_loss, next_token_windows, train_next_token

TEXT = "the cat sat on the mat. " * 6
CONTEXT = 12


def test_tiny_gpt_learns_a_repeated_sentence_and_continues_it():
    tokenizer = CharTokenizer()
    tokenizer.build_vocab(TEXT)
    inputs, targets = next_token_windows(tokenizer.encode(TEXT), CONTEXT)

    model = GPT(tokenizer.vocab_size, embed_dim=24, num_layers=1, num_heads=2, max_seq_len=CONTEXT)
    initial = next_token_loss(model, inputs, targets).item()
    losses = train_next_token(model, inputs, targets, steps=150, lr=0.01)
    final = next_token_loss(model, inputs, targets).item()
    assert final < 0.5 * initial, f"loss went from {initial:.3f} to {final:.3f}"
    assert np.mean(losses[-10:]) < np.mean(losses[:10])

    # a prompt longer than max_seq_len: generation crops it to the last CONTEXT ids and still continues
    prompt = "the cat sat on the "
    assert len(prompt) > CONTEXT
    continuation = tokenizer.decode(model.generate(tokenizer.encode(prompt), max_new_tokens=9, temperature=0).tolist())
    assert continuation == prompt + "mat. the "


def test_training_changes_every_parameter_and_keeps_them_finite():
    model = GPT(vocab_size=6, embed_dim=8, num_layers=1, num_heads=2, max_seq_len=8)
    before = [p.data.copy() for p in model.parameters()]
    inputs, targets = next_token_windows(np.tile(np.arange(6), 3), 8)
    train_next_token(model, inputs, targets, steps=5, lr=0.01, batch_size=4)
    for old, param in zip(before, model.parameters()):
        assert np.all(np.isfinite(param.data))
        assert not np.array_equal(old, param.data)
