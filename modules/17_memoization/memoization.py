# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 17: Memoization - Generating Text Without Recomputing the Past

Module 13 (transformers) gave us `GPT.generate`: to pick token number N+1 it runs
the whole N-token context through every block again, although the keys and values
of the first N tokens came out exactly the same on the previous step. Module 14
(profiling) taught us to count that work; this module stops doing it.

You will build:
- `KVCache`: preallocated arrays holding every layer's attention keys and values,
  with `update`, `get`, `advance`, `reset` and `get_memory_usage`;
- `create_kv_cache(...)` and `kv_cache_for_model(model, batch_size)`;
- `cached_forward(model, ids, cache)`: run only the *new* positions through the
  model's own layers, attending to the cached keys and values of the old ones;
- `generate_with_cache(...)`, and `enable_kv_cache(model)` / `disable_kv_cache(model)`
  which switch a GPT's `generate` between the two paths.

It builds on module 11 (embeddings: the learned position table), 12 (attention:
`scaled_dot_product_attention` and the `q_proj/k_proj/v_proj/out_proj` of
`MultiHeadAttention`), 13 (transformers: `GPT`, its blocks and its sampler) and
05 (autograd: generation runs under `no_grad`). Module 16 (compression) pruned
weights in place; a pruned GPT is cached just like a dense one.

Module 13 is not edited. The cached path *reads* the model's layers and drives
them one position at a time; `enable_kv_cache` only sets one instance attribute.
"""

# %% nbgrader={"grade": false, "grade_id": "memoization-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp perf.memoization
#| export
import numpy as np

from tinytorch.core.attention import scaled_dot_product_attention
from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import positive_int
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import next_token_ids, prepare_prompt

# %% [markdown]
"""
## 1. Why generation is slow: the prefix is recomputed every step

Uncached, step N runs N positions through every layer. Only the last row of the
result is used; the other N-1 rows were already computed on step N-1.

```
step 1:  [t1 t2 t3]          -> forward 3 positions -> t4
step 2:  [t1 t2 t3 t4]       -> forward 4 positions -> t5
step 3:  [t1 t2 t3 t4 t5]    -> forward 5 positions -> t6   (N steps: ~N^2/2 positions run)
```

Why the old rows never change: attention is causal, so position i only looks at
positions <= i. Its key and value `k_i = x_i W_k`, `v_i = x_i W_v` depend on the
tokens up to i and on nothing generated later. Store them once (memoize), and a
step only needs the new token's query, key and value:

```
step N:  new token -> q_N, k_N, v_N      cache: k_1..k_{N-1}, v_1..v_{N-1}
         attention(q_N, [k_1..k_N], [v_1..v_N])     work ~ N per step
```
"""

# %% [markdown]
"""
## 2. The KV cache: preallocated arrays and a write position

One key array and one value array hold every layer. They are allocated once, at
full size, so no step reallocates them or concatenates onto them:

```
keys: (num_layers, batch, heads, max_seq_len, head_dim)

                      seq_pos
                         v
layer 0  [k1 k2 k3 k4 |  .  .  .  . ]     filled prefix | free slots
layer 1  [k1 k2 k3 k4 |  .  .  .  . ]
```

