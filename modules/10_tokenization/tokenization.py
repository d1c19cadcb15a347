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
# Module 10: Tokenization - From Text to Integer IDs

Modules 01 Tensor through 09 Spatial compute on numbers. Language models read
text, so before module 11 Embeddings can look up a vector per token, text has to
become a list of integer ids, and generated ids have to become text again.

You will build:
- `Tokenizer`: the interface, `encode(text) -> list[int]` and `decode(ids) -> str`.
- `CharTokenizer`: one id per character, with an explicit `<unk>` id for characters
  it has never seen.
- `BPETokenizer`: byte-pair encoding. It starts from the 256 byte values, so it can
  encode *any* text, and learns merges of frequent neighbours to shorten sequences.

The systems question: a bigger vocabulary gives shorter sequences (cheaper
attention in module 12 Attention) but a bigger embedding table. We measure it.
"""

# %% nbgrader={"grade": false, "grade_id": "tokenization-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.tokenization
#| export
import heapq
import operator
import re
from collections import Counter

# %% [markdown]
"""
## The tokenizer interface

```
   "hi!"  --encode-->  [8, 9, 1]  --decode-->  "hi!"
   text                token ids              text
```

Every tokenizer keeps a `vocab` list: position `i` holds what id `i` stands for.
The base class checks inputs once for all subclasses: `encode` takes a `str`,
`decode` takes a sequence of integers that are valid ids.
"""

# %% nbgrader={"grade": false, "grade_id": "tokenizer-base", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| export
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

# %% nbgrader={"grade": false, "grade_id": "corpus-texts", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def corpus_texts(corpus):
    """A corpus as a list of strings: one `str`, or a list/tuple of `str`.

    TODO: Accept the two shapes a corpus comes in and refuse everything else.

    APPROACH:
    1. A `str` is a corpus of one text: return `[corpus]`.
    2. A list or tuple whose items are all `str`: return it as a new list.
    3. Anything else: raise `TypeError` naming the type.

    EXAMPLE:
    >>> corpus_texts("ab"), corpus_texts(("a", "b"))
    (['ab'], ['a', 'b'])

    HINTS:
    - `all(isinstance(t, str) for t in corpus)` is True for an empty list.
    """
    ### BEGIN SOLUTION
    if isinstance(corpus, str):
        return [corpus]
    if isinstance(corpus, (list, tuple)) and all(isinstance(text, str) for text in corpus):
        return list(corpus)
    raise TypeError(f"corpus must be a str or a list of str, got {type(corpus).__name__}")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-tokenizer-base", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_unit_tokenizer_base():
    """The base class refuses to encode, and corpus_texts accepts str or list of str only."""
    base = Tokenizer()
    try:
        base.encode("x")
        raise AssertionError("Tokenizer.encode should be abstract")
    except NotImplementedError:
        pass
    assert corpus_texts("ab") == ["ab"]
    assert corpus_texts(["a", "b"]) == ["a", "b"] and corpus_texts(("a", "b")) == ["a", "b"]  # always a list
    try:
        corpus_texts(["a", 3])
        raise AssertionError("a list holding a non-string is not a corpus")
    except TypeError:
        pass
    print("✅ Tokenizer base works")

if __name__ == "__main__":
    test_unit_tokenizer_base()

# %% [markdown]
"""
## Character tokenizer

The simplest vocabulary: every distinct character of a corpus gets an id.
Id 0 is reserved for `<unk>`, the id of every character the vocabulary lacks.

```
corpus "hello"  ->  vocab: 0 <unk> | 1 'e' | 2 'h' | 3 'l' | 4 'o'
encode("hole!") ->  [2, 4, 3, 1, 0]        '!' is unknown -> 0
decode([2, 0])  ->  "h\ufffd"                <unk> prints as U+FFFD
```

