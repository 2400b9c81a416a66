"""Supervised sentence classification on frozen mean-pooled vectors (Luo et al. 2021, §4, Table 3).

One linear classifier per layer (W: d x n_classes, with bias), cross-entropy, Adam; the
best layer per (task, method) is chosen on a selection split (dev by default, so that the
reported test accuracy is not itself the selection criterion) and its test accuracy reported.
"""

from __future__ import annotations

import numpy as np

from posart.linear import train_linear

Split = tuple[np.ndarray, np.ndarray]   # (X (n, d), y (n,))


def evaluate_layer(train: Split, dev: Split, test: Split, n_classes: int, epochs: int,
                   batch_size: int, lr: float, seed: int) -> dict[str, float]:
    """Train on `train`; accuracy x 100 on each split: {"train", "dev", "test"}."""
    model = train_linear(*train, n_classes, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    return {name: model.accuracy(*split) for name, split in (("train", train), ("dev", dev), ("test", test))}


def best_layer(frame, select_by: str = "dev"):
    """Per (model,) task, method: the layer with the best `select_by` accuracy, and its test accuracy.

    `frame` is the tidy output (columns task, layer, method, split, accuracy; model if
    present). Ties go to the lowest layer. Returns one row per group with columns
    [model,] task, method, layer, selection_accuracy, accuracy (= test accuracy).
    """
    keys = [c for c in ("model", "task", "method") if c in frame.columns]
    wide = frame.pivot(index=keys + ["layer"], columns="split", values="accuracy").reset_index()
    missing = {select_by, "test"} - set(wide.columns)
    if missing:
        raise ValueError(f"no accuracies for split(s) {sorted(missing)}")
    ranked = wide.sort_values(keys + [select_by, "layer"], ascending=[True] * len(keys) + [False, True])
    chosen = ranked.groupby(keys).head(1)
    chosen = chosen.assign(selection_accuracy=chosen[select_by], accuracy=chosen["test"])
    return chosen[keys + ["layer", "selection_accuracy", "accuracy"]].reset_index(drop=True)