A step writes the new keys/values of each layer at `seq_pos` (`update`), reads
the filled prefix back (`get`: the old positions plus the new one), and once
*every* layer has its new entries, `advance()` moves `seq_pos` past them.
The first step may write several positions at once (the whole prompt: "prefill").
Writing past `max_seq_len` is an error, never a silent wrap-around.
"""

# %% nbgrader={"grade": false, "grade_id": "kv-cache", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class KVCache:
    """Every layer's attention keys and values for the positions generated so far.

    `keys` and `values` are float32 arrays of shape
    (num_layers, batch_size, num_heads, max_seq_len, head_dim), allocated once.
    `seq_pos` counts the positions committed by `advance()`.
    """

    def __init__(self, batch_size, max_seq_len, num_layers, num_heads, head_dim):
        """Allocate the two arrays, empty.

        TODO: validate the five sizes, allocate keys and values, start at position 0.

        APPROACH:
        1. Every size must be a positive integer (`positive_int`, module 03).
        2. keys = values = zeros of shape (layers, batch, heads, max_seq_len, head_dim), float32.
        3. seq_pos = 0; `_filled[layer]` = positions written so far in each layer (a list of ints).

        EXAMPLE:
        >>> cache = KVCache(batch_size=1, max_seq_len=8, num_layers=2, num_heads=4, head_dim=16)
        >>> cache.keys.shape
        (2, 1, 4, 8, 16)

        HINTS:
        - `_filled` lets `advance()` check that every layer was updated this step. It is a plain
          list: a handful of counters, read and written every step, cost less as Python ints
          than as a numpy array (each numpy call on a tiny array costs about a microsecond).
        """
        ### BEGIN SOLUTION
        self.batch_size = positive_int(batch_size, "batch_size")
        self.max_seq_len = positive_int(max_seq_len, "max_seq_len")
        self.num_layers = positive_int(num_layers, "num_layers")
        self.num_heads = positive_int(num_heads, "num_heads")
        self.head_dim = positive_int(head_dim, "head_dim")
        shape = (self.num_layers, self.batch_size, self.num_heads, self.max_seq_len, self.head_dim)
        self.keys = np.zeros(shape, dtype=np.float32)
        self.values = np.zeros(shape, dtype=np.float32)
        self.seq_pos = 0
        self._filled = [0] * self.num_layers
        ### END SOLUTION

    def _layer(self, layer_idx):
        if isinstance(layer_idx, bool) or not isinstance(layer_idx, (int, np.integer)):
            raise ValueError(f"layer_idx must be an integer, got {layer_idx!r}")
        if not 0 <= layer_idx < self.num_layers:
            raise ValueError(f"layer_idx {layer_idx} is out of range for a cache of {self.num_layers} layers")
        return int(layer_idx)

    def update(self, layer_idx, key, value):
        """Write one step's keys and values of one layer at the current position.

        key, value: Tensors or arrays of shape (batch, heads, new_positions, head_dim).

        TODO: check the layer and the shapes, check there is room, copy into the arrays.

        APPROACH:
        1. Both must have shape (batch_size, num_heads, t, head_dim) with t >= 1.
        2. A layer is written once per step: `_filled[layer]` must still equal seq_pos.
        3. Every layer of a step writes the same t (compare with layers already written).
        4. seq_pos + t > max_seq_len -> ValueError (the cache is full).
        5. keys[layer, :, :, seq_pos:seq_pos + t] = key (same for values); `_filled[layer]` = seq_pos + t.

        EXAMPLE:
        >>> cache = KVCache(1, 8, 1, 2, 4)
        >>> cache.update(0, np.ones((1, 2, 3, 4)), np.ones((1, 2, 3, 4)))
        >>> cache.get(0)[0].shape
        (1, 2, 3, 4)

        HINTS:
        - Slice assignment copies into the preallocated array; nothing is reallocated.
        """
        ### BEGIN SOLUTION
        layer = self._layer(layer_idx)
        key, value = _array(key, "key"), _array(value, "value")
        for name, array in (("key", key), ("value", value)):
            fits = array.ndim == 4 and array.shape[2] > 0 and (
                (array.shape[0], array.shape[1], array.shape[3]) == (self.batch_size, self.num_heads, self.head_dim))
            if not fits:
                raise ValueError(f"{name} must have shape (batch={self.batch_size}, heads={self.num_heads}, "
                                 f"t>=1, head_dim={self.head_dim}), got {array.shape}")
        if key.shape != value.shape:
            raise ValueError(f"key and value must have the same shape, got {key.shape} and {value.shape}")
        if self._filled[layer] != self.seq_pos:
            raise ValueError(f"layer {layer} was already updated at position {self.seq_pos}; call advance() first")
        end = self.seq_pos + key.shape[2]
        written = [filled for filled in self._filled if filled > self.seq_pos]
        if written and written[0] != end:
            raise ValueError(f"every layer must write the same number of positions in one step: "
                             f"earlier layers wrote {written[0] - self.seq_pos}, layer {layer} writes {key.shape[2]}")
        if end > self.max_seq_len:
            raise ValueError(f"KV cache overflow: writing {key.shape[2]} position(s) at position {self.seq_pos} "
                             f"exceeds max_seq_len {self.max_seq_len}; reset() or allocate a longer cache")
        self.keys[layer, :, :, self.seq_pos:end] = key
        self.values[layer, :, :, self.seq_pos:end] = value
        self._filled[layer] = end
        ### END SOLUTION

    def get(self, layer_idx):
        """(keys, values) of one layer for every position written so far, as Tensors.

        Shapes (batch, heads, positions, head_dim). They are views of the cache
        arrays (no copy): use them before the next reset().
        """
        layer = self._layer(layer_idx)
        end = self._filled[layer]
        return Tensor(self.keys[layer, :, :, :end]), Tensor(self.values[layer, :, :, :end])

    def advance(self):
        """Commit the current step: move seq_pos past the positions every layer just wrote.

        TODO: check that every layer wrote this step, then move seq_pos.

        APPROACH:
        1. Layers with `_filled == seq_pos` were not updated -> ValueError naming them.
        2. seq_pos = the common end position (update() made sure it is common).

        EXAMPLE:
        >>> cache = KVCache(1, 8, 1, 2, 4)
        >>> cache.update(0, np.ones((1, 2, 3, 4)), np.ones((1, 2, 3, 4)))
        >>> cache.advance(); cache.seq_pos
        3

        HINTS:
        - A list comprehension over enumerate(self._filled) finds the layers that are behind.
        """
        ### BEGIN SOLUTION
        behind = [layer for layer, filled in enumerate(self._filled) if filled == self.seq_pos]
        if behind:
            raise ValueError(f"advance() needs every layer updated this step; not updated: layers {behind}")
        self.seq_pos = self._filled[0]  # audit: ignore[BITE006] any layer's count is equivalent: the check above makes them equal
        ### END SOLUTION

    def reset(self):
        """Forget every position (for a new sequence); the arrays are kept and zeroed."""
        self.keys.fill(0.0)
        self.values.fill(0.0)
        self.seq_pos = 0
        self._filled = [0] * self.num_layers

    def get_memory_usage(self):
        """Bytes held by the cache, read from the arrays themselves.

        total_bytes = keys.nbytes + values.nbytes
                    = 2 * layers * batch * heads * max_seq_len * head_dim * 4 (float32);
        used_bytes is the share holding committed positions.
        """
        total = int(self.keys.nbytes + self.values.nbytes)
        return {
            "total_bytes": total,
            "used_bytes": total * self.seq_pos // self.max_seq_len,
            "per_layer_bytes": total // self.num_layers,
            "total_mb": total / 1024**2,
        }

    def __repr__(self):
        return (f"KVCache(batch_size={self.batch_size}, max_seq_len={self.max_seq_len}, num_layers={self.num_layers}, "
                f"num_heads={self.num_heads}, head_dim={self.head_dim}, seq_pos={self.seq_pos})")


def _array(x, name):
    """A Tensor's data or a numpy array, as float32."""
    if isinstance(x, Tensor):
        return x.data.astype(np.float32, copy=False)
    if isinstance(x, np.ndarray):
        return x.astype(np.float32, copy=False)
    raise TypeError(f"{name} must be a Tensor or numpy array, got {type(x).__name__}")

