"""Fit one post-processing map per layer from streamed statistics, save and load them.

The maps (posart.postprocess) are affine, so a single file per (model, method) holds, per
layer, a shift and a matrix; every task applies them to its token or sentence vectors.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from posart import postprocess
from posart.atomic import atomic_path
from posart.detect import outlier_dims


def fit_layers(entry: Mapping, stats: Mapping[str, np.ndarray],
               outliers: pd.DataFrame | None = None) -> list[postprocess.Affine]:
    """Per-layer maps for one configured method (see schemas/config.schema.yaml)."""
    method = entry["method"]
    layers, dim = stats["token_mean"].shape
    if method == "clip":
        dims = entry.get("dims", "detected")
        per_layer = outlier_dims(outliers) if dims == "detected" else {l: list(dims) for l in range(layers)}
        return [postprocess.fit_clip(per_layer[l], dim) for l in range(layers)]
    level = entry.get("level", "tokens").rstrip("s")
    mean, cov = stats[f"{level}_mean"], stats[f"{level}_cov"]
    options = {k: v for k, v in entry.items() if k in ("n_components", "n_remove")}
    fitter = postprocess.METHODS[method]
    return [fitter(mean[l], cov[l], **options) for l in range(layers)]


def save(path, maps: list[postprocess.Affine]) -> None:
    arrays = {f"{name}_{layer}": value for layer, affine in enumerate(maps)
              for name, value in affine.to_arrays().items()}
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)


def load(path) -> list[postprocess.Affine]:
    with np.load(path) as data:
        layers = len([k for k in data.files if k.startswith("shift_")])
        return [postprocess.Affine.from_arrays({name: data[f"{name}_{l}"] for name in ("shift", "matrix")})
                for l in range(layers)]


class Transform:
    """Applies a method's per-layer maps, or nothing for `raw` (no file)."""

    def __init__(self, paths):
        self.maps = load(paths[0]) if len(paths) else None

    def __call__(self, layer: int, vectors: np.ndarray) -> np.ndarray:
        return vectors if self.maps is None else self.maps[layer].apply(vectors)
