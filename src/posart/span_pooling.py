"""Mean vectors of word spans (a word, or a multiword unit) from a token cache, streamed.

The WSD and grammar tasks name what they need as spans of whitespace words: span j is
words `starts[j]:stops[j]` of cache sentence `rows[j]` (see `posart.tokenize`: every token
records the word it starts in). A span's vector is the mean of all its subword tokens (so a
one-word span is the word's subword mean, and a multiword unit pools its words' subwords
together). Spans may repeat or overlap: the workflow encodes each distinct text once, so
two corpus sentences with the same text share a cache row and their spans meet there.
Means are computed one sentence-aligned block of one layer at a time, so a cache larger
than RAM streams; a span none of whose tokens was encoded (its sentence truncated before
it) yields nothing, and callers count it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, NamedTuple

import numpy as np

if TYPE_CHECKING:  # pooling is used by modules the data env imports
    from posart.cache import ActivationCache


class SpanTokens(NamedTuple):
    """(span, token) pairs, sorted by token: which global cache tokens each span pools."""

    span: np.ndarray
    token: np.ndarray


def span_tokens(cache: ActivationCache, rows: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> SpanTokens:
    """The subword tokens of each span, checked against the cache's sentences."""
    rows, starts, stops = (np.asarray(a, np.int64) for a in (rows, starts, stops))
    if not rows.shape == starts.shape == stops.shape or rows.ndim != 1:
        raise ValueError(
            f"rows, starts, stops must be equal-length 1-d arrays, got {rows.shape}, {starts.shape}, {stops.shape}"
        )
    bad = (rows < 0) | (rows >= cache.n_sentences)
    if bad.any():
        raise ValueError(f"span {int(np.argmax(bad))}: sentence row {rows[bad][0]} is not in {cache.path}")
    words_per_sentence = np.array([len(text.split()) for text in cache.texts()], np.int64)
    bad = (starts < 0) | (stops <= starts) | (stops > words_per_sentence[rows])
    if bad.any():
        j = int(np.argmax(bad))
        raise ValueError(
            f"span {j}: words {starts[j]}:{stops[j]} do not fit sentence {rows[j]} of {cache.path} "
            f"({words_per_sentence[rows[j]]} words)"
        )
    word_base = np.concatenate([[0], np.cumsum(words_per_sentence)])
    # every (span, global word) pair
    lengths = stops - starts
    pair_span = np.repeat(np.arange(len(rows)), lengths)
    pair_word = np.repeat(word_base[rows] + starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())
    # global word of every real token, and the tokens of each word
    word_index = cache.field("word_index").astype(np.int64)
    sentence_of_token = np.repeat(np.arange(cache.n_sentences), np.diff(cache.offsets))
    real = np.flatnonzero(word_index >= 0)
    token_word = word_base[sentence_of_token[real]] + word_index[real]
    order = np.argsort(token_word, kind="stable")
    sorted_words, sorted_tokens = token_word[order], real[order]
    first = np.searchsorted(sorted_words, pair_word, side="left")
    count = np.searchsorted(sorted_words, pair_word, side="right") - first
    span = np.repeat(pair_span, count)
    token = sorted_tokens[np.repeat(first - (np.cumsum(count) - count), count) + np.arange(count.sum())]
    order = np.argsort(token, kind="stable")
    return SpanTokens(span=span[order], token=token[order])


def span_means(
    cache: ActivationCache, layer: int, pairs: SpanTokens, max_tokens: int = 1 << 14
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (span ids, mean vectors float32) block by block; ids ascending within a block."""
    for sentences, block, _ in cache.sentence_chunks(layer, max_tokens):
        lo, hi = cache.offsets[sentences.start], cache.offsets[sentences.stop]
        a, b = np.searchsorted(pairs.token, [lo, hi])
        if a == b:
            continue
        order = np.argsort(pairs.span[a:b], kind="stable")
        spans, tokens = pairs.span[a:b][order], pairs.token[a:b][order] - lo
        starts = np.flatnonzero(np.r_[True, spans[1:] != spans[:-1]])
        sums = np.add.reduceat(block[tokens].astype(np.float64), starts, axis=0)
        counts = np.diff(np.r_[starts, len(spans)])
        yield spans[starts], (sums / counts[:, None]).astype(np.float32)