# %% nbgrader={"grade": true, "grade_id": "test-kv-cache", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_kv_cache():
    """Writes land at seq_pos, get returns the prefix, advance/reset/overflow behave."""
    cache = KVCache(batch_size=2, max_seq_len=4, num_layers=2, num_heads=3, head_dim=5)
    prompt_k, prompt_v = np.random.randn(2, 3, 3, 5), np.random.randn(2, 3, 3, 5)
    for layer in range(2):
        cache.update(layer, prompt_k + layer, prompt_v - layer)
    cache.advance()
    assert cache.seq_pos == 3
    step_k, step_v = np.random.randn(2, 3, 1, 5), np.random.randn(2, 3, 1, 5)
    cache.update(1, Tensor(step_k), Tensor(step_v))
    keys, values = cache.get(1)
    assert keys.shape == (2, 3, 4, 5)
    assert np.allclose(keys.data, np.concatenate([prompt_k + 1, step_k], axis=2))
    assert np.allclose(values.data, np.concatenate([prompt_v - 1, step_v], axis=2))
    for bad_call in (cache.advance, lambda: cache.update(1, step_k, step_v)):
        try:  # layer 0 not updated yet / layer 1 updated twice
            bad_call()
        except ValueError:
            pass
        else:
            raise AssertionError("expected a ValueError")
    cache.update(0, step_k, step_v)
    cache.advance()
    try:
        cache.update(0, step_k, step_v)  # position 4 of a 4-slot cache
    except ValueError as error:
        assert "overflow" in str(error)
    else:
        raise AssertionError("writing past max_seq_len must raise")
    assert cache.get_memory_usage()["total_bytes"] == 2 * 2 * 2 * 3 * 4 * 5 * 4
    cache.reset()
    for layer, positions in ((0, 0), (0, 2), (1, 1)):  # no position at all; then layer 1 writes 1 after layer 0 wrote 2
        k = np.zeros((2, 3, positions, 5))
        try:
            cache.update(layer, k, k)
            assert positions == 2, f"an update of {positions} position(s) must be rejected here"
        except ValueError:
            assert positions != 2
    cache.reset()
    assert cache.seq_pos == 0 and cache.get(0)[0].shape == (2, 3, 0, 5)
    print("KVCache: OK")

