"""One batch through the model and back: assemble it, run it, reduce it on the device, copy it out.

No per-sentence Python work: a batch is assembled by numpy indexing into flat token arrays,
and its real tokens are gathered by one index per layer. What the cache does not keep never
leaves the device: the float16 conversion, the overflow and rounding maxima and, for
sentence caches, the pooling run next to the model, in buffers reused by every batch, and
only the stored vectors are copied to the host. On CUDA that copy goes into pinned staging
buffers without blocking, so the device computes batch k+1 while the host files batch k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from posart.cache import POOLED
from posart.models import LoadedModel
from posart.tokenize import Tokenised


@dataclass
class Batch:
    """One padded batch and where its real tokens come from and go to."""

    input_ids: torch.Tensor  # (rows, longest) int64, right-padded
    attention_mask: torch.Tensor  # (rows, longest) int64
    flat: torch.Tensor  # (tokens,) position of each real token in the flattened batch
    keep: torch.Tensor  # (rows, 2, longest) float64 pooling weights: all tokens, non-special ones
    sentences: np.ndarray  # (rows,) sentence of each row, within the window
    tokens: np.ndarray  # (tokens,) token index within the window, in gathered order


def make_batch(window: Tokenised, rows: Sequence[int], pad_id: int) -> Batch:
    """Pad sentences `rows` of `window` into one batch, with whole-array indexing only."""
    rows = np.asarray(rows, dtype=np.int64)
    lengths = window.lengths[rows]
    longest = int(lengths.max())
    row = np.repeat(np.arange(len(rows)), lengths)
    column = np.arange(len(row)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    tokens = np.repeat(window.offsets[rows], lengths) + column
    ids = np.full((len(rows), longest), pad_id, dtype=np.int64)
    ids[row, column] = window.input_ids[tokens]
    mask = np.zeros((len(rows), longest), dtype=np.int64)
    mask[row, column] = 1
    keep = np.zeros((len(rows), 2, longest), dtype=np.float64)
    keep[row, 0, column] = 1.0
    keep[row, 1, column] = ~window.special[tokens]
    return Batch(
        torch.from_numpy(ids),
        torch.from_numpy(mask),
        torch.from_numpy(row * longest + column),
        torch.from_numpy(keep),
        rows,
        tokens,
    )


@torch.inference_mode()
def hidden_states(loaded: LoadedModel, batch: Batch, device: str) -> tuple[torch.Tensor, ...]:
    """The model's hidden states of every layer, each (rows, longest, dim) on `device`."""
    out = loaded.model(
        input_ids=batch.input_ids.to(device, non_blocking=True),
        attention_mask=batch.attention_mask.to(device, non_blocking=True),
        output_hidden_states=True,
    )
    return out.hidden_states


class Workspace:
    """Tensors reused by every batch, grown to the largest: no allocation (and page faults) per batch."""

    def __init__(self, device: torch.device):
        self.device = device
        self.buffers: dict[str, torch.Tensor] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        size = int(np.prod(shape))
        buffer = self.buffers.get(name)
        if buffer is None or buffer.numel() < size or buffer.dtype != dtype:
            buffer = self.buffers[name] = torch.empty(size, dtype=dtype, device=self.device)
        return buffer[:size].view(shape)


def pool(states: torch.Tensor, keep: torch.Tensor, counts: torch.Tensor, wide: torch.Tensor, out: torch.Tensor) -> None:
    """`out` (2, rows, dim) := means of one layer's padded states over all tokens and over non-special ones.

    Summed in float64 like `cache.segment_means`, which gives the same float32 means here.
    """
    sums = torch.bmm(keep, wide.copy_(states))  # (rows, 2, dim)
    out.copy_(sums.div_(counts).transpose(0, 1))


