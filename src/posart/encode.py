"""Run a model over sentences and write its hidden states of every layer to an activation cache.

Sentences are encoded window by window (`posart.plan`: consecutive sentences, sorted by
length inside the window and batched under a token budget). Each batch goes through
`posart.forward`, and its stored vectors are filed into the window's buffer at their
input positions; the finished window is written with one contiguous write per layer,
which suits the layer-major chunked HDF5 layout, by a writer thread while the model runs
the next window (two windows in memory at most: `buffer_mb` in all).
benchmarks/bench_encode.py measures all this against the bare forward pass.

Numbers: a cache holds exactly the numbers of the model's forward pass over the planned
batches, whatever the shard count, threads or writer (tests/test_encode.py checks it bit
for bit). Every shard tokenises the whole dataset (cheap) and plans the same windows, then
encodes its own contiguous group of them (none, with more shards than windows).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Mapping, Sequence

import h5py
import numpy as np
import torch
from tqdm import tqdm

from posart.atomic import atomic_path
from posart.cache import POOLED, STRING, chunk_rows
from posart.forward import Batch, Reduced, Staging, Workspace, hidden_states, make_batch, reduce
from posart.models import LoadedModel
from posart.plan import MAX_BATCH, POOLED_DTYPE, for_device, plan_batches, shard_windows, window_layout, window_plan
from posart.tokenize import Tokenised, tokenise

log = logging.getLogger(__name__)
FLOAT16_MAX = float(np.finfo(np.float16).max)


class Window:
    """The stored vectors of one window, filled batch by batch in sorted order, kept in input order.

    `memory` is flat and holds the largest window of the shard: `encode` allocates two and
    refills them in turn, so a job never holds more than two windows (`buffer_mb`), and
    refilling saves the page faults of fresh memory (about 0.1 s of CPU per 143 MB here).
    """

    def __init__(self, granularity: str, shape: tuple[int, ...], memory: np.ndarray):
        self.granularity = granularity
        self.memory = memory
        self.vectors = memory[: int(np.prod(shape))].reshape(shape)

    def file(self, batch: Batch, host: Reduced) -> None:
        if self.granularity == "tokens":
            self.vectors[:, batch.tokens] = host.vectors.numpy()
        else:
            self.vectors[:, :, batch.sentences] = host.vectors.numpy()


def run_window(
    loaded: LoadedModel,
    window: Tokenised,
    batches: list[list[int]],
    device: str,
    granularity: str,
    store: np.dtype,
    staging: Staging,
    work: Workspace,
    bar: tqdm,
    out: Window,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Encode one window into `out`; returns its per-layer peak and rounding error (on the device).

    On CUDA, batch k+1 is queued on the device before batch k is filed on the host.
    """
    pad = loaded.tokenizer.pad_token_id if loaded.tokenizer.pad_token_id is not None else 0
    peak = torch.zeros(loaded.n_layers, device=device)
    error = torch.zeros(loaded.n_layers, device=device)
    pending: list[tuple[Batch, Reduced, object]] = []
    for rows in batches:
        batch = make_batch(window, rows, pad)
        reduced = reduce(hidden_states(loaded, batch, device), batch, granularity, store, work)
        torch.maximum(peak, reduced.peak, out=peak)
        torch.maximum(error, reduced.error, out=error)
        pending.append((batch, *staging.copy(reduced)))
        if len(pending) == staging.depth:
            _file(out, *pending.pop(0), bar)
    for item in pending:
        _file(out, *item, bar)
    return peak, error


def _file(window: Window, batch: Batch, host: Reduced, event, bar: tqdm) -> None:
    if event is not None:
        event.synchronize()
    window.file(batch, host)
    bar.update()


