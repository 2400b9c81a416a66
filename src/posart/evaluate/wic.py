"""WiC as the paper runs it: cosine of the target word's two contextual vectors vs. a threshold."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from posart.cache import ActivationCache
from posart.geometry import cosine_rows
from posart.tasks.wic import wic_accuracies

log = logging.getLogger(__name__)


def target_tokens(cache: ActivationCache, rows: np.ndarray, words: np.ndarray, pooling: str) -> list[np.ndarray]:
    """Global token indices of each target word (its first subword only for pooling `first`)."""
    word_index = cache.field("word_index")
    out = []
    for row, word in zip(rows, words):
        if row < 0:
            out.append(np.empty(0, np.int64))
            continue
        lo, hi = cache.offsets[row], cache.offsets[row + 1]
        hits = lo + np.flatnonzero(word_index[lo:hi] == word)
        out.append(hits[:1] if pooling == "first" else hits)
    return out


def evaluate(cache: ActivationCache, pairs: pd.DataFrame, transform, thresholds, pooling: str) -> pd.DataFrame:
    """Accuracy (%) per layer and threshold; pairs whose target word was not encoded are dropped."""
    first = target_tokens(cache, cache.rows_of(pairs.sentence1), pairs.index1.to_numpy(), pooling)
    second = target_tokens(cache, cache.rows_of(pairs.sentence2), pairs.index2.to_numpy(), pooling)
    keep = np.array([len(a) > 0 and len(b) > 0 for a, b in zip(first, second)])
    if not keep.all():
        log.warning("WiC: %d of %d pairs dropped (sentence empty or target word truncated)",
                    (~keep).sum(), len(keep))
    first = [g for g, k in zip(first, keep) if k]
    second = [g for g, k in zip(second, keep) if k]
    if pairs.label.dtype != bool:
        raise ValueError(f"WiC labels must be True/False, found {sorted(set(map(str, pairs.label)))[:5]}")
    labels = pairs.label.to_numpy()[keep]
    frames = []
    for layer in range(cache.n_layers):
        cosines = cosine_rows(transform(layer, cache.group_means(layer, first)),
                              transform(layer, cache.group_means(layer, second)))
        frames.append(pd.DataFrame({"layer": layer, "threshold": list(thresholds),
                                    "accuracy": wic_accuracies(cosines, labels, thresholds)}))
    return pd.concat(frames, ignore_index=True)
