"""KVCache on its own: where writes land, what get returns, advance/reset, errors, memory.

Expected contents come from a plain Python list of the written arrays (concatenated
with numpy), and expected sizes from the formula 2 * layers * batch * heads * seq * head_dim * 4.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import GPT
from tinytorch.perf.memoization import KVCache, create_kv_cache, kv_cache_for_model

SIZES = dict(batch_size=2, max_seq_len=6, num_layers=3, num_heads=2, head_dim=4)


def new_cache(**changes):
    return KVCache(**{**SIZES, **changes})


def step_arrays(t, batch=2, heads=2, head_dim=4):
    return np.random.randn(batch, heads, t, head_dim).astype(np.float32), np.random.randn(batch, heads, t, head_dim).astype(np.float32)


def write_step(cache, t):
    """Write t new positions into every layer, advance, return what each layer got."""
    written = []
    for layer in range(cache.num_layers):
        k, v = step_arrays(t, cache.batch_size, cache.num_heads, cache.head_dim)
        cache.update(layer, k, v)
        written.append((k, v))
    cache.advance()
    return written


def test_new_cache_is_empty_and_preallocated():
    cache = new_cache()
    assert cache.keys.shape == cache.values.shape == (3, 2, 2, 6, 4)
    assert cache.keys.dtype == cache.values.dtype == np.float32
    assert cache.seq_pos == 0
    keys, values = cache.get(1)
    assert isinstance(keys, Tensor) and keys.shape == values.shape == (2, 2, 0, 4)


def test_create_kv_cache_matches_the_class():
    cache = create_kv_cache(2, 6, 3, 2, 4)
    assert isinstance(cache, KVCache)
    assert cache.keys.shape == (3, 2, 2, 6, 4) and cache.seq_pos == 0


def test_get_returns_every_written_position_in_order():
    cache = new_cache()
    history = [write_step(cache, 2), write_step(cache, 1), write_step(cache, 1)]
    assert cache.seq_pos == 4
    for layer in range(3):
        keys, values = cache.get(layer)
        expected_k = np.concatenate([step[layer][0] for step in history], axis=2)
        expected_v = np.concatenate([step[layer][1] for step in history], axis=2)
        assert keys.shape == (2, 2, 4, 4)
        np.testing.assert_array_equal(keys.data, expected_k)
        np.testing.assert_array_equal(values.data, expected_v)


def test_writes_land_at_seq_pos_of_the_right_layer_only():
    cache = new_cache()
    write_step(cache, 3)
    before = cache.keys.copy()
    k, v = step_arrays(1)
    cache.update(2, Tensor(k), Tensor(v))  # Tensors are accepted as well as arrays
    changed = np.argwhere(cache.keys != before)
    assert set(changed[:, 0]) == {2} and set(changed[:, 3]) == {3}  # layer 2, position 3
    np.testing.assert_array_equal(cache.keys[2, :, :, 3], k[:, :, 0])
    np.testing.assert_array_equal(cache.values[2, :, :, 3], v[:, :, 0])


def test_mid_step_get_includes_the_new_position_only_for_updated_layers():
    cache = new_cache()
    write_step(cache, 2)
    k, v = step_arrays(1)
    cache.update(0, k, v)
    assert cache.get(0)[0].shape[2] == 3  # the new position is visible to the layer that wrote it
    assert cache.get(1)[0].shape[2] == 2  # not yet written: still the committed prefix
    assert cache.seq_pos == 2
    per_position = 2 * 3 * 2 * 2 * 4 * 4  # K and V, all layers, batch, heads, head_dim, float32
    assert cache.get_memory_usage()["used_bytes"] == 2 * per_position  # only committed positions count


def test_advance_requires_every_layer():
    cache = new_cache()
    with pytest.raises(ValueError, match="not updated: layers \\[0, 1, 2\\]"):
        cache.advance()
    k, v = step_arrays(1)
    cache.update(1, k, v)
    with pytest.raises(ValueError, match="layers \\[0, 2\\]"):
        cache.advance()
    assert cache.seq_pos == 0


def test_a_layer_is_written_once_per_step():
    cache = new_cache()
    k, v = step_arrays(1)
    cache.update(0, k, v)
    with pytest.raises(ValueError, match="already updated"):
        cache.update(0, k, v)


def test_every_layer_writes_the_same_number_of_positions_in_a_step():
    cache = new_cache()
    cache.update(0, *step_arrays(2))
    with pytest.raises(ValueError, match="same number of positions"):
        cache.update(1, *step_arrays(1))


def test_filling_to_max_seq_len_works_and_one_more_overflows():
    cache = new_cache()
    write_step(cache, 5)
    write_step(cache, 1)
    assert cache.seq_pos == 6
    before = cache.keys.copy()
    with pytest.raises(ValueError, match="overflow.*max_seq_len 6"):
        cache.update(0, *step_arrays(1))
    np.testing.assert_array_equal(cache.keys, before)  # a refused write changes nothing
    assert cache.seq_pos == 6


def test_a_prefill_longer_than_the_cache_overflows():
    cache = new_cache()
    with pytest.raises(ValueError, match="overflow"):
        cache.update(0, *step_arrays(7))
    assert cache.get(0)[0].shape[2] == 0


def test_reset_forgets_everything_and_the_cache_is_reusable():
    cache = new_cache()
    write_step(cache, 4)
    cache.reset()
    assert cache.seq_pos == 0
    assert not cache.keys.any() and not cache.values.any()
    assert cache.get(0)[0].shape[2] == 0
    written = write_step(cache, 6)  # the full length is available again
    np.testing.assert_array_equal(cache.get(2)[1].data, written[2][1])


@pytest.mark.parametrize("name", list(SIZES))
@pytest.mark.parametrize("bad, error", [
    (0, ValueError), (-1, ValueError),  # integers below 1
    (2.5, TypeError), (True, TypeError), ("3", TypeError), (None, TypeError),  # not integers
])
def test_sizes_must_be_positive_integers(name, bad, error):
    with pytest.raises(error, match=name):
        new_cache(**{name: bad})


def test_numpy_integer_sizes_are_accepted():
    cache = KVCache(np.int64(1), np.int32(4), np.int64(2), np.int64(2), np.int64(3))
    assert cache.keys.shape == (2, 1, 2, 4, 3)


@pytest.mark.parametrize("layer_idx", [-1, 3, 1.0, True, "0"])
def test_layer_index_is_checked(layer_idx):
    cache = new_cache()
    with pytest.raises(ValueError, match="layer_idx"):
        cache.update(layer_idx, *step_arrays(1))
    with pytest.raises(ValueError, match="layer_idx"):
        cache.get(layer_idx)


@pytest.mark.parametrize("shape", [(1, 2, 1, 4), (2, 3, 1, 4), (2, 2, 1, 5), (2, 2, 0, 4), (2, 2, 4), (2, 2, 1, 4, 1)])
def test_wrong_key_shapes_are_rejected(shape):
    cache = new_cache()
    bad = np.zeros(shape, dtype=np.float32)
    with pytest.raises(ValueError, match="key must have shape"):
        cache.update(0, bad, bad)


def test_key_and_value_shapes_must_agree():
    cache = new_cache()
    k, _ = step_arrays(1)
    v, _ = step_arrays(2)
    with pytest.raises(ValueError, match="same shape"):
        cache.update(0, k, v)


def test_key_must_be_an_array_or_tensor():
    cache = new_cache()
    with pytest.raises(TypeError, match="key must be a Tensor or numpy array"):
        cache.update(0, [[[[0.0] * 4]] * 2] * 2, step_arrays(1)[1])


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 3), seq=st.integers(1, 40), layers=st.integers(1, 4),
       heads=st.integers(1, 4), head_dim=st.integers(1, 8))
def test_memory_usage_matches_the_formula(batch, seq, layers, heads, head_dim):
    cache = KVCache(batch, seq, layers, heads, head_dim)
    usage = cache.get_memory_usage()
    formula = 2 * layers * batch * heads * seq * head_dim * 4
    assert usage["total_bytes"] == formula == cache.keys.nbytes + cache.values.nbytes
    assert usage["per_layer_bytes"] * layers == formula
    assert usage["used_bytes"] == 0
    assert usage["total_mb"] == pytest.approx(formula / 2**20)


def test_used_bytes_follow_the_committed_positions():
    cache = new_cache()
    write_step(cache, 2)
    write_step(cache, 1)
    per_position = 2 * 3 * 2 * 2 * 4 * 4  # K and V, all layers, batch, heads, head_dim, float32
    assert cache.get_memory_usage()["used_bytes"] == 3 * per_position


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(st.integers(1, 3), min_size=1, max_size=6))
def test_any_sequence_of_steps_matches_a_list_of_writes(steps):
    """A reference list of the written arrays predicts get(), seq_pos and the overflow point."""
    rng = np.random.default_rng(len(steps))
    cache = KVCache(1, 8, 2, 2, 3)
    reference = [[] for _ in range(2)]
    for t in steps:
        arrays = [(rng.normal(size=(1, 2, t, 3)), rng.normal(size=(1, 2, t, 3))) for _ in range(2)]
        if cache.seq_pos + t > 8:
            with pytest.raises(ValueError, match="overflow"):
                cache.update(0, *arrays[0])
            break
        for layer, (k, v) in enumerate(arrays):
            cache.update(layer, k, v)
            reference[layer].append((k, v))
        cache.advance()
        assert cache.seq_pos == sum(k.shape[2] for k, _ in reference[0])
    for layer in range(2):
        if reference[layer]:
            keys, values = cache.get(layer)
            np.testing.assert_allclose(keys.data, np.concatenate([k for k, _ in reference[layer]], axis=2), rtol=1e-6)
            np.testing.assert_allclose(values.data, np.concatenate([v for _, v in reference[layer]], axis=2), rtol=1e-6)


def test_cache_for_a_model_reads_its_sizes():
    model = GPT(vocab_size=30, embed_dim=24, num_layers=3, num_heads=4, max_seq_len=20)
    cache = kv_cache_for_model(model, batch_size=2)
    assert cache.keys.shape == (3, 2, 4, 20, 6)  # head_dim = 24 / 4
    assert kv_cache_for_model(model, 1, max_seq_len=5).max_seq_len == 5
    with pytest.raises(ValueError, match="exceeds the model's max_seq_len 20"):
        kv_cache_for_model(model, 1, max_seq_len=21)


def test_cache_for_something_that_is_not_a_gpt():
    with pytest.raises(TypeError, match="has no 'token_embedding'"):
        kv_cache_for_model(object(), batch_size=1)
