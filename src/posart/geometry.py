"""Anisotropy and self-similarity of contextual vectors (Ethayarajh 2019; protocol §4).

- anisotropy: mean cosine between vectors of random tokens from *different* random
  sentences (`draw_token_pairs` picks them).
- self-similarity of a word: mean cosine between its vectors in different sentences, over
  all ordered pairs of distinct occurrences; averaged over words (`select_words` picks them).
- adjusted self-similarity = self-similarity - that layer's anisotropy (Ethayarajh's
  correction, used by Luo et al. 2021, Fig. 6 right); computed by the caller as a difference.

Unlike Ethayarajh's `contextual/analyze.py`, which averages with `nanmean` and samples pairs
with replacement, zero vectors are an error here, and all pairs are used exactly.

`evaluate` runs both over a corpus cache, layer by layer, raw or post-processed. Anisotropy:
`n_pairs` pairs of tokens, each token drawn at random from a different random
sentence (special tokens excluded unless configured). Self-similarity: `n_words` word types
(lowercased whitespace words containing a letter or digit) that occur in at least
`min_sentences` different sentences of the corpus; each occurrence (first per sentence) is
the mean of its subword vectors. The same tokens are used for every layer and method.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # only a type here: the maths needs no HDF5
    from posart.cache import ActivationCache

log = logging.getLogger(__name__)
HAS_ALNUM = re.compile(r"[^\W_]")


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float64; a zero row has no direction, so it is an error."""
    x = np.asarray(x, np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected an (n, d) array, got shape {x.shape}")
    norms = np.linalg.norm(x, axis=1)
    zero = np.flatnonzero(norms == 0)
    if len(zero):
        raise ValueError(
            f"cosine undefined: rows {zero[:10].tolist()} are zero vectors"
            + (f" ({len(zero)} in all)" if len(zero) > 10 else "")
        )
    return x / norms[:, None]


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of a[i] and b[i] for each row i, float64."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"row-wise cosine needs equal shapes, got {a.shape} and {b.shape}")
    return np.einsum("ij,ij->i", _unit_rows(a), _unit_rows(b))


def anisotropy(a: np.ndarray, b: np.ndarray) -> float:
    """Mean cosine of the pairs (a[i], b[i]) (Ethayarajh 2019)."""
    return float(cosine_rows(a, b).mean())


def self_similarity(groups: Sequence[np.ndarray]) -> float:
    """Mean over words of the mean cosine between distinct occurrences (Ethayarajh 2019, SelfSim).

    For unit rows u_1..u_m of one word, the sum of all Gram entries is |sum_j u_j|^2 and the
    diagonal sums to sum_j |u_j|^2, so the off-diagonal mean is
    (|sum_j u_j|^2 - sum_j |u_j|^2) / (m (m - 1)): O(m d) instead of the O(m^2 d) Gram matrix.
    """
    if not len(groups):
        raise ValueError("self-similarity needs at least one word")
    scores = []
    for i, group in enumerate(groups):
        units = _unit_rows(group)
        m = len(units)
        if m < 2:
            raise ValueError(f"word {i} has {m} vector(s); self-similarity needs at least 2")
        total = units.sum(axis=0)
        scores.append((total @ total - np.einsum("ij,ij->", units, units)) / (m * (m - 1)))
    return float(np.mean(scores))


def draw_token_pairs(
    offsets: np.ndarray, eligible: np.ndarray, n_pairs: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Global indices of n_pairs token pairs for anisotropy, each token from its own sentence.

    Sentence i owns tokens offsets[i]:offsets[i+1]; `eligible` (n_tokens,) marks the tokens
    that may be drawn (e.g. ~special: protocol default, special tokens are not drawn).
    Draws 2 * n_pairs distinct sentences that have an eligible token, one eligible token
    from each, and pairs them in order: (1st, 2nd), (3rd, 4th), ... (protocol §4: 2000
    sentences -> 1000 pairs). Deterministic for a given seed.
    """
    offsets, eligible = np.asarray(offsets, np.int64), np.asarray(eligible, bool)
    if offsets.ndim != 1 or offsets[0] != 0 or offsets[-1] != len(eligible) or np.any(np.diff(offsets) < 0):
        raise ValueError("offsets must rise from 0 to the number of tokens")
    candidates = np.flatnonzero(eligible)
    first = np.searchsorted(candidates, offsets[:-1])  # first candidate of each sentence
    counts = np.searchsorted(candidates, offsets[1:]) - first
    usable = np.flatnonzero(counts > 0)
    if len(usable) < 2 * n_pairs:
        raise ValueError(
            f"{n_pairs} pairs need {2 * n_pairs} sentences with an eligible token; only {len(usable)} have one"
        )
    rng = np.random.default_rng(seed)
    sentences = rng.choice(usable, size=2 * n_pairs, replace=False)
    tokens = candidates[first[sentences] + rng.integers(0, counts[sentences])]
    return tokens[0::2], tokens[1::2]


class WordSelection(NamedTuple):
    words: list[str]
    n_eligible: int  # words occurring in >= min_sentences sentences; len(words) if all taken


def select_words(
    word_sentence_ids: Mapping[str, set[int]], min_sentences: int, n_words: int, seed: int
) -> WordSelection:
    """A seeded sample of n_words words found in >= min_sentences distinct sentences.

    Protocol §4: 1000 words occurring in at least 10 SST-2 training sentences. Eligible words
    are sorted before sampling, so the result does not depend on the mapping's order; all
    are kept when fewer than n_words qualify. The chosen words are returned sorted.
    """
    eligible = sorted(w for w, ids in word_sentence_ids.items() if len(ids) >= min_sentences)
    if len(eligible) <= n_words:
        return WordSelection(eligible, len(eligible))
    picked = np.sort(np.random.default_rng(seed).choice(len(eligible), size=n_words, replace=False))
    return WordSelection([eligible[i] for i in picked], len(eligible))


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


def evaluate(
    cache: ActivationCache,
    transform,
    *,
    corpus: str,
    n_pairs: int,
    n_words: int,
    min_sentences: int,
    special_tokens: bool,
    seed: int,
) -> pd.DataFrame:
    """Rows (layer, anisotropy, self_similarity, self_similarity_adjusted)."""
    eligible = np.ones(cache.n_tokens, bool) if special_tokens else ~cache.field("special")
    left, right = draw_token_pairs(cache.offsets, eligible, n_pairs, seed)
    occurrences = word_occurrences(cache)
    chosen = select_words({w: set(o) for w, o in occurrences.items()}, min_sentences, n_words, seed)
    words = chosen.words
    if chosen.n_eligible < n_words:
        log.warning(
            "geometry: only %d words occur in >= %d sentences (asked for %d)", chosen.n_eligible, min_sentences, n_words
        )
    if not words:
        raise ValueError(
            f"geometry: no word occurs in >= {min_sentences} sentences of corpus {corpus!r}; "
            f"lower geometry.min_sentences or use a larger corpus"
        )
    groups = [occ for word in words for occ in occurrences[word].values()]
    sizes = [len(occurrences[word]) for word in words]
    log.info("geometry on %s: %d pairs, %d words (%d occurrences)", corpus, len(left), len(words), len(groups))
    rows = []
    for layer in range(cache.n_layers):
        aniso = anisotropy(transform(layer, cache.tokens(layer, left)), transform(layer, cache.tokens(layer, right)))
        vectors = transform(layer, cache.group_means(layer, groups))
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        similarity = self_similarity([vectors[a:b] for a, b in zip(bounds[:-1], bounds[1:])])
        rows.append((layer, aniso, similarity, similarity - aniso))
    return pd.DataFrame(rows, columns=["layer", "anisotropy", "self_similarity", "self_similarity_adjusted"])
