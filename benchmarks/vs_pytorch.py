"""Our framework next to PyTorch on the CPU: same shapes, same initial weights, one thread each.

    pip install -e ".[bench]"            # PyTorch (CPU build) and scikit-learn
    python benchmarks/vs_pytorch.py [--rounds 7] [--cases mlp-sgd mlp-adam cnn gpt generate int8]

Cases (float32 everywhere):
- mlp-sgd   MLP 784-256-128-10, batch 64, one SGD training step (forward, loss, backward, update)
- mlp-adam  the same MLP and batch, one Adam step
- cnn       conv 3->16, ReLU, max-pool, conv 16->32, ReLU, max-pool, linear; batch 32 of 3x32x32; SGD
- gpt       GPT (vocab 256, d 64, 2 layers, 4 heads), batch 8 x 64 tokens, one Adam step
- generate  greedy generation of 256 tokens from a 4-token prompt with a KV cache (module 17
            against the usual PyTorch cached loop)
- int8      our INT8 model (module 15) against our own float32 model: inference on the held-out
            sklearn digits, accuracy of both (PyTorch's dynamic INT8 against its float32 for reference)

Before any timing each case checks that both sides compute the same thing: losses and
every parameter gradient after one step (or the generated tokens) agree within 1e-5,
relative to the largest magnitude compared. Timing runs interleaved rounds (ours, then
PyTorch, alternating who goes first), so a burst of load on a shared machine hits both
sides; each round's figure is the median step time of that round. Printed: the ratio
ours / PyTorch (below 1.0: we are faster) as min / median / max over rounds, and the
target (issue 23) with "holds" or "missed" for the median.
Thread counts are pinned to one on both sides (BLAS via benchmarks/timing.py, PyTorch
via torch.set_num_threads). Nothing is asserted: this is a measurement, not a test.

So that a reader can tell a machine from a regression, the header names the CPU, the load
and the machine's pace (timing.pace: CPU time of a fixed workload), and every row ends with the load average when it was measured and the share of our time
spent in BLAS matrix products. That share is measured by replaying the step's matrix
products alone (same shapes, same clock): for a training step, every matrix product of
the recorded graph, forward and backward; for generation and INT8 inference, the Linear
(or QuantizedLinear) products of the forward passes. A slower BLAS raises the share; a
regression in our own code lowers it.
"""

import argparse
import os
import statistics
import sys
import time
import warnings

from timing import blas_threads, machine, median_seconds  # pins BLAS to one thread: import before numpy

import numpy as np  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("vs_pytorch.py needs PyTorch: pip install -e '.[bench]' (or pip install torch)", file=sys.stderr)
    raise SystemExit(2) from None

from tinytorch.core.activations import ReLU  # noqa: E402
from tinytorch.core.autograd import MatmulBackward, no_grad, topological_order  # noqa: E402  (turns autograd on)
from tinytorch.core.layers import Linear  # noqa: E402
from tinytorch.core.losses import CrossEntropyLoss  # noqa: E402
from tinytorch.core.optimizers import SGD, Adam  # noqa: E402
from tinytorch.core.spatial import Conv2d, Conv2dFunction, MaxPool2d  # noqa: E402
from tinytorch.core.tensor import Tensor  # noqa: E402
from tinytorch.core.transformer import GPT  # noqa: E402
from tinytorch.perf.memoization import enable_kv_cache  # noqa: E402

TOLERANCE = 1e-5
GPT_CONFIG = dict(vocab_size=256, embed_dim=64, num_layers=2, num_heads=4)


# ---- the two sides of a case ------------------------------------------------------------------
def torch_copy(ours, transpose=False):
    """A trainable torch tensor holding a copy of one of our parameters (Linear weights transposed)."""
    data = ours.data.T if transpose else ours.data
    return torch.nn.Parameter(torch.tensor(np.ascontiguousarray(data)))


