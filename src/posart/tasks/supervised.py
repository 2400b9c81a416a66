"""Supervised sentence classification on frozen mean-pooled vectors (Luo et al. 2021, §4, Table 3).

One linear classifier per layer, cross-entropy, Adam; the best layer per (task, method) is
chosen on a selection split (dev by default, so that the reported test accuracy is not itself
the selection criterion) and its test accuracy reported (that selection is Table 3's,
`posart.tables.best_layer`). `evaluate` trains one probe per layer of an activation cache.

As the paper writes it, the classifier is W in R^{d x n} alone: no bias unless configured
(`supervised.bias`). The paper gives no learning rate; `supervised.lr` (1e-3, Adam's usual
default) is posart's choice. With the paper's batches 10 epochs are few Adam steps: 60 on
SST-5 (8,544 / 1,536 -> 6 per epoch), 880 on SST-2 (67,349 / 768 -> 88 per epoch), so each
layer's loss curve is logged and a warning names the layers whose loss still fell by more
than `convergence_tolerance` (a fraction) in the last epoch. A method fitted on the evaluated sentences (`fit: eval`) is
fitted on the training split's sentence vectors, so that dev and test stay unseen.

Data: SST-2 and SST-5 are SentEval's files (SST/binary: 67,349 training phrases, as GLUE's
train, and 872 / 1,821 labelled dev / test sentences; SST/fine: 8,544 / 1,101 / 2,210
sentences): GLUE's SST-2 test set has no labels. IMDB reviews are
encoded like any text: truncated to the model's maximum input (512 tokens for BERT and
RoBERTa, special tokens included: the first 510 word pieces), counted in the encode log and
in the cache's `n_truncated`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import torch
from safetensors.torch import save_file

from posart.atomic import atomic_path
from posart.cache import ActivationCache
from posart.linear import LinearModel, last_epoch_fall, train_linear

log = logging.getLogger(__name__)
SPLITS = ("train", "dev", "test")
Split = tuple[np.ndarray, np.ndarray]  # (X (n, d), y (n,))


def evaluate_layer(
    train: Split,
    dev: Split,
    test: Split,
    n_classes: int,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    bias: bool = False,
    convergence_tolerance: float | None = None,
    name: str = "",
) -> tuple[dict[str, float], LinearModel]:
    """Train on `train`; accuracy x 100 on each split ({"train", "dev", "test"}) and the classifier.

    Logs the loss per epoch; warns when the last epoch's loss fell by more than
    `convergence_tolerance` (relative), i.e. training stopped before converging.
    """
    model = train_linear(*train, n_classes, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, bias=bias)
    curve = ", ".join(f"{loss:.4f}" for loss in model.losses)
    log.info("%s training loss per epoch: %s", name, curve)
    fall = last_epoch_fall(model.losses)
    if convergence_tolerance is not None and fall is not None and fall > convergence_tolerance:
        log.warning(
            "%s has not converged: the loss fell by %.2f%% in the last epoch (more than %.2f%%); "
            "more epochs or a larger supervised.lr would change the accuracy",
            name,
            100 * fall,
            100 * convergence_tolerance,
        )
    scores = {split: model.accuracy(*data) for split, data in (("train", train), ("dev", dev), ("test", test))}
    return scores, model


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
    bias: bool = False,
    convergence_tolerance: float | None = None,
    progress=None,
) -> tuple[pd.DataFrame, dict[str, torch.Tensor]]:
    """Rows (layer, split, accuracy) for every layer, and every layer's trained classifier
    (tensors `layer{L}.weight` (n_classes, d), and `layer{L}.bias` only with a bias)."""
    rows = cache.rows_of(examples.text)
    keep = rows >= 0
    if not keep.all():
        log.warning("supervised: %s examples dropped (empty text)", examples[~keep].groupby("split").size().to_dict())
    examples, rows = examples[keep], rows[keep]
    labels = examples.label.to_numpy(np.int64)
    out = []
    classifiers: dict[str, torch.Tensor] = {}
    masks = {split: (examples.split == split).to_numpy() for split in SPLITS}
    for layer in range(cache.n_layers):
        pooled = cache.sentence_means(layer, special_tokens)[rows]
        transform.fit(layer, pooled[masks["train"]])
        vectors = transform(layer, pooled)
        data = {split: (vectors[mask], labels[mask]) for split, mask in masks.items()}
        scores, model = evaluate_layer(
            data["train"],
            data["dev"],
            data["test"],
            n_classes,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            seed=seed,
            bias=bias,
            convergence_tolerance=convergence_tolerance,
            name=f"layer {layer}",
        )
        out += [(layer, split, scores[split]) for split in SPLITS]
        classifiers.update({f"layer{layer}.{name}": tensor for name, tensor in model.state_dict().items()})
        if progress is not None:
            print(f"layer {layer}: {scores}", file=progress, flush=True)
        del pooled, vectors, data  # before the next layer is read: one layer's vectors in memory
    return pd.DataFrame(out, columns=["layer", "split", "accuracy"]), classifiers


def save_classifiers(path, classifiers: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    """The trained classifiers as one safetensors file (their weights can be inspected, e.g. for a bias)."""
    with atomic_path(path) as tmp:
        save_file(classifiers, str(tmp), metadata=metadata)
