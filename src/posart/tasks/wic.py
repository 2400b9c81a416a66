"""Word-in-Context by a cosine threshold (Luo et al. 2021, §4, Table 1).

Training-free: the target word's vectors in the two sentences are compared, and the pair is
predicted "same sense" iff their cosine exceeds the threshold. Every (layer, threshold) is
scored on the same labelled set and the best is reported, as in the paper.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def wic_accuracies(cosines: np.ndarray, labels: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Accuracy x 100 for each threshold, predicting "same sense" iff cosine > threshold."""
    cosines, labels = np.asarray(cosines, np.float64), np.asarray(labels)
    if labels.dtype != bool:
        raise ValueError(f"labels must be boolean (True = same sense), not {labels.dtype}")
    if cosines.shape != labels.shape or cosines.ndim != 1 or not len(labels):
        raise ValueError(f"need equal-length non-empty 1-d cosines and labels, "
                         f"got {cosines.shape} and {labels.shape}")
    predicted = cosines[None, :] > np.asarray(thresholds, np.float64)[:, None]
    return 100.0 * (predicted == labels).mean(axis=1)


def baseline_all_true(labels: np.ndarray) -> float:
    """Accuracy x 100 of always predicting "same sense" (50.0 on the balanced WiC sets)."""
    labels = np.asarray(labels)
    if labels.dtype != bool or not len(labels):
        raise ValueError("labels must be a non-empty boolean array")
    return 100.0 * float(labels.mean())