The choice for `decode`: `<unk>` becomes the Unicode replacement character
U+FFFD (one character, so decoded text keeps the input's length, as Python's
`errors="replace"` does); an id outside the vocabulary is a `ValueError`.
Round trips are exact for every text whose characters are all in the vocabulary.
"""

# %% nbgrader={"grade": false, "grade_id": "char-tokenizer", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
        """Make `chars` the vocabulary after <unk>, validating them first.

        TODO: Reject empty, non-single-character or duplicate entries; then fill vocab and char_to_id.
        APPROACH: vocab = [UNK_TOKEN] + chars; char_to_id maps chars[k] to k + 1.
        EXAMPLE: ["b", "a"] -> vocab ['<unk>', 'b', 'a'], char_to_id {'b': 1, 'a': 2}.
        HINTS: len(set(chars)) != len(chars) detects duplicates.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def build_vocab(self, corpus):
        """Give every distinct character of the corpus an id, in sorted order.

        TODO: Collect the characters of every text in the corpus, sort them, install them.

        APPROACH:
        1. `corpus_texts(corpus)` gives a list of strings.
        2. Union the characters of all texts, sort them (deterministic ids).
        3. `self._set_chars(sorted_chars)`; an empty corpus is a ValueError.

        EXAMPLE:
        >>> tok = CharTokenizer(); tok.build_vocab("hello")
        >>> tok.vocab
        ['<unk>', 'e', 'h', 'l', 'o']

        HINTS:
        - `set().union(*texts)` collects characters from many strings.
        """
        ### BEGIN SOLUTION
        chars = sorted(set().union(*corpus_texts(corpus)))
        if not chars:
            raise ValueError("cannot build a vocabulary from an empty corpus")
        self._set_chars(chars)
        ### END SOLUTION

    def encode(self, text):
        """Text -> list of ids; unknown characters map to UNK_ID.

        TODO: Look each character up in `self.char_to_id`.

        APPROACH:
        1. Validate with `self._check_text`; refuse to encode with an empty vocabulary.
        2. `dict.get(char, UNK_ID)` for every character.

        EXAMPLE:
        >>> tok.encode("hole!")
        [2, 4, 3, 1, 0]

        HINTS:
        - A list comprehension keeps it to one line.
        """
        ### BEGIN SOLUTION
        text = self._check_text(text)
        if not self.char_to_id:
            raise ValueError("the vocabulary is empty: pass vocab=... or call build_vocab(corpus) first")
        return [self.char_to_id.get(char, UNK_ID) for char in text]
        ### END SOLUTION

    def decode(self, ids):
        """List of ids -> text; UNK_ID becomes UNK_TEXT (U+FFFD).

        TODO: Validate the ids, then join the characters they stand for.

        APPROACH:
        1. `self._check_ids(ids)` (ValueError for ids outside the vocabulary).
        2. Map UNK_ID to UNK_TEXT and every other id to `self.vocab[id]`.

        EXAMPLE:
        >>> tok.decode([2, 4, 3, 1, 0])
        'hole\ufffd'

        HINTS:
        - `"".join(...)` over a generator.
        """
        ### BEGIN SOLUTION
        ids = self._check_ids(ids)
        return "".join(UNK_TEXT if i == UNK_ID else self.vocab[i] for i in ids)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-char-tokenizer", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_char_tokenizer():
    """Hand-worked ids for 'hello', <unk> for unseen characters, exact round trip."""
    tok = CharTokenizer()
    tok.build_vocab("hello")
    assert tok.vocab == ["<unk>", "e", "h", "l", "o"]
    assert tok.encode("hole!") == [2, 4, 3, 1, 0]
    assert tok.decode([2, 4, 3, 1, 0]) == "hole\ufffd"
    assert tok.decode(tok.encode("hello")) == "hello"
    given = CharTokenizer(vocab="ba")  # explicit vocab keeps its order
    assert given.encode("abc") == [2, 1, 0]
    try:
        CharTokenizer(vocab="abcb")
        raise AssertionError("a vocab listing a character twice must be rejected")
    except ValueError as error:
        assert "'b'" in str(error), "the message names the repeated character"
    for bad in (lambda: tok.decode([5]), lambda: CharTokenizer(vocab="aa"), lambda: CharTokenizer().encode("a")):
        try:
            bad()
            raise AssertionError("expected a ValueError")
        except ValueError:
            pass
    print("✅ CharTokenizer works")

