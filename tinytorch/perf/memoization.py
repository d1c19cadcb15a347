# Generated from modules/17_memoization/memoization.py by `python -m audits.export`: edit the source, not this file.
import numpy as np

from tinytorch.core.attention import scaled_dot_product_attention
from tinytorch.core.autograd import no_grad
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import next_token_ids, prepare_prompt


def _positive_int(value, name):
    """Sizes are positive ints (a bool is rejected: KVCache(True, ...) is a bug)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


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
        1. Every size must be a positive integer (`_positive_int`).
        2. keys = values = zeros of shape (layers, batch, heads, max_seq_len, head_dim), float32.
        3. seq_pos = 0; `_filled[layer]` = positions written so far in each layer.

        EXAMPLE:
        >>> cache = KVCache(batch_size=1, max_seq_len=8, num_layers=2, num_heads=4, head_dim=16)
        >>> cache.keys.shape
        (2, 1, 4, 8, 16)

        HINTS:
        - `_filled` lets `advance()` check that every layer was updated this step.
        """
        self.batch_size = _positive_int(batch_size, "batch_size")
        self.max_seq_len = _positive_int(max_seq_len, "max_seq_len")
        self.num_layers = _positive_int(num_layers, "num_layers")
        self.num_heads = _positive_int(num_heads, "num_heads")
        self.head_dim = _positive_int(head_dim, "head_dim")
        shape = (self.num_layers, self.batch_size, self.num_heads, self.max_seq_len, self.head_dim)
        self.keys = np.zeros(shape, dtype=np.float32)
        self.values = np.zeros(shape, dtype=np.float32)
        self.seq_pos = 0
        self._filled = np.zeros(self.num_layers, dtype=np.int64)

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
        written = self._filled[self._filled > self.seq_pos]
        if written.size and written[0] != end:
            raise ValueError(f"every layer must write the same number of positions in one step: "
                             f"earlier layers wrote {int(written[0]) - self.seq_pos}, layer {layer} writes {key.shape[2]}")
        if end > self.max_seq_len:
            raise ValueError(f"KV cache overflow: writing {key.shape[2]} position(s) at position {self.seq_pos} "
                             f"exceeds max_seq_len {self.max_seq_len}; reset() or allocate a longer cache")
        self.keys[layer, :, :, self.seq_pos:end] = key
        self.values[layer, :, :, self.seq_pos:end] = value
        self._filled[layer] = end

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
        - np.flatnonzero finds the layers that are behind.
        """
        behind = np.flatnonzero(self._filled == self.seq_pos)
        if behind.size:
            raise ValueError(f"advance() needs every layer updated this step; not updated: layers {behind.tolist()}")
        self.seq_pos = int(self._filled[0])

    def reset(self):
        """Forget every position (for a new sequence); the arrays are kept and zeroed."""
        self.keys.fill(0.0)
        self.values.fill(0.0)
        self.seq_pos = 0
        self._filled[:] = 0

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


def create_kv_cache(batch_size, max_seq_len, num_layers, num_heads, head_dim):
    """A new, empty KVCache of the given sizes (same arguments as the class)."""
    return KVCache(batch_size, max_seq_len, num_layers, num_heads, head_dim)


GPT_PARTS = ("token_embedding", "position_encoding", "blocks", "ln_f", "lm_head", "max_seq_len")
BLOCK_PARTS = ("ln1", "attention", "ln2", "mlp")
ATTENTION_PARTS = ("q_proj", "k_proj", "v_proj", "out_proj", "num_heads", "head_dim", "split_heads")


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
    _check_gpt(model)
    max_seq_len = model.max_seq_len if max_seq_len is None else _positive_int(max_seq_len, "max_seq_len")
    if max_seq_len > model.max_seq_len:
        raise ValueError(f"max_seq_len {max_seq_len} exceeds the model's max_seq_len {model.max_seq_len}")
    attention = model.blocks[0].attention
    return KVCache(batch_size, max_seq_len, len(model.blocks), attention.num_heads, attention.head_dim)


def cached_attention(attention, x, cache, layer_idx):
    """MultiHeadAttention over the new positions x (batch, t, E), past keys/values from the cache.

    TODO: project the new positions, store their k/v, attend to every cached position.

    APPROACH:
    1. q, k, v = the attention's q_proj/k_proj/v_proj of x, each split by its own split_heads.
    2. start = cache.seq_pos; cache.update(layer_idx, k, v); K, V = cache.get(layer_idx).
    3. mask = None when t == 1, else the shifted causal mask np.tril(ones((t, start + t)), k=start).
    4. out, _ = scaled_dot_product_attention(q, K, V, mask); merge heads; out_proj.

    EXAMPLE:
    >>> model = GPT(50, 16, 1, 4); cache = kv_cache_for_model(model, batch_size=1)
    >>> x = model.token_embedding(np.array([[1, 2]]))
    >>> cached_attention(model.blocks[0].attention, x, cache, layer_idx=0).shape
    (1, 2, 16)

    HINTS:
    - Merge heads as module 12 does: transpose(1, 2), then reshape(batch, t, E).
    """
    batch, t, embed_dim = x.shape
    q = attention.split_heads(attention.q_proj(x), batch, t)  # module 12's own head split
    k = attention.split_heads(attention.k_proj(x), batch, t)
    v = attention.split_heads(attention.v_proj(x), batch, t)
    start = cache.seq_pos
    cache.update(layer_idx, k, v)
    keys, values = cache.get(layer_idx)  # (batch, heads, start + t, head_dim)
    mask = None if t == 1 else np.tril(np.ones((t, start + t), dtype=np.float32), k=start)
    attended, _ = scaled_dot_product_attention(q, keys, values, mask)
    merged = attended.transpose(1, 2).reshape(batch, t, embed_dim)
    return attention.out_proj(merged)


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
    _check_gpt(model)
    ids, single = prepare_prompt(prompt_ids, max_new_tokens, temperature)
    if fallback is None:
        fallback = type(model).generate.__get__(model)  # the class's own (uncached) loop
    prompt_len = ids.shape[1]
    if max_new_tokens > 0 and prompt_len > model.max_seq_len:
        ids = fallback(ids, max_new_tokens, temperature)
    elif max_new_tokens > 0:
        cache = kv_cache_for_model(model, ids.shape[0], min(prompt_len + max_new_tokens - 1, model.max_seq_len))
        with no_grad():
            logits = cached_forward(model, ids, cache).data[:, -1, :]  # prefill
            for step in range(max_new_tokens):
                next_ids = next_token_ids(logits, temperature)
                ids = np.concatenate([ids, next_ids[:, None]], axis=1)
                remaining = max_new_tokens - step - 1
                if remaining == 0:
                    break
                if cache.seq_pos == model.max_seq_len:  # window slides: cached positions are stale
                    ids = fallback(ids, remaining, temperature)
                    break
                logits = cached_forward(model, next_ids[:, None], cache).data[:, -1, :]
    return ids[0] if single else ids


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