if __name__ == "__main__":
    test_unit_kv_cache()

# %% [markdown]
"""
## 3. Sizing a cache for a model

A GPT's cache needs one slot per layer, head and position. `create_kv_cache` is the
plain factory; `kv_cache_for_model` reads the sizes from the model itself:

```
GPT(embed_dim=64, num_layers=2, num_heads=4)  ->  heads 4, head_dim 64 / 4 = 16
cache bytes = 2 (K and V) * layers * batch * heads * seq * head_dim * 4 bytes
```
"""

# %% nbgrader={"grade": false, "grade_id": "create-kv-cache", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def create_kv_cache(batch_size, max_seq_len, num_layers, num_heads, head_dim):
    """A new, empty KVCache of the given sizes (same arguments as the class)."""
    return KVCache(batch_size, max_seq_len, num_layers, num_heads, head_dim)


GPT_PARTS = ("token_embedding", "position_encoding", "blocks", "ln_f", "lm_head", "max_seq_len")
BLOCK_PARTS = ("ln1", "attention", "ln2", "mlp")
ATTENTION_PARTS = ("q_proj", "k_proj", "v_proj", "out_proj", "num_heads", "head_dim")


def _require(obj, parts, where, model):
    for part in parts:
        if not hasattr(obj, part):
            raise TypeError(f"KV caching needs a module-13 GPT: {where} has no '{part}' (got {type(model).__name__})")


def _check_gpt(model):
    """A TypeError naming the first missing part unless model is shaped like module 13's GPT."""
    _require(model, GPT_PARTS, "model", model)
    for i, block in enumerate(model.blocks):
        _require(block, BLOCK_PARTS, f"model.blocks[{i}]", model)
        _require(block.attention, ATTENTION_PARTS, f"model.blocks[{i}].attention", model)


def kv_cache_for_model(model, batch_size, max_seq_len=None):
    """An empty KVCache sized for a GPT: its layers, heads and head_dim.

    TODO: read the sizes from the model and build the cache.

    APPROACH:
    1. `_check_gpt(model)` (TypeError for anything that is not a GPT).
    2. max_seq_len defaults to model.max_seq_len and may not exceed it (ValueError):
       the position table has no rows past it.
    3. num_layers = len(model.blocks); heads and head_dim from blocks[0].attention.

    EXAMPLE:
    >>> cache = kv_cache_for_model(GPT(50, 16, 2, 4, max_seq_len=32), batch_size=3)
    >>> cache.keys.shape
    (2, 3, 4, 32, 4)

    HINTS:
    - Every block of a GPT has the same attention shape.
    """
    ### BEGIN SOLUTION
    _check_gpt(model)
    max_seq_len = model.max_seq_len if max_seq_len is None else positive_int(max_seq_len, "max_seq_len")
    if max_seq_len > model.max_seq_len:
        raise ValueError(f"max_seq_len {max_seq_len} exceeds the model's max_seq_len {model.max_seq_len}")
    attention = model.blocks[0].attention  # audit: ignore[BITE006] any block is equivalent: all have the same heads
    return KVCache(batch_size, max_seq_len, len(model.blocks), attention.num_heads, attention.head_dim)
    ### END SOLUTION

# %% [markdown]
"""
## 4. One cached forward step through the model's own layers

`cached_forward(model, ids, cache)` computes exactly what `model.forward` computes
for the positions `seq_pos .. seq_pos + t - 1`, using the cache for everything
before them. Inside each block the only change is the attention:

```
x (batch, t, E) --ln1--> q_proj, k_proj, v_proj --split heads--> q, k, v (batch, H, t, d)
                              cache.update(layer, k, v)
                              K, V = cache.get(layer)          (batch, H, seq_pos + t, d)
          attention(q, K, V, mask) --merge heads--> out_proj --> + x --> ln2, mlp, + x
```

Two details keep it identical to the full forward:
- positions are *offset*: new tokens get rows `seq_pos .. seq_pos + t - 1` of the
  position table, not rows `0 .. t - 1`;
- the causal mask is shifted: new query i may see keys `0 .. seq_pos + i`.
  With one new token it sees every cached key, so no mask is needed.

```
prefill, seq_pos=0, t=3        step, seq_pos=3, t=1
      k0 k1 k2                      k0 k1 k2 k3
q0  [ 1  0  0 ]                q3 [ 1  1  1  1 ]
q1  [ 1  1  0 ]
q2  [ 1  1  1 ]
```
"""

