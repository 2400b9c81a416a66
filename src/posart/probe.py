"""The position probe (Luo et al. 2021, §3, Figure 5): from a token vector to its position in the sentence.

Per layer a linear map W (d x P, no bias; P = `max_position`, default 300), cross-entropy,
Adam, batch 128, 10 epochs; trained on the train split's token cache, selected on dev,
tested on test. Positions are the caches' `position` field: 0-based token index in the
sentence, special tokens included (the first token, [CLS] or <s>, is position 0).

All layers in one pass: the probes of all layers are one parameter tensor (layers, d, P);
a minibatch is (layers, b, d) and `torch.bmm` gives every layer's logits at once. The loss
is the sum over layers of each layer's mean cross-entropy, so layer l's gradient is exactly
its own probe's gradient, and Adam (elementwise) gives each layer the updates a separately
trained probe would get. Every layer starts from `posart.linear.default_init(seed)`.

Streaming: caches are read in blocks of `block_tokens` consecutive tokens, all layers at
once; a whole cache is never in memory. Shuffling, per epoch: a seeded permutation of the
block order (generator seed + 1); `buffer_blocks` blocks at a time fill a buffer whose
tokens are shuffled by a second seeded permutation (generator seed) and cut into
minibatches (a buffer's last minibatch may be smaller). A buffer thus mixes tokens from
`buffer_blocks` random places of the corpus. When the whole split fits in one buffer it is
read once, in file order, and each epoch draws one permutation of it exactly as
`posart.linear.train_linear` does: the probe then equals `train_linear(bias=False)` per
layer (up to float rounding of bmm vs matmul). Memory: one buffer of
buffer_blocks x block_tokens x layers x d values in the cache's dtype.

Tokens at positions >= max_position have no class: they are excluded, counted and logged.
Selection `dev`: after each epoch every layer's dev accuracy is measured and each layer keeps
the weights of its best epoch (the earliest on ties); `last` keeps the final epoch.

Contributions: c(i) = |w_i v_i|, w the weight column of the vector's gold position,
averaged over the test vectors of each layer ("all") and of each gold position.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, fields
from typing import Iterator, Sequence

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from posart.cache import ActivationCache
from posart.linear import default_init

log = logging.getLogger(__name__)

SELECTIONS = ("dev", "last")
ACCURACY_COLUMNS = ["model", "layer", "split", "accuracy"]
CONTRIBUTION_COLUMNS = ["model", "layer", "position", "dim", "contribution"]


@dataclass(frozen=True)
class ProbeSettings:
    max_position: int = 300
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    selection: str = "dev"
    special_tokens: bool = True
    block_tokens: int = 4096
    buffer_blocks: int = 8
    device: str = "cpu"

    @classmethod
    def from_config(cls, section: dict, device: str) -> "ProbeSettings":
        """The training settings of a config's `probe` section (other keys are not training's)."""
        names = [f.name for f in fields(cls) if f.name != "device"]
        return cls(**{name: section[name] for name in names}, device=device)

    def __post_init__(self) -> None:
        if self.selection not in SELECTIONS:
            raise ValueError(f"probe.selection must be one of {SELECTIONS}, not {self.selection!r}")
        for name in ("max_position", "epochs", "batch_size", "block_tokens", "buffer_blocks"):
            if getattr(self, name) < 1:
                raise ValueError(f"probe.{name} must be >= 1, got {getattr(self, name)}")


class Split:
    """A token cache as (vectors of all layers, gold position) pairs, streamed in blocks."""

    def __init__(self, cache: ActivationCache, name: str, settings: ProbeSettings):
        self.cache, self.name = cache, name
        position = cache.field("position").astype(np.int64)
        self.keep = position < settings.max_position
        if not settings.special_tokens:
            self.keep &= ~cache.field("special").astype(bool)
        self.position = position
        n_far = int((position >= settings.max_position).sum())
        if n_far:
            log.info(
                "probe %s: %d of %d tokens sit at positions >= max_position %d and are excluded",
                name,
                n_far,
                len(position),
                settings.max_position,
            )
        self.n = int(self.keep.sum())
        if not self.n:
            raise ValueError(f"probe split {name!r} ({cache.path}) has no token to probe")
        self.blocks = [
            (lo, min(lo + settings.block_tokens, len(position)))
            for lo in range(0, len(position), settings.block_tokens)
        ]

    def read(self, block_ids: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(layers, m, d) vectors in the cache dtype and (m,) gold positions of the kept tokens.

        Filled block by block into one array: collecting the blocks and concatenating them
        held the buffer twice.
        """
        spans = [self.blocks[int(block)] for block in block_ids]
        gold = np.concatenate([self.position[lo:hi][self.keep[lo:hi]] for lo, hi in spans])
        vectors = np.empty((self.cache.n_layers, len(gold), self.cache.dim), dtype=self.cache.file["hidden"].dtype)
        filled = 0
        for lo, hi in spans:
            block = self.cache.token_range(lo, hi)[:, self.keep[lo:hi]]
            vectors[:, filled : filled + block.shape[1]] = block
            filled += block.shape[1]
        return torch.from_numpy(vectors), torch.from_numpy(gold)

    def stream(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Blocks in file order."""
        for block in range(len(self.blocks)):
            yield self.read([block])


@dataclass
class ProbeResult:
    weights: torch.Tensor  # (layers, d, P) float32 on the CPU: column p scores position p
    selected_epoch: np.ndarray  # (layers,) epoch (from 1) whose weights were kept
    train_loss: list[np.ndarray] = field(default_factory=list)  # per epoch, (layers,)
    dev_accuracy: list[np.ndarray] = field(default_factory=list)  # per epoch, (layers,), when selecting on dev


def _check_same_shape(splits: Sequence[Split]) -> None:
    first = splits[0].cache
    for split in splits[1:]:
        if (split.cache.n_layers, split.cache.dim) != (first.n_layers, first.dim):
            raise ValueError(
                f"probe: {split.cache.path} has {split.cache.n_layers} layers of width "
                f"{split.cache.dim}, {first.path} {first.n_layers} of width {first.dim}; "
                f"the splits must come from the same model"
            )


def train(train_split: Split, dev_split: Split | None, settings: ProbeSettings) -> ProbeResult:
    """Train every layer's probe in one streamed pass per epoch (see the module docstring)."""
    if settings.selection == "dev" and dev_split is None:
        raise ValueError("probe.selection 'dev' needs a dev split")
    _check_same_shape([s for s in (train_split, dev_split) if s is not None])
    layers, dim, positions = train_split.cache.n_layers, train_split.cache.dim, settings.max_position
    device = torch.device(settings.device)
    initial, _ = default_init(dim, positions, settings.seed, bias=False)  # (P, d)
    weights = initial.T.contiguous().expand(layers, dim, positions).clone().to(device).requires_grad_()
    optimiser = torch.optim.Adam([weights], lr=settings.lr)
    block_order = torch.Generator().manual_seed(settings.seed + 1)
    token_order = torch.Generator().manual_seed(settings.seed)
    n_blocks = len(train_split.blocks)
    resident = train_split.read(range(n_blocks)) if n_blocks <= settings.buffer_blocks else None
    best = weights.detach().clone()
    best_accuracy = np.full(layers, -1.0)
    result = ProbeResult(weights=best, selected_epoch=np.full(layers, settings.epochs))
    log.info(
        "probe: %d layers x (%d x %d), %d training tokens in %d blocks, device %s",
        layers,
        dim,
        positions,
        train_split.n,
        n_blocks,
        device,
    )
    for epoch in range(1, settings.epochs + 1):
        started = time.time()
        if resident is not None:
            buffers = iter([resident])
        else:
            order = torch.randperm(n_blocks, generator=block_order)
            buffers = (
                train_split.read(order[i : i + settings.buffer_blocks].tolist())
                for i in range(0, n_blocks, settings.buffer_blocks)
            )
        loss_sum = torch.zeros(layers, dtype=torch.float64, device=device)
        for vectors, gold in buffers:
            vectors, gold = vectors.to(device), gold.to(device)
            shuffled = torch.randperm(len(gold), generator=token_order).to(device)
            for start in range(0, len(gold), settings.batch_size):
                batch = shuffled[start : start + settings.batch_size]
                logits = torch.bmm(vectors[:, batch].float(), weights)  # (layers, b, P)
                per_layer = (
                    F.cross_entropy(logits.reshape(-1, positions), gold[batch].repeat(layers), reduction="none")
                    .view(layers, -1)
                    .mean(dim=1)
                )
                optimiser.zero_grad()
                per_layer.sum().backward()
                optimiser.step()
                loss_sum += per_layer.detach().double() * len(batch)
            del vectors, gold  # before the next buffer is read: one buffer in memory, not two
        result.train_loss.append((loss_sum / train_split.n).cpu().numpy())
        message = (
            f"probe epoch {epoch}/{settings.epochs} ({time.time() - started:.1f}s): mean loss per layer "
            + " ".join(f"{v:.3f}" for v in result.train_loss[-1])
        )
        if settings.selection == "dev":
            accuracy_now = accuracy(dev_split, weights.detach(), settings)
            result.dev_accuracy.append(accuracy_now)
            better = accuracy_now > best_accuracy
            mask = torch.from_numpy(better).to(device)
            best[mask] = weights.detach()[mask]
            result.selected_epoch[better] = epoch
            best_accuracy = np.maximum(best_accuracy, accuracy_now)
            message += "; dev accuracy " + " ".join(f"{v:.1f}" for v in accuracy_now)
        log.info(message)
    result.weights = (best if settings.selection == "dev" else weights.detach()).cpu().contiguous()
    return result


@torch.inference_mode()
def accuracy(split: Split, weights: torch.Tensor, settings: ProbeSettings) -> np.ndarray:
    """(layers,) accuracy x 100 of the probes `weights` (layers, d, P) on a split, streamed."""
    weights = weights.to(settings.device).float()
    correct = torch.zeros(weights.shape[0], dtype=torch.int64, device=weights.device)
    for vectors, gold in split.stream():
        vectors, gold = vectors.to(weights.device).float(), gold.to(weights.device)
        correct += (torch.bmm(vectors, weights).argmax(dim=2) == gold).sum(dim=1)
    return 100.0 * correct.cpu().numpy() / split.n


@torch.inference_mode()
def contributions(split: Split, weights: torch.Tensor, settings: ProbeSettings) -> tuple[np.ndarray, np.ndarray]:
    """Sums of c(i) = |w_i v_i| per (layer, gold position, dim), float64, and the vectors per position."""
    weights = weights.to(settings.device).float()
    layers, dim, positions = weights.shape
    sums = torch.zeros(layers, positions, dim, dtype=torch.float64, device=weights.device)
    counts = torch.zeros(positions, dtype=torch.int64, device=weights.device)
    for vectors, gold in split.stream():
        vectors, gold = vectors.to(weights.device).float(), gold.to(weights.device)
        counts += torch.bincount(gold, minlength=positions)
        for layer in range(layers):  # one layer at a time bounds memory to (block, d)
            gold_columns = weights[layer][:, gold].T  # (m, d)
            sums[layer].index_add_(0, gold, (vectors[layer] * gold_columns).abs().double())
    return sums.cpu().numpy(), counts.cpu().numpy()


def accuracy_table(model: str, accuracies: dict[str, np.ndarray]) -> pd.DataFrame:
    """The probe/accuracy.csv frame from {split: (layers,) accuracy x 100}."""
    frames = [
        pd.DataFrame({"model": model, "layer": np.arange(len(values)), "split": split, "accuracy": values})
        for split, values in accuracies.items()
    ]
    return pd.concat(frames, ignore_index=True)[ACCURACY_COLUMNS]


def contribution_table(model: str, sums: np.ndarray, counts: np.ndarray, min_count: int) -> pd.DataFrame:
    """The probe/contributions.csv frame: mean c(i) per layer and dim, for "all" and per position.

    Per-position rows are written only for positions with at least `min_count` test
    vectors: a mean over a handful of vectors is noise, and a position with none has no
    mean. This also bounds the file: layers x (1 + observed positions) x d rows instead of
    layers x 301 x d (about 3M rows for a 12-layer, 768-wide model).
    """
    layers, positions, dim = sums.shape
    if not counts.sum():
        raise ValueError("no test vectors to average contributions over")
    kept = np.flatnonzero(counts >= min_count)
    means = [sums.sum(axis=1) / counts.sum()] + [sums[:, p] / counts[p] for p in kept]
    labels = ["all"] + [str(p) for p in kept]
    stacked = np.stack(means, axis=1)  # (layers, 1 + kept, d)
    return pd.DataFrame(
        {
            "model": model,
            "layer": np.repeat(np.arange(layers), len(labels) * dim),
            "position": np.tile(np.repeat(labels, dim), layers),
            "dim": np.tile(np.arange(dim), layers * len(labels)),
            "contribution": stacked.ravel(),
        }
    )[CONTRIBUTION_COLUMNS]


def metadata(model: str, result: ProbeResult, settings: ProbeSettings) -> dict[str, str]:
    """What a weights file records beside the tensors (safetensors metadata is str -> str)."""
    return {
        "model": model,
        "max_position": str(settings.max_position),
        "seed": str(settings.seed),
        "selection": settings.selection,
        "selected_epoch": " ".join(str(int(e)) for e in result.selected_epoch),
        "layout": "weight (max_position, d): logits = vector @ weight.T; nn.Linear(d, max_position, bias=False)",
    }


def run(
    model: str, caches: dict[str, ActivationCache], settings: ProbeSettings, min_count: int = 10
) -> tuple[ProbeResult, pd.DataFrame, pd.DataFrame]:
    """Train on caches["train"], select on "dev", test on "test": the result and both contract frames."""
    missing = {"train", "dev", "test"} - set(caches)
    if missing:
        raise ValueError(f"probe needs train, dev and test caches; missing {sorted(missing)}")
    splits = {name: Split(cache, name, settings) for name, cache in caches.items()}
    _check_same_shape(list(splits.values()))
    result = train(splits["train"], splits["dev"], settings)
    accuracies = {name: accuracy(split, result.weights, settings) for name, split in splits.items()}
    for name, values in accuracies.items():
        log.info("probe %s accuracy per layer: %s", name, " ".join(f"{v:.1f}" for v in values))
    sums, counts = contributions(splits["test"], result.weights, settings)
    return result, accuracy_table(model, accuracies), contribution_table(model, sums, counts, min_count)
