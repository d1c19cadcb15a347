"""Measure the compression claims (seed 002) on a real small dataset: scikit-learn's 8x8 digits.

    .venv/bin/pip install -e ".[bench]"        # scikit-learn; load_digits ships with it (offline)
    .venv/bin/python benchmarks/compression_claims.py

Prints, for an MLP trained here (64 -> 128 -> 64 -> 10):
1. held-out accuracy at 50/70/90% magnitude sparsity, before and after a short fine-tune;
2. size and accuracy after INT8 quantization (module 15), when that module is exported;
3. size, forward time and accuracy after 50% structured pruning with the dead neurons
   physically removed (smaller matrices), against the dense model;
4. a distilled student's accuracy and size against the teacher and an undistilled twin.
A script, not a test: times depend on the machine (measured with one BLAS thread, under
no_grad, median of 50 runs). Runs in well under two minutes.
"""

import copy
import time

from timing import median_seconds  # pins BLAS to one thread: import before numpy

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits

from tinytorch.core.autograd import no_grad  # importing it turns autograd on
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Tensor
from tinytorch.perf.compression import KnowledgeDistillation, magnitude_prune, measure_sparsity, structured_prune

SEED = 0
EPOCHS = 25
FINE_TUNE_EPOCHS = 3


class DigitsMLP:
    """layer1 -> relu -> layer2 -> relu -> layer3, chained explicitly."""

    def __init__(self, hidden1=128, hidden2=64):
        self.layer1 = Linear(64, hidden1)
        self.layer2 = Linear(hidden1, hidden2)
        self.layer3 = Linear(hidden2, 10)
        self.relu = ReLU()

    def forward(self, x):
        x = self.relu(self.layer1(x))
        x = self.relu(self.layer2(x))
        return self.layer3(x)

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters() + self.layer3.parameters()


class StudentMLP:
    """A much smaller two-layer model: layer1 -> relu -> layer2."""

    def __init__(self, hidden=24):
        self.layer1 = Linear(64, hidden)
        self.layer2 = Linear(hidden, 10)
        self.relu = ReLU()

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters()


def digits_split():
    """Digits scaled to [0, 1]: (train_x, train_y), (test_x, test_y), a fixed 75/25 split."""
    digits = load_digits()
    inputs, labels = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)
    order = np.random.default_rng(SEED).permutation(len(labels))
    cut = int(0.75 * len(labels))
    return (inputs[order[:cut]], labels[order[:cut]]), (inputs[order[cut:]], labels[order[cut:]])


def train(model, inputs, labels, epochs, lr=0.005, teacher_logits=None, distiller=None, batch=64):
    """Mini-batch Adam; cross-entropy, or the distillation loss when a distiller is given."""
    optimizer = Adam(model.parameters(), lr=lr)
    loss_fn = CrossEntropyLoss()
    rng = np.random.default_rng(SEED)
    for _ in range(epochs):
        order = rng.permutation(len(labels))
        for start in range(0, len(labels), batch):
            rows = order[start:start + batch]
            optimizer.zero_grad()
            logits = model.forward(Tensor(inputs[rows]))
            if distiller is None:
                loss = loss_fn(logits, labels[rows])
            else:
                loss = distiller.distillation_loss(logits, teacher_logits[rows], labels[rows])
            loss.backward()
            optimizer.step()
    return model


def accuracy(model, inputs, labels):
    return float(np.mean(np.argmax(model.forward(Tensor(inputs)).data, axis=1) == labels))


def parameter_bytes(model):
    return sum(p.data.nbytes for p in {id(p): p for p in model.parameters()}.values())


def nonzero_weights(model):
    return sum(int(np.count_nonzero(p.data)) for p in model.parameters() if p.data.ndim >= 2)


def median_time(fn, repeats=50):
    """Median seconds of fn() under no_grad (inference builds no graph), after one warm-up call."""
    with no_grad():
        return median_seconds(fn, repeats)


