"""Post-processing methods, each an affine map y = (x - shift) @ matrix fitted from moments.

Activation caches do not fit in RAM, so every method is fitted from a layer's streamed
moments (mean (d,) and population covariance (d, d), float64; see `posart.stats`), never
from raw vectors. Because the map is affine, it commutes with averaging:
mean_i(f(x_i)) = f(mean_i(x_i)). The workflow relies on this to apply a map fitted on token
vectors to mean-pooled sentence vectors (STS, supervised tasks): pooling the transformed
tokens and transforming the pooled vector give the same sentence embedding. The other way
round, a map fitted on sentence vectors (Su et al. fit whitening on sentences) applied to
token vectors (WiC's target words, geometry) is posart's extension: the map is defined for
any vector, but it was not fitted on, nor designed for, token vectors.

Methods (the config's `postprocess.<name>.method`):
- clip: zero the outlier dims (Luo et al. 2021, §4).
- standardize: per-dim z-score.
- whiten: BERT-whitening (Su et al. 2021).
- abtt: all-but-the-top (Mu & Viswanath 2018).
"""

from __future__ import annotations

import logging

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

# Relative size below which a variance counts as zero. Moments come from running sums
# (E[x^2] - E[x]^2), so a constant dim leaves rounding noise of ~1e-16 x its second moment;
# rescaling by 1/sqrt(noise) would blow it up instead of failing.
log = logging.getLogger(__name__)
TOLERANCE = 1e-10


@dataclass(frozen=True)
class Affine:
    """y = (x - shift) @ matrix, mapping (..., d) to (..., k)."""

    shift: np.ndarray
    matrix: np.ndarray

    def __post_init__(self) -> None:
        shift = np.asarray(self.shift, np.float64)
        matrix = np.asarray(self.matrix, np.float64)
        if matrix.ndim != 2 or shift.shape != (matrix.shape[0],):
            raise ValueError(f"Affine needs shift (d,) and matrix (d, k); got {shift.shape} and {matrix.shape}")
        object.__setattr__(self, "shift", shift)
        object.__setattr__(self, "matrix", matrix)

    @property
    def d(self) -> int:
        return self.matrix.shape[0]

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Transform (..., d) vectors; float64 arithmetic, float32 result."""
        x = np.asarray(x)
        if x.shape[-1] != self.d:
            raise ValueError(f"vectors have {x.shape[-1]} dims, the map expects {self.d}")
        return ((x.astype(np.float64) - self.shift) @ self.matrix).astype(np.float32)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"shift": self.shift, "matrix": self.matrix}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> "Affine":
        return cls(shift=np.asarray(arrays["shift"]), matrix=np.asarray(arrays["matrix"]))


def _check_moments(mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, cov = np.asarray(mean, np.float64), np.asarray(cov, np.float64)
    if mean.ndim != 1 or cov.shape != (len(mean), len(mean)):
        raise ValueError(f"need mean (d,) and cov (d, d); got {mean.shape} and {cov.shape}")
    return mean, cov


def _principal_axes(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors (columns) of a covariance matrix.

    Equals the SVD U, s of Su et al.'s `np.linalg.svd(cov)` for a symmetric PSD matrix;
    `eigh` exploits the symmetry. Tiny negative eigenvalues from rounding are set to 0.
    """
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    return np.clip(values[order], 0.0, None), vectors[:, order]


def fit_clip(dims: Sequence[int], d: int) -> Affine:
    """Zero the given 0-based dims, keep the rest (Luo et al. 2021, §4: "clipping")."""
    dims = sorted({int(i) for i in dims})
    bad = [i for i in dims if not 0 <= i < d]
    if bad:
        raise ValueError(f"clip dims {bad} are outside 0..{d - 1}")
    keep = np.ones(d)
    keep[dims] = 0.0
    return Affine(shift=np.zeros(d), matrix=np.diag(keep))


def fit_standardize(mean: np.ndarray, cov: np.ndarray) -> Affine:
    """Per-dim z-score: (x - mean) / std.

    A dim with zero variance has no z-score; it is mapped to 0 (it carries no information)
    and named in a warning. Real models have such dead dims: all-MiniLM-L6-v2's last
    LayerNorm has gain and bias ~1e-33 in dims 127 and 223.
    """
    mean, cov = _check_moments(mean, cov)
    var = np.diag(cov)
    constant = var <= TOLERANCE * (var + mean**2)
    if constant.any():
        log.warning("standardize: dims %s have zero variance; mapped to 0", np.flatnonzero(constant).tolist())
    scale = np.where(constant, 0.0, 1.0 / np.sqrt(np.where(constant, 1.0, var)))
    return Affine(shift=mean, matrix=np.diag(scale))


def fit_whitening(mean: np.ndarray, cov: np.ndarray, n_components: int | None = None) -> Affine:
    """BERT-whitening (Su et al. 2021): y = (x - mean) @ W[:, :k], W = U diag(1/sqrt(s)).

    With cov = U diag(s) U^T the result has identity covariance. Su et al.'s `demo.py`
    writes the kernel as inv(diag(sqrt(s)) @ U^T), which is the same W; the known bug is
    using that matrix without the inverse (U diag(sqrt(s))), which squares the anisotropy
    instead of removing it. Keeping the first k columns keeps the top-k principal
    directions (their dimensionality reduction).
    """
    mean, cov = _check_moments(mean, cov)
    d = len(mean)
    values, vectors = _principal_axes(cov)
    rank = int(np.sum(values > TOLERANCE * values[0])) if values[0] > 0 else 0
    if n_components is None and rank < d:
        log.warning(
            "whiten: covariance has rank %d < %d; keeping the %d components of non-zero variance", rank, d, rank
        )
    k = rank if n_components is None else int(n_components)
    if not 1 <= k <= d:
        raise ValueError(f"n_components must be in 1..{d}, not {n_components}")
    if k > rank:
        raise ValueError(
            f"cannot whiten {k} components: the covariance has rank {rank} "
            f"(fit on more vectors, or set n_components <= {rank})"
        )
    return Affine(shift=mean, matrix=vectors[:, :k] / np.sqrt(values[:k]))


def fit_abtt(mean: np.ndarray, cov: np.ndarray, n_remove: int) -> Affine:
    """All-but-the-top (Mu & Viswanath 2018): centre, then project out the top-D PCs.

    y = (x - mean) @ (I - U_D U_D^T), U_D the top-D eigenvectors of the covariance, i.e. of
    the *centred* data. A known peer bug takes them from the uncentred second moment
    (cov + mean mean^T), whose top direction is then the mean, not a direction of variance.
    """
    mean, cov = _check_moments(mean, cov)
    d = len(mean)
    if not 0 <= n_remove < d:
        raise ValueError(f"n_remove must be in 0..{d - 1}, not {n_remove}")
    top = _principal_axes(cov)[1][:, :n_remove]
    return Affine(shift=mean, matrix=np.eye(d) - top @ top.T)


METHODS: dict[str, Callable[..., Affine]] = {
    "clip": fit_clip,
    "standardize": fit_standardize,
    "whiten": fit_whitening,
    "abtt": fit_abtt,
}
