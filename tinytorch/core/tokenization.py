# Generated from modules/10_tokenization/tokenization.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["Tokenizer", "corpus_texts", "UNK_TOKEN", "UNK_ID", "UNK_TEXT", "CharTokenizer", "CHUNK_PATTERN", "split_chunks", "count_pairs", "merge_pair", "BYTE_VOCAB", "BPETokenizer"]


# modules/10_tokenization/tokenization.py:36
import heapq
import operator
import re
from collections import Counter


# modules/10_tokenization/tokenization.py:57
class Tokenizer:
    """Base class: turns text into integer ids and back.

    Subclasses fill `self.vocab` (id -> token) and implement `encode` and `decode`.
    """

    def __init__(self):
        self.vocab = []

    @property
    def vocab_size(self):
        """How many different ids this tokenizer can produce right now."""
        return len(self.vocab)

    def encode(self, text):
        raise NotImplementedError(f"{type(self).__name__} must implement encode(text)")

    def decode(self, ids):
        raise NotImplementedError(f"{type(self).__name__} must implement decode(ids)")

    @staticmethod
    def _check_text(text):
        if not isinstance(text, str):
            raise TypeError(f"encode expects a str, got {type(text).__name__}")
        return text

    def _check_ids(self, ids):
        """A list of Python ints, each a valid id; TypeError/ValueError otherwise."""
        if isinstance(ids, (str, bytes)):
            raise TypeError("decode expects a sequence of integer ids, not a string")
        if hasattr(ids, "tolist"):  # numpy arrays
            ids = ids.tolist()
        try:
            ids = [operator.index(i) for i in ids]
        except TypeError:
            raise TypeError("decode expects a sequence of integer ids") from None
        bad = [i for i in ids if not 0 <= i < len(self.vocab)]
        if bad:
            raise ValueError(f"id {bad[0]} is outside the vocabulary (valid ids: 0..{len(self.vocab) - 1})")
        return ids


# modules/10_tokenization/tokenization.py:100
def corpus_texts(corpus):
    """A corpus as a list of strings: one `str`, or a list/tuple of `str`."""
    if isinstance(corpus, str):
        return [corpus]
    if isinstance(corpus, (list, tuple)) and all(isinstance(text, str) for text in corpus):
        return list(corpus)
    raise TypeError(f"corpus must be a str or a list of str, got {type(corpus).__name__}")


# modules/10_tokenization/tokenization.py:167
UNK_TOKEN = "<unk>"
UNK_ID = 0
UNK_TEXT = "\ufffd"  # what decode writes for the <unk> id


class CharTokenizer(Tokenizer):
    """One id per character; id 0 (`<unk>`) stands for any character not in the vocabulary."""

    def __init__(self, vocab=None):
        """vocab: optional iterable of distinct single characters (ids 1, 2, ... in that order)."""
        super().__init__()
        self.vocab = [UNK_TOKEN]
        self.char_to_id = {}
        if vocab is not None:
            self._set_chars(list(vocab))

    def _set_chars(self, chars):
        """Make `chars` the vocabulary after <unk>, validating them first."""
        if not chars:
            raise ValueError("vocab must contain at least one character")
        for char in chars:
            if not isinstance(char, str) or len(char) != 1:
                raise ValueError(f"vocab entries must be single characters, got {char!r}")
        if len(set(chars)) != len(chars):
            duplicate = next(c for c in chars if chars.count(c) > 1)
            raise ValueError(f"vocab lists the character {duplicate!r} twice")
        self.vocab = [UNK_TOKEN] + chars
        self.char_to_id = {char: i for i, char in enumerate(chars, start=1)}

    def build_vocab(self, corpus):
        """Give every distinct character of the corpus an id, in sorted order."""
        chars = sorted(set().union(*corpus_texts(corpus)))
        if not chars:
            raise ValueError("cannot build a vocabulary from an empty corpus")
        self._set_chars(chars)

    def encode(self, text):
        """Text -> list of ids; unknown characters map to UNK_ID."""
        text = self._check_text(text)
        if not self.char_to_id:
            raise ValueError("the vocabulary is empty: pass vocab=... or call build_vocab(corpus) first")
        return [self.char_to_id.get(char, UNK_ID) for char in text]

    def decode(self, ids):
        """List of ids -> text; UNK_ID becomes UNK_TEXT (U+FFFD)."""
        ids = self._check_ids(ids)
        return "".join(UNK_TEXT if i == UNK_ID else self.vocab[i] for i in ids)


# modules/10_tokenization/tokenization.py:321
CHUNK_PATTERN = re.compile(r"\s*\S+|\s+")  # a word with its leading whitespace, or trailing whitespace