def without_dead_neurons(model):
    """A physically smaller DigitsMLP: hidden units whose weight column and bias are all zero are cut out."""
    alive1 = np.flatnonzero(np.any(model.layer1.weight.data != 0, axis=0) | (model.layer1.bias.data != 0))
    alive2 = np.flatnonzero(np.any(model.layer2.weight.data != 0, axis=0) | (model.layer2.bias.data != 0))
    small = DigitsMLP(alive1.size, alive2.size)
    small.layer1.weight.data[:] = model.layer1.weight.data[:, alive1]
    small.layer1.bias.data[:] = model.layer1.bias.data[alive1]
    small.layer2.weight.data[:] = model.layer2.weight.data[np.ix_(alive1, alive2)]
    small.layer2.bias.data[:] = model.layer2.bias.data[alive2]
    small.layer3.weight.data[:] = model.layer3.weight.data[alive2, :]
    small.layer3.bias.data[:] = model.layer3.bias.data
    return small


def report_magnitude_pruning(teacher, train_set, test_set, dense_accuracy):
    print("\n1. Magnitude pruning (global threshold), held-out accuracy")
    print(f"   {'sparsity':>8} {'no fine-tune':>13} {'fine-tuned':>11} {'loss (pts)':>11}   non-zero weights")
    for sparsity in (0.5, 0.7, 0.9):
        model = magnitude_prune(copy.deepcopy(teacher), sparsity)
        before = accuracy(model, *test_set)
        train(model, *train_set, epochs=FINE_TUNE_EPOCHS, lr=0.002)  # prune masks keep the zeros
        after = accuracy(model, *test_set)
        loss = 100 * (dense_accuracy - after)
        print(f"   {measure_sparsity(model):8.0%} {before:13.1%} {after:11.1%} {loss:11.1f}"
              f"   {nonzero_weights(model):,} of {nonzero_weights(teacher):,}")
    verdict = "holds here" if loss < 5 else "does NOT hold here"
    print(f"   claim '90% sparsity with <5% accuracy loss': {loss:.1f} points lost after fine-tuning: {verdict}")


def report_quantization(teacher, train_set, test_set, dense_accuracy):
    print("\n2. INT8 quantization (module 15)")
    try:
        from tinytorch.perf.quantization import compare_model_sizes, quantize_model
    except ImportError:
        print("   tinytorch.perf.quantization is not exported yet: nothing measured")
        return
    quantized = quantize_model(teacher, calibration_data=Tensor(train_set[0][:256]))
    sizes = compare_model_sizes(teacher, quantized)
    print(f"   size {sizes['original_bytes']:,} B -> {sizes['quantized_bytes']:,} B "
          f"(x{sizes['compression_ratio']:.2f} smaller)")
    print(f"   accuracy {dense_accuracy:.1%} -> {accuracy(quantized, *test_set):.1%}")
    pruned = magnitude_prune(copy.deepcopy(teacher), 0.7)
    train(pruned, *train_set, epochs=FINE_TUNE_EPOCHS, lr=0.002)
    both = quantize_model(pruned, calibration_data=Tensor(train_set[0][:256]))
    print(f"   70% pruned + fine-tuned, then INT8: accuracy {accuracy(both, *test_set):.1%}")


