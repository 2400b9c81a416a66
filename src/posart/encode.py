"""Run a model over sentences and write its hidden states of every layer to an activation cache.

Speed: sentences are processed in windows (consecutive runs of sentences whose vectors fit
a memory budget); inside a window they are sorted by length and batched under a token
budget, so padding is small. The window's vectors are written back in input order with
one contiguous write per layer, which suits the layer-major chunked HDF5 layout.

Sharding: every shard tokenises the whole dataset (cheap) and plans the same windows, then
encodes its own contiguous group of windows. Batches are therefore identical whatever the
number of shards, and a sharded cache holds exactly the numbers of an unsharded one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import IO, Sequence

import h5py
import numpy as np
import torch
from tqdm import tqdm

from posart.atomic import atomic_path
from posart.cache import POOLED, STRING, chunk_rows, segment_means
from posart.models import LoadedModel
from posart.tokenize import Tokenised, tokenise

log = logging.getLogger(__name__)
FLOAT16_MAX = float(np.finfo(np.float16).max)


def plan_windows(lengths: Sequence[int], budget_tokens: int, max_sentences: int) -> list[range]:
    """Consecutive sentence ranges of at most `budget_tokens` tokens and `max_sentences` sentences."""
    windows, start, total = [], 0, 0
    for i, n in enumerate(lengths):
        if total and (total + n > budget_tokens or i - start == max_sentences):
            windows.append(range(start, i))
            start, total = i, 0
        total += n
    if start < len(lengths):
        windows.append(range(start, len(lengths)))
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


@torch.inference_mode()
def forward(loaded: LoadedModel, items: list[Tokenised], device: str) -> list[np.ndarray]:
    """Hidden states (layers, n_i, d) float32 for each sentence of one batch."""
    longest = max(len(item.input_ids) for item in items)
    pad = loaded.tokenizer.pad_token_id if loaded.tokenizer.pad_token_id is not None else 0
    ids = torch.full((len(items), longest), pad, dtype=torch.long)
    mask = torch.zeros((len(items), longest), dtype=torch.long)
    for row, item in enumerate(items):
        ids[row, :len(item.input_ids)] = torch.from_numpy(item.input_ids.astype(np.int64))
        mask[row, :len(item.input_ids)] = 1
    out = loaded.model(input_ids=ids.to(device), attention_mask=mask.to(device), output_hidden_states=True)
    stacked = torch.stack(out.hidden_states).float().cpu().numpy()  # (layers, batch, longest, d)
    return [stacked[:, row, :len(item.input_ids)] for row, item in enumerate(items)]


def encode(loaded: LoadedModel, texts: Sequence[str], out_path: str | Path, *,
           granularity: str = "tokens", dtype: str = "float16", max_length: int | None = None,
           batch_tokens: int = 8192, max_batch: int = 256, buffer_mb: int = 256, window_sentences: int = 1024,
           compression: str | None = None, shard: int = 0, n_shards: int = 1,
           device: str = "cpu", attrs: dict | None = None, progress: IO | None = None) -> dict:
    """Encode `texts` (or this shard's part of them) into an activation cache at `out_path`.

    Returns a summary (counts, float16 error) that is also stored as file attributes.
    """
    limit = min(max_length or loaded.max_length, loaded.max_length)
    items, report = tokenise(loaded.tokenizer, list(texts), limit)
    if not items:
        raise ValueError(f"no non-empty sentence to encode for {out_path}")
    lengths = [len(item.input_ids) for item in items]
    layers, dim = loaded.n_layers, loaded.dim
    windows = plan_windows(lengths, max(1, (buffer_mb << 20) // (layers * dim * 4)), window_sentences)
    if n_shards > len(windows):
        raise ValueError(f"{out_path}: {n_shards} shards but only {len(windows)} encoding windows of at "
                         f"most {window_sentences} sentences; use fewer shards or a smaller "
                         f"encode.window_sentences")
    mine = [windows[w] for w in shard_windows(len(windows), shard, n_shards)]
    first = mine[0].start if mine else 0
    last = mine[-1].stop if mine else 0
    items, lengths = items[first:last], lengths[first:last]
    n_batches = sum(len(plan_batches([lengths[i - first] for i in w], batch_tokens, max_batch)) for w in mine)
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    store = np.dtype(dtype)
    max_abs = np.zeros(layers)
    rounding = np.zeros(layers)

    with atomic_path(out_path) as tmp, h5py.File(tmp, "w", rdcc_nbytes=64 << 20) as h5:
        vectors = _create_vectors(h5, granularity, layers, int(offsets[-1]), len(items), dim, store, compression)
        _write_fields(h5, items, offsets, granularity)
        bar = tqdm(total=n_batches, file=progress, mininterval=10, desc=f"encode {Path(out_path).name}",
                   disable=progress is None)
        for window in mine:
            lo = window.start - first
            local = [lengths[i - first] for i in window]
            block = np.empty((layers, sum(local), dim), np.float32)
            starts = np.concatenate([[0], np.cumsum(local)])
            for batch in plan_batches(local, batch_tokens, max_batch):
                for j, states in zip(batch, forward(loaded, [items[lo + j] for j in batch], device)):
                    block[:, starts[j]:starts[j + 1]] = states
                bar.update()
            max_abs = np.maximum(max_abs, np.abs(block).max(axis=(1, 2)))
            if store == np.float16:
                if (max_abs > FLOAT16_MAX).any():
                    raise OverflowError(f"{out_path}: hidden states reach {max_abs.max():.4g}, beyond "
                                        f"float16; set encode.dtype: float32")
                err = np.abs(block.astype(np.float16).astype(np.float32) - block).max(axis=(1, 2))
                rounding = np.maximum(rounding, err)
            _write_window(vectors, granularity, block, starts, items[lo:lo + len(window)],
                          int(offsets[lo]), lo)
        bar.close()
        summary = {"n_input": report.n_input, "n_empty": report.n_empty, "n_truncated": report.n_truncated,
                   "n_sentences": len(items), "n_tokens": int(offsets[-1]), "max_length": limit,
                   "max_abs_value": float(max_abs.max()), "float16_max_abs_error": float(rounding.max())}
        for key, value in {**(attrs or {}), **summary, "granularity": granularity, "dtype": dtype,
                           "shard": f"{shard}/{n_shards}", "model": loaded.name,
                           "model_location": loaded.location, "model_revision": loaded.revision,
                           "weight_hash": loaded.weight_hash,
                           "tokenizer": type(loaded.tokenizer).__name__}.items():
            h5.attrs[key] = value
        h5.attrs["max_abs_per_layer"] = max_abs
        h5.attrs["complete"] = True
    log.info("encoded %s: %s", out_path, summary)
    return summary


def _create_vectors(h5: h5py.File, granularity: str, layers: int, n_tokens: int, n_sentences: int,
                    dim: int, store: np.dtype, compression: str | None) -> list[h5py.Dataset]:
    if granularity == "tokens":
        rows = min(max(n_tokens, 1), chunk_rows(dim, store.itemsize))
        return [h5.create_dataset("hidden", (layers, n_tokens, dim), dtype=store,
                                  chunks=(1, rows, dim), compression=compression)]
    if granularity != "sentences":
        raise ValueError(f"granularity must be 'tokens' or 'sentences', not {granularity!r}")
    # Pooled vectors stay float32: they are few, and means lose precision in float16.
    return [h5.create_dataset(name, (layers, n_sentences, dim), dtype=np.float32,
                              chunks=(1, min(n_sentences, 1024), dim), compression=compression)
            for name in POOLED]


def _write_fields(h5: h5py.File, items: list[Tokenised], offsets: np.ndarray, granularity: str) -> None:
    h5.create_dataset("text", data=[item.text for item in items], dtype=STRING)
    h5.create_dataset("source_index", data=np.array([item.source_index for item in items], np.int64))
    h5.create_dataset("truncated", data=np.array([item.truncated for item in items], bool))
    h5.create_dataset("n_tokens", data=np.diff(offsets).astype(np.int32))
    if granularity != "tokens":
        return
    h5.create_dataset("offsets", data=offsets)
    h5.create_dataset("input_ids", data=np.concatenate([item.input_ids for item in items]))
    h5.create_dataset("position", data=np.concatenate(
        [np.arange(len(item.input_ids), dtype=np.int32) for item in items]))
    h5.create_dataset("word_index", data=np.concatenate([item.word_index for item in items]))
    h5.create_dataset("special", data=np.concatenate([item.special for item in items]))


def _write_window(vectors: list[h5py.Dataset], granularity: str, block: np.ndarray, starts: np.ndarray,
                  items: list[Tokenised], token_start: int, sentence_start: int) -> None:
    if granularity == "tokens":
        vectors[0][:, token_start:token_start + block.shape[1]] = block.astype(vectors[0].dtype)
        return
    keep_all = np.ones(block.shape[1], bool)
    keep_words = ~np.concatenate([item.special for item in items])
    for dataset, keep in zip(vectors, (keep_all, keep_words)):
        pooled = np.stack([segment_means(block[layer], starts, keep) for layer in range(block.shape[0])])
        dataset[:, sentence_start:sentence_start + len(items)] = pooled
