"""Integration of modules 10-12: tokenizer -> EmbeddingLayer -> causal MultiHeadAttention -> Linear head,
a one-layer attention language model trained with Adam (module 06) on character text."""

import numpy as np

from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.embeddings import EmbeddingLayer
from tinytorch.core.layers import Linear
from tinytorch.core.tokenization import CharTokenizer
from testkit.language import next_token_loss, next_token_windows, train_next_token

TEXT = "abcdefg " * 8
CONTEXT = 8


class AttentionLanguageModel:
    """Embeddings, one causal self-attention layer with a residual connection, and an output head."""

    def __init__(self, vocab_size, embed_dim, num_heads, max_seq_len):
        self.embedding = EmbeddingLayer(vocab_size, embed_dim, max_seq_len, pos_encoding="learned")
        self.attention = MultiHeadAttention(embed_dim, num_heads)
        self.head = Linear(embed_dim, vocab_size)

    def forward(self, ids):
        x = self.embedding(ids)
        causal = np.tril(np.ones((ids.shape[1], ids.shape[1])))
        x = x + self.attention(x, mask=causal)
        return self.head(x)

    def parameters(self):
        return self.embedding.parameters() + self.attention.parameters() + self.head.parameters()


def test_tokenizer_embeddings_attention_model_learns_the_text():
    tok = CharTokenizer()
    tok.build_vocab(TEXT)
    inputs, targets = next_token_windows(tok.encode(TEXT), CONTEXT)

    model = AttentionLanguageModel(tok.vocab_size, embed_dim=16, num_heads=2, max_seq_len=CONTEXT)
    initial = next_token_loss(model, inputs, targets).item()
    attention_before = [p.data.copy() for p in model.attention.parameters()]
    train_next_token(model, inputs, targets, steps=80, lr=0.02)
    final = next_token_loss(model, inputs, targets).item()
    assert final < 0.5 * initial, f"loss went from {initial:.3f} to {final:.3f}"
    # the gradient reached the attention projections through the residual branch
    assert all(not np.array_equal(old, p.data) for old, p in zip(attention_before, model.attention.parameters()))

    # the most likely next character after every position is the true next character
    predicted = model.forward(inputs).data.argmax(axis=-1)
    assert np.mean(predicted == targets) > 0.95