@dataclass
class Reduced:
    """What one batch leaves behind: stored vectors and per-layer maxima (on the device until copied)."""

    vectors: torch.Tensor  # tokens: (layers, tokens, dim) in the stored dtype; sentences: (2, layers, rows, dim)
    peak: torch.Tensor  # (layers,) largest |hidden state|
    error: torch.Tensor  # (layers,) largest float16 rounding error of the stored vectors (0 if none)


@torch.inference_mode()
def reduce(
    hidden: tuple[torch.Tensor, ...], batch: Batch, granularity: str, store: np.dtype, work: Workspace
) -> Reduced:
    """Turn a batch's hidden states into what the cache stores, on their device, one layer at a time.

    Besides the stored vectors, this needs two float32 tokens × dim scratch layers (a third
    of what all layers would take). The returned tensors live in `work`: the next batch
    overwrites them.
    """
    device, layers, dim = hidden[0].device, len(hidden), hidden[0].shape[-1]
    flat = batch.flat.to(device, non_blocking=True)
    peak = work.get("peak", (layers,), torch.float32)
    error = work.get("error", (layers,), torch.float32).zero_()
    scratch = work.get("scratch", (len(flat), dim), torch.float32)
    if granularity == "sentences":
        keep = batch.keep.to(device, non_blocking=True)
        counts = keep.sum(dim=2, keepdim=True)  # never 0: `tokenise` drops sentences of special tokens only
        vectors = work.get("pooled", (len(POOLED), layers, len(keep), dim), torch.float32)
        wide = work.get("wide", hidden[0].shape, torch.float64)
    else:
        vectors = work.get("stored", (layers, len(flat), dim), torch.float16 if store == np.float16 else torch.float32)
    for layer, states in enumerate(hidden):
        tokens = vectors[layer] if vectors.dtype == torch.float32 and granularity == "tokens" else scratch
        torch.index_select(states.reshape(-1, dim), 0, flat, out=tokens)
        torch.maximum(tokens.amax(), tokens.amin().neg(), out=peak[layer])  # amax, amin: aminmax was 8x slower
        if granularity == "sentences":
            pool(states, keep, counts, wide, vectors[:, layer])
        elif vectors.dtype == torch.float16:
            vectors[layer].copy_(tokens)
            difference = work.get("difference", tokens.shape, torch.float32).copy_(vectors[layer]).sub_(tokens)
            torch.maximum(difference.amax(), difference.amin().neg(), out=error[layer])
    return Reduced(vectors, peak, error)


class Staging:
    """Device -> host copies: on CUDA into two pinned buffers in turn, without blocking the device.

    While the host files batch k from one buffer, the device computes batch k+1 and copies
    it into the other (`depth` 2). On the CPU the reduced tensors are already host memory
    (in the reused workspace), so each batch is filed before the next one runs (`depth` 1).
    `rotate` forces the two-buffer rotation without CUDA, for tests.
    """

    def __init__(self, device: str, shape: tuple[int, ...], dtype: torch.dtype, rotate: bool | None = None):
        self.cuda = torch.device(device).type == "cuda"
        self.rotate = self.cuda if rotate is None else rotate
        self.buffers = [torch.empty(shape, dtype=dtype, pin_memory=self.cuda) for _ in range(2)] if self.rotate else []
        self.depth = 2 if self.rotate else 1
        self.turn = 0

    def copy(self, reduced: Reduced) -> tuple[Reduced, object]:
        """Start copying `reduced` to the host; returns the host tensors and, on CUDA, an event to wait for."""
        if not self.rotate:
            return Reduced(reduced.vectors.cpu(), reduced.peak, reduced.error), None
        vectors = reduced.vectors
        buffer = self.buffers[self.turn].view(-1)[: vectors.numel()].view(vectors.shape)
        self.turn = 1 - self.turn
        buffer.copy_(vectors, non_blocking=self.cuda)
        if not self.cuda:
            return Reduced(buffer, reduced.peak, reduced.error), None
        event = torch.cuda.Event()
        event.record()
        return Reduced(buffer, reduced.peak, reduced.error), event
