"""A single linear layer trained with cross-entropy and Adam, reproducibly.

Shared by the supervised sentence tasks (W: d x n_classes, no bias by default; Luo et al.
2021, §4) and the position probe (W: d x 300, no bias; §3). Initialisation and shuffling draw only
from generators seeded with `seed` (the layer is built on the CPU, then moved), so the same
seed gives the same weights on any device, and the caller's global torch RNG is untouched.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

PREDICT_BATCH = 65536  # rows per forward pass at inference: bounds memory, not results


class LinearModel:
    """A trained linear classifier: logits = x @ weight (+ bias), and its training loss per epoch."""

    def __init__(self, layer: nn.Linear, losses: list[float] | None = None) -> None:
        self.layer = layer
        self.losses = list(losses or [])

    @property
    def device(self) -> torch.device:
        return self.layer.weight.device

    @property
    def weight(self) -> np.ndarray:
        """(d, n_classes) float32: column c holds class c's weights (the probe's w for c(i))."""
        return self.layer.weight.detach().cpu().numpy().T.copy()

    @property
    def bias(self) -> np.ndarray | None:
        return None if self.layer.bias is None else self.layer.bias.detach().cpu().numpy().copy()

    @torch.inference_mode()
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class per row of X (n, d)."""
        X = np.asarray(X, np.float32)
        out = [
            self.layer(torch.from_numpy(X[i : i + PREDICT_BATCH]).to(self.device)).argmax(dim=1).cpu()
            for i in range(0, len(X), PREDICT_BATCH)
        ]
        return torch.cat(out).numpy() if out else np.zeros(0, np.int64)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy x 100 on (X, y)."""
        y = np.asarray(y)
        if not len(y):
            raise ValueError("accuracy of an empty set is undefined")
        return 100.0 * float(np.mean(self.predict(X) == y))

    def state_dict(self) -> dict[str, torch.Tensor]:
        """CPU tensors, e.g. for safetensors.torch.save_file."""
        return {k: v.detach().cpu().contiguous() for k, v in self.layer.state_dict().items()}


def default_init(n_in: int, n_out: int, seed: int, bias: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
    """nn.Linear's default init, U(+-1/sqrt(n_in)), drawn from a generator seeded with `seed`.

    Returns the (n_out, n_in) weight and the (n_out,) bias (None without bias); the position
    probe starts every layer's W from this too, so a probe equals train_linear on that layer.
    """
    init = torch.Generator().manual_seed(seed)
    bound = 1.0 / np.sqrt(n_in)
    weight = torch.empty(n_out, n_in).uniform_(-bound, bound, generator=init)
    return weight, (torch.empty(n_out).uniform_(-bound, bound, generator=init) if bias else None)


def train_linear(
    X_train: np.ndarray,
    y_train: np.ndarray,
    n_classes: int,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    bias: bool = True,
    weight_decay: float = 0.0,
    device: str | torch.device = "cpu",
    progress: Callable[[int, float], None] | None = None,
) -> LinearModel:
    """Train W (d x n_classes) by minibatch cross-entropy with Adam.

    Each epoch visits every example once in a fresh seeded shuffle; the last batch may be
    smaller. The mean training loss of each epoch is kept (`LinearModel.losses`, for a
    convergence check) and passed to `progress(epoch, mean_loss)` (epochs count from 1).
    """
    X = torch.from_numpy(np.ascontiguousarray(X_train, np.float32))
    y = torch.from_numpy(np.asarray(y_train, np.int64))
    if X.ndim != 2 or y.shape != (len(X),) or not len(X):
        raise ValueError(f"need X (n, d) and y (n,) with n > 0, got {tuple(X.shape)} and {tuple(y.shape)}")
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, found {int(y.min())}..{int(y.max())}")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")

    layer = torch.nn.utils.skip_init(nn.Linear, X.shape[1], n_classes, bias=bias)
    weight, initial_bias = default_init(X.shape[1], n_classes, seed, bias)
    with torch.no_grad():
        layer.weight.copy_(weight)
        if bias:
            layer.bias.copy_(initial_bias)
    layer.to(device)
    X, y = X.to(device), y.to(device)

    optimiser = torch.optim.Adam(layer.parameters(), lr=lr, weight_decay=weight_decay)
    shuffle = torch.Generator().manual_seed(seed)
    losses = []
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(X), generator=shuffle)
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size].to(device)
            loss = F.cross_entropy(layer(X[batch]), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        losses.append(total / len(X))
        if progress is not None:
            progress(epoch, losses[-1])
    return LinearModel(layer, losses)


def last_epoch_fall(losses: list[float]) -> float | None:
    """Relative fall of the mean loss over the last epoch, (L[-2] - L[-1]) / L[-2]; None for one epoch.

    A probe whose loss still falls by a sizeable fraction in its last epoch has not converged:
    its accuracy measures the training budget as much as the representation.
    """
    if len(losses) < 2:
        return None
    before, last = losses[-2], losses[-1]
    return (before - last) / before if before > 0 else 0.0
