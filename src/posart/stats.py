"""Streaming per-layer statistics of an activation cache, in bounded memory.

One pass over each layer, block by block, accumulates: the token count, the sum (for the
mean vector, Figures 1-2), how often each dimension is the vector's minimum and maximum
(the paper's "96.60% of vectors have their minimum at dim 557"), and the second moment
(for post-processing fits: whitening, all-but-the-top, standardisation). The same is done
for mean-pooled sentence vectors, which sentence-level methods fit on. All sums are float64.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posart.atomic import atomic_path
from posart.cache import ActivationCache, Scratch, segment_means


@dataclass
class Moments:
    """Running count, sum and outer-product sum of vectors, plus arg-extreme counts."""

    dim: int
    n: int = 0
    total: np.ndarray = field(init=False)
    outer: np.ndarray = field(init=False)
    argmin: np.ndarray = field(init=False)
    argmax: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.total = np.zeros(self.dim)
        self.outer = np.zeros((self.dim, self.dim))
        self.argmin = np.zeros(self.dim, np.int64)
        self.argmax = np.zeros(self.dim, np.int64)

    def update(self, block: np.ndarray, scratch: Scratch | None = None) -> None:
        """Add a block of vectors; `scratch` lends the float64 copy (a streaming pass reuses one)."""
        if not len(block):
            return
        block64 = (scratch or Scratch()).copy_of(block)
        self.n += len(block)
        self.total += block64.sum(axis=0)
        self.outer += block64.T @ block64
        self.argmin += np.bincount(block.argmin(axis=1), minlength=self.dim)
        self.argmax += np.bincount(block.argmax(axis=1), minlength=self.dim)

    @property
    def mean(self) -> np.ndarray:
        return self.total / self.n

    @property
    def cov(self) -> np.ndarray:
        """Population covariance from the running sums."""
        mean = self.mean
        return self.outer / self.n - np.outer(mean, mean)


def moments_of(vectors: np.ndarray, block: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population covariance of (n, d) vectors, accumulated block by block in float64."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or not len(vectors):
        raise ValueError(f"need a non-empty (n, d) array of vectors, got shape {vectors.shape}")
    moments = Moments(vectors.shape[1])
    for start in range(0, len(vectors), block):
        moments.update(vectors[start : start + block])
    return moments.mean, moments.cov


def layer_moments(cache: ActivationCache, layer: int, special_tokens: bool) -> tuple[Moments, Moments]:
    """Token-level and sentence-level moments of one layer, one streaming pass."""
    tokens, sentences = Moments(cache.dim), Moments(cache.dim)
    special = cache.field("special") if not special_tokens else None
    # every block's kept rows and float64 copies go to these: the pass allocates no block-sized array
    wide, kept = Scratch(), Scratch(np.float32)
    for sentence_range, block, offsets in cache.sentence_chunks(layer):
        lo, hi = cache.offsets[sentence_range.start], cache.offsets[sentence_range.stop]
        keep = np.ones(len(block), bool) if special is None else ~special[lo:hi]
        tokens.update(block if special is None else kept.rows(block, keep), wide)
        sentences.update(segment_means(block, offsets, keep, wide))
    return tokens, sentences


def compute(cache: ActivationCache, special_tokens: bool = True, progress=None) -> dict[str, np.ndarray]:
    """All layers' statistics as arrays stacked over layers (layer 0 = embedding output)."""
    per_layer = []
    for layer in range(cache.n_layers):
        per_layer.append(layer_moments(cache, layer, special_tokens))
        if progress is not None:
            print(f"statistics: layer {layer + 1}/{cache.n_layers} done", file=progress, flush=True)
    out: dict[str, np.ndarray] = {}
    for prefix, index in (("token", 0), ("sentence", 1)):
        moments = [pair[index] for pair in per_layer]
        out[f"{prefix}_n"] = np.array([m.n for m in moments])
        out[f"{prefix}_mean"] = np.stack([m.mean for m in moments])
        out[f"{prefix}_cov"] = np.stack([m.cov for m in moments])
        out[f"{prefix}_argmin_share"] = np.stack([m.argmin / m.n for m in moments])
        out[f"{prefix}_argmax_share"] = np.stack([m.argmax / m.n for m in moments])
    return out


def save(path, arrays: dict[str, np.ndarray]) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


def load(path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {key: data[key] for key in data.files}