if __name__ == "__main__":
    test_unit_char_tokenizer()

# %% [markdown]
"""
## Byte-pair encoding, step 1: chunks, pair counts, one merge

Characters give long sequences. BPE shortens them by learning which neighbours
occur together. We start from UTF-8 **bytes** (256 base ids), so every string,
emoji included, can be encoded: there is no unknown input at all.

Text is first cut into chunks, each word with the whitespace in front of it, so
merges never glue the end of one word to the start of the next. Joining the
chunks gives the text back exactly.

```
"low lower"  -> chunks ["low", " lower"]
bytes:  l o w | ␣ l o w e r          pair counts: (l,o)=2 (o,w)=2 (␣,l)=1 ...
merge (l,o) -> 256:   256 w | ␣ 256 w e r
```
"""

# %% nbgrader={"grade": false, "grade_id": "bpe-helpers", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
CHUNK_PATTERN = re.compile(r"\s*\S+|\s+")  # a word with its leading whitespace, or trailing whitespace


def split_chunks(text):
    """Cut text into chunks that join back to the same text; merges stay inside a chunk."""
    return CHUNK_PATTERN.findall(text)


def count_pairs(words):
    """Count adjacent id pairs over {word (tuple of ids): frequency}.

    TODO: For every word, add its frequency to the count of each adjacent pair.

    APPROACH:
    1. Start from an empty Counter.
    2. `zip(word, word[1:])` yields the adjacent pairs of one word.
    3. Each pair counts `frequency` times (the word occurs that often).

    EXAMPLE:
    >>> count_pairs({(1, 2, 3): 2, (2, 3): 1})
    Counter({(2, 3): 3, (1, 2): 2})

    HINTS:
    - Every adjacent position counts, so (a, a, a) holds the pair (a, a) twice.
    """
    ### BEGIN SOLUTION
    counts = Counter()
    for word, frequency in words.items():
        for pair in zip(word, word[1:]):
            counts[pair] += frequency
    return counts
    ### END SOLUTION


def merge_pair(word, pair, new_id):
    """Replace each occurrence of `pair` in `word` by `new_id`, scanning left to right.

    TODO: Walk the word; where the pair starts, emit new_id and skip two ids.

    APPROACH:
    1. Index i from 0; if word[i], word[i+1] equals the pair, append new_id and i += 2.
    2. Otherwise append word[i] and i += 1.
    3. Return a tuple (words are dictionary keys).

    EXAMPLE:
    >>> merge_pair((1, 1, 1, 2), (1, 1), 9)
    (9, 1, 2)

    HINTS:
    - Occurrences never overlap: after a match, the scan resumes after it.
    """
    ### BEGIN SOLUTION
    merged, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            merged.append(new_id)
            i += 2
        else:
            merged.append(word[i])
            i += 1
    return tuple(merged)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-bpe-helpers", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_bpe_helpers():
    """Chunks join back losslessly; pair counts and merges match hand-worked examples."""

    class Word(tuple):
        """A word that counts its reads: a scan whose index stops advancing fails here instead of hanging."""

        def __getitem__(self, index):
            self.reads = getattr(self, "reads", 0) + 1
            assert self.reads <= 20 * len(self), "merge_pair keeps reading the word: does i grow on every step?"
            return super().__getitem__(index)

    text = "  low lower\n\nnewest  "
    assert split_chunks(text) == ["  low", " lower", "\n\nnewest", "  "]
    assert "".join(split_chunks(text)) == text
    assert count_pairs({(1, 2, 3): 2, (2, 3): 1}) == Counter({(2, 3): 3, (1, 2): 2})
    assert count_pairs({(5, 5, 5): 1}) == Counter({(5, 5): 2})
    assert merge_pair(Word((1, 1, 1, 2)), (1, 1), 9) == (9, 1, 2)
    assert merge_pair(Word((1, 2, 1, 2)), (1, 2), 7) == (7, 7)
    assert merge_pair(Word((3,)), (1, 2), 7) == (3,)
    print("✅ BPE helpers work")