# %% nbgrader={"grade": false, "grade_id": "cached-forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def cached_attention(attention, x, cache, layer_idx):
    """MultiHeadAttention over the new positions x (batch, t, E), past keys/values from the cache.

    TODO: project the new positions, store their k/v, attend to every cached position.

    APPROACH:
    1. q, k, v = the attention's q_proj/k_proj/v_proj of x, each split into heads as module 12's
       split_heads does: reshape to (batch, t, heads, head_dim), swap axes 1 and 2.
    2. start = cache.seq_pos; cache.update(layer_idx, k, v); K, V = cache.get(layer_idx).
    3. mask = None when t == 1, else the shifted causal mask np.tril(ones((t, start + t)), k=start).
    4. out, _ = scaled_dot_product_attention(q, K, V, mask); merge heads; out_proj.

    EXAMPLE:
    >>> model = GPT(50, 16, 1, 4); cache = kv_cache_for_model(model, batch_size=1)
    >>> x = model.token_embedding(np.array([[1, 2]]))
    >>> cached_attention(model.blocks[0].attention, x, cache, layer_idx=0).shape
    (1, 2, 16)

    HINTS:
    - Merge heads as module 12 does: swap axes 1 and 2, then reshape(batch, t, E).
    - Nothing here is differentiated (generation runs under no_grad), so the head split and
      merge can work on the plain arrays (`.data`): the same numpy calls without a Tensor
      wrapper per step, which a one-token step would otherwise pay for six times per layer.
    """
    ### BEGIN SOLUTION
    batch, t, embed_dim = x.shape
    by_head = (batch, t, attention.num_heads, attention.head_dim)  # module 12's split_heads layout, on arrays
    q = attention.q_proj(x).data.reshape(by_head).swapaxes(1, 2)  # (batch, heads, t, head_dim)
    k = attention.k_proj(x).data.reshape(by_head).swapaxes(1, 2)
    v = attention.v_proj(x).data.reshape(by_head).swapaxes(1, 2)
    start = cache.seq_pos
    cache.update(layer_idx, k, v)
    keys, values = cache.get(layer_idx)  # (batch, heads, start + t, head_dim)
    mask = None if t == 1 else np.tril(np.ones((t, start + t), dtype=np.float32), k=start)
    attended, _ = scaled_dot_product_attention(q, keys, values, mask)
    merged = attended.data.swapaxes(1, 2).reshape(batch, t, embed_dim)
    return attention.out_proj(Tensor(merged))
    ### END SOLUTION


def cached_forward(model, ids, cache):
    """Logits (batch, t, vocab) for t new token ids at positions cache.seq_pos onward.

    Runs only the new positions through the blocks, updates every layer's cache
    entries and advances the cache. Inference only: runs under no_grad.

    TODO: embed with offset positions, run each block with cached attention, advance, project.

    APPROACH:
    1. ids: 2-D integers (batch, t) with batch == cache.batch_size (ValueError otherwise);
       seq_pos + t must fit in the cache and in the model's position table.
    2. x = token_embedding(ids) + position_embeddings[start:start + t]
    3. per block: x = x + cached_attention(block.attention, block.ln1(x), cache, i);
       x = x + block.mlp(block.ln2(x))
    4. cache.advance(); return lm_head(ln_f(x)).

    EXAMPLE:
    >>> model = GPT(50, 16, 2, 4); cache = kv_cache_for_model(model, batch_size=1)
    >>> cached_forward(model, np.array([[1, 2, 3]]), cache).shape   # prefill
    (1, 3, 50)
    >>> cached_forward(model, np.array([[4]]), cache).shape         # one step
    (1, 1, 50)

    HINTS:
    - position_encoding.position_embeddings is the (max_seq_len, E) table of module 11.
    """
    ### BEGIN SOLUTION
    _check_gpt(model)
    ids = np.asarray(ids.data if isinstance(ids, Tensor) else ids)
    if ids.ndim != 2 or ids.shape[1] == 0 or ids.dtype.kind not in "iu":
        raise ValueError(f"ids must be a non-empty 2-D integer array (batch, t), got shape {ids.shape} dtype {ids.dtype}")
    if ids.shape[0] != cache.batch_size:
        raise ValueError(f"ids have batch {ids.shape[0]} but the cache was made for batch {cache.batch_size}")
    start, t = cache.seq_pos, ids.shape[1]
    if start + t > min(cache.max_seq_len, model.max_seq_len):
        raise ValueError(f"positions {start}..{start + t - 1} do not fit: cache max_seq_len {cache.max_seq_len}, "
                         f"model max_seq_len {model.max_seq_len}")
    with no_grad():
        x = model.token_embedding(ids) + model.position_encoding.position_embeddings[start:start + t]
        for layer_idx, block in enumerate(model.blocks):
            x = x + cached_attention(block.attention, block.ln1(x), cache, layer_idx)
            x = x + block.mlp(block.ln2(x))
        cache.advance()
        return model.lm_head(model.ln_f(x))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-cached-forward", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.transformer import GPT


