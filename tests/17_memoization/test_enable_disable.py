"""enable_kv_cache / disable_kv_cache on a GPT, and the cache on compressed models.

enable_kv_cache sets the instance attribute `model.generate`; disable removes it.
The reference tokens always come from GPT.generate on the same model, uncached.
"""

import numpy as np
import pytest
from testkit.models import Identity

import tinytorch.perf.memoization as memoization
from tinytorch.core.transformer import GPT
from tinytorch.perf.compression import magnitude_prune, measure_sparsity, structured_prune
from tinytorch.perf.profiling import Profiler
from tinytorch.perf.quantization import quantize_model
from tinytorch.perf.memoization import disable_kv_cache, enable_kv_cache, is_kv_cache_enabled


def small_gpt(max_seq_len=10):
    return GPT(vocab_size=19, embed_dim=16, num_layers=2, num_heads=4, max_seq_len=max_seq_len)


@pytest.fixture
def calls_to_cached_forward(monkeypatch):
    """How many times the cached path ran, and with how many new positions each time."""
    seen = []
    original = memoization.cached_forward

    def counting(model, ids, cache):
        seen.append(np.asarray(ids).shape[1])
        return original(model, ids, cache)

    monkeypatch.setattr(memoization, "cached_forward", counting)
    return seen


def test_enabled_generate_uses_the_cache_one_position_per_step(calls_to_cached_forward):
    model = small_gpt()
    prompt = np.random.randint(0, 19, size=(2, 4))
    expected = model.generate(prompt, max_new_tokens=5, temperature=0)
    assert calls_to_cached_forward == []  # uncached generate never touches module 17
    enable_kv_cache(model)
    np.testing.assert_array_equal(model.generate(prompt, max_new_tokens=5, temperature=0), expected)
    assert calls_to_cached_forward == [4, 1, 1, 1, 1]  # prefill the prompt, then one new token per step


def test_disable_restores_the_model_exactly(calls_to_cached_forward):
    model = small_gpt()
    before = dict(vars(model))
    prompt = [3, 1, 4]
    enable_kv_cache(model)
    assert is_kv_cache_enabled(model) and "generate" in vars(model)
    assert disable_kv_cache(model) is model
    assert vars(model) == before and not is_kv_cache_enabled(model)
    assert model.generate.__func__ is GPT.generate  # the class method again
    np.random.seed(11)
    after = model.generate(prompt, max_new_tokens=4, temperature=1.0)
    assert calls_to_cached_forward == []
    np.random.seed(11)
    np.testing.assert_array_equal(after, GPT.generate(model, prompt, max_new_tokens=4, temperature=1.0))


def test_enabling_twice_is_harmless_and_one_disable_undoes_it():
    model = small_gpt()
    before = dict(vars(model))
    assert enable_kv_cache(model) is model
    first = vars(model)["generate"]
    enable_kv_cache(model)
    assert vars(model)["generate"] is first  # not wrapped a second time
    prompt = np.random.randint(0, 19, size=(1, 3))
    np.testing.assert_array_equal(model.generate(prompt, 6, temperature=0), GPT.generate(model, prompt, 6, temperature=0))
    disable_kv_cache(model)
    assert vars(model) == before


def test_disable_without_enable_changes_nothing():
    model = small_gpt()
    before = dict(vars(model))
    disable_kv_cache(model)
    assert vars(model) == before


def test_a_generate_the_instance_already_had_is_put_back():
    model = small_gpt()

    def custom_generate(prompt_ids, max_new_tokens, temperature=1.0):
        return GPT.generate(model, prompt_ids, max_new_tokens, temperature)

    model.generate = custom_generate
    enable_kv_cache(model)
    assert model.generate is not custom_generate
    disable_kv_cache(model)
    assert model.generate is custom_generate


def test_the_instance_generate_is_the_handover_once_the_window_slides():
    """With a generate of its own, the model hands over to that one, not to GPT.generate."""
    model = small_gpt(max_seq_len=6)
    handovers = []

    def custom_generate(prompt_ids, max_new_tokens, temperature=1.0):
        handovers.append((np.asarray(prompt_ids).shape, max_new_tokens))
        return GPT.generate(model, prompt_ids, max_new_tokens, temperature)

    model.generate = custom_generate
    prompt = np.random.randint(0, 19, size=(1, 3))
    expected = GPT.generate(model, prompt, max_new_tokens=6, temperature=0)
    enable_kv_cache(model)
    np.testing.assert_array_equal(model.generate(prompt, max_new_tokens=6, temperature=0), expected)
    # the prompt and 3 fed-back tokens fill the 6 cached positions; the last 2 tokens come from the custom loop
    assert handovers == [((1, 7), 2)]


def test_models_are_switched_independently(calls_to_cached_forward):
    cached, plain = small_gpt(), small_gpt()
    enable_kv_cache(cached)
    assert is_kv_cache_enabled(cached) and not is_kv_cache_enabled(plain)
    plain.generate([1, 2], max_new_tokens=3, temperature=0)
    assert calls_to_cached_forward == []


def test_forward_parameters_and_profiling_are_unchanged_by_enabling():
    model = small_gpt()
    ids = np.random.randint(0, 19, size=(2, 5))
    out_before, params_before = model.forward(ids).data, model.parameters()
    count_before = Profiler().count_parameters(model)
    enable_kv_cache(model)
    np.testing.assert_array_equal(model.forward(ids).data, out_before)
    assert [id(p) for p in model.parameters()] == [id(p) for p in params_before]
    assert Profiler().count_parameters(model) == count_before


def test_enable_rejects_something_that_is_not_a_gpt():
    model = Identity()  # a model, but not a module-13 GPT
    with pytest.raises(TypeError, match="module-13 GPT"):
        enable_kv_cache(model)
    assert "generate" not in vars(model)


def test_cached_generation_after_magnitude_pruning():
    model = small_gpt()
    magnitude_prune(model, sparsity=0.6)
    assert measure_sparsity(model) == pytest.approx(0.6, abs=0.01)
    prompt = np.random.randint(0, 19, size=(3, 2))
    expected = model.generate(prompt, max_new_tokens=8, temperature=0)
    enable_kv_cache(model)
    np.testing.assert_array_equal(model.generate(prompt, max_new_tokens=8, temperature=0), expected)


def test_pruning_while_enabled_is_seen_by_the_next_generation():
    model = small_gpt()
    enable_kv_cache(model)
    prompt = np.random.randint(0, 19, size=(2, 3))
    structured_prune(model, prune_ratio=0.5)  # in place, after enabling: the cache path reads live weights
    np.testing.assert_array_equal(model.generate(prompt, max_new_tokens=7, temperature=0),
                                  GPT.generate(model, prompt, max_new_tokens=7, temperature=0))


def test_a_quantized_copy_of_an_enabled_model_generates_with_its_own_weights():
    model = small_gpt()
    enable_kv_cache(model)
    quantized = quantize_model(model)  # a deep copy: its generate must drive the copy, not the original
    assert is_kv_cache_enabled(quantized) and vars(quantized)["generate"].model is quantized
    prompt = np.random.randint(0, 19, size=(2, 3))
    # 12 new tokens outgrow max_seq_len 10: the copy also hands over to its own uncached loop
    np.testing.assert_array_equal(quantized.generate(prompt, max_new_tokens=12, temperature=0),
                                  GPT.generate(quantized, prompt, max_new_tokens=12, temperature=0))
    disable_kv_cache(quantized)
    assert "generate" not in vars(quantized)
