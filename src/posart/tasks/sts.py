"""Semantic textual similarity: Spearman x 100 between cosines and gold scores (§4, Table 2).

STS12-16 each consist of several subsets (e.g. STS12: MSRpar, MSRvid, ...). Their
aggregate must be named, since the choices differ by several points:
- all: pool the pairs of every subset, one correlation (Reimers & Gurevych 2019; default);
- mean: unweighted mean of per-subset correlations (SentEval `results['all']['spearman']['mean']`);
- wmean: mean weighted by subset size (SentEval `...['wmean']`, weights = `nsamples`).
SentEval (senteval/sts.py, STSEval.run) computes Pearson and Spearman per subset with
scipy and averages with np.average(list, weights=nsamples); only Spearman is used here.
`evaluate` scores mean-pooled sentence vectors of an activation cache, layer by layer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from posart.geometry import cosine_rows

if TYPE_CHECKING:  # only a type here, so that the scoring imports without HDF5
    from posart.cache import ActivationCache

log = logging.getLogger(__name__)


def spearman_x100(pred: np.ndarray, gold: np.ndarray) -> float:
    """Spearman's rho x 100; constant input (undefined rho) is an error, not a silent NaN."""
    pred, gold = np.asarray(pred, np.float64), np.asarray(gold, np.float64)
    if pred.shape != gold.shape or pred.ndim != 1 or len(pred) < 2:
        raise ValueError(f"need two equal-length 1-d arrays of >= 2 scores, got {pred.shape} and {gold.shape}")
    if np.ptp(pred) == 0 or np.ptp(gold) == 0:
        raise ValueError("Spearman correlation is undefined for constant scores")
    return 100.0 * float(spearmanr(pred, gold).statistic)


def aggregate(subsets: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    """The three aggregates over named (pred, gold) subsets, and the total number of pairs."""
    if not subsets:
        raise ValueError("no STS subsets to aggregate")
    preds, golds = zip(*((np.asarray(p), np.asarray(g)) for p, g in subsets.values()))
    per_subset = [spearman_x100(p, g) for p, g in zip(preds, golds)]
    sizes = [len(p) for p in preds]
    return {
        "all": spearman_x100(np.concatenate(preds), np.concatenate(golds)),
        "mean": float(np.average(per_subset)),
        "wmean": float(np.average(per_subset, weights=sizes)),
        "n_pairs": int(sum(sizes)),
    }


def evaluate(cache: ActivationCache, pairs: pd.DataFrame, transform, special_tokens: bool) -> pd.DataFrame:
    """Rows (dataset, layer, aggregate, spearman, n_pairs).

    A single-file dataset (STS-B, SICK-R) gets aggregate `single`; one with subsets
    (STS12-16) gets all three of `all`, `mean`, `wmean`. `transform` is a
    `posart.fitting.Transform`; one fitted on the evaluated sentences (`fit: eval`) is fitted
    per dataset on the vectors of both sentences of every pair, as Su et al. (2021) whiten
    each STS task with its own sentences (their `compute_kernel_bias([a_vecs, b_vecs])`).
    """
    first, second = cache.rows_of(pairs.sentence1), cache.rows_of(pairs.sentence2)
    keep = (first >= 0) & (second >= 0)
    if not keep.all():
        log.warning("STS: %d pairs dropped (an empty sentence)", (~keep).sum())
    pairs, first, second = pairs[keep].reset_index(drop=True), first[keep], second[keep]
    datasets = [
        (name, part.reset_index(drop=True), first[part.index], second[part.index])
        for name, part in pairs.groupby("dataset", sort=False)
    ]
    rows = []
    for layer in range(cache.n_layers):
        vectors = cache.sentence_means(layer, special_tokens)
        for dataset, part, left, right in datasets:
            transform.fit(layer, np.concatenate([vectors[left], vectors[right]]), key=dataset)
            predicted = cosine_rows(
                transform(layer, vectors[left], key=dataset), transform(layer, vectors[right], key=dataset)
            )
            gold = part.score.to_numpy()
            if part.subset.nunique() == 1:
                rows.append((dataset, layer, "single", spearman_x100(predicted, gold), len(part)))
                continue
            subsets = {
                name: (predicted[group.index], group.score.to_numpy())
                for name, group in part.groupby("subset", sort=False)
            }
            for name, value in aggregate(subsets).items():
                if name in ("all", "mean", "wmean"):
                    rows.append((dataset, layer, name, value, len(part)))
        del vectors  # before the next layer is read: one layer's vectors in memory
    return pd.DataFrame(rows, columns=["dataset", "layer", "aggregate", "spearman", "n_pairs"])