def torch_linear(ours):
    """nn.Linear with our Linear's weights (ours: weight (in, out); PyTorch: (out, in))."""
    layer = torch.nn.Linear(*ours.weight.shape)
    layer.weight, layer.bias = torch_copy(ours.weight, transpose=True), torch_copy(ours.bias)
    return layer


def linear_pairs(ours, theirs):
    """(our parameter, their parameter, transposed?) for one Linear layer."""
    return [(ours.weight, theirs.weight, True), (ours.bias, theirs.bias, False)]


class OurMLP:
    """784 -> 256 -> 128 -> 10 with ReLU, chained explicitly."""

    def __init__(self):
        self.fc1, self.fc2, self.fc3, self.relu = Linear(784, 256), Linear(256, 128), Linear(128, 10), ReLU()

    def forward(self, x):
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(x)))))

    def parameters(self):
        return self.fc1.parameters() + self.fc2.parameters() + self.fc3.parameters()


class OurCNN:
    """conv 3->16, ReLU, pool, conv 16->32, ReLU, pool, linear 32*8*8 -> 10."""

    def __init__(self):
        self.conv1, self.conv2 = Conv2d(3, 16, 3, padding=1), Conv2d(16, 32, 3, padding=1)
        self.pool, self.relu, self.head = MaxPool2d(2), ReLU(), Linear(32 * 8 * 8, 10)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        return self.head(x.reshape(x.shape[0], -1))

    def parameters(self):
        return self.conv1.parameters() + self.conv2.parameters() + self.head.parameters()


