"""Word-in-Context by a cosine threshold (Luo et al. 2021, §4, Table 1).

Training-free: the target word's vectors in the two sentences are compared, and the pair is
predicted "same sense" iff their cosine exceeds the threshold. Every (layer, threshold) is
scored on the same labelled set and the best is reported, as in the paper. `evaluate`
runs it over an activation cache, layer by layer, raw or post-processed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from posart.geometry import cosine_rows

if TYPE_CHECKING:  # only a type here: the tables import this module without HDF5
    from posart.cache import ActivationCache

log = logging.getLogger(__name__)


def wic_accuracies(cosines: np.ndarray, labels: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Accuracy x 100 for each threshold, predicting "same sense" iff cosine > threshold."""
    cosines, labels = np.asarray(cosines, np.float64), np.asarray(labels)
    if labels.dtype != bool:
        raise ValueError(f"labels must be boolean (True = same sense), not {labels.dtype}")
    if cosines.shape != labels.shape or cosines.ndim != 1 or not len(labels):
        raise ValueError(f"need equal-length non-empty 1-d cosines and labels, got {cosines.shape} and {labels.shape}")
    predicted = cosines[None, :] > np.asarray(thresholds, np.float64)[:, None]
    return 100.0 * (predicted == labels).mean(axis=1)


def baseline_all_true(labels: np.ndarray) -> float:
    """Accuracy x 100 of always predicting "same sense" (50.0 on the balanced WiC sets)."""
    labels = np.asarray(labels)
    if labels.dtype != bool or not len(labels):
        raise ValueError("labels must be a non-empty boolean array")
    return 100.0 * float(labels.mean())


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
        log.warning("WiC: %d of %d pairs dropped (sentence empty or target word truncated)", (~keep).sum(), len(keep))
    first = [g for g, k in zip(first, keep) if k]
    second = [g for g, k in zip(second, keep) if k]
    if pairs.label.dtype != bool:
        raise ValueError(f"WiC labels must be True/False, found {sorted(set(map(str, pairs.label)))[:5]}")
    labels = pairs.label.to_numpy()[keep]
    frames = []
    for layer in range(cache.n_layers):
        cosines = cosine_rows(
            transform(layer, cache.group_means(layer, first)), transform(layer, cache.group_means(layer, second))
        )
        frames.append(
            pd.DataFrame(
                {"layer": layer, "threshold": list(thresholds), "accuracy": wic_accuracies(cosines, labels, thresholds)}
            )
        )
    return pd.concat(frames, ignore_index=True)
