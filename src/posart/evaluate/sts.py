"""STS: Spearman correlation of cosine between mean-pooled sentence vectors and gold scores."""

from __future__ import annotations

import logging

import pandas as pd

from posart.cache import ActivationCache
from posart.geometry import cosine_rows
from posart.tasks.sts import aggregate, spearman_x100

log = logging.getLogger(__name__)


def evaluate(cache: ActivationCache, pairs: pd.DataFrame, transform, special_tokens: bool) -> pd.DataFrame:
    """Rows (dataset, layer, aggregate, spearman, n_pairs).

    A single-file dataset (STS-B, SICK-R) gets aggregate `single`; one with subsets
    (STS12-16) gets all three of `all`, `mean`, `wmean`.
    """
    first, second = cache.rows_of(pairs.sentence1), cache.rows_of(pairs.sentence2)
    keep = (first >= 0) & (second >= 0)
    if not keep.all():
        log.warning("STS: %d pairs dropped (an empty sentence)", (~keep).sum())
    pairs, first, second = pairs[keep].reset_index(drop=True), first[keep], second[keep]
    rows = []
    for layer in range(cache.n_layers):
        vectors = transform(layer, cache.sentence_means(layer, special_tokens))
        predicted = cosine_rows(vectors[first], vectors[second])
        for dataset, part in pairs.groupby("dataset", sort=False):
            pred, gold = predicted[part.index], part.score.to_numpy()
            if part.subset.nunique() == 1:
                rows.append((dataset, layer, "single", spearman_x100(pred, gold), len(part)))
                continue
            subsets = {name: (predicted[group.index], group.score.to_numpy())
                       for name, group in part.groupby("subset", sort=False)}
            for name, value in aggregate(subsets).items():
                if name in ("all", "mean", "wmean"):
                    rows.append((dataset, layer, name, value, len(part)))
    return pd.DataFrame(rows, columns=["dataset", "layer", "aggregate", "spearman", "n_pairs"])
