# Generated from modules/17_memoization/memoization.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["KVCache", "create_kv_cache", "GPT_PARTS", "BLOCK_PARTS", "ATTENTION_PARTS", "kv_cache_for_model", "cached_attention", "cached_forward", "generate_with_cache", "CachedGeneration", "enable_kv_cache", "disable_kv_cache", "is_kv_cache_enabled"]


# modules/17_memoization/memoization.py:45
import numpy as np

from tinytorch.core.attention import scaled_dot_product_attention
from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import positive_int
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import next_token_ids, prepare_prompt


# modules/17_memoization/memoization.py:102
class KVCache:
    """Every layer's attention keys and values for the positions generated so far.

    `keys` and `values` are float32 arrays of shape
    (num_layers, batch_size, num_heads, max_seq_len, head_dim), allocated once.
    `seq_pos` counts the positions committed by `advance()`.
    """

    def __init__(self, batch_size, max_seq_len, num_layers, num_heads, head_dim):
        """Allocate the two arrays, empty."""
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

    def _layer(self, layer_idx):
        if isinstance(layer_idx, bool) or not isinstance(layer_idx, (int, np.integer)):
            raise ValueError(f"layer_idx must be an integer, got {layer_idx!r}")
        if not 0 <= layer_idx < self.num_layers:
            raise ValueError(f"layer_idx {layer_idx} is out of range for a cache of {self.num_layers} layers")
        return int(layer_idx)

    def update(self, layer_idx, key, value):
        """Write one step's keys and values of one layer at the current position.

        key, value: Tensors or arrays of shape (batch, heads, new_positions, head_dim).
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

    def get(self, layer_idx):
        """(keys, values) of one layer for every position written so far, as Tensors.

        Shapes (batch, heads, positions, head_dim). They are views of the cache
        arrays (no copy): use them before the next reset().
        """
        layer = self._layer(layer_idx)
        end = self._filled[layer]
        return Tensor(self.keys[layer, :, :, :end]), Tensor(self.values[layer, :, :, :end])

    def advance(self):
        """Commit the current step: move seq_pos past the positions every layer just wrote."""
        behind = [layer for layer, filled in enumerate(self._filled) if filled == self.seq_pos]
        if behind:
            raise ValueError(f"advance() needs every layer updated this step; not updated: layers {behind}")
        self.seq_pos = self._filled[0]  # audit: ignore[BITE006] any layer's count is equivalent: the check above makes them equal

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


# modules/17_memoization/memoization.py:330
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
    """An empty KVCache sized for a GPT: its layers, heads and head_dim."""
    _check_gpt(model)
    max_seq_len = model.max_seq_len if max_seq_len is None else positive_int(max_seq_len, "max_seq_len")
    if max_seq_len > model.max_seq_len:
        raise ValueError(f"max_seq_len {max_seq_len} exceeds the model's max_seq_len {model.max_seq_len}")
    attention = model.blocks[0].attention  # audit: ignore[BITE006] any block is equivalent: all have the same heads
    return KVCache(batch_size, max_seq_len, len(model.blocks), attention.num_heads, attention.head_dim)


# modules/17_memoization/memoization.py:414
def cached_attention(attention, x, cache, layer_idx):
    """MultiHeadAttention over the new positions x (batch, t, E), past keys/values from the cache."""
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


def cached_forward(model, ids, cache):
    """Logits (batch, t, vocab) for t new token ids at positions cache.seq_pos onward.

    Runs only the new positions through the blocks, updates every layer's cache
    entries and advances the cache. Inference only: runs under no_grad.
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


# modules/17_memoization/memoization.py:561
def generate_with_cache(model, prompt_ids, max_new_tokens, temperature=1.0, fallback=None):
    """GPT.generate's result, computed with a KV cache.

    fallback: the uncached generate to hand over to once the window would slide
    (default: the model class's own generate).
    """
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