if __name__ == "__main__":
    test_unit_bpe_helpers()

# %% [markdown]
"""
## Byte-pair encoding, step 2: training and encoding

Training counts the pairs once, then repeats one step until the vocabulary is full
(a heap keeps the most frequent pair on top, so no step scans every pair):

```
pair counts  ->  pick the most frequent  ->  new id = len(vocab)
     ^                                             |
     +--- update the counts of the chunks  <-------+
          the merge changed (old pairs out, new pairs in)
```

Only chunks that contain the merged pair change, so recounting every chunk after
every merge would redo mostly identical work. Subtracting a changed chunk's old
pairs and adding its new ones keeps the counts exact and is several times faster.

- **Tie-break** (deterministic): among equally frequent pairs, the smallest
  `(left_id, right_id)` wins.
- **Stop** when `vocab_size` ids exist, or when no pair occurs at least
  `min_frequency` (default 2) times: merging a pair seen once only memorizes.
- **Encode** replays the merges in the order they were learned: in each chunk,
  merge the present pair that was learned earliest, until none is left. This
  reproduces exactly the segmentation training produced.
- **Decode** concatenates each id's bytes and decodes UTF-8. Ids from `encode`
  always decode exactly; a hand-made id list that splits a multi-byte
  character decodes those bytes as U+FFFD.

Worked example, corpus `"ababab"` (a=97, b=98):
```
97 98 97 98 97 98    (97,98) x3  -> 256 = "ab"
256 256 256          (256,256) x2 -> 257 = "abab"
257 256              only pair seen once: stop.   encode("ababab") = [257, 256]
```
"""

