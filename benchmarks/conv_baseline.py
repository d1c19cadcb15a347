"""Conv2d forward + backward time for fixed small shapes (median of several runs).

    python benchmarks/conv_baseline.py [--repeats 9]

Prints one line per configuration: the shapes, median forward and median
forward+backward milliseconds (each measured on its own), and the FLOP rate of the forward pass (2 * N * O * Ho * Wo * C * kh * kw).
A baseline to compare later optimizations (module 18 acceleration) against; no
assertions, nothing here is a test. BLAS runs single-threaded unless the
environment says otherwise: on a shared machine, multi-threaded BLAS makes
small-matrix timings swing by 10x or more.
"""

import argparse

from timing import blas_threads, median_ms  # pins BLAS to one thread: import before numpy

import numpy as np  # noqa: E402

from tinytorch.core.spatial import Conv2d, MaxPool2d  # noqa: E402
from tinytorch.core.tensor import Tensor  # noqa: E402

# (batch, in_channels, out_channels, height/width, kernel, stride, padding)
CONFIGS = [
    (8, 3, 16, 32, 3, 1, 1),
    (8, 16, 32, 16, 3, 1, 1),
    (8, 32, 64, 8, 3, 1, 1),
    (16, 1, 8, 28, 5, 1, 0),
    (8, 16, 16, 32, 3, 2, 1),
]


def benchmark(config, repeats):
    n, c, o, size, k, s, p = config
    conv = Conv2d(c, o, k, stride=s, padding=p)
    x = Tensor(np.random.default_rng(0).standard_normal((n, c, size, size)), requires_grad=True)
    out = conv(x)
    grad = np.ones(out.shape, dtype=np.float32)

    def forward_backward():
        for tensor in (x, conv.weight, conv.bias):
            tensor.grad = None
        conv(x).backward(grad)

    conv(x)  # warm-up
    forward = median_ms(lambda: conv(x), repeats)
    total = median_ms(forward_backward, repeats)
    flops = 2 * n * o * out.shape[2] * out.shape[3] * c * k * k
    return out.shape, forward, total, flops / (forward * 1e-3) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="runs per measurement (median reported)")
    args = parser.parse_args()
    print(f"BLAS threads: {blas_threads()} | median of {args.repeats} runs")
    print(f"{'input (N,C,H,W)':>18} {'conv':>16} {'output':>18} {'fwd ms':>8} {'fwd+bwd ms':>10} {'fwd GFLOP/s':>11}")
    for config in CONFIGS:
        n, c, o, size, k, s, p = config
        shape, forward, total, rate = benchmark(config, args.repeats)
        layer = f"{c}->{o} k{k} s{s} p{p}"
        print(f"{str((n, c, size, size)):>18} {layer:>16} {str(shape):>18} {forward:8.2f} {total:10.2f} {rate:11.2f}")
    pool_input = Tensor(np.random.default_rng(1).standard_normal((8, 32, 32, 32)), requires_grad=True)
    pool = MaxPool2d(2)
    print(f"MaxPool2d(2) on (8, 32, 32, 32): forward {median_ms(lambda: pool(pool_input), args.repeats):.2f} ms")


if __name__ == "__main__":
    main()
