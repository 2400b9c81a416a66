"""Per-layer outlier summary of a model, as the paper reports its pretrained pair (§3, Table 4).

From the streaming statistics of an activation cache (posart.stats): for each layer, the
dimension that is most often the vector's maximum (and minimum) with its share of vectors,
and the dimensions that posart.detect flags. The paper's sentence "the maximum element of
82.56% of all vectors is the 81st dimension" is one row's `argmax_dim`/`argmax_share`.
With d dimensions and no artefact every share is about 1/d, which `chance_share` states.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from posart.detect import Criterion, outlier_mask

COLUMNS = ["model", "layer", "argmax_dim", "argmax_share", "argmin_dim", "argmin_share", "chance_share", "outlier_dims"]


def layer_summary(model: str, stats: Mapping[str, np.ndarray], criterion: Criterion) -> pd.DataFrame:
    """One row per layer (0 = embedding output); `outlier_dims` is a space-separated list, 0-based."""
    mean, low, high = stats["token_mean"], stats["token_argmin_share"], stats["token_argmax_share"]
    rows = []
    for layer in range(mean.shape[0]):
        flagged = np.flatnonzero(outlier_mask(mean[layer], low[layer], high[layer], criterion))
        rows.append(
            (
                model,
                layer,
                int(high[layer].argmax()),
                float(high[layer].max()),
                int(low[layer].argmax()),
                float(low[layer].max()),
                1.0 / mean.shape[1],
                " ".join(map(str, flagged)),
            )
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def from_stats_file(model: str, path, criterion: Criterion) -> pd.DataFrame:
    """`layer_summary` of a statistics file (posart.stats.save); reads it with numpy alone, so that
    the report environment, which has no HDF5, can build Table 4."""
    with np.load(path) as data:
        return layer_summary(model, {key: data[key] for key in data.files}, criterion)
