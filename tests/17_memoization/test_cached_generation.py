"""Cached forward and cached generation against module 13's own uncached computation.

The reference is always GPT.forward / GPT.generate (module 13), which never touches
the cache; layer-0 keys are also recomputed here with plain numpy from the weights.
"""

import numpy as np
import pytest

from tinytorch.core.autograd import no_grad
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import GPT
from tinytorch.perf.memoization import cached_forward, generate_with_cache, kv_cache_for_model

VOCAB, MAX_LEN = 23, 12


def small_gpt(num_layers=2, num_heads=2, embed_dim=16, max_seq_len=MAX_LEN):
    return GPT(vocab_size=VOCAB, embed_dim=embed_dim, num_layers=num_layers, num_heads=num_heads, max_seq_len=max_seq_len)


def full_logits(model, ids):
    with no_grad():
        return model.forward(ids).data


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("prefill", [1, 4, MAX_LEN])
def test_prefill_then_steps_equal_the_full_forward_at_every_position(batch, prefill):
    model = small_gpt()
    ids = np.random.randint(0, VOCAB, size=(batch, MAX_LEN))
    cache = kv_cache_for_model(model, batch)
    pieces = [cached_forward(model, ids[:, :prefill], cache).data]
    for pos in range(prefill, MAX_LEN):
        pieces.append(cached_forward(model, ids[:, pos:pos + 1], cache).data)
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), full_logits(model, ids), atol=1e-5)
    assert cache.seq_pos == MAX_LEN


@pytest.mark.parametrize("chunks", [(3, 2, 4, 3), (1, 5, 6), (2, 2, 2, 2, 2, 2)])
def test_several_positions_at_a_time_after_a_prefix_use_the_shifted_causal_mask(chunks):
    """Chunks of t > 1 new positions at seq_pos > 0: query i sees keys 0..seq_pos+i, no more."""
    model = small_gpt(num_heads=4)
    ids = np.random.randint(0, VOCAB, size=(2, MAX_LEN))
    cache = kv_cache_for_model(model, 2)
    bounds = np.cumsum((0,) + chunks)
    pieces = [cached_forward(model, ids[:, a:b], cache).data for a, b in zip(bounds[:-1], bounds[1:])]
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), full_logits(model, ids), atol=1e-5)


def test_each_step_logits_equal_the_last_position_of_a_full_forward_on_the_prefix():
    model = small_gpt(num_layers=3, num_heads=4)
    ids = np.random.randint(0, VOCAB, size=(2, 9))
    cache = kv_cache_for_model(model, 2)
    cached_forward(model, ids[:, :2], cache)
    for n in range(3, 10):
        step = cached_forward(model, ids[:, n - 1:n], cache).data[:, -1]
        np.testing.assert_allclose(step, full_logits(model, ids[:, :n])[:, -1], atol=1e-5)


def test_prefill_stores_the_layer0_keys_and_values_of_a_numpy_recomputation():
    model = small_gpt(num_heads=4)
    ids = np.random.randint(0, VOCAB, size=(2, 5))
    cache = kv_cache_for_model(model, 2)
    cached_forward(model, ids, cache)
    x = model.token_embedding.weight.data[ids] + model.position_encoding.position_embeddings.data[:5]
    block = model.blocks[0]
    normed = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + block.ln1.eps)
    normed = normed * block.ln1.gamma.data + block.ln1.beta.data
    for proj, stored in ((block.attention.k_proj, cache.keys), (block.attention.v_proj, cache.values)):
        expected = (normed @ proj.weight.data + proj.bias.data).reshape(2, 5, 4, 4).transpose(0, 2, 1, 3)
        np.testing.assert_allclose(stored[0, :, :, :5], expected, atol=1e-5)


def test_cached_forward_records_no_graph():
    model = small_gpt()
    logits = cached_forward(model, np.array([[1, 2, 3]]), kv_cache_for_model(model, 1))
    assert not logits.requires_grad
    assert all(p.grad is None for p in model.parameters())


def test_cached_forward_accepts_a_tensor_of_ids():
    model = small_gpt()
    ids = np.array([[3, 1, 4, 1]])
    out = cached_forward(model, Tensor(ids), kv_cache_for_model(model, 1)).data
    np.testing.assert_allclose(out, full_logits(model, ids), atol=1e-5)