def test_unit_cached_forward():
    """Prefill plus single steps give the same logits as the full forward, position by position."""
    model = GPT(vocab_size=20, embed_dim=16, num_layers=2, num_heads=4, max_seq_len=12)
    ids = np.random.randint(0, 20, size=(2, 9))
    with no_grad():
        full = model.forward(ids).data  # (2, 9, 20): the reference
    cache = kv_cache_for_model(model, batch_size=2)
    pieces = [cached_forward(model, ids[:, :4], cache).data]  # prefill 4 positions
    for pos in range(4, 9):
        pieces.append(cached_forward(model, ids[:, pos:pos + 1], cache).data)
    assert cache.seq_pos == 9
    assert np.allclose(np.concatenate(pieces, axis=1), full, atol=1e-5)
    roomy = KVCache(batch_size=2, max_seq_len=20, num_layers=2, num_heads=4, head_dim=4)  # more room than the model
    for fits_not in (cache, roomy):  # 9 + 4 positions: past the model's 12
        if fits_not is roomy:
            cached_forward(model, ids, roomy)
        try:
            cached_forward(model, ids[:, :4], fits_not)
            raise AssertionError("positions past max_seq_len must be rejected")
        except ValueError as error:
            assert "do not fit" in str(error)
    print("cached_forward: OK")

if __name__ == "__main__":
    test_unit_cached_forward()

# %% [markdown]
"""
## 5. Cached generation, and switching it on for a model

`generate_with_cache` follows `GPT.generate` step for step, with the same checks,
the same sampler (module 13's `next_token_ids`, so a seeded run draws the same
random numbers) and the same output format. Only the logits come from the cache:

```
prefill:  cached_forward(prompt)        -> logits of the last prompt position -> t1
step k:   cached_forward([[t_k]])       -> logits of t_k's position         -> t_{k+1}
```

When the sequence outgrows `max_seq_len`, `GPT.generate` slides a window over the
last `max_seq_len` ids, which shifts *every* position, so every cached key is stale.
From that step on we hand over to the model's original recompute loop.

`enable_kv_cache(model)` sets one instance attribute, `model.generate`, to a
`CachedGeneration` object; an instance attribute shadows the class method:

```
model.generate(...)   ->  model.__dict__["generate"]  (CachedGeneration)   when enabled
                      ->  GPT.generate (class)                             after disable
```

`disable_kv_cache(model)` deletes that attribute again (or puts back one that was
there before), so the model is exactly as it was. Enabling twice changes nothing.
"""

# %% nbgrader={"grade": false, "grade_id": "cached-generation", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def generate_with_cache(model, prompt_ids, max_new_tokens, temperature=1.0, fallback=None):
    """GPT.generate's result, computed with a KV cache.

    fallback: the uncached generate to hand over to once the window would slide
    (default: the model class's own generate).

    TODO: prefill the prompt, then one cached step per new token.

    APPROACH:
    1. ids, single = prepare_prompt(...); nothing to do when max_new_tokens == 0.
    2. A prompt longer than max_seq_len is cropped by GPT.generate: hand over at once.
    3. Cache for min(prompt + max_new_tokens - 1, max_seq_len) positions (the last
       new token is never fed back).
    4. logits = last row of cached_forward(model, ids, cache); loop: next = next_token_ids(logits, T),
       append; stop when done; hand over if the cache is full; else feed next ids.

    EXAMPLE:
    >>> model = GPT(10, 8, 1, 2, max_seq_len=16)
    >>> out = generate_with_cache(model, [1, 2, 3], max_new_tokens=4, temperature=0)
    >>> np.array_equal(out, model.generate([1, 2, 3], 4, temperature=0))
    True

    HINTS:
    - The fallback receives the ids so far and the number of tokens still missing.
    """
    ### BEGIN SOLUTION
    _check_gpt(model)
    ids, single = prepare_prompt(prompt_ids, max_new_tokens, temperature)
    if fallback is None:
        fallback = type(model).generate.__get__(model)  # the class's own (uncached) loop
    prompt_len = ids.shape[1]
    if max_new_tokens > 0 and prompt_len > model.max_seq_len:  # audit: ignore[BITE006] some routes to the uncached loop are equivalent: it gives the same tokens
        ids = fallback(ids, max_new_tokens, temperature)
    elif max_new_tokens > 0:
        cache = kv_cache_for_model(model, ids.shape[0], min(prompt_len + max_new_tokens - 1, model.max_seq_len))  # audit: ignore[BITE006] a larger cache is equivalent (memory only)
        with no_grad():
            logits = cached_forward(model, ids, cache).data[:, -1, :]  # prefill
            for step in range(max_new_tokens):
                next_ids = next_token_ids(logits, temperature)
                ids = np.concatenate([ids, next_ids[:, None]], axis=1)
                remaining = max_new_tokens - step - 1
                if remaining == 0:
                    break
                if cache.seq_pos == model.max_seq_len:  # window slides: cached positions are stale  # audit: ignore[BITE006] falling back earlier gives the same tokens
                    ids = fallback(ids, remaining, temperature)
                    break
                logits = cached_forward(model, next_ids[:, None], cache).data[:, -1, :]
    return ids[0] if single else ids
    ### END SOLUTION