def split_chunks(text):
    """Cut text into chunks that join back to the same text; merges stay inside a chunk."""
    return CHUNK_PATTERN.findall(text)


def count_pairs(words):
    """Count adjacent id pairs over {word (tuple of ids): frequency}."""
    counts = Counter()
    for word, frequency in words.items():
        for pair in zip(word, word[1:]):
            counts[pair] += frequency
    return counts


def merge_pair(word, pair, new_id):
    """Replace each occurrence of `pair` in `word` by `new_id`, scanning left to right."""
    merged, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            merged.append(new_id)
            i += 2
        else:
            merged.append(word[i])
            i += 1
    return tuple(merged)


# modules/10_tokenization/tokenization.py:448
BYTE_VOCAB = 256  # base alphabet: one id per byte value


class BPETokenizer(Tokenizer):
    """Byte-level byte-pair encoding: ids 0..255 are bytes, later ids are learned merges."""

    def __init__(self, vocab_size=1000, min_frequency=2):
        super().__init__()
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < BYTE_VOCAB:
            raise ValueError(f"vocab_size must be an integer >= {BYTE_VOCAB} (the byte alphabet), got {vocab_size!r}")
        if isinstance(min_frequency, bool) or not isinstance(min_frequency, int) or min_frequency < 1:
            raise ValueError(f"min_frequency must be a positive integer, got {min_frequency!r}")
        self.max_vocab_size = vocab_size
        self.min_frequency = min_frequency
        self._reset()

    def _reset(self):
        self.vocab = [bytes([b]) for b in range(BYTE_VOCAB)]  # id -> the bytes it stands for
        self.merges = []  # merges[k] = (left, right) pair that became id BYTE_VOCAB + k
        self.ranks = {}  # pair -> k, its position in the learned order
        self._cache = {}  # chunk -> ids; chunks repeat a lot in real text

    def train(self, corpus):
        """Learn merges from a corpus (str or list of str) until the vocabulary is full."""
        self._reset()
        chunks = Counter()
        for text in corpus_texts(corpus):
            chunks.update(split_chunks(text))
        if not chunks:
            raise ValueError("cannot train on an empty corpus")
        words = {tuple(chunk.encode("utf-8")): frequency for chunk, frequency in chunks.items()}
        pairs = count_pairs(words)
        heap = [(-count, pair) for pair, count in pairs.items()]
        heapq.heapify(heap)  # the most frequent pair first, the smallest pair among equals
        while len(self.vocab) < self.max_vocab_size and heap:
            negative, pair = heapq.heappop(heap)
            if pairs[pair] != -negative:
                continue  # out of date: this pair's count changed after the entry was pushed
            if -negative < self.min_frequency:
                break
            new_id = len(self.vocab)
            self.ranks[pair] = len(self.merges)
            self.merges.append(pair)
            self.vocab.append(self.vocab[pair[0]] + self.vocab[pair[1]])
            changed = Counter()  # pair -> how much this merge changed its count
            for word in [w for w in words if pair[0] in w]:  # only these can change  # audit: ignore[BITE006] `pair[1] in w` is equivalent: a word holding the pair holds both ids
                merged = merge_pair(word, pair, new_id)
                if merged != word:
                    frequency = words.pop(word)
                    words[merged] = frequency
                    changed.subtract(count_pairs({word: frequency}))
                    changed.update(count_pairs({merged: frequency}))
            pairs.update(changed)
            for changed_pair in changed:  # a count of 0 sorts last: popped, it ends training as an empty heap would
                heapq.heappush(heap, (-pairs[changed_pair], changed_pair))

    def _encode_chunk(self, chunk):
        """Ids of one chunk: apply the earliest-learned present merge until none applies."""
        if chunk in self._cache:
            return self._cache[chunk]
        word = tuple(chunk.encode("utf-8"))
        while len(word) > 1:  # audit: ignore[BITE006] `>= 1` is equivalent: one id has no pair, so the loop breaks
            present = [self.ranks[pair] for pair in zip(word, word[1:]) if pair in self.ranks]
            if not present:
                break
            rank = min(present)
            word = merge_pair(word, self.merges[rank], BYTE_VOCAB + rank)
        if len(self._cache) < 50_000:  # bound the memory the cache may take  # audit: ignore[BITE006] the cache changes speed only
            self._cache[chunk] = word
        return word

    def encode(self, text):
        """Text -> ids: UTF-8 bytes of each chunk, merged in learned order."""
        text = self._check_text(text)
        ids = []
        for chunk in split_chunks(text):
            ids.extend(self._encode_chunk(chunk))
        return ids

    def decode(self, ids):
        """Ids -> text: join each id's bytes and decode them as UTF-8."""
        ids = self._check_ids(ids)
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")
