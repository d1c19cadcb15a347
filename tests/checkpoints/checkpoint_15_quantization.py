"""Checkpoint 15, quantization: can I make a trained model 4x smaller and keep its accuracy?

A model trained in the test (Modules 03-06) is quantized to int8 through the public
API; its size is measured from the arrays and its accuracy on held-out data compared.
"""

import numpy as np

from testkit.blobs import accuracy, trained_blob_model
from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor
from tinytorch.perf.quantization import QuantizedLinear, compare_model_sizes, dequantize_int8, quantize_int8, quantize_model


def test_int8_round_trip_loses_at_most_half_a_step():
    values = np.random.randn(1000).astype(np.float32)
    q, scale, zero_point = quantize_int8(Tensor(values))
    assert q.data.dtype == np.int8 and q.data.nbytes == values.nbytes // 4
    assert np.max(np.abs(dequantize_int8(q, scale, zero_point).data - values)) <= scale / 2 + 1e-6


def test_a_quantized_linear_layer_takes_a_quarter_of_the_weight_bytes():
    usage = QuantizedLinear(Linear(128, 64)).memory_usage()
    assert usage["original_bytes"] == 4 * (128 * 64 + 64)
    assert usage["quantized_bytes"] == 128 * 64 + 4 * 64


def test_int8_model_is_smaller_and_as_accurate():
    model, (train_x, _), (test_x, test_y) = trained_blob_model(seed=3)
    quantized = quantize_model(model, calibration_data=[Tensor(train_x)])
    sizes = compare_model_sizes(model, quantized)
    assert sizes["compression_ratio"] > 3.5
    assert accuracy(quantized, test_x, test_y) >= accuracy(model, test_x, test_y) - 0.01