def report_structured_pruning(teacher, train_set, test_set, dense_accuracy):
    print("\n3. Structured pruning, 50% of hidden neurons, dead neurons physically removed")
    zeroed = copy.deepcopy(teacher)
    structured_prune(zeroed, 0.5, exclude=[zeroed.layer3])  # the output layer keeps its 10 classes
    small = without_dead_neurons(zeroed)
    pruned_accuracy = accuracy(small, *test_set)
    train(small, *train_set, epochs=FINE_TUNE_EPOCHS, lr=0.002)
    x = Tensor(test_set[0])
    dense_time, small_time = median_time(lambda: teacher.forward(x)), median_time(lambda: small.forward(x))
    zeroed_time = median_time(lambda: zeroed.forward(x))
    shapes = f"64 -> {small.layer1.weight.shape[1]} -> {small.layer2.weight.shape[1]} -> 10"
    print(f"   shape 64 -> 128 -> 64 -> 10  becomes  {shapes}")
    print(f"   size {parameter_bytes(teacher):,} B -> {parameter_bytes(small):,} B "
          f"(x{parameter_bytes(teacher) / parameter_bytes(small):.2f} smaller)")
    print(f"   forward on {len(test_set[1])} digits (median of 50): dense {dense_time * 1e3:.3f} ms, "
          f"zeros kept {zeroed_time * 1e3:.3f} ms, neurons removed {small_time * 1e3:.3f} ms "
          f"(x{dense_time / small_time:.2f} faster)")
    print(f"   accuracy {dense_accuracy:.1%} -> {pruned_accuracy:.1%} (no fine-tune) -> "
          f"{accuracy(small, *test_set):.1%} (fine-tuned)")
    flops = lambda m: sum(p.data.size for p in m.parameters() if p.data.ndim == 2)  # multiply-adds per input
    speedup = dense_time / small_time
    print(f"   multiply-adds per digit: {flops(teacher):,} -> {flops(small):,} (x{flops(teacher) / flops(small):.2f} fewer)")
    verdict = "holds here" if speedup >= 3 else "does NOT hold here"
    print(f"   claim '3x inference speedup with structured pruning': measured x{speedup:.2f}: {verdict}"
          f" (zeroed but not removed: x{dense_time / zeroed_time:.2f})")


def report_distillation(teacher, train_set, test_set, dense_accuracy, seeds=(1, 2, 3)):
    print("\n4. Knowledge distillation into a 64 -> 24 -> 10 student (T=4, alpha=0.7)")
    teacher_logits = teacher.forward(Tensor(train_set[0])).data
    plain, distilled = [], []
    for seed in seeds:
        np.random.seed(seed)
        plain.append(accuracy(train(StudentMLP(), *train_set, epochs=EPOCHS), *test_set))
        np.random.seed(seed)  # the same initial weights: only the loss differs
        student = StudentMLP()
        distiller = KnowledgeDistillation(teacher, student, temperature=4.0, alpha=0.7)
        train(student, *train_set, epochs=EPOCHS, teacher_logits=teacher_logits, distiller=distiller)
        distilled.append(accuracy(student, *test_set))
    print(f"   teacher  {parameter_bytes(teacher):>7,} B  accuracy {dense_accuracy:.1%}")
    print(f"   student  {parameter_bytes(student):>7,} B  (x{parameter_bytes(teacher) / parameter_bytes(student):.1f}"
          f" smaller), accuracy over seeds {list(seeds)}:")
    print(f"     distilled    mean {np.mean(distilled):.1%}  ({', '.join(f'{a:.1%}' for a in distilled)})")
    print(f"     labels only  mean {np.mean(plain):.1%}  ({', '.join(f'{a:.1%}' for a in plain)})")
    gap = 100 * (np.mean(distilled) - np.mean(plain))
    print(f"   distillation {'helps' if gap > 0 else 'does not help'} this student here: {gap:+.1f} points on average")


def main():
    started = time.perf_counter()
    np.random.seed(SEED)
    train_set, test_set = digits_split()
    print(f"digits: {len(train_set[1])} train / {len(test_set[1])} held-out images of 8x8 pixels, 10 classes")
    teacher = train(DigitsMLP(), *train_set, epochs=EPOCHS)
    dense_accuracy = accuracy(teacher, *test_set)
    print(f"dense MLP 64 -> 128 -> 64 -> 10: {parameter_bytes(teacher):,} B, held-out accuracy {dense_accuracy:.1%}")
    report_magnitude_pruning(teacher, train_set, test_set, dense_accuracy)
    report_quantization(teacher, train_set, test_set, dense_accuracy)
    report_structured_pruning(teacher, train_set, test_set, dense_accuracy)
    report_distillation(teacher, train_set, test_set, dense_accuracy)
    print(f"\ntotal time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
