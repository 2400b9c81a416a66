"""Fit one post-processing map per layer, save and load them, and apply them in the tasks.

The maps (posart.postprocess) are affine, so a single file per (model, method) holds, per
layer, a shift and a matrix, and for clipping the dims it zeroes (`clipped_L`): every
result row of a clipped method says how many dims it clipped (column `n_clipped`).

Two ways to fit a method that is fitted from moments (whiten, abtt, standardize):
- `fit: corpus` (default): once, from the streamed statistics of a corpus (`fit_layers`),
  the same maps then serve every task;
- `fit: eval`: in each task, on the mean-pooled sentence vectors it evaluates (`Transform.fit`),
  as Su et al. (2021) whiten each STS dataset with the moments of its own sentences.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple

import numpy as np
import pandas as pd

from posart import postprocess
from posart.atomic import atomic_path
from posart.detect import Criterion, clip_dims
from posart.stats import moments_of


class Fit(NamedTuple):
    """Per-layer maps and, per layer, the dims a clip zeroes (empty lists for other methods)."""

    maps: list[postprocess.Affine]
    clipped: list[list[int]]


def fit_moments(entry: Mapping, mean: np.ndarray, cov: np.ndarray) -> postprocess.Affine:
    """One layer's map of a moment-fitted method from its mean and covariance."""
    options = {k: v for k, v in entry.items() if k in ("n_components", "n_remove")}
    return postprocess.METHODS[entry["method"]](mean, cov, **options)


def clipped_dims(entry: Mapping, stats: Mapping[str, np.ndarray], criterion: Mapping | None) -> list[list[int]]:
    """Per layer, the dims a clip entry zeroes: explicit dims in every layer, or detected ones."""
    layers = len(stats["token_mean"])
    if entry["dims"] != "detected":
        return [sorted({int(d) for d in entry["dims"]}) for _ in range(layers)]
    if criterion is None:
        raise ValueError("clip with detected dims needs the outlier criterion (outliers.criterion)")
    return clip_dims(stats, Criterion.from_config(criterion), entry["scope"], entry["symptoms"])


def fit_layers(entry: Mapping, stats: Mapping[str, np.ndarray], criterion: Mapping | None = None) -> Fit:
    """Per-layer maps for one configured method (see schemas/config.schema.yaml), fitted on a corpus."""
    layers, dim = stats["token_mean"].shape
    if entry["method"] == "clip":
        clipped = clipped_dims(entry, stats, criterion)
        return Fit([postprocess.fit_clip(dims, dim) for dims in clipped], clipped)
    level = entry.get("level", "tokens").rstrip("s")
    mean, cov = stats[f"{level}_mean"], stats[f"{level}_cov"]
    return Fit([fit_moments(entry, mean[l], cov[l]) for l in range(layers)], [[] for _ in range(layers)])


def save(path, fit: Fit) -> None:
    arrays = {
        f"{name}_{layer}": value for layer, affine in enumerate(fit.maps) for name, value in affine.to_arrays().items()
    }
    arrays.update({f"clipped_{layer}": np.asarray(dims, np.int64) for layer, dims in enumerate(fit.clipped)})
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)


def load(path) -> Fit:
    with np.load(path) as data:
        layers = len([k for k in data.files if k.startswith("shift_")])
        maps = [
            postprocess.Affine.from_arrays({name: data[f"{name}_{l}"] for name in ("shift", "matrix")})
            for l in range(layers)
        ]
        return Fit(maps, [data[f"clipped_{l}"].tolist() for l in range(layers)])


class Transform:
    """Applies a method's per-layer maps: none for `raw`, a corpus fit's file, or eval fits.

    With `eval_fit` (a method entry with `fit: eval`) the task calls `fit(layer, sentences,
    key)` with the sentence vectors it evaluates before applying the map of that layer and
    key (e.g. one STS dataset); the corpus-fitted and raw transforms ignore `fit`.
    """

    def __init__(self, paths, eval_fit: Mapping | None = None):
        if len(paths) and eval_fit:
            raise ValueError("a method is fitted either on a corpus (a fitted file) or on the evaluated sentences")
        self.fitted = load(paths[0]) if len(paths) else None
        self.eval_fit = eval_fit or None
        self._eval_maps: dict[tuple[int, object], postprocess.Affine] = {}

    @property
    def fits_on_eval(self) -> bool:
        return self.eval_fit is not None

    def fit(self, layer: int, sentences: np.ndarray, key=None) -> None:
        """With `fit: eval`: fit this layer's map (for `key`) on the evaluated sentence vectors."""
        if self.eval_fit is not None:
            mean, cov = moments_of(sentences)
            self._eval_maps[(layer, key)] = fit_moments(self.eval_fit, mean, cov)

    def __call__(self, layer: int, vectors: np.ndarray, key=None) -> np.ndarray:
        if self.eval_fit is not None:
            if (layer, key) not in self._eval_maps:
                raise RuntimeError(
                    f"{self.eval_fit['method']} with fit: eval has no map for layer {layer} ({key!r}): the task "
                    f"must call Transform.fit with the sentence vectors it evaluates first"
                )
            return self._eval_maps[(layer, key)].apply(vectors)
        return vectors if self.fitted is None else self.fitted.maps[layer].apply(vectors)

    def n_clipped(self, layer: int) -> int:
        """How many dims the method zeroes in `layer` (0 unless it clips)."""
        return 0 if self.fitted is None else len(self.fitted.clipped[layer])

    def label(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A task's rows (one column `layer`) with the number of dims clipped in each row's layer."""
        return frame.assign(n_clipped=frame.layer.map(self.n_clipped).astype(np.int64))
