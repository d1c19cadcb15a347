"""Module 10 tokenization: character and byte-pair tokenizers.

Expected values come from hand-worked examples and from a naive BPE reference
written here (every chunk occurrence kept in full, chunks split with
itertools.groupby, merges applied with a stack), independent of the module's
dictionary-of-words implementation.
"""

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core.tokenization import BPETokenizer, CharTokenizer, Tokenizer

FEW = settings(max_examples=25, deadline=None)
CORPUS = (
    "the quick brown fox jumps over the lazy dog\n"
    "the lazy dog sleeps; the quick fox runs over the hill\n"
    "naïve café owners serve crème brûlée 🙂 to the fox\n"
) * 3


# --------------------------------------------------------------------------- reference
def reference_chunks(text):
    """Runs of whitespace glued to the non-space run that follows them (trailing space alone)."""
    runs = ["".join(group) for _, group in itertools.groupby(text, key=str.isspace)]
    chunks, pending = [], ""
    for run in runs:
        if run.isspace():
            pending += run
        else:
            chunks.append(pending + run)
            pending = ""
    if pending:
        chunks.append(pending)
    return chunks


def reference_merge(stream, pair, new_id):
    """Left-to-right, non-overlapping: a freshly merged token (new_id) can never start the pair again."""
    out = []
    for token in stream:
        if out and out[-1] == pair[0] and token == pair[1]:
            out[-1] = new_id
        else:
            out.append(token)
    return out


def reference_bpe(texts, vocab_size, min_frequency):
    """Naive BPE: recount every adjacent position of every chunk occurrence after each merge."""
    streams = [list(chunk.encode("utf-8")) for text in texts for chunk in reference_chunks(text)]
    merges = []
    while 256 + len(merges) < vocab_size:
        counts = Counter()
        for stream in streams:
            for i in range(len(stream) - 1):
                counts[(stream[i], stream[i + 1])] += 1
        if not counts or max(counts.values()) < min_frequency:
            break
        best = max(counts.values())
        pair = min(p for p, c in counts.items() if c == best)  # tie-break: smallest pair
        merges.append(pair)
        streams = [reference_merge(stream, pair, 255 + len(merges)) for stream in streams]
    return merges, [token for stream in streams for token in stream]


def reference_encode(text, merges):
    """Encode by replaying every learned merge, in learned order, over each chunk's bytes."""
    ids = []
    for chunk in reference_chunks(text):
        stream = list(chunk.encode("utf-8"))
        for k, pair in enumerate(merges):
            stream = reference_merge(stream, pair, 256 + k)
        ids.extend(stream)
    return ids


# --------------------------------------------------------------------------- base
def test_base_tokenizer_is_abstract():
    with pytest.raises(NotImplementedError):
        Tokenizer().encode("a")
    with pytest.raises(NotImplementedError):
        Tokenizer().decode([0])


# --------------------------------------------------------------------------- CharTokenizer
def test_char_vocab_is_unk_then_sorted_characters():
    tok = CharTokenizer()
    tok.build_vocab(["ba", "cab"])
    assert tok.vocab == ["<unk>", "a", "b", "c"]
    assert tok.vocab_size == 4
    assert tok.encode("cab") == [3, 1, 2]


def test_char_explicit_vocab_keeps_given_order():
    tok = CharTokenizer(vocab=["z", "a"])
    assert tok.encode("az") == [2, 1]
    assert tok.decode([1, 2]) == "za"


def test_char_unknown_characters_map_to_unk_and_decode_to_replacement_char():
    tok = CharTokenizer(vocab="abc")
    assert tok.encode("a?b€") == [1, 0, 2, 0]
    assert tok.decode([1, 0, 2, 0]) == "a\ufffdb\ufffd"
    assert len(tok.decode(tok.encode("x" * 7))) == 7  # one replacement char per unknown char


@FEW
@given(corpus=st.text(min_size=1, max_size=40), data=st.data())
def test_char_round_trip_for_covered_text(corpus, data):
    tok = CharTokenizer()
    tok.build_vocab(corpus)
    text = data.draw(st.text(alphabet=sorted(set(corpus)), max_size=40))
    ids = tok.encode(text)
    assert len(ids) == len(text)
    assert 0 not in ids
    assert tok.decode(ids) == text