def encode(
    loaded: LoadedModel,
    texts: Sequence[str],
    out_path: str | Path,
    *,
    granularity: str = "tokens",
    dtype: str = "float16",
    max_length: int | None = None,
    batch_tokens: int | Mapping[str, int] = 8192,
    max_batch: int | Mapping[str, int] = MAX_BATCH,
    buffer_mb: int = 1024,
    window_sentences: int = 8192,
    compression: str | None = None,
    shard: int = 0,
    n_shards: int = 1,
    device: str = "cpu",
    writer_thread: bool = True,
    attrs: dict | None = None,
    progress: IO | None = None,
) -> dict:
    """Encode `texts` (or this shard's part of them) into an activation cache at `out_path`.

    Returns a summary (counts, float16 error) that is also stored as file attributes.
    `batch_tokens` and `max_batch` may be given per device type.
    """
    batch_tokens = for_device(batch_tokens, device, "batch_tokens")
    max_batch = for_device(max_batch, device, "max_batch")
    limit = min(max_length or loaded.max_length, loaded.max_length)
    tokens, report = tokenise(loaded.tokenizer, list(texts), limit)
    if not len(tokens):
        raise ValueError(f"no non-empty sentence to encode for {out_path}")
    layers, dim, store = loaded.n_layers, loaded.dim, np.dtype(dtype)
    windows = window_plan(tokens.lengths, granularity, dtype, layers, dim, buffer_mb, window_sentences)
    mine = [windows[w] for w in shard_windows(len(windows), shard, n_shards)]
    if not mine:  # more shards than windows: this one is empty, and the joined cache is whole
        log.warning(
            "%s: shard %d of %d is empty (the table has %d encoding windows)", out_path, shard, n_shards, len(windows)
        )
    first, last = (mine[0].start, mine[-1].stop) if mine else (0, 0)
    tokens = tokens.sentences(first, last)
    parts = [tokens.sentences(w.start - first, w.stop - first) for w in mine]
    batches = [plan_batches(part.lengths.tolist(), batch_tokens, max_batch) for part in parts]
    staging = Staging(
        device,
        _largest_batch(parts, batches, granularity, layers, dim),
        torch.float16 if granularity == "tokens" and store == np.float16 else torch.float32,
    )
    work = Workspace(torch.device(device))
    layouts = [window_layout(granularity, layers, int(part.offsets[-1]), len(part), dim, store) for part in parts]
    capacity = max((int(np.prod(shape)) for shape, _ in layouts), default=0)
    max_abs, rounding = np.zeros(layers), np.zeros(layers)

    # No chunk cache: windows are written whole, so full chunks go straight to the file, and a
    # cache only kept the part-written chunks of window boundaries (up to its 64 MiB; no faster).
    with (
        atomic_path(out_path) as tmp,
        h5py.File(tmp, "w", rdcc_nbytes=0) as h5,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-writer") as writer,
    ):
        vectors = _create_vectors(
            h5, granularity, layers, int(tokens.offsets[-1]), len(tokens), dim, store, compression
        )
        _write_fields(h5, tokens, granularity)
        bar = tqdm(
            total=sum(map(len, batches)),
            file=progress,
            mininterval=10,
            desc=f"encode {Path(out_path).name}",
            disable=progress is None,
        )
        writing: Future | None = None
        written = spare = None
        for index, (window, part, planned, (shape, window_dtype)) in enumerate(zip(mine, parts, batches, layouts)):
            filled = Window(granularity, shape, spare if spare is not None else np.empty(capacity, window_dtype))
            peak, error = run_window(loaded, part, planned, device, granularity, store, staging, work, bar, filled)
            max_abs = np.maximum(max_abs, peak.cpu().double().numpy())
            rounding = np.maximum(rounding, error.cpu().double().numpy())
            if granularity == "tokens" and store == np.float16 and (max_abs > FLOAT16_MAX).any():
                raise OverflowError(
                    f"{out_path}: hidden states reach {max_abs.max():.4g}, beyond float16; set encode.dtype: float32"
                )
            if writing is not None:
                writing.result()  # one window is written while the next one is filled: two in memory
            spare = written.memory if written is not None else None
            written = filled
            args = (vectors, filled, int(tokens.offsets[window.start - first]), window.start - first)
            overlap = writer_thread and index + 1 < len(mine)  # the last window has nothing to overlap with
            writing = writer.submit(_write_window, *args) if overlap else _write_window(*args)
        if writing is not None:
            writing.result()
        bar.close()
        summary = {
            "n_input": report.n_input,
            "n_empty": report.n_empty,
            "n_truncated": report.n_truncated,
            "n_sentences": len(tokens),
            "n_tokens": int(tokens.offsets[-1]),
            "max_length": limit,
            "max_abs_value": float(max_abs.max()),
            "float16_max_abs_error": float(rounding.max()),
        }
        for key, value in {
            **(attrs or {}),
            **summary,
            "granularity": granularity,
            "dtype": dtype,
            "shard": f"{shard}/{n_shards}",
            "batch_tokens": batch_tokens,
            "max_batch": max_batch,
            "model": loaded.name,
            "model_location": loaded.location,
            "model_revision": loaded.revision,
            "weight_hash": loaded.weight_hash,
            "tokenizer": type(loaded.tokenizer).__name__,
        }.items():
            h5.attrs[key] = value
        h5.attrs["max_abs_per_layer"] = max_abs
        h5.attrs["complete"] = True
    log.info("encoded %s: %s", out_path, summary)
    return summary


