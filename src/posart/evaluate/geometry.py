"""Anisotropy and self-similarity per layer (protocol §4, after Ethayarajh 2019).

Anisotropy: `n_pairs` pairs of tokens, each token drawn at random from a different random
sentence (special tokens excluded unless configured). Self-similarity: `n_words` word types
(lowercased whitespace words containing a letter or digit) that occur in at least
`min_sentences` different sentences of the corpus; each occurrence (first per sentence) is
the mean of its subword vectors. The same tokens are used for every layer and method.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict

import numpy as np
import pandas as pd

from posart import geometry
from posart.cache import ActivationCache

log = logging.getLogger(__name__)
HAS_ALNUM = re.compile(r"[^\W_]")


def word_occurrences(cache: ActivationCache) -> dict[str, dict[int, np.ndarray]]:
    """For each word type: sentence row -> subword token indices of its first occurrence there."""
    word_index = cache.field("word_index")
    occurrences: dict[str, dict[int, np.ndarray]] = defaultdict(dict)
    for row, text in enumerate(cache.texts()):
        lo, hi = cache.offsets[row], cache.offsets[row + 1]
        for position, word in enumerate(text.split()):
            key = word.lower()
            if row in occurrences.get(key, ()) or not HAS_ALNUM.search(key):
                continue
            tokens = lo + np.flatnonzero(word_index[lo:hi] == position)
            if len(tokens):
                occurrences[key][row] = tokens
    return occurrences


def evaluate(cache: ActivationCache, transform, *, corpus: str, n_pairs: int, n_words: int,
             min_sentences: int, special_tokens: bool, seed: int) -> pd.DataFrame:
    """Rows (layer, anisotropy, self_similarity, self_similarity_adjusted)."""
    eligible = np.ones(cache.n_tokens, bool) if special_tokens else ~cache.field("special")
    left, right = geometry.draw_token_pairs(cache.offsets, eligible, n_pairs, seed)
    occurrences = word_occurrences(cache)
    chosen = geometry.select_words({w: set(o) for w, o in occurrences.items()}, min_sentences, n_words, seed)
    words = chosen.words
    if chosen.n_eligible < n_words:
        log.warning("geometry: only %d words occur in >= %d sentences (asked for %d)",
                    chosen.n_eligible, min_sentences, n_words)
    if not words:
        raise ValueError(f"geometry: no word occurs in >= {min_sentences} sentences of corpus {corpus!r}; "
                         f"lower geometry.min_sentences or use a larger corpus")
    groups = [occ for word in words for occ in occurrences[word].values()]
    sizes = [len(occurrences[word]) for word in words]
    log.info("geometry on %s: %d pairs, %d words (%d occurrences)", corpus, len(left), len(words), len(groups))
    rows = []
    for layer in range(cache.n_layers):
        aniso = geometry.anisotropy(transform(layer, cache.tokens(layer, left)),
                                    transform(layer, cache.tokens(layer, right)))
        vectors = transform(layer, cache.group_means(layer, groups))
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        similarity = geometry.self_similarity([vectors[a:b] for a, b in zip(bounds[:-1], bounds[1:])])
        rows.append((layer, aniso, similarity, similarity - aniso))
    return pd.DataFrame(rows, columns=["layer", "anisotropy", "self_similarity", "self_similarity_adjusted"])
