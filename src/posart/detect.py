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
`combine: any` flags a dimension showing either symptom, `all` only those showing both; a
caller may also test one symptom alone (the paper has only the share test).
Dimensions are 0-based. No expected dimension is written here: detection is data-driven.

Clipping needs to know *where* the detected dims are zeroed (`clip_dims`):
- per_layer: each layer's own detected dims, in that layer. Close to the paper's layer-range
  sets for the large models (appendix A, D.1: bert-large 896 in layers 1-10, 678 in 10-17, ...).
- global: ONE set, clipped in every layer including the input layer 0: the dims the detector
  flags on the statistics of all non-input layers' vectors pooled (layers 1..L, each vector
  counted once; with equal token counts per layer this is the mean of the per-layer shares).
  That is how the paper counts: "when discounting the input embedding layers ... we are left
  with 3.68M ... token embeddings", and "the minimum value of 96.60% of vectors lies in the
  557th dimension" is a share of those 3.68M vectors (§2); §4 then zeroes that dim (BERT-base
  557; RoBERTa-base 77, 588) in the vectors of every layer. Pooling, rather than "flagged in
  any/most layers", is that count; a dim extreme in a few layers only is diluted by the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping, Sequence

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


SYMPTOMS = ("share", "magnitude")
SCOPES = ("per_layer", "global")


def outlier_mask(
    mean: np.ndarray,
    argmin_share: np.ndarray,
    argmax_share: np.ndarray,
    criterion: Criterion,
    symptoms: Sequence[str] = SYMPTOMS,
) -> np.ndarray:
    """Boolean (d,) mask of outlier dimensions for one layer (or pooled layers).

    `symptoms` picks the tests (share: extreme share; magnitude: robust z of the mean);
    several are combined by `criterion.combine`.
    """
    unknown = sorted(set(symptoms) - set(SYMPTOMS))
    if unknown or not len(symptoms):
        raise ValueError(f"symptoms must be a non-empty subset of {list(SYMPTOMS)}, not {list(symptoms)}")
    tests = {
        "share": lambda: np.maximum(argmin_share, argmax_share) >= criterion.share_threshold,
        "magnitude": lambda: robust_z(mean) >= criterion.z_threshold,
    }
    masks = [tests[name]() for name in symptoms]
    if criterion.combine == "any":
        return np.logical_or.reduce(masks)
    if criterion.combine == "all":
        return np.logical_and.reduce(masks)
    raise ValueError(f"outliers.criterion.combine must be 'any' or 'all', not {criterion.combine!r}")


def pooled(stats: Mapping[str, np.ndarray], layers: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean vector and argmin/argmax shares of the token vectors of `layers` taken together."""
    counts = np.asarray(stats["token_n"], np.float64)[list(layers)]
    if not len(counts) or counts.sum() == 0:
        raise ValueError(f"no token vectors in layers {list(layers)} to pool")
    weights = counts / counts.sum()
    keys = ("token_mean", "token_argmin_share", "token_argmax_share")
    return tuple(weights @ stats[key][list(layers)] for key in keys)


def clip_dims(
    stats: Mapping[str, np.ndarray], criterion: Criterion, scope: str, symptoms: Sequence[str] = SYMPTOMS
) -> list[list[int]]:
    """The dims to zero in each layer (layer 0 = input embeddings): see the module docstring."""
    layers = len(stats["token_mean"])
    if scope == "per_layer":
        return [
            np.flatnonzero(
                outlier_mask(
                    stats["token_mean"][layer],
                    stats["token_argmin_share"][layer],
                    stats["token_argmax_share"][layer],
                    criterion,
                    symptoms,
                )
            ).tolist()
            for layer in range(layers)
        ]
    if scope == "global":
        if layers < 2:
            raise ValueError("scope global pools the non-input layers, but the statistics have only layer 0")
        dims = np.flatnonzero(outlier_mask(*pooled(stats, range(1, layers)), criterion, symptoms)).tolist()
        return [list(dims) for _ in range(layers)]
    raise ValueError(f"clip scope must be one of {list(SCOPES)}, not {scope!r}")


def outlier_table(model: str, corpus: str, stats: Mapping[str, np.ndarray], criterion: Criterion):
    """The output-contract CSV frame: one row per (layer, dim)."""
    mean, lo, hi = stats["token_mean"], stats["token_argmin_share"], stats["token_argmax_share"]
    layers, dim = mean.shape
    flags = np.stack([outlier_mask(mean[l], lo[l], hi[l], criterion) for l in range(layers)])
    return pd.DataFrame(
        {
            "model": model,
            "corpus": corpus,
            "layer": np.repeat(np.arange(layers), dim),
            "dim": np.tile(np.arange(dim), layers),
            "mean": mean.ravel(),
            "argmin_share": lo.ravel(),
            "argmax_share": hi.ravel(),
            "is_outlier": flags.ravel(),
        }
    )


def outlier_union(table) -> list[int]:
    """Dims flagged in any layer of an outlier table (e.g. the dims whose origin is traced)."""
    return sorted(int(d) for d in table.loc[table.is_outlier.astype(bool), "dim"].unique())
