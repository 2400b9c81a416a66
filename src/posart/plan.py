"""Which sentences run together: encoding windows, length-bucketed batches, shards.

Batches are planned from the settings and the sentence lengths alone, never from the shard
count, threads or timing, because a sentence's vectors depend slightly on the batch it ran
in (padding changes the kernels' blocking): the same settings give the same numbers.

- A window is a consecutive run of sentences whose stored vectors fit half of `buffer_mb`
  (`posart.encode` fills one window while writing the previous one); within a window,
  sentences are sorted by length, so larger windows pad less.
- Shards are contiguous groups of whole windows, so a sharded cache holds exactly the
  numbers of an unsharded one; with more shards than windows, some shards are empty.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
import torch

from posart.cache import POOLED

# Most sentences per batch, per device type. On 2 CPU cores, batches of 64 SST-2 sentences
# ran 20% faster than batches of 256 (less padding, better cache use; benchmarks/README.md);
# a GPU wants large batches to be busy.
MAX_BATCH = MappingProxyType({"cpu": 64, "cuda": 256, "mps": 256, "xpu": 256})
POOLED_DTYPE = np.float32  # pooled vectors are few, and means lose precision in float16


def plan_windows(costs: Sequence[int], budget: int, max_sentences: int) -> list[range]:
    """Consecutive sentence ranges costing at most `budget` (or one sentence) and at most `max_sentences`."""
    windows, start, total = [], 0, 0
    for i, n in enumerate(costs):
        if total and (total + n > budget or i - start == max_sentences):
            windows.append(range(start, i))
            start, total = i, 0
        total += n
    if start < len(costs):
        windows.append(range(start, len(costs)))
    return windows


def plan_batches(lengths: Sequence[int], batch_tokens: int, max_batch: int) -> list[list[int]]:
    """Length-bucketed batches: longest first, each padded size (n × longest) ≤ batch_tokens."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches, current = [], []
    for i in order:
        longest = lengths[current[0]] if current else lengths[i]
        if current and ((len(current) + 1) * longest > batch_tokens or len(current) == max_batch):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def shard_windows(n_windows: int, shard: int, n_shards: int) -> range:
    """The contiguous group of windows that shard `shard` (0-based) of `n_shards` encodes."""
    bounds = np.linspace(0, n_windows, n_shards + 1).round().astype(int)
    return range(int(bounds[shard]), int(bounds[shard + 1]))


def window_layout(
    granularity: str, layers: int, n_tokens: int, n_sentences: int, dim: int, dtype: str | np.dtype
) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of a window's stored vectors: a token cache stores every token (layers ×
    dim values of `dtype`), a sentence cache two pooled float32 vectors per sentence."""
    if granularity == "tokens":
        return (layers, n_tokens, dim), np.dtype(dtype)
    if granularity == "sentences":
        return (len(POOLED), layers, n_sentences, dim), np.dtype(POOLED_DTYPE)
    raise ValueError(f"granularity must be 'tokens' or 'sentences', not {granularity!r}")


def window_plan(
    lengths: np.ndarray, granularity: str, dtype: str, layers: int, dim: int, buffer_mb: int, window_sentences: int
) -> list[range]:
    """The windows of a dataset: two windows' stored vectors (one filled, one written) fit `buffer_mb`."""
    shape, stored = window_layout(granularity, layers, 1, 1, dim, dtype)
    unit = int(np.prod(shape)) * stored.itemsize  # bytes per token (token cache) or per sentence
    costs = lengths if granularity == "tokens" else np.ones_like(lengths)
    return plan_windows(costs, max(1, (buffer_mb << 20) // (2 * unit)), window_sentences)


def for_device(value: int | Mapping[str, int], device: str, name: str) -> int:
    """A setting given once, or per device type (e.g. `{cpu: 8192, cuda: 65536}`) as memory differs."""
    if not isinstance(value, Mapping):
        return int(value)
    kind = torch.device(device).type
    if kind not in value:
        raise ValueError(f"encode.{name} gives no value for device type {kind!r} (only for {sorted(value)})")
    return int(value[kind])
