"""Decide which dimensions of a layer are outliers, by a documented, configurable criterion.

The paper identifies outliers by eye from two symptoms; the detector tests both:
1. *extreme share*: the dimension is the vector's minimum (or maximum) element in at least
   `share_threshold` of all vectors. With d dimensions and no artefact each share is about
   1/d, so the default 0.2 is ~77x chance for d=384 and ~154x for d=768.
2. *mean magnitude*: the dimension's mean value stands out of the layer's mean vector by a
   robust z-score (distance from the median in units of 1.4826 x the median absolute
   deviation) of at least `z_threshold`. The default 6 is far beyond what a Gaussian mean
   vector produces across a few thousand dimensions (max |z| about 4), so isotropic data
   flags nothing.
`combine: any` flags a dimension showing either symptom, `all` only those showing both.
Dimensions are 0-based. No expected dimension is written here: detection is data-driven.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Criterion:
    share_threshold: float = 0.2
    z_threshold: float = 6.0
    combine: str = "any"

    @classmethod
    def from_config(cls, entry: Mapping) -> "Criterion":
        return cls(**entry)


def robust_z(values: np.ndarray) -> np.ndarray:
    """|x - median| / (1.4826 * MAD).

    When more than half the values equal the median (e.g. many dead dims) the MAD is 0;
    the mean absolute deviation (x 1.2533, its normal-consistent scale) is used instead,
    with a warning, rather than flagging every other dim as infinitely far out.
    """
    median = np.median(values)
    deviation = np.abs(values - median)
    spread = 1.4826 * np.median(deviation)
    if spread == 0:
        spread = 1.2533 * deviation.mean()
        log.warning("outlier detector: median absolute deviation is 0; using the mean absolute deviation")
    if spread == 0:
        return np.zeros_like(deviation)
    return deviation / spread


def outlier_mask(mean: np.ndarray, argmin_share: np.ndarray, argmax_share: np.ndarray,
                 criterion: Criterion) -> np.ndarray:
    """Boolean (d,) mask of outlier dimensions for one layer."""
    extreme = np.maximum(argmin_share, argmax_share) >= criterion.share_threshold
    magnitude = robust_z(mean) >= criterion.z_threshold
    if criterion.combine == "any":
        return extreme | magnitude
    if criterion.combine == "all":
        return extreme & magnitude
    raise ValueError(f"outliers.criterion.combine must be 'any' or 'all', not {criterion.combine!r}")


def outlier_table(model: str, corpus: str, stats: Mapping[str, np.ndarray], criterion: Criterion):
    """The output-contract CSV frame: one row per (layer, dim)."""
    mean, lo, hi = stats["token_mean"], stats["token_argmin_share"], stats["token_argmax_share"]
    layers, dim = mean.shape
    flags = np.stack([outlier_mask(mean[l], lo[l], hi[l], criterion) for l in range(layers)])
    return pd.DataFrame({
        "model": model, "corpus": corpus,
        "layer": np.repeat(np.arange(layers), dim), "dim": np.tile(np.arange(dim), layers),
        "mean": mean.ravel(), "argmin_share": lo.ravel(), "argmax_share": hi.ravel(),
        "is_outlier": flags.ravel(),
    })


def outlier_dims(table) -> dict[int, list[int]]:
    """Per-layer sorted outlier dims from an outlier table (every layer present, maybe empty)."""
    return {int(layer): sorted(int(d) for d in group.loc[group.is_outlier, "dim"])
            for layer, group in table.groupby("layer")}


def outlier_union(table) -> list[int]:
    """Dims flagged in any layer of an outlier table (e.g. the dims whose origin is traced)."""
    return sorted(int(d) for d in table.loc[table.is_outlier.astype(bool), "dim"].unique())
