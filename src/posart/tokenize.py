"""Tokenise sentences for encoding, keeping the link from each subword to its whitespace word.

Tasks name words by whitespace index (WiC's `index1`, self-similarity's word types), so
every token records which whitespace-delimited word of the raw text it starts in, taken
from the fast tokenizer's character offsets. The raw text is tokenised as is (no
`is_split_into_words`), so RoBERTa-style tokenizers see exactly what a user would feed.

The result is columnar (flat token arrays and sentence offsets, the layout of the cache)
and is built with whole-array numpy operations per chunk of sentences: encoding never loops
over sentences or tokens in Python.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the data env has no transformers; only encoding needs it
    from transformers import PreTrainedTokenizerBase

log = logging.getLogger(__name__)


@dataclass
class Tokenised:
    """Sentences ready for the model: sentence i owns tokens offsets[i]:offsets[i+1]."""

    texts: list[str]
    source_index: np.ndarray  # int64, row of each sentence in the input
    truncated: np.ndarray  # bool
    offsets: np.ndarray  # int64, n_sentences + 1
    input_ids: np.ndarray  # int32, per token
    special: np.ndarray  # bool, per token
    word_index: np.ndarray  # int32, per token, -1 for special tokens

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def position(self) -> np.ndarray:
        """Position of each token in its sentence (0 = first token)."""
        return np.arange(self.offsets[-1]) - np.repeat(self.offsets[:-1], self.lengths)

    def sentences(self, start: int, stop: int) -> "Tokenised":
        """Sentences start:stop, with offsets rebased to their first token."""
        lo, hi = int(self.offsets[start]), int(self.offsets[stop])
        return Tokenised(
            self.texts[start:stop],
            self.source_index[start:stop],
            self.truncated[start:stop],
            self.offsets[start : stop + 1] - lo,
            self.input_ids[lo:hi],
            self.special[lo:hi],
            self.word_index[lo:hi],
        )


@dataclass
class TokenisationReport:
    n_input: int
    n_empty: int
    n_truncated: int


def normalise(text: str) -> str:
    """Collapse runs of whitespace (incl. newlines) so that one sentence is one line."""
    return " ".join(text.split())


def word_indices(texts: list[str], lengths: np.ndarray, char_spans: np.ndarray, special: np.ndarray) -> np.ndarray:
    """Whitespace-word index of each token in its sentence (-1 for special and empty tokens).

    `texts` are normalised (words separated by single spaces); `char_spans` (tokens, 2) are
    the tokenizer's character offsets into them. A token belongs to the word that starts at
    or before its first non-space character.
    """
    joined = " ".join(texts) + " "  # a space after each sentence: no word spans two sentences
    space = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32) == ord(" ")
    starts_word = ~space & np.concatenate([[True], space[:-1]])
    words_up_to = np.cumsum(starts_word)  # word starts at or before each character
    sentence_start = np.concatenate([[0], np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)) + 1)])[:-1]
    base = np.repeat(sentence_start, lengths)
    begin, end = char_spans[:, 0] + base, char_spans[:, 1] + base
    begin = begin + ((begin < end) & space[begin])  # a token's leading space belongs to no word
    words_before = np.repeat(words_up_to[sentence_start] - starts_word[sentence_start], lengths)
    out = (words_up_to[begin] - words_before - 1).astype(np.int32)
    out[special | (char_spans[:, 1] <= char_spans[:, 0])] = -1
    return out


def tokenise(
    tokenizer: "PreTrainedTokenizerBase", texts: list[str], max_length: int, batch_size: int = 1024
) -> tuple[Tokenised, TokenisationReport]:
    """Tokenise; skip empty sentences and truncate over-long ones, counting both.

    Empty means nothing but special tokens after normalisation. Over-long sentences keep
    their first `max_length` tokens (special tokens included), as the paper's encoders would.
    """
    parts, n_empty = [], 0
    for start in range(0, len(texts), batch_size):
        part, empty = _tokenise_chunk(tokenizer, texts[start : start + batch_size], start, max_length)
        parts.append(part)
        n_empty += empty
    kept = concatenate(parts)
    report = TokenisationReport(n_input=len(texts), n_empty=n_empty, n_truncated=int(kept.truncated.sum()))
    log.info(
        "tokenised %d sentences: %d kept, %d empty skipped, %d truncated to %d tokens",
        report.n_input,
        len(kept),
        report.n_empty,
        report.n_truncated,
        max_length,
    )
    return kept, report


def concatenate(parts: list[Tokenised]) -> Tokenised:
    """Consecutive groups of sentences as one."""
    if not parts:
        return Tokenised(
            [],
            np.zeros(0, np.int64),
            np.zeros(0, bool),
            np.zeros(1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, bool),
            np.zeros(0, np.int32),
        )
    lengths = np.concatenate([p.lengths for p in parts])
    return Tokenised(
        texts=[text for p in parts for text in p.texts],
        source_index=np.concatenate([p.source_index for p in parts]),
        truncated=np.concatenate([p.truncated for p in parts]),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        input_ids=np.concatenate([p.input_ids for p in parts]),
        special=np.concatenate([p.special for p in parts]),
        word_index=np.concatenate([p.word_index for p in parts]),
    )


def _tokenise_chunk(
    tokenizer: "PreTrainedTokenizerBase", texts: list[str], first: int, max_length: int
) -> tuple[Tokenised, int]:
    """One chunk of sentences, numbered from `first` in the input, and its count of empty ones."""
    chunk = [normalise(t) for t in texts]
    batch = tokenizer(
        chunk,
        truncation=True,
        max_length=max_length,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    mapping = np.asarray(batch["overflow_to_sample_mapping"], dtype=np.int64)
    rows = np.flatnonzero(np.concatenate([[True], mapping[1:] != mapping[:-1]]))  # first piece of each
    truncated = np.bincount(mapping, minlength=len(chunk)) > 1

    def flat(field: str, dtype) -> np.ndarray:
        return np.fromiter(chain.from_iterable(batch[field][row] for row in rows), dtype)

    lengths = np.fromiter((len(batch["input_ids"][row]) for row in rows), np.int64, len(rows))
    special = flat("special_tokens_mask", bool)
    spans = np.fromiter(
        chain.from_iterable(chain.from_iterable(batch["offset_mapping"][row] for row in rows)), np.int64
    ).reshape(-1, 2)
    n_words = np.bincount(np.repeat(np.arange(len(chunk)), lengths), weights=~special, minlength=len(chunk))
    empty = (n_words == 0) | np.array([not text for text in chunk], bool)
    for sample in np.flatnonzero(empty):
        log.warning("skipping empty sentence %d", first + sample)
    for sample in np.flatnonzero(truncated & ~empty):
        log.warning("truncating sentence %d to %d tokens", first + sample, max_length)
    keep = np.repeat(~empty, lengths)
    part = Tokenised(
        texts=[text for text, skip in zip(chunk, empty) if not skip],
        source_index=first + np.flatnonzero(~empty),
        truncated=truncated[~empty],
        offsets=np.concatenate([[0], np.cumsum(lengths[~empty])]).astype(np.int64),
        input_ids=flat("input_ids", np.int32)[keep],
        special=special[keep],
        word_index=word_indices(chunk, lengths, spans, special)[keep],
    )
    return part, int(empty.sum())
