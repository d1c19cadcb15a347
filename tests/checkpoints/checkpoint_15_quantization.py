"""Checkpoint 15, quantization: can I make a trained model 4x smaller and keep its accuracy?"""

from testkit.blobs import accuracy, trained_blob_model
from tinytorch.core.tensor import Tensor
from tinytorch.perf.quantization import compare_model_sizes, quantize_model


def test_int8_model_is_smaller_and_as_accurate():
    model, inputs, labels = trained_blob_model(seed=3)
    quantized = quantize_model(model, calibration_data=[Tensor(inputs)])
    sizes = compare_model_sizes(model, quantized)
    assert sizes["compression_ratio"] > 3.5
    assert accuracy(quantized, inputs, labels) >= accuracy(model, inputs, labels) - 0.01
