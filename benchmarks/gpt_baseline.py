"""Baseline speed of one GPT training step (forward + backward + Adam step).

    python benchmarks/gpt_baseline.py [--runs 20] [--warmup 3]

Fixed small shapes so later speed work (module 17 memoization, module 18
acceleration) has a number to compare against. Prints the median, min and max
over the measured runs; nothing is asserted (timings belong in benchmarks, not tests).
"""

import argparse
import platform
import statistics
import time

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (gradients on)
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.transformer import GPT

CONFIG = dict(vocab_size=256, embed_dim=64, num_layers=2, num_heads=4, max_seq_len=64)
BATCH, SEQ = 8, 64


def training_step(model, optimizer, loss_fn, inputs, targets):
    logits = model.forward(inputs)
    loss = loss_fn(logits.reshape(-1, CONFIG["vocab_size"]), targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured steps (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured steps first (default 3)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be >= 1 and --warmup >= 0")

    rng = np.random.default_rng(0)
    np.random.seed(0)
    model = GPT(**CONFIG)
    optimizer = Adam(model.parameters(), lr=1e-3)
    loss_fn = CrossEntropyLoss()
    data = rng.integers(0, CONFIG["vocab_size"], size=(BATCH, SEQ + 1))
    inputs, targets = data[:, :-1], data[:, 1:]

    for _ in range(args.warmup):
        training_step(model, optimizer, loss_fn, inputs, targets)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        loss = training_step(model, optimizer, loss_fn, inputs, targets)
        times.append(time.perf_counter() - start)

    n_params = sum(p.data.size for p in model.parameters())
    print(f"GPT training step baseline ({platform.python_implementation()} {platform.python_version()}, numpy {np.__version__})")
    print(f"model: {CONFIG}, {n_params:,} parameters")
    print(f"batch {BATCH} x seq {SEQ} = {BATCH * SEQ} tokens per step, {args.runs} runs after {args.warmup} warm-up")
    print(f"step time: median {statistics.median(times) * 1e3:.1f} ms, min {min(times) * 1e3:.1f} ms, max {max(times) * 1e3:.1f} ms")
    print(f"throughput (median): {BATCH * SEQ / statistics.median(times):,.0f} tokens/s; last loss {loss:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