class TorchGPT(torch.nn.Module):
    """The same GPT as module 13 (pre-norm blocks, learned positions, tanh GELU), written as
    PyTorch users write it (nn.Linear, F.layer_norm, F.scaled_dot_product_attention), with our weights."""

    def __init__(self, ours):
        super().__init__()
        self.heads = ours.num_heads
        self.token = torch_copy(ours.token_embedding.weight)
        self.position = torch_copy(ours.position_encoding.position_embeddings)
        self.pairs = [(ours.token_embedding.weight, self.token, False),
                      (ours.position_encoding.position_embeddings, self.position, False)]
        self.blocks = torch.nn.ModuleList()
        for block in ours.blocks:
            mine = torch.nn.Module()
            mine.ln1, mine.ln2 = self._norm(block.ln1), self._norm(block.ln2)
            attention = block.attention
            for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
                setattr(mine, name, torch_linear(getattr(attention, name)))
            mine.fc1, mine.fc2 = torch_linear(block.mlp.linear1), torch_linear(block.mlp.linear2)
            self.blocks.append(mine)
            self.pairs += self._norm_pairs(block.ln1, mine.ln1)
            for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
                self.pairs += linear_pairs(getattr(attention, name), getattr(mine, name))
            self.pairs += self._norm_pairs(block.ln2, mine.ln2)
            self.pairs += linear_pairs(block.mlp.linear1, mine.fc1) + linear_pairs(block.mlp.linear2, mine.fc2)
        self.ln_f, self.head = self._norm(ours.ln_f), torch_linear(ours.lm_head)
        self.pairs += self._norm_pairs(ours.ln_f, self.ln_f) + linear_pairs(ours.lm_head, self.head)

    @staticmethod
    def _norm(ours):
        norm = torch.nn.LayerNorm(ours.gamma.shape[0], eps=ours.eps)
        norm.weight, norm.bias = torch_copy(ours.gamma), torch_copy(ours.beta)
        return norm

    @staticmethod
    def _norm_pairs(ours, theirs):
        return [(ours.gamma, theirs.weight, False), (ours.beta, theirs.bias, False)]

    def split(self, x):
        batch, seq, embed = x.shape
        return x.view(batch, seq, self.heads, embed // self.heads).transpose(1, 2)

    def attend(self, block, x, cache=None, start=0):
        """Causal self-attention; with cache=(keys, values) the new keys/values are stored at `start`."""
        batch, seq, embed = x.shape
        q, k, v = self.split(block.q_proj(x)), self.split(block.k_proj(x)), self.split(block.v_proj(x))
        if cache is None:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            keys, values = cache
            keys[:, :, start:start + seq], values[:, :, start:start + seq] = k, v
            k, v = keys[:, :, :start + seq], values[:, :, :start + seq]
            # The prompt is prefilled at start 0 (causal); one new token then sees every cached key.
            out = F.scaled_dot_product_attention(q, k, v, is_causal=seq > 1)
        return block.out_proj(out.transpose(1, 2).reshape(batch, seq, embed))

    def forward(self, ids, caches=None, start=0):
        x = self.token[ids] + self.position[start:start + ids.shape[1]]
        for i, block in enumerate(self.blocks):
            x = x + self.attend(block, block.ln1(x), None if caches is None else caches[i], start)
            x = x + block.fc2(F.gelu(block.fc1(block.ln2(x)), approximate="tanh"))
        return self.head(self.ln_f(x))


# ---- agreement ----------------------------------------------------------------------------------
def worst_difference(pairs):
    """Largest |ours - theirs| over (our array, their array) pairs, relative to the largest |theirs|."""
    worst = 0.0
    for ours, theirs in pairs:
        theirs = np.asarray(theirs, dtype=np.float64)
        scale = max(1.0, float(np.abs(theirs).max()))
        worst = max(worst, float(np.abs(np.asarray(ours, dtype=np.float64) - theirs).max()) / scale)
    return worst


def gradient_pairs(pairs):
    return [(ours.grad, (theirs.grad.T if transposed else theirs.grad).numpy()) for ours, theirs, transposed in pairs]


def training_case(our_model, their_model, pairs, our_optimizer, their_optimizer, inputs, targets, reshape=None):
    """(our step, their step, worst difference): one step = forward, cross-entropy, backward, update.

    With `reshape`, (batch, seq, vocab) logits and (batch, seq) targets are flattened for the loss.
    """
    our_loss, their_loss = CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    our_inputs = inputs if isinstance(inputs, np.ndarray) and inputs.dtype.kind in "iu" else Tensor(inputs)
    their_inputs, their_targets = torch.from_numpy(inputs), torch.from_numpy(targets)

    def our_forward():
        logits = our_model.forward(our_inputs)
        return our_loss(logits.reshape(-1, logits.shape[-1]) if reshape else logits, targets.reshape(-1))

    def their_forward():
        logits = their_model(their_inputs)
        return their_loss(logits.reshape(-1, logits.shape[-1]) if reshape else logits, their_targets.reshape(-1))

    def step(forward, optimizer):
        loss = forward()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    # Agreement before the first update: compare losses and gradients of one backward pass.
    loss, their = our_forward(), their_forward()
    products = graph_products(loss)
    loss.backward()
    their.backward()
    worst = worst_difference([(loss.data, their.detach().numpy())] + gradient_pairs(pairs))
    our_optimizer.zero_grad()
    their_optimizer.zero_grad()
    ours = lambda: step(our_forward, our_optimizer)  # noqa: E731
    return ours, (lambda: step(their_forward, their_optimizer)), worst, lambda: blas_seconds(products)


# ---- where our time goes: the BLAS share ------------------------------------------------------------
def graph_products(loss):
    """(left, right) operands of every matrix product one training step makes, forward and backward.

    Read from the recorded graph behind `loss`: a matmul or Linear node a @ b also computes
    g @ b^T and a^T @ g in backward; a convolution multiplies its weight matrix by the im2col
    matrices forward, and the output gradient by them (and the weight by it) backward.
    """
    products = []
    for node in topological_order(loss._grad_fn):
        if isinstance(node, MatmulBackward):
            a, b = node.inputs[0].data, node.inputs[1].data
            if a.ndim > 2 and b.ndim == 2:  # the layer case: batch rows stacked into one matrix
                a = a.reshape(-1, a.shape[-1])
            g = np.ones(np.matmul(a, b).shape, dtype=np.float32)
            products += [(a, b), (g, np.swapaxes(b, -1, -2)), (np.swapaxes(a, -1, -2), g)]
        elif isinstance(node, Conv2dFunction):
            weight = node.inputs[1].data
            matrix = weight.reshape(weight.shape[0], -1)
            cols = node.columns(weight.shape[2:])  # the matrices the step multiplies (wide rows at stride 1)
            g = np.ones((cols.shape[0], matrix.shape[0], cols.shape[2]), dtype=np.float32)
            products += [(matrix, cols), (g, cols.transpose(0, 2, 1)), (matrix.T, g)]
    return products


def linear_products(model, rows):
    """(left, right) operands of one forward pass of `rows` rows through every Linear-like layer of model."""
    layers = [value for value in vars(model).values() if hasattr(value, "in_features")]
    for block in getattr(model, "blocks", []):
        attention, mlp = block.attention, block.mlp
        layers += [attention.q_proj, attention.k_proj, attention.v_proj, attention.out_proj, mlp.linear1, mlp.linear2]
    return [(np.ones((rows, layer.in_features), dtype=np.float32),
             np.ones((layer.in_features, layer.out_features), dtype=np.float32)) for layer in layers]


def blas_seconds(products, calls=1):
    """Median time of all the matrix products in `products`, run back to back, times `calls`."""
    def run():
        for left, right in products:
            np.matmul(left, right)
    return calls * median_seconds(run, 5, warmup=1, clock=clock)


def load_average():
    """The 1-minute load average as text ("n/a" where the system reports none)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):
        return "n/a"


# ---- the cases ------------------------------------------------------------------------------------
def mlp_case(optimizer):
    np.random.seed(0)
    ours = OurMLP()
    theirs = torch.nn.Sequential(torch_linear(ours.fc1), torch.nn.ReLU(), torch_linear(ours.fc2), torch.nn.ReLU(),
                                 torch_linear(ours.fc3))
    pairs = linear_pairs(ours.fc1, theirs[0]) + linear_pairs(ours.fc2, theirs[2]) + linear_pairs(ours.fc3, theirs[4])
    rng = np.random.default_rng(1)
    inputs, targets = rng.standard_normal((64, 784)).astype(np.float32), rng.integers(0, 10, 64)
    if optimizer == "sgd":
        our_opt, their_opt = SGD(ours.parameters(), lr=0.01), torch.optim.SGD(theirs.parameters(), lr=0.01)
    else:
        our_opt, their_opt = Adam(ours.parameters(), lr=1e-3), torch.optim.Adam(theirs.parameters(), lr=1e-3)
    return training_case(ours, theirs, pairs, our_opt, their_opt, inputs, targets)


def cnn_case():
    np.random.seed(0)
    ours = OurCNN()
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch_linear(ours.head))
    pairs = []
    for conv, index in ((ours.conv1, 0), (ours.conv2, 3)):
        theirs[index].weight, theirs[index].bias = torch_copy(conv.weight), torch_copy(conv.bias)
        pairs += [(conv.weight, theirs[index].weight, False), (conv.bias, theirs[index].bias, False)]
    pairs += linear_pairs(ours.head, theirs[7])
    rng = np.random.default_rng(1)
    inputs, targets = rng.standard_normal((32, 3, 32, 32)).astype(np.float32), rng.integers(0, 10, 32)
    our_opt, their_opt = SGD(ours.parameters(), lr=0.01), torch.optim.SGD(theirs.parameters(), lr=0.01)
    return training_case(ours, theirs, pairs, our_opt, their_opt, inputs, targets)


def gpt_case():
    np.random.seed(0)
    ours = GPT(**GPT_CONFIG, max_seq_len=64)
    theirs = TorchGPT(ours)
    data = np.random.default_rng(1).integers(0, GPT_CONFIG["vocab_size"], size=(8, 65))
    our_opt, their_opt = Adam(ours.parameters(), lr=1e-3), torch.optim.Adam(theirs.parameters(), lr=1e-3)
    return training_case(ours, theirs, theirs.pairs, our_opt, their_opt, data[:, :-1], data[:, 1:], reshape=True)


def generate_case(new_tokens=256, prompt_len=4):
    np.random.seed(0)
    ours = enable_kv_cache(GPT(**GPT_CONFIG, max_seq_len=prompt_len + new_tokens))
    theirs = TorchGPT(ours)
    prompt = np.random.default_rng(1).integers(0, GPT_CONFIG["vocab_size"], size=(1, prompt_len))
    head_dim = GPT_CONFIG["embed_dim"] // GPT_CONFIG["num_heads"]

    def ours_generate():
        return ours.generate(prompt, new_tokens, temperature=0)

    @torch.inference_mode()
    def theirs_generate():
        """The usual PyTorch cached loop: preallocated K/V per layer, one position per step."""
        shape = (1, GPT_CONFIG["num_heads"], prompt_len + new_tokens, head_dim)
        caches = [(torch.zeros(shape), torch.zeros(shape)) for _ in theirs.blocks]
        ids = torch.from_numpy(prompt)
        logits = theirs(ids, caches, 0)[:, -1]
        out = [ids]
        position = prompt_len
        for step in range(new_tokens):
            next_id = logits.argmax(dim=-1, keepdim=True)
            out.append(next_id)
            if step + 1 < new_tokens:
                logits = theirs(next_id, caches, position)[:, -1]
                position += 1
        return torch.cat(out, dim=1)

    tokens, their_tokens = ours_generate(), theirs_generate().numpy()
    with no_grad():
        first = ours.forward(prompt).data
    with torch.inference_mode():
        their_first = theirs(torch.from_numpy(prompt)).numpy()
    same = np.array_equal(tokens, their_tokens)
    worst = worst_difference([(first, their_first)]) if same else float("inf")
    # The prompt's rows once, then one row per new token (attention's small products left out).
    prefill, step = linear_products(ours, prompt_len), linear_products(ours, 1)
    return ours_generate, theirs_generate, worst, lambda: blas_seconds(prefill) + blas_seconds(step, new_tokens - 1)


def int8_case():
    """Our INT8 model against our float32 model on the digits (trained as compression_claims.py trains it)."""
    from compression_claims import DigitsMLP, accuracy, digits_split, train
    from tinytorch.perf.quantization import quantize_model

    np.random.seed(0)
    train_set, test_set = digits_split()
    model = train(DigitsMLP(), *train_set, epochs=10)
    quantized = quantize_model(model, calibration_data=Tensor(train_set[0][:256]))
    x = Tensor(test_set[0])
    float_accuracy, int8_accuracy = accuracy(model, *test_set), accuracy(quantized, *test_set)
    print(f"  digits held-out accuracy: float32 {float_accuracy:.1%}, INT8 {int8_accuracy:.1%} "
          f"({len(test_set[1])} images, batch of all)")

    # PyTorch's own INT8 against its float32, for reference (same weights).
    reference = torch.nn.Sequential(torch_linear(model.layer1), torch.nn.ReLU(), torch_linear(model.layer2),
                                    torch.nn.ReLU(), torch_linear(model.layer3)).eval()
    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao
        warnings.simplefilter("ignore")
        dynamic = torch.ao.quantization.quantize_dynamic(reference, {torch.nn.Linear}, dtype=torch.qint8)
    inputs = torch.from_numpy(test_set[0])
    with torch.inference_mode():
        float_time = median_seconds(lambda: reference(inputs), 200, warmup=0, clock=clock)
        int8_time = median_seconds(lambda: dynamic(inputs), 200, warmup=0, clock=clock)
    print(f"  PyTorch for reference: dynamic INT8 / float32 = {int8_time / float_time:.2f}")

    def ours_int8():
        with no_grad():
            return quantized.forward(x)

    def ours_float():
        with no_grad():
            return model.forward(x)

    return ours_int8, ours_float, abs(float_accuracy - int8_accuracy), lambda: blas_seconds(linear_products(quantized, len(x)))


CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCK["wall"]


# name: (title, build, calls per round, target for the median ratio (issue 23))
CASES = {
    "mlp-sgd": ("MLP 784-256-128-10, batch 64, SGD step", lambda: mlp_case("sgd"), 20, 1.0),
    "mlp-adam": ("MLP 784-256-128-10, batch 64, Adam step", lambda: mlp_case("adam"), 20, 1.0),
    "cnn": ("CNN conv3-16/pool/conv16-32/pool/linear, batch 32, SGD step", cnn_case, 5, 1.2),
    "gpt": ("GPT vocab 256 d 64 2 layers 4 heads, 8x64 tokens, Adam step", gpt_case, 3, 1.1),
    "generate": ("GPT greedy generation, 256 tokens, KV cache", generate_case, 1, 1.0),
    "int8": ("our INT8 model / our float32 model, digits inference", int8_case, 50, 1.2),
}


def measure(ours, theirs, rounds, repeat):
    """Interleaved rounds: per round, the median of `repeat` calls on each side (alternating who goes first)."""
    ours(), theirs()  # warm-up
    our_times, their_times = [], []
    for round_index in range(rounds):
        order = [(ours, our_times), (theirs, their_times)]
        for fn, times in order if round_index % 2 == 0 else reversed(order):
            times.append(median_seconds(fn, repeat, warmup=0, clock=clock))
    return our_times, their_times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per case (default 7)")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES), help="cases to run")
    parser.add_argument("--clock", choices=list(CLOCK), default="wall",
                        help="wall time (default) or this process's CPU time: steadier on a loaded machine, "
                             "since both sides run on one thread")
    args = parser.parse_args(argv)
    global clock
    clock = CLOCK[args.clock]
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} thread), numpy {np.__version__} "
          f"(BLAS threads {blas_threads()}), {args.rounds} interleaved rounds, {args.clock} clock, "
          f"{time.strftime('%Y-%m-%d')}")
    print(f"machine at start: {machine()}")
    print(f"{'case':<62} {'agree':>8} {'ours ms':>9} {'other ms':>9}   ratio min / median / max   "
          f"target        load  BLAS")
    for name in args.cases:
        title, build, repeat, target = CASES[name]
        if name == "int8":
            print(title)
        try:
            ours, theirs, worst, our_blas = build()
        except ImportError as missing:  # the int8 case trains on scikit-learn's digits
            print(f"{title:<62} skipped: needs {missing.name} (pip install -e '.[bench]')")
            continue
        if name == "int8":
            agreement = f"{worst:8.1%}"  # accuracy difference
            ok = worst == 0
        else:
            agreement = f"{worst:8.1e}"
            ok = worst <= TOLERANCE
        if not ok:
            print(f"{title:<62} {agreement}   DISAGREE: not timed")
            continue
        our_times, their_times = measure(ours, theirs, args.rounds, repeat)
        load = load_average()  # right after the rounds: the load they ran under
        ratios = [a / b for a, b in zip(our_times, their_times)]
        median = statistics.median(ratios)
        verdict = "holds" if median <= target else "missed"
        blas_share = our_blas() / statistics.median(our_times)
        print(f"{title:<62} {agreement} {statistics.median(our_times) * 1e3:9.2f} "
              f"{statistics.median(their_times) * 1e3:9.2f}   "
              f"{min(ratios):.2f} / {median:.2f} / {max(ratios):.2f}        "
              f"<= {target:.1f} {verdict:<6} {load:>5} {blas_share:5.0%}")
    print("agree: worst difference of losses and gradients (generate: logits, tokens identical; int8: accuracy "
          "points lost).\nratio: our time / PyTorch's (int8: our INT8 time / our float32 time); below 1 is faster."
          "\ntarget: issue 23's bound for the median ratio. load: 1-minute load average after the case's rounds.\n"
          "BLAS: share of our median time that the case's matrix products take when replayed alone.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