def test_cached_forward_rejects_bad_ids_and_mismatched_caches():
    model = small_gpt()
    cache = kv_cache_for_model(model, 2)
    with pytest.raises(ValueError, match="batch 1 but the cache was made for batch 2"):
        cached_forward(model, np.array([[1, 2]]), cache)
    for bad in (np.array([1, 2]), np.zeros((2, 0), dtype=int), np.ones((2, 2)) * 0.5):
        with pytest.raises(ValueError, match="non-empty 2-D integer"):
            cached_forward(model, bad, cache)
    small = kv_cache_for_model(model, 2, max_seq_len=3)
    cached_forward(model, np.ones((2, 3), dtype=int), small)
    with pytest.raises(ValueError, match="positions 3..3 do not fit"):
        cached_forward(model, np.ones((2, 1), dtype=int), small)


@pytest.mark.parametrize("prompt_len", [1, 2, 5, 8])
@pytest.mark.parametrize("batch", [1, 3])
def test_greedy_generation_matches_uncached_up_to_max_seq_len(prompt_len, batch):
    model = small_gpt()
    prompt = np.random.randint(0, VOCAB, size=(batch, prompt_len))
    new = MAX_LEN - prompt_len + 1  # the last fed position is exactly max_seq_len - 1
    expected = model.generate(prompt, max_new_tokens=new, temperature=0)
    got = generate_with_cache(model, prompt, max_new_tokens=new, temperature=0)
    assert got.dtype == expected.dtype and got.shape == (batch, MAX_LEN + 1)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_seeded_sampling_draws_the_same_tokens_and_the_same_number_of_draws(temperature):
    model = small_gpt()
    prompt = np.random.randint(0, VOCAB, size=(3, 4))
    np.random.seed(123)
    expected = model.generate(prompt, max_new_tokens=8, temperature=temperature)
    draw_after_uncached = np.random.random()
    np.random.seed(123)
    got = generate_with_cache(model, prompt, max_new_tokens=8, temperature=temperature)
    draw_after_cached = np.random.random()
    np.testing.assert_array_equal(got, expected)
    assert draw_after_cached == draw_after_uncached  # the RNG stream is left where uncached leaves it


def test_generation_past_max_seq_len_matches_the_sliding_window():
    model = small_gpt(max_seq_len=6)
    prompt = np.random.randint(0, VOCAB, size=(2, 3))
    expected = model.generate(prompt, max_new_tokens=10, temperature=0)
    np.testing.assert_array_equal(generate_with_cache(model, prompt, max_new_tokens=10, temperature=0), expected)
    np.random.seed(5)
    expected = model.generate(prompt, max_new_tokens=10, temperature=1.0)
    np.random.seed(5)
    np.testing.assert_array_equal(generate_with_cache(model, prompt, max_new_tokens=10, temperature=1.0), expected)


def test_a_prompt_longer_than_max_seq_len_matches_uncached():
    model = small_gpt(max_seq_len=4)
    prompt = np.random.randint(0, VOCAB, size=7)
    expected = model.generate(prompt, max_new_tokens=3, temperature=0)
    np.testing.assert_array_equal(generate_with_cache(model, prompt, max_new_tokens=3, temperature=0), expected)


def test_one_sequence_in_one_sequence_out():
    model = small_gpt()
    got = generate_with_cache(model, [4, 5, 6], max_new_tokens=4, temperature=0)
    expected = model.generate([4, 5, 6], max_new_tokens=4, temperature=0)
    assert got.shape == (7,) and got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got[:3], [4, 5, 6])


def test_zero_new_tokens_returns_the_prompt():
    model = small_gpt()
    prompt = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(generate_with_cache(model, prompt, max_new_tokens=0), prompt)


@pytest.mark.parametrize("prompt, max_new_tokens, temperature, message", [
    ([], 2, 0, "non-empty"),
    ([1.5, 2.0], 2, 0, "integer token ids"),
    ([1, 2], -1, 0, "max_new_tokens"),
    ([1, 2], 2.0, 0, "max_new_tokens"),
    ([1, 2], 2, -0.5, "temperature"),
])
def test_bad_arguments_raise_like_gpt_generate(prompt, max_new_tokens, temperature, message):
    model = small_gpt()
    with pytest.raises(ValueError, match=message):
        model.generate(prompt, max_new_tokens, temperature)
    with pytest.raises(ValueError, match=message):
        generate_with_cache(model, prompt, max_new_tokens, temperature)