class CachedGeneration:
    """What `model.generate` becomes while the KV cache is enabled (callable like it).

    `saved` is the instance attribute it replaced, or None when the model had none
    (the usual case: generate then comes from the class). A deep copy of the model
    (e.g. quantize_model) copies this object too, pointing at the copy.
    """

    def __init__(self, model, saved=None):
        self.model = model
        self.saved = saved

    def __call__(self, prompt_ids, max_new_tokens, temperature=1.0):
        original = type(self.model).generate.__get__(self.model) if self.saved is None else self.saved
        return generate_with_cache(self.model, prompt_ids, max_new_tokens, temperature, fallback=original)


def enable_kv_cache(model):
    """Make model.generate use the KV cache (sets the instance attribute model.generate). Returns model."""
    _check_gpt(model)
    current = vars(model).get("generate")
    if not isinstance(current, CachedGeneration):  # enabling twice changes nothing
        model.generate = CachedGeneration(model, current)
    return model


def disable_kv_cache(model):
    """Undo enable_kv_cache exactly: remove (or restore) the instance attribute. Returns model."""
    current = vars(model).get("generate")
    if isinstance(current, CachedGeneration):
        if current.saved is None:
            del model.generate  # the class method is visible again
        else:
            model.generate = current.saved
    return model


def is_kv_cache_enabled(model):
    """True while enable_kv_cache is in effect for this model."""
    return isinstance(vars(model).get("generate"), CachedGeneration)

# %% nbgrader={"grade": true, "grade_id": "test-cached-generation", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_cached_generation():
    """Enabled generation returns the same tokens (greedy and seeded); disable restores the class method."""
    model = GPT(vocab_size=30, embed_dim=16, num_layers=2, num_heads=2, max_seq_len=10)
    prompt = np.random.randint(0, 30, size=(2, 3))
    plain_greedy = model.generate(prompt, max_new_tokens=9, temperature=0)  # slides past 10
    np.random.seed(7)
    plain_sampled = model.generate(prompt, max_new_tokens=6, temperature=1.0)
    before = dict(vars(model))
    enable_kv_cache(enable_kv_cache(model))
    assert is_kv_cache_enabled(model)
    assert np.array_equal(model.generate(prompt, max_new_tokens=9, temperature=0), plain_greedy)
    np.random.seed(7)
    assert np.array_equal(model.generate(prompt, max_new_tokens=6, temperature=1.0), plain_sampled)
    disable_kv_cache(model)
    assert vars(model) == before and not is_kv_cache_enabled(model)
    assert np.array_equal(generate_with_cache(model, prompt, 9, temperature=0), plain_greedy)  # its own fallback
    long_prompt = np.random.randint(0, 30, size=(2, 11))  # longer than max_seq_len: the uncached loop from the start
    assert np.array_equal(generate_with_cache(model, long_prompt, 2, temperature=0), model.generate(long_prompt, 2, temperature=0))
    assert np.array_equal(generate_with_cache(model, prompt, 0, temperature=0), prompt)
    print("cached generation: OK")

if __name__ == "__main__":
    test_unit_cached_generation()

