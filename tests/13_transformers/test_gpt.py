"""GPT: logits, causality, parameter count, generation, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.embeddings import Embedding, PositionalEncoding
from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import GPT, LayerNorm, TransformerBlock


def small_gpt(**overrides):
    config = dict(vocab_size=11, embed_dim=8, num_layers=2, num_heads=2, max_seq_len=12)
    config.update(overrides)
    return GPT(**config)


def test_gpt_is_built_from_the_named_parts():
    model = small_gpt()
    assert isinstance(model.token_embedding, Embedding)
    assert isinstance(model.position_encoding, PositionalEncoding)
    assert isinstance(model.blocks, list) and len(model.blocks) == 2
    assert all(isinstance(b, TransformerBlock) for b in model.blocks)
    assert isinstance(model.ln_f, LayerNorm) and isinstance(model.lm_head, Linear)


def test_forward_gives_logits_per_position_and_vocabulary_entry():
    model = small_gpt()
    ids = np.random.randint(0, 11, size=(3, 7))
    logits = model(ids)
    assert isinstance(logits, Tensor) and logits.shape == (3, 7, 11)
    assert np.all(np.isfinite(logits.data))
    assert np.array_equal(model(Tensor(ids)).data, logits.data)  # ids as a Tensor work the same


@pytest.mark.parametrize("vocab, dim, layers, heads, max_len", [(11, 8, 2, 2, 12), (50, 16, 3, 4, 32)])
def test_parameter_count_matches_the_architecture(vocab, dim, layers, heads, max_len):
    model = GPT(vocab, dim, layers, heads, max_len)
    per_block = (2 * dim) + 4 * (dim * dim + dim) + (2 * dim) + (dim * 4 * dim + 4 * dim) + (4 * dim * dim + dim)
    expected = vocab * dim + max_len * dim + layers * per_block + 2 * dim + (dim * vocab + vocab)
    params = model.parameters()
    assert sum(p.data.size for p in params) == expected
    assert len({id(p) for p in params}) == len(params)  # each Tensor listed once
    assert all(p.requires_grad for p in params)


@settings(max_examples=15, deadline=None)
@given(seq=st.integers(2, 8), cut=st.integers(1, 7), seed=st.integers(0, 10_000))
def test_changing_later_tokens_never_changes_earlier_logits(seq, cut, seed):
    cut = min(cut, seq - 1)
    rng = np.random.default_rng(seed)
    model = small_gpt()
    ids = rng.integers(0, 11, size=(2, seq))
    changed = ids.copy()
    changed[:, cut:] = (ids[:, cut:] + rng.integers(1, 11, size=(2, seq - cut))) % 11  # every later token differs
    before, after = model(ids).data, model(changed).data
    assert np.allclose(after[:, :cut], before[:, :cut], atol=1e-6, rtol=0)


def test_a_later_token_does_change_its_own_logits():
    model = small_gpt()
    ids = np.array([[1, 2, 3, 4]])
    changed = np.array([[1, 2, 3, 9]])
    assert not np.allclose(model(ids).data[:, 3], model(changed).data[:, 3])


def test_backward_reaches_every_parameter():
    model = small_gpt()
    (model(np.random.randint(0, 11, size=(2, 5))) ** 2).mean().backward()
    for p in model.parameters():
        assert p.grad is not None and p.grad.shape == p.shape
    unused = model.token_embedding.weight.grad
    assert np.all(np.isfinite(unused))


# ---- generation --------------------------------------------------------------------------
def test_generate_returns_the_prompt_plus_valid_new_ids():
    model = small_gpt()
    out = model.generate([3, 1, 4], max_new_tokens=5)
    assert out.shape == (8,) and list(out[:3]) == [3, 1, 4]
    assert np.issubdtype(out.dtype, np.integer) and np.all((out >= 0) & (out < 11))
    batch = model.generate(np.array([[3, 1], [4, 1]]), max_new_tokens=4)
    assert batch.shape == (2, 6) and np.array_equal(batch[:, :2], [[3, 1], [4, 1]])
    assert np.array_equal(model.generate([3], max_new_tokens=0), [3])


def test_generate_is_deterministic_under_a_seed():
    model = small_gpt()
    np.random.seed(123)
    first = model.generate([1, 2], max_new_tokens=10, temperature=1.5)
    np.random.seed(123)
    second = model.generate([1, 2], max_new_tokens=10, temperature=1.5)
    assert np.array_equal(first, second)


def test_temperature_zero_is_greedy():
    model = small_gpt()
    ids = np.array([[5, 6, 7]])
    out = model.generate(ids, max_new_tokens=3, temperature=0)
    context = ids
    for _ in range(3):  # reference: argmax of the last logits, appended by hand
        next_id = model(context).data[0, -1].argmax()
        context = np.concatenate([context, [[next_id]]], axis=1)
    assert np.array_equal(out, context)


def test_sampling_follows_the_softmax_distribution():
    """With a model whose last logits do not depend on the prompt, sampled frequencies match softmax(logits / T)."""
    model = GPT(vocab_size=4, embed_dim=4, num_layers=1, num_heads=1, max_seq_len=4)
    model.lm_head.weight.data[:] = 0.0
    model.lm_head.bias.data[:] = [2.0, 1.0, 0.0, -1.0]
    prompts = np.zeros((4000, 1), dtype=np.int64)
    draws = model.generate(prompts, max_new_tokens=1, temperature=2.0)[:, 1]
    expected = np.exp(np.array([2.0, 1.0, 0.0, -1.0]) / 2.0)
    expected /= expected.sum()
    observed = np.bincount(draws, minlength=4) / len(draws)
    assert np.allclose(observed, expected, atol=0.03)


def test_generation_past_max_seq_len_crops_the_context():
    model = small_gpt(max_seq_len=4)
    out = model.generate([1, 2, 3], max_new_tokens=6, temperature=0)
    assert out.shape == (9,)
    # the last id must be the greedy choice given only the last 4 ids
    assert out[-1] == model(out[None, -5:-1]).data[0, -1].argmax()


def test_generate_bad_arguments():
    model = small_gpt()
    for temperature in (-1.0, "hot", None, float("nan")):
        with pytest.raises(ValueError, match="temperature"):
            model.generate([1], 2, temperature=temperature)
    with pytest.raises(ValueError, match="max_new_tokens"):
        model.generate([1], -1)
    with pytest.raises(ValueError, match="non-empty"):
        model.generate([], 3)
    with pytest.raises(ValueError, match="integer"):
        model.generate([1.5, 2.0], 3)
    with pytest.raises(ValueError, match="out of range"):
        model.generate([11], 1)


def test_forward_bad_input():
    model = small_gpt(max_seq_len=4)
    with pytest.raises(ValueError, match=r"\(batch, seq\)"):
        model(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="max_seq_len"):
        model(np.zeros((1, 5), dtype=np.int64))
    with pytest.raises(ValueError, match="out of range"):
        model(np.array([[0, 11]]))
    with pytest.raises(ValueError):
        GPT(vocab_size=10, embed_dim=10, num_layers=1, num_heads=3)
    with pytest.raises(ValueError):
        GPT(vocab_size=10, embed_dim=8, num_layers=0, num_heads=2)
