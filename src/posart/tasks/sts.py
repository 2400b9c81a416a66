"""Semantic textual similarity: Spearman x 100 between cosines and gold scores (§4, Table 2).

STS12-16 each consist of several subsets (e.g. STS12: MSRpar, MSRvid, ...). Their
aggregate must be named, since the choices differ by several points:
- all: pool the pairs of every subset, one correlation (Reimers & Gurevych 2019; default);
- mean: unweighted mean of per-subset correlations (SentEval `results['all']['spearman']['mean']`);
- wmean: mean weighted by subset size (SentEval `...['wmean']`, weights = `nsamples`).
SentEval (senteval/sts.py, STSEval.run) computes Pearson and Spearman per subset with
scipy and averages with np.average(list, weights=nsamples); only Spearman is used here.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from scipy.stats import spearmanr


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
