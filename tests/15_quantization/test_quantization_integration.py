"""Quantization on trained models and on the layers of earlier modules."""

import numpy as np

from testkit.blobs import accuracy, trained_blob_model
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import Profiler
from tinytorch.perf.quantization import QuantizedLinear, compare_model_sizes, quantize_model


def test_trained_model_keeps_its_accuracy_after_int8():
    model, inputs, labels = trained_blob_model()
    baseline = accuracy(model, inputs, labels)
    assert baseline >= 0.95, "the model must learn the blobs before quantization means anything"
    quantized = quantize_model(model, calibration_data=[Tensor(inputs)])
    assert accuracy(quantized, inputs, labels) >= baseline - 0.01
    assert compare_model_sizes(model, quantized)["compression_ratio"] > 3.5


def test_attention_projections_are_quantized_and_still_compute():
    attention = MultiHeadAttention(16, 4)
    x = Tensor(np.random.randn(2, 5, 16))
    expected = attention.forward(x).data
    quantized = quantize_model(attention, calibration_data=[x])
    replaced = [value for value in vars(quantized).values() if isinstance(value, QuantizedLinear)]
    assert replaced, "the attention projections are Linear layers and must be quantized"
    out = quantized.forward(x).data
    assert out.shape == expected.shape and np.all(np.isfinite(out))
    assert np.max(np.abs(out - expected)) < 0.1 * np.abs(expected).max() + 0.05


def test_profiler_counts_the_quantized_model_bytes():
    model, inputs, _ = trained_blob_model()
    quantized = quantize_model(model)
    profiler = Profiler()
    assert profiler.count_parameters(quantized) == profiler.count_parameters(model)
    assert profiler.measure_memory(quantized, (4, 8))["parameter_bytes"] < profiler.measure_memory(model, (4, 8))["parameter_bytes"] / 3