def test_char_decode_accepts_numpy_ids():
    tok = CharTokenizer(vocab="ab")
    assert tok.decode(np.array([2, 1], dtype=np.int64)) == "ba"


@pytest.mark.parametrize(
    "make",
    [
        lambda: CharTokenizer(vocab="aba"),  # duplicate character
        lambda: CharTokenizer(vocab=["ab"]),  # not a single character
        lambda: CharTokenizer(vocab=[]),  # empty
        lambda: CharTokenizer().build_vocab(""),  # empty corpus
        lambda: CharTokenizer().encode("a"),  # no vocabulary yet
        lambda: CharTokenizer(vocab="ab").decode([3]),  # id outside the vocabulary
        lambda: CharTokenizer(vocab="ab").decode([-1]),
    ],
)
def test_char_invalid_input_raises_value_error(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: CharTokenizer().build_vocab(5),
        lambda: CharTokenizer().build_vocab(["a", None]),
        lambda: CharTokenizer(vocab="ab").encode(12),
        lambda: CharTokenizer(vocab="ab").decode([1.5]),
        lambda: CharTokenizer(vocab="ab").decode("ab"),
    ],
)
def test_char_wrong_types_raise_type_error(make):
    with pytest.raises(TypeError):
        make()


# --------------------------------------------------------------------------- BPETokenizer
def test_bpe_hand_worked_example():
    """'ababab': (a,b) x3 -> 256, then (256,256) x2 -> 257, then only a single pair is left."""
    tok = BPETokenizer(vocab_size=300)
    tok.train("ababab")
    assert tok.merges == [(97, 98), (256, 256)]
    assert tok.vocab[256:] == [b"ab", b"abab"]
    assert tok.vocab_size == 258
    assert tok.encode("ababab") == [257, 256]
    assert tok.encode("abba") == [256, 98, 97]
    assert tok.decode([257, 98]) == "ababb"


def test_bpe_tie_break_takes_smallest_pair():
    tok = BPETokenizer(vocab_size=258, min_frequency=1)
    tok.train("dcba")  # d=100 c=99 b=98 a=97: three pairs seen once each
    # (98, 97) is the smallest; then (100, 99) and (99, 256) tie and (99, 256) is smaller.
    assert tok.merges == [(98, 97), (99, 256)]
    assert tok.encode("dcba") == [100, 257]


@FEW
@given(
    texts=st.lists(st.text(alphabet="ab c\né", min_size=1, max_size=30), min_size=1, max_size=3),
    extra=st.integers(min_value=0, max_value=30),
    min_frequency=st.integers(min_value=1, max_value=3),
)
def test_bpe_matches_naive_reference(texts, extra, min_frequency):
    """Same merges in the same order, and encoding the corpus gives the reference's final stream."""
    tok = BPETokenizer(vocab_size=256 + extra, min_frequency=min_frequency)
    tok.train(texts)
    merges, stream = reference_bpe(texts, 256 + extra, min_frequency)
    assert tok.merges == merges
    assert [i for text in texts for i in tok.encode(text)] == stream


def test_bpe_encode_applies_the_earliest_learned_merge_first():
    """Merges learned: (a,b)=256, (' ',b)=257, (' ',256)=258, (257,a)=259. In " bab" both
    (' ',b) and (a,b) are present; (a,b) was learned first, so it wins: ' b' + 'ab'."""
    tok = BPETokenizer(vocab_size=260)
    tok.train("ab ab ab ba ba")
    assert tok.merges == [(97, 98), (32, 98), (32, 256), (257, 97)]
    assert tok.encode(" bab") == [257, 256]  # latest-first would give (259 ' ba', 98 'b')


@FEW
@given(corpus=st.text(alphabet="ab c", min_size=1, max_size=40), text=st.text(alphabet="ab cd", max_size=30))
def test_bpe_encoding_unseen_text_replays_the_merges_in_order(corpus, text):
    tok = BPETokenizer(vocab_size=280, min_frequency=1)
    tok.train(corpus)
    assert tok.encode(text) == reference_encode(text, tok.merges)


@FEW
@given(text=st.text(max_size=60))
def test_bpe_round_trips_every_text(text):
    """Byte-level base alphabet: any Unicode text, seen in training or not, comes back exactly."""
    tok = _trained(300)
    ids = tok.encode(text)
    assert all(0 <= i < 300 for i in ids)
    assert tok.decode(ids) == text