# %% nbgrader={"grade": false, "grade_id": "bpe-tokenizer", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
        """Learn merges from a corpus (str or list of str) until the vocabulary is full.

        TODO: Count chunk frequencies, then repeatedly merge the most frequent pair.

        APPROACH:
        1. `self._reset()`; count chunks of every text with `split_chunks` (a Counter).
        2. Turn each chunk into a tuple of its UTF-8 bytes: {word: frequency}.
        3. pairs = count_pairs(words), once; a heap of (-count, pair) for every pair.
        4. While len(self.vocab) < self.max_vocab_size: pop the best pair (highest
           count, then smallest pair), skipping entries whose count is out of date;
           stop if its count is below min_frequency; record it in merges, ranks and
           vocab (vocab entry = left bytes + right bytes).
        5. For each word the merge changes: replace it by the merged word in `words`,
           subtract count_pairs of the old word, add those of the new one; push the
           new count of every pair that changed.

        EXAMPLE:
        >>> tok = BPETokenizer(vocab_size=300); tok.train("ababab")
        >>> tok.merges
        [(97, 98), (256, 256)]

        HINTS:
        - `heapq` pops the smallest (-count, pair) first: the highest count, and among
          equal counts the smallest pair, which is the tie-break. Scanning every pair
          with `max` on each step gives the same merges, several times slower.
        - An entry is out of date when `pairs[pair]` is no longer its count: skip it.
        - Different words stay different after a merge, so the dict keys stay unique.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def _encode_chunk(self, chunk):
        """Ids of one chunk: apply the earliest-learned present merge until none applies.

        TODO: Start from the chunk's UTF-8 bytes and replay merges in learned order.
        APPROACH: while two or more ids remain, find the present pair with the lowest rank,
        merge it everywhere with merge_pair (new id BYTE_VOCAB + rank); stop when no pair is ranked.
        EXAMPLE: with merges [(97, 98), (256, 256)], "ababab" -> (257, 256).
        HINTS: merges built on a new id always rank after it, so this equals replaying all merges in order.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def encode(self, text):
        """Text -> ids: UTF-8 bytes of each chunk, merged in learned order.

        TODO: Split into chunks and concatenate the ids of each chunk.

        APPROACH:
        1. `self._check_text(text)`.
        2. For each chunk of `split_chunks(text)`, extend the result with `self._encode_chunk(chunk)`.

        EXAMPLE:
        >>> tok.encode("ababab")
        [257, 256]

        HINTS:
        - An untrained tokenizer simply returns the UTF-8 bytes.
        """
        ### BEGIN SOLUTION
        text = self._check_text(text)
        ids = []
        for chunk in split_chunks(text):
            ids.extend(self._encode_chunk(chunk))
        return ids
        ### END SOLUTION

    def decode(self, ids):
        """Ids -> text: join each id's bytes and decode them as UTF-8.

        TODO: Validate the ids, concatenate `self.vocab[i]`, decode.

        APPROACH:
        1. `self._check_ids(ids)`.
        2. `b"".join(...)`, then `.decode("utf-8", errors="replace")`.

        EXAMPLE:
        >>> tok.decode([257, 256])
        'ababab'

        HINTS:
        - errors="replace" turns a split multi-byte character into U+FFFD instead of crashing.
        """
        ### BEGIN SOLUTION
        ids = self._check_ids(ids)
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-bpe-tokenizer", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_bpe_tokenizer():
    """The hand-worked 'ababab' merges, the tie-break, and exact round trips of any text."""
    tok = BPETokenizer(vocab_size=300)
    tok.train("ababab")
    assert tok.merges == [(97, 98), (256, 256)]
    assert tok.vocab[256:] == [b"ab", b"abab"]
    assert tok.encode("ababab") == [257, 256]
    assert tok.encode("ba") == [98, 97]
    tie = BPETokenizer(vocab_size=257, min_frequency=1)
    tie.train("dcba")  # three pairs seen once each: the smallest pair (98, 97) = "ba" wins
    assert tie.merges == [(98, 97)]
    tie.train("abac")  # (97, 98), (98, 97), (97, 99) once each: the smallest first id, then the smallest second
    assert tie.merges == [(97, 98)]
    order = BPETokenizer(vocab_size=258, min_frequency=1)
    order.train("abab bcbcbc")  # learns "bc" (rank 0), then "ab" (rank 1)
    assert order.merges[:2] == [(98, 99), (97, 98)]
    assert order.encode("abc") == [97, 256], "the earliest-learned merge applies first"
    for text in ["", "abab ba", "naïve café 🙂\n"]:
        assert tok.decode(tok.encode(text)) == text
    try:
        BPETokenizer(vocab_size=100)
        raise AssertionError("vocab_size below 256 must be rejected")
    except ValueError:
        pass
    print("✅ BPETokenizer works")

if __name__ == "__main__":
    test_unit_bpe_tokenizer()

