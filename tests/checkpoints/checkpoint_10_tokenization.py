"""Checkpoint 10 tokenization: can I turn text into integer ids and back without losing
anything, and does a learned vocabulary make the sequences shorter?

Written against the public API only: Tokenizer, CharTokenizer(vocab=None).build_vocab,
BPETokenizer(vocab_size).train, encode(text) -> list[int], decode(ids) -> str.
"""

from tinytorch.core.tokenization import BPETokenizer, CharTokenizer, Tokenizer

TEXT = (
    "To be, or not to be, that is the question:\n"
    "Whether 'tis nobler in the mind to suffer\n"
    "The slings and arrows of outrageous fortune,\n"
    "Or to take arms against a sea of troubles\n"
) * 4


def test_both_tokenizers_share_one_interface():
    assert isinstance(CharTokenizer(), Tokenizer)
    assert isinstance(BPETokenizer(), Tokenizer)


def test_characters_round_trip_and_unknowns_are_explicit():
    tok = CharTokenizer()
    tok.build_vocab(TEXT)
    ids = tok.encode(TEXT)
    assert all(isinstance(i, int) for i in ids)
    assert len(ids) == len(TEXT)
    assert tok.decode(ids) == TEXT
    unseen = tok.encode("Q~")  # neither character occurs in TEXT
    assert unseen[0] == unseen[1]  # both become the same <unk> id
    assert unseen[0] not in set(ids)


def test_learned_merges_shorten_sequences_and_stay_lossless():
    short, long = BPETokenizer(vocab_size=300), BPETokenizer(vocab_size=400)
    short.train(TEXT)
    long.train(TEXT)
    n_bytes = len(TEXT.encode("utf-8"))
    assert len(long.encode(TEXT)) < len(short.encode(TEXT)) < n_bytes
    assert max(long.encode(TEXT)) < 400
    for text in (TEXT, "unseen: ñandú 🐢 ∑", ""):
        assert long.decode(long.encode(text)) == text