_TRAINED = {}


def _trained(vocab_size):
    if vocab_size not in _TRAINED:  # training is deterministic, so sharing is order-independent
        tok = BPETokenizer(vocab_size=vocab_size)
        tok.train(CORPUS)
        _TRAINED[vocab_size] = tok
    return _TRAINED[vocab_size]


def test_merges_shorten_the_training_corpus_monotonically():
    n_bytes = len(CORPUS.encode("utf-8"))
    lengths = [len(_trained(size).encode(CORPUS)) for size in (256, 260, 280, 320)]
    assert lengths[0] == n_bytes  # no merges: one id per byte
    assert all(shorter < longer for longer, shorter in zip(lengths, lengths[1:]))
    assert lengths[-1] < 0.6 * n_bytes


def test_smaller_vocab_learns_a_prefix_of_the_larger_ones_merges():
    assert _trained(280).merges == _trained(320).merges[:24]


def test_each_merge_is_the_concatenation_of_its_pair():
    tok = _trained(320)
    for k, (left, right) in enumerate(tok.merges):
        assert tok.vocab[256 + k] == tok.vocab[left] + tok.vocab[right]
        assert left < 256 + k and right < 256 + k


@pytest.mark.parametrize("vocab_size", [256, 257, 290])
def test_vocab_size_is_respected(vocab_size):
    tok = BPETokenizer(vocab_size=vocab_size, min_frequency=1)
    tok.train(CORPUS)
    assert tok.vocab_size == vocab_size  # the corpus has far more than 34 distinct pairs
    assert max(tok.encode(CORPUS + " unseen words ✓")) < vocab_size


def test_training_stops_when_no_pair_is_frequent_enough():
    tok = BPETokenizer(vocab_size=1000, min_frequency=2)
    tok.train("xyz xyz")  # chunks "xyz" and " xyz"
    # (x,y) and (y,z) occur twice; after they merge nothing occurs twice any more.
    assert tok.merges == [(120, 121), (256, 122)]
    assert tok.vocab_size == 258


def test_retraining_starts_from_scratch():
    tok = BPETokenizer(vocab_size=300)
    tok.train("ababab")
    assert tok.encode("ab") == [256]  # remembered by the chunk cache
    tok.train("cdcdcd")
    assert tok.merges == [(99, 100), (256, 256)]
    assert tok.encode("ab") == [97, 98]


def test_decode_of_a_split_multibyte_character_uses_replacement_char():
    tok = BPETokenizer(vocab_size=256)
    euro = tok.encode("€")
    assert euro == list("€".encode("utf-8"))
    assert tok.decode(euro[:2]) == "\ufffd"
    assert tok.decode(np.array(euro)) == "€"


@pytest.mark.parametrize(
    "make",
    [
        lambda: BPETokenizer(vocab_size=255),
        lambda: BPETokenizer(vocab_size=300.0),
        lambda: BPETokenizer(vocab_size="1000"),
        lambda: BPETokenizer(vocab_size=True),
        lambda: BPETokenizer(min_frequency=0),
        lambda: BPETokenizer().train(""),
        lambda: BPETokenizer().train([]),
        lambda: BPETokenizer().decode([256]),  # untrained: only byte ids exist
    ],
)
def test_bpe_invalid_arguments_raise_value_error(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize(
    "make",
    [lambda: BPETokenizer().train(None), lambda: BPETokenizer().encode(b"bytes"), lambda: BPETokenizer().decode([None])],
)
def test_bpe_wrong_types_raise_type_error(make):
    with pytest.raises(TypeError):
        make()


# --------------------------------------------------------------------------- integration with module 01
def test_token_ids_become_an_integer_tensor_ready_for_lookup():
    """Ids feed module 11's embedding lookup as an integer Tensor (module 01 keeps integer dtypes)."""
    from tinytorch.core.tensor import Tensor

    tok = _trained(300)
    ids = Tensor(np.array([tok.encode("the fox"), tok.encode("the dog")]))
    assert np.issubdtype(ids.dtype, np.integer)
    table = np.random.randn(tok.vocab_size, 4)
    assert table[ids.data].shape == (2, len(tok.encode("the fox")), 4)
    assert tok.decode(ids.data[0]) == "the fox"