def _largest_batch(
    parts: list[Tokenised], batches: list[list[list[int]]], granularity: str, layers: int, dim: int
) -> tuple[int, ...]:
    """Shape of the largest reduced batch: what a staging buffer must hold."""
    if granularity == "tokens":
        most = max(
            (int(part.lengths[rows].sum()) for part, planned in zip(parts, batches) for rows in planned), default=0
        )
        return layers, most, dim
    return len(POOLED), layers, max((len(rows) for planned in batches for rows in planned), default=0), dim


def _create_vectors(
    h5: h5py.File,
    granularity: str,
    layers: int,
    n_tokens: int,
    n_sentences: int,
    dim: int,
    store: np.dtype,
    compression: str | None,
) -> list[h5py.Dataset]:
    if granularity == "tokens":
        rows = min(n_tokens, chunk_rows(dim, store.itemsize))
        return [
            h5.create_dataset(
                "hidden",
                (layers, n_tokens, dim),
                dtype=store,
                chunks=(1, rows, dim) if rows else None,
                compression=compression if rows else None,
            )
        ]
    rows = min(n_sentences, 1024)
    return [
        h5.create_dataset(
            name,
            (layers, n_sentences, dim),
            dtype=POOLED_DTYPE,
            chunks=(1, rows, dim) if rows else None,
            compression=compression if rows else None,
        )
        for name in POOLED
    ]


def _write_fields(h5: h5py.File, tokens: Tokenised, granularity: str) -> None:
    h5.create_dataset("text", data=tokens.texts, dtype=STRING)
    h5.create_dataset("source_index", data=tokens.source_index.astype(np.int64))
    h5.create_dataset("truncated", data=tokens.truncated.astype(bool))
    h5.create_dataset("n_tokens", data=tokens.lengths.astype(np.int32))
    if granularity != "tokens":
        return
    h5.create_dataset("offsets", data=tokens.offsets.astype(np.int64))
    h5.create_dataset("input_ids", data=tokens.input_ids)
    h5.create_dataset("position", data=tokens.position.astype(np.int32))
    h5.create_dataset("word_index", data=tokens.word_index)
    h5.create_dataset("special", data=tokens.special)


def _write_window(vectors: list[h5py.Dataset], window: Window, token_start: int, sentence_start: int) -> None:
    if window.granularity == "tokens":
        vectors[0][:, token_start : token_start + window.vectors.shape[1]] = window.vectors
        return
    for dataset, pooled in zip(vectors, window.vectors):
        dataset[:, sentence_start : sentence_start + pooled.shape[1]] = pooled
