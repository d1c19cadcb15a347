"""Quantization on a trained model and on the layers of earlier modules (attention, transformer, GPT)."""

import numpy as np
import pytest

from testkit.blobs import accuracy, trained_blob_model
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import GPT, TransformerBlock
from tinytorch.perf.profiling import Profiler
from tinytorch.perf.quantization import QuantizedLinear, compare_model_sizes, quantize_model


def linear_weight_sizes(block):
    """Entries of the six weight matrices of a TransformerBlock, named one by one."""
    attention, mlp = block.attention, block.mlp
    matrices = [attention.q_proj, attention.k_proj, attention.v_proj, attention.out_proj, mlp.linear1, mlp.linear2]
    return sum(layer.weight.data.size for layer in matrices)


# Its module-scoped fixture (`blob_task`) is built once: every test of this file runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("test_quantization_integration")


@pytest.fixture(scope="module")
def blob_task():
    return trained_blob_model(seed=0)


def test_trained_model_keeps_its_held_out_accuracy_after_int8(blob_task):
    model, (train_x, _), (test_x, test_y) = blob_task
    baseline = accuracy(model, test_x, test_y)
    assert baseline >= 0.95, "the model must learn the blobs before quantization means anything"
    quantized = quantize_model(model, calibration_data=[Tensor(train_x)])
    assert accuracy(quantized, test_x, test_y) >= baseline - 0.01
    float_labels = model.forward(Tensor(test_x)).data.argmax(axis=1)
    int8_labels = quantized.forward(Tensor(test_x)).data.argmax(axis=1)
    assert np.mean(float_labels == int8_labels) >= 0.98


def test_trained_model_is_smaller_by_the_bytes_of_its_weights(blob_task):
    model, _, _ = blob_task
    weights = 8 * 32 + 32 * 32 + 32 * 4
    biases = 32 + 32 + 4
    sizes = compare_model_sizes(model, quantize_model(model))
    assert sizes["original_bytes"] == 4 * (weights + biases)
    assert sizes["quantized_bytes"] == 1 * weights + 4 * biases


def test_weight_only_logits_stay_close(blob_task):
    """Without calibration only the weights are rounded: logits move by a few hundredths at most."""
    model, _, (test_x, _) = blob_task
    expected = model.forward(Tensor(test_x)).data
    out = quantize_model(model).forward(Tensor(test_x)).data
    assert np.max(np.abs(out - expected)) <= 0.02 * np.abs(expected).max()


def test_attention_projections_are_quantized_and_still_compute():
    attention = MultiHeadAttention(16, 4)
    x = Tensor(np.random.randn(2, 5, 16))
    expected = attention.forward(x).data
    quantized = quantize_model(attention, calibration_data=[x])
    for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
        assert isinstance(getattr(quantized, name), QuantizedLinear), name
    out = quantized.forward(x).data
    assert out.shape == expected.shape and np.all(np.isfinite(out))
    assert np.max(np.abs(out - expected)) <= 0.03 * np.abs(expected).max()


def test_transformer_block_calibrated_with_its_mask_stays_close():
    """A calibration batch given as (x, mask) reaches forward(x, mask): ranges match masked inference."""
    block = TransformerBlock(16, 4)
    x = Tensor(np.random.randn(2, 6, 16))
    mask = np.tril(np.ones((6, 6)))
    expected = block.forward(x, mask).data
    quantized = quantize_model(block, calibration_data=[(x, mask)])
    assert isinstance(quantized.mlp.linear1, QuantizedLinear) and isinstance(quantized.attention.v_proj, QuantizedLinear)
    assert quantized.attention.out_proj.calibrated
    out = quantized.forward(x, mask).data
    assert np.all(np.isfinite(out))
    assert np.max(np.abs(out - expected)) <= 0.03 * np.abs(expected).max()


def test_gpt_is_quantized_everywhere_it_has_linear_layers():
    vocab, dim, layers = 20, 16, 2
    model = GPT(vocab, dim, layers, num_heads=2, max_seq_len=8)
    ids = np.random.randint(0, vocab, size=(3, 8))
    expected = model.forward(ids).data
    quantized = quantize_model(model, calibration_data=[ids])
    assert all(isinstance(block.attention.q_proj, QuantizedLinear) for block in quantized.blocks)
    assert isinstance(quantized.lm_head, QuantizedLinear)
    out = quantized.forward(ids).data
    assert np.all(np.isfinite(out))
    assert np.max(np.abs(out - expected)) <= 0.1 * np.abs(expected).max()
    assert np.mean(out.argmax(-1) == expected.argmax(-1)) >= 0.9

    # Only Linear weights shrink (4 bytes -> 1); embeddings, norms and biases stay float32.
    linear_weights = sum(linear_weight_sizes(block) for block in model.blocks) + dim * vocab
    float_bytes = 4 * sum(p.data.size for p in model.parameters())
    sizes = compare_model_sizes(model, quantized)
    assert sizes["original_bytes"] == float_bytes
    assert sizes["quantized_bytes"] == float_bytes - 3 * linear_weights


def test_quantized_gpt_still_generates():
    model = GPT(12, 8, 1, num_heads=2, max_seq_len=8)
    generated = quantize_model(model).generate([1, 2, 3], max_new_tokens=4, temperature=0)
    assert len(generated) == 7 and list(generated[:3]) == [1, 2, 3]
    assert all(0 <= token < 12 for token in generated)


def test_profiler_counts_the_quantized_model_bytes(blob_task):
    model, _, _ = blob_task
    quantized = quantize_model(model)
    profiler = Profiler()
    assert profiler.count_parameters(quantized) == profiler.count_parameters(model)
    weights, biases = 8 * 32 + 32 * 32 + 32 * 4, 32 + 32 + 4
    assert profiler.measure_memory(quantized, (4, 8))["parameter_bytes"] == weights + 4 * biases
