"""Checkpoint 17 (memoization): can my model generate text without recomputing the past?

Written against the public API (API.md): GPT (module 13), CharTokenizer (module 10),
KVCache / create_kv_cache / enable_kv_cache / disable_kv_cache (module 17).
- With the KV cache enabled, GPT.generate produces exactly the same text: greedy, and
  sampled under the same seed, for a batch of prompts.
- Each new token costs fewer FLOPs with the cache, and its cost grows linearly with
  the context instead of quadratically. FLOPs are counted from the shapes of every
  matrix product the model performs (Tensor.matmul, and Linear, which computes x @ W + b
  as one operation), never from timings, and checked against the hand-derived formulas
  for a pre-norm GPT:
      uncached step, context N:  L * (24 N E^2 + 4 E N^2) + 2 N E V
      cached step,   context N:  L * (24 E^2   + 4 E N)   + 2 E V
- The cache's memory is 2 * layers * batch * heads * seq * head_dim * 4 bytes.
"""

import numpy as np
import pytest

from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor
from tinytorch.core.tokenization import CharTokenizer
from tinytorch.core.transformer import GPT
from tinytorch.perf.memoization import KVCache, create_kv_cache, disable_kv_cache, enable_kv_cache

CORPUS = "the cat sat on the mat. the dog sat on the log. "
EMBED, LAYERS, HEADS, MAX_LEN = 32, 2, 4, 48


def text_model():
    tokenizer = CharTokenizer()
    tokenizer.build_vocab(CORPUS)
    model = GPT(vocab_size=len(tokenizer.vocab), embed_dim=EMBED, num_layers=LAYERS, num_heads=HEADS, max_seq_len=MAX_LEN)
    return tokenizer, model


@pytest.fixture
def matmul_flops(monkeypatch):
    """A list that receives 2*m*k*n (times the broadcast batch size) for every Tensor matmul and Linear."""
    counted = []
    original_matmul, original_linear = Tensor.matmul, Linear.forward

    def counting_matmul(self, other):
        a, b = np.shape(self.data), np.shape(other.data if isinstance(other, Tensor) else other)
        batch = np.broadcast_shapes(a[:-2], b[:-2])
        counted.append(2 * int(np.prod(batch)) * a[-2] * a[-1] * b[-1])
        return original_matmul(self, other)

    def counting_linear(self, x):
        if self.bias is not None:  # without a bias, Linear is x @ weight, which counting_matmul counts
            counted.append(2 * int(np.prod(x.shape[:-1])) * self.in_features * self.out_features)
        return original_linear(self, x)

    monkeypatch.setattr(Tensor, "matmul", counting_matmul)
    monkeypatch.setattr(Linear, "forward", counting_linear)
    return counted


def generation_flops(model, prompt, new_tokens, counted):
    counted.clear()
    model.generate(prompt, max_new_tokens=new_tokens, temperature=0)
    return sum(counted)


def step_flops(model, prompt, context, counted):
    """FLOPs of the step that reads a context of `context` tokens and picks the next one."""
    new = context - prompt.shape[-1] + 1
    return generation_flops(model, prompt, new, counted) - generation_flops(model, prompt, new - 1, counted)


def test_cached_generation_writes_the_same_text():
    tokenizer, model = text_model()
    prompts = np.array([tokenizer.encode("the cat"), tokenizer.encode("the dog"), tokenizer.encode("on the ")[:7]])
    greedy = model.generate(prompts, max_new_tokens=MAX_LEN - 7 + 1, temperature=0)
    np.random.seed(17)
    sampled = model.generate(prompts, max_new_tokens=20, temperature=0.8)

    enable_kv_cache(model)
    np.testing.assert_array_equal(model.generate(prompts, max_new_tokens=MAX_LEN - 7 + 1, temperature=0), greedy)
    np.random.seed(17)
    cached_sampled = model.generate(prompts, max_new_tokens=20, temperature=0.8)
    np.testing.assert_array_equal(cached_sampled, sampled)
    assert [tokenizer.decode(row.tolist()) for row in cached_sampled] == [tokenizer.decode(row.tolist()) for row in sampled]
    disable_kv_cache(model)
    np.testing.assert_array_equal(model.generate(prompts, max_new_tokens=5, temperature=0), greedy[:, :12])


def test_each_cached_step_does_linear_work_instead_of_recomputing_the_prefix(matmul_flops):
    tokenizer, model = text_model()
    vocab = len(tokenizer.vocab)
    prompt = np.array([tokenizer.encode("the")])
    contexts = (8, 16, 32, 48)

    uncached = [step_flops(model, prompt, n, matmul_flops) for n in contexts]
    enable_kv_cache(model)
    cached = [step_flops(model, prompt, n, matmul_flops) for n in contexts]
    disable_kv_cache(model)

    for n, plain, memo in zip(contexts, uncached, cached):
        assert plain == LAYERS * (24 * n * EMBED**2 + 4 * EMBED * n**2) + 2 * n * EMBED * vocab
        assert memo == LAYERS * (24 * EMBED**2 + 4 * EMBED * n) + 2 * EMBED * vocab
        assert memo < plain
    # linear: equal context increments add equal work; uncached increments keep growing
    cached_increments = np.diff(cached) / np.diff(contexts)
    assert np.allclose(cached_increments, LAYERS * 4 * EMBED)
    assert np.all(np.diff(np.diff(uncached) / np.diff(contexts)) > 0)
    assert uncached[-1] / cached[-1] > 30  # at 48 tokens the prefix is no longer recomputed
    # disabled again: back to the uncached cost
    assert step_flops(model, prompt, 16, matmul_flops) == uncached[1]


def test_the_cache_costs_memory_in_proportion_to_layers_and_length():
    for layers, batch, heads, seq, head_dim in [(2, 1, 4, 48, 8), (6, 3, 2, 100, 16), (12, 8, 12, 1024, 64)]:
        cache = create_kv_cache(batch, seq, layers, heads, head_dim)
        assert isinstance(cache, KVCache)
        assert cache.get_memory_usage()["total_bytes"] == 2 * layers * batch * heads * seq * head_dim * 4


def test_the_cache_remembers_each_layers_past_and_refuses_to_overflow():
    cache = KVCache(batch_size=1, max_seq_len=3, num_layers=2, num_heads=2, head_dim=4)
    steps = [np.random.randn(1, 2, 1, 4) for _ in range(3)]
    for step in steps:
        for layer in range(2):
            cache.update(layer, step + layer, -step)
        cache.advance()
    keys, values = cache.get(1)
    np.testing.assert_allclose(keys.data, np.concatenate(steps, axis=2) + 1, rtol=1e-6)
    np.testing.assert_allclose(values.data, -np.concatenate(steps, axis=2), rtol=1e-6)
    with pytest.raises(ValueError):
        cache.update(0, steps[0], steps[0])
    cache.reset()
    assert cache.get(0)[0].shape == (1, 2, 0, 4)