# %% [markdown]
"""
## 6. Systems analysis: time per token and memory of the cache

Two measurements, nothing quoted:
1. **Time per new token** at growing context lengths N. Uncached, a step is a full
   forward over N positions (what `GPT.generate` does); cached, it is one
   `cached_forward` of one token with N - 1 positions in the cache. The per-step work
   is ~N^2 (attention) plus ~N (projections, MLP) uncached, ~N cached, so the
   ratio should grow with N. At small N fixed per-call overhead dominates both.
2. **Cache memory** read from the arrays, against `2*layers*batch*heads*seq*head_dim*4`.
"""

# %% nbgrader={"grade": false, "grade_id": "systems-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
import time


def median_ms(fn, repeats=3, setup=None):
    """Median wall time of fn(setup()) in milliseconds, after one warm-up; setup is not timed."""
    setup = setup or (lambda: None)
    fn(setup())
    times = []
    for _ in range(repeats):
        state = setup()
        start = time.perf_counter()
        fn(state)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def analyze_step_time(lengths=(16, 32, 64, 128)):
    """Time to produce one new token at context length N, without and with the cache."""
    model = GPT(vocab_size=64, embed_dim=64, num_layers=2, num_heads=4, max_seq_len=max(lengths))
    ids = np.random.randint(0, 64, size=(1, max(lengths)))
    print("\nTime per generated token (median of 3), GPT embed 64, 2 layers, 4 heads")
    print(f"{'context N':>9} {'uncached ms':>12} {'cached ms':>10} {'speedup':>8}")
    with no_grad():
        for n in lengths:
            uncached = median_ms(lambda _: model.forward(ids[:, :n]))

            def cache_holding_the_past():  # the first n-1 positions, computed once (not timed)
                cache = kv_cache_for_model(model, batch_size=1, max_seq_len=n)
                cached_forward(model, ids[:, :n - 1], cache)
                return cache

            cached = median_ms(lambda cache: cached_forward(model, ids[:, n - 1:n], cache),
                               setup=cache_holding_the_past)
            print(f"{n:9d} {uncached:12.3f} {cached:10.3f} {uncached / cached:7.1f}x")


def analyze_cache_memory():
    """Cache bytes read from the arrays vs the formula, for several lengths and depths."""
    print("\nKV cache memory (batch 1, 4 heads, head_dim 16, float32)")
    print(f"{'layers':>6} {'seq':>6} {'measured bytes':>15} {'formula bytes':>14}")
    for layers in (2, 12):
        for seq in (128, 1024):
            measured = KVCache(1, seq, layers, 4, 16).get_memory_usage()["total_bytes"]
            formula = 2 * layers * 1 * 4 * seq * 16 * 4
            print(f"{layers:6d} {seq:6d} {measured:15,d} {formula:14,d}")
    model = GPT(vocab_size=64, embed_dim=64, num_layers=2, num_heads=4, max_seq_len=1024)
    weight_bytes = sum(p.data.nbytes for p in model.parameters())
    cache_bytes = kv_cache_for_model(model, batch_size=8).get_memory_usage()["total_bytes"]
    print(f"GPT above: weights {weight_bytes:,d} bytes; a full cache for batch 8 holds {cache_bytes:,d} bytes "
          f"({cache_bytes / weight_bytes:.1f}x the weights): memory is what we pay for the speed.")

if __name__ == "__main__":
    analyze_step_time()
    analyze_cache_memory()

# %% [markdown]
"""
## Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test, then a longer greedy generation that fills the cache to max_seq_len exactly."""
    test_unit_kv_cache()
    test_unit_cached_forward()
    test_unit_cached_generation()
    model = GPT(vocab_size=25, embed_dim=12, num_layers=3, num_heads=3, max_seq_len=16)
    prompt = np.random.randint(0, 25, size=5)
    expected = model.generate(prompt, max_new_tokens=12, temperature=0)  # 5 + 12 - 1 = 16 positions
    assert np.array_equal(generate_with_cache(model, prompt, max_new_tokens=12, temperature=0), expected)
    print("Module 17 memoization: all tests passed")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- Causal attention makes each position's key and value final once computed, so
  generation can memoize them: a KV cache of preallocated per-layer arrays, written
  at `seq_pos`, read as a prefix, committed by `advance()`.
- `cached_forward` drives the model's own layers for the new positions only:
  offset positions, a shifted causal mask, cached keys and values. Its logits
  match the full forward; generation with it picks the same tokens.
- Per step the uncached work grows with N^2 (attention over the whole prefix,
  again) and N (projections); the cached step grows with N only, as measured above.
- The price is memory: `2 * layers * batch * heads * seq * head_dim * 4` bytes,
  which for long contexts and large batches exceeds the weights themselves.

Next, module 18 (acceleration) makes each of the remaining operations faster.
"""
