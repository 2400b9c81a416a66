"""Supervised sentence classification on frozen mean-pooled vectors (Luo et al. 2021, §4, Table 3).

One linear classifier per layer (W: d x n_classes, with bias), cross-entropy, Adam; the
best layer per (task, method) is chosen on a selection split (dev by default, so that the
reported test accuracy is not itself the selection criterion) and its test accuracy reported
(that selection is Table 3's, `posart.tables.best_layer`). `evaluate` trains one probe per
layer of an activation cache.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from posart.cache import ActivationCache
from posart.linear import train_linear

log = logging.getLogger(__name__)
SPLITS = ("train", "dev", "test")
Split = tuple[np.ndarray, np.ndarray]  # (X (n, d), y (n,))


def evaluate_layer(
    train: Split, dev: Split, test: Split, n_classes: int, epochs: int, batch_size: int, lr: float, seed: int
) -> dict[str, float]:
    """Train on `train`; accuracy x 100 on each split: {"train", "dev", "test"}."""
    model = train_linear(*train, n_classes, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    return {name: model.accuracy(*split) for name, split in (("train", train), ("dev", dev), ("test", test))}


def evaluate(
    cache: ActivationCache,
    examples: pd.DataFrame,
    transform,
    n_classes: int,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    special_tokens: bool,
    progress=None,
) -> pd.DataFrame:
    """Rows (layer, split, accuracy) for every layer."""
    rows = cache.rows_of(examples.text)
    keep = rows >= 0
    if not keep.all():
        log.warning("supervised: %s examples dropped (empty text)", examples[~keep].groupby("split").size().to_dict())
    examples, rows = examples[keep], rows[keep]
    labels = examples.label.to_numpy(np.int64)
    out = []
    for layer in range(cache.n_layers):
        vectors = transform(layer, cache.sentence_means(layer, special_tokens))[rows]
        data = {
            split: (vectors[(examples.split == split).to_numpy()], labels[(examples.split == split).to_numpy()])
            for split in SPLITS
        }
        scores = evaluate_layer(
            data["train"], data["dev"], data["test"], n_classes, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed
        )
        out += [(layer, split, scores[split]) for split in SPLITS]
        if progress is not None:
            print(f"layer {layer}: {scores}", file=progress, flush=True)
    return pd.DataFrame(out, columns=["layer", "split", "accuracy"])