# %% [markdown]
"""
## Systems analysis: vocabulary size vs sequence length

We train on real English text that ships with Python (the docstrings of two
standard-library modules, about 16,000 characters) and encode *held-out* docstrings. For each vocabulary
we measure training time, tokens on the held-out text, bytes per token, the
unknown rate, and two costs that follow: the embedding table of module 11
Embeddings (`vocab_size x 128` floats) and attention's `seq_len^2` score matrix
in module 12 Attention, relative to raw bytes.
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-vocab-tradeoff", "locked": false, "schema_version": 3, "solution": false, "task": false}
def docstring_corpus(modules):
    """Real text without downloads: the docstrings of the given modules and their public members."""
    texts = []
    for module in modules:
        texts.append(module.__doc__ or "")
        for name in sorted(vars(module)):
            doc = getattr(getattr(module, name), "__doc__", None)
            if not name.startswith("_") and isinstance(doc, str):
                texts.append(doc)
    return "\n".join(texts)


def analyze_vocab_tradeoff(embed_dim=128, sizes=(256, 320, 512)):
    """Measure sequence length, training time and table size for several vocabularies.

    The corpus is small on purpose: training cost grows with corpus size times merges,
    and two modules' docstrings already show the trade-off in a fraction of a second.
    """
    import collections
    import json
    import textwrap
    import time

    train_text = docstring_corpus([collections, json])
    held_out = docstring_corpus([textwrap])
    n_bytes = len(held_out.encode("utf-8"))
    print(f"train: {len(train_text):,} chars | held-out: {n_bytes:,} bytes")
    print(f"{'tokenizer':>14} {'vocab':>6} {'train s':>8} {'tokens':>7} {'bytes/tok':>9} "
          f"{'unk %':>6} {'emb params':>10} {'attn cost':>9}")

    char = CharTokenizer()
    start = time.perf_counter()
    char.build_vocab(train_text)
    rows = [("char", char, time.perf_counter() - start)]
    for size in sizes:
        bpe = BPETokenizer(vocab_size=size)
        start = time.perf_counter()
        bpe.train(train_text)
        rows.append((f"bpe-{size}", bpe, time.perf_counter() - start))

    lengths = {}
    for name, tok, seconds in rows:
        ids = tok.encode(held_out)
        lengths[name] = len(ids)
        unk = 100.0 * ids.count(UNK_ID) / len(ids) if isinstance(tok, CharTokenizer) else 0.0
        assert isinstance(tok, CharTokenizer) or tok.decode(ids) == held_out  # byte-level: lossless
        print(f"{name:>14} {tok.vocab_size:>6} {seconds:>8.3f} {len(ids):>7} {n_bytes / len(ids):>9.2f} "
              f"{unk:>6.2f} {tok.vocab_size * embed_dim:>10,} {(len(ids) / n_bytes) ** 2:>9.3f}")
    largest = rows[-1][0]
    print(f"\n{largest} uses {lengths[largest] / lengths['bpe-256']:.0%} of the byte-level tokens, "
          f"so attention scores shrink to {(lengths[largest] / lengths['bpe-256']) ** 2:.0%}, "
          f"while the embedding table grows {rows[-1][1].vocab_size / 256:.1f}x.")

if __name__ == "__main__":
    analyze_vocab_tradeoff()

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test, then the two tokenizers on one shared sentence."""
    test_unit_tokenizer_base()
    test_unit_char_tokenizer()
    test_unit_bpe_helpers()
    test_unit_bpe_tokenizer()
    text = "the cat sat on the mat; the cat ate the rat"
    char = CharTokenizer()
    char.build_vocab(text)
    bpe = BPETokenizer(vocab_size=280)
    bpe.train(text)
    assert char.decode(char.encode(text)) == text and bpe.decode(bpe.encode(text)) == text
    assert len(bpe.encode(text)) < len(char.encode(text)) == len(text)
    print("✅ Module 10 tokenization: all tests pass")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- A tokenizer is a pair of inverse maps, text -> ids -> text, over a fixed `vocab`.
- `CharTokenizer` is tiny and exact on known characters; everything else becomes
  `<unk>` (id 0), which decodes to U+FFFD.
- `BPETokenizer` starts from bytes, so nothing is unknown, and learns merges by
  repeatedly joining the most frequent neighbours (ties: smallest pair);
  `encode` replays them in learned order.
- The analysis measured the trade-off: every vocabulary with learned merges
  (bpe-320 and up) shortened the held-out sequence (less attention work) and
  grew the embedding table; bytes alone (bpe-256) are no shorter than characters.
- Training updates pair counts only for the chunks a merge changed, instead of
  recounting the whole corpus after every merge.

Next, module 11 Embeddings turns these ids into trainable vectors.
"""
