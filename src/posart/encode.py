"""Run a model over sentences and write its hidden states of every layer to an activation cache.

Batches: sentences are processed in windows (consecutive runs of sentences whose stored
vectors fit half of `buffer_mb`); inside a window they are sorted by length and batched
under a token budget, so padding is small. A window's vectors are written back in input
order with one contiguous write per layer, which suits the layer-major chunked HDF5 layout.

Speed (benchmarks/bench_encode.py measures it against the bare forward pass):
- no per-sentence Python work while encoding: a batch is assembled by numpy indexing into
  the flat token arrays, and its real tokens are gathered by one index per layer;
- what the cache does not keep never leaves the device: the float16 conversion, the
  overflow and rounding maxima and, for sentence caches, the pooling run next to the model,
  and only the stored vectors are copied to the host;
- on CUDA these copies go through pinned staging buffers without blocking, so the device
  runs batch k+1 while the host files batch k; everywhere, a writer thread writes window w
  while the model runs window w+1 (two windows in memory at most: `buffer_mb` in all).

Numbers: a sentence's vectors depend slightly on the batch it ran in (padding changes the
kernels' blocking), so batches depend on the settings and sentence lengths only, never on
the shard count, the writer thread or timing. A cache holds exactly the numbers of the
model's forward pass over those batches (tests/test_encode.py checks it bit for bit).

Sharding: every shard tokenises the whole dataset (cheap) and plans the same windows, then
encodes its own contiguous group of windows (none, when there are more shards than
windows), so a sharded cache holds exactly the numbers of an unsharded one.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import IO, Mapping, Sequence

import h5py
import numpy as np
import torch
from tqdm import tqdm

from posart.atomic import atomic_path
from posart.cache import POOLED, STRING, chunk_rows
from posart.models import LoadedModel
from posart.tokenize import Tokenised, tokenise

log = logging.getLogger(__name__)
# Most sentences per batch, per device type. On 2 CPU cores, batches of 64 SST-2 sentences
# ran 20% faster than batches of 256 (less padding, better cache use; benchmarks/README.md);
# a GPU wants large batches to be busy.
MAX_BATCH = MappingProxyType({"cpu": 64, "cuda": 256, "mps": 256, "xpu": 256})
FLOAT16_MAX = float(np.finfo(np.float16).max)
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


def window_plan(lengths: np.ndarray, granularity: str, dtype: str, layers: int, dim: int,
                buffer_mb: int, window_sentences: int) -> list[range]:
    """The windows of a dataset: two windows' stored vectors (one filled, one written) fit `buffer_mb`.

    A token cache stores every token (layers × dim values of `dtype`), a sentence cache two
    pooled float32 vectors per sentence, whatever the sentence's length.
    """
    if granularity == "tokens":
        costs, unit = lengths, layers * dim * np.dtype(dtype).itemsize
    elif granularity == "sentences":
        costs, unit = np.ones_like(lengths), len(POOLED) * layers * dim * np.dtype(POOLED_DTYPE).itemsize
    else:
        raise ValueError(f"granularity must be 'tokens' or 'sentences', not {granularity!r}")
    return plan_windows(costs, max(1, (buffer_mb << 20) // (2 * unit)), window_sentences)


@dataclass
class Batch:
    """One padded batch and where its real tokens come from and go to."""
    input_ids: torch.Tensor       # (rows, longest) int64, right-padded
    attention_mask: torch.Tensor  # (rows, longest) int64
    flat: torch.Tensor            # (tokens,) position of each real token in the flattened batch
    keep: torch.Tensor            # (rows, 2, longest) float64 pooling weights: all tokens, non-special ones
    sentences: np.ndarray         # (rows,) sentence of each row, within the window
    tokens: np.ndarray            # (tokens,) token index within the window, in gathered order


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
    return Batch(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(row * longest + column),
                 torch.from_numpy(keep), rows, tokens)


@torch.inference_mode()
def hidden_states(loaded: LoadedModel, batch: Batch, device: str) -> tuple[torch.Tensor, ...]:
    """The model's hidden states of every layer, each (rows, longest, dim) on `device`."""
    out = loaded.model(input_ids=batch.input_ids.to(device, non_blocking=True),
                       attention_mask=batch.attention_mask.to(device, non_blocking=True), output_hidden_states=True)
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


def pool(states: torch.Tensor, keep: torch.Tensor, counts: torch.Tensor, wide: torch.Tensor,
         out: torch.Tensor) -> None:
    """`out` (2, rows, dim) := means of one layer's padded states over all tokens and over non-special ones.

    Summed in float64 like `cache.segment_means`, which gives the same float32 means here.
    """
    sums = torch.bmm(keep, wide.copy_(states))  # (rows, 2, dim)
    out.copy_(sums.div_(counts).transpose(0, 1))


@dataclass
class Reduced:
    """What one batch leaves behind: stored vectors and per-layer maxima (on the device until copied)."""
    vectors: torch.Tensor  # tokens: (layers, tokens, dim) in the stored dtype; sentences: (2, layers, rows, dim)
    peak: torch.Tensor     # (layers,) largest |hidden state|
    error: torch.Tensor    # (layers,) largest float16 rounding error of the stored vectors (0 if none)


@torch.inference_mode()
def reduce(hidden: tuple[torch.Tensor, ...], batch: Batch, granularity: str, store: np.dtype,
           work: Workspace) -> Reduced:
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
        buffer = self.buffers[self.turn].view(-1)[:vectors.numel()].view(vectors.shape)
        self.turn = 1 - self.turn
        buffer.copy_(vectors, non_blocking=self.cuda)
        if not self.cuda:
            return Reduced(buffer, reduced.peak, reduced.error), None
        event = torch.cuda.Event()
        event.record()
        return Reduced(buffer, reduced.peak, reduced.error), event


class Window:
    """The stored vectors of one window, filled batch by batch in sorted order, kept in input order.

    `reuse` is the flat memory of a window already written: refilling it saves the page
    faults of fresh memory (about 0.1 s of CPU per 143 MB here).
    """

    def __init__(self, granularity: str, layers: int, n_tokens: int, n_sentences: int, dim: int, store: np.dtype,
                 reuse: np.ndarray | None = None):
        self.granularity = granularity
        if granularity == "tokens":
            shape, dtype = (layers, n_tokens, dim), store
        else:
            shape, dtype = (len(POOLED), layers, n_sentences, dim), np.dtype(POOLED_DTYPE)
        size = int(np.prod(shape))
        fits = reuse is not None and reuse.dtype == dtype and reuse.size >= size
        self.memory = reuse if fits else np.empty(size, dtype)
        self.vectors = self.memory[:size].reshape(shape)

    def file(self, batch: Batch, host: Reduced) -> None:
        if self.granularity == "tokens":
            self.vectors[:, batch.tokens] = host.vectors.numpy()
        else:
            self.vectors[:, :, batch.sentences] = host.vectors.numpy()


def run_window(loaded: LoadedModel, window: Tokenised, batches: list[list[int]], device: str, granularity: str,
               store: np.dtype, staging: Staging, work: Workspace, bar: tqdm, reuse: np.ndarray | None = None
               ) -> tuple[Window, torch.Tensor, torch.Tensor]:
    """Encode one window; returns its vectors and its per-layer peak and rounding error (on the device).

    On CUDA, batch k+1 is queued on the device before batch k is filed on the host.
    """
    pad = loaded.tokenizer.pad_token_id if loaded.tokenizer.pad_token_id is not None else 0
    out = Window(granularity, loaded.n_layers, int(window.offsets[-1]), len(window), loaded.dim, store, reuse)
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
    return out, peak, error


def _file(window: Window, batch: Batch, host: Reduced, event, bar: tqdm) -> None:
    if event is not None:
        event.synchronize()
    window.file(batch, host)
    bar.update()


def for_device(value: int | Mapping[str, int], device: str, name: str) -> int:
    """A setting given once, or per device type (e.g. `{cpu: 8192, cuda: 65536}`) as memory differs."""
    if not isinstance(value, Mapping):
        return int(value)
    kind = torch.device(device).type
    if kind not in value:
        raise ValueError(f"encode.{name} gives no value for device type {kind!r} (only for {sorted(value)})")
    return int(value[kind])


def encode(loaded: LoadedModel, texts: Sequence[str], out_path: str | Path, *,
           granularity: str = "tokens", dtype: str = "float16", max_length: int | None = None,
           batch_tokens: int | Mapping[str, int] = 8192, max_batch: int | Mapping[str, int] = MAX_BATCH,
           buffer_mb: int = 1024, window_sentences: int = 8192,
           compression: str | None = None, shard: int = 0, n_shards: int = 1,
           device: str = "cpu", writer_thread: bool = True, attrs: dict | None = None,
           progress: IO | None = None) -> dict:
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
        log.warning("%s: shard %d of %d is empty (the table has %d encoding windows)", out_path, shard, n_shards,
                    len(windows))
    first, last = (mine[0].start, mine[-1].stop) if mine else (0, 0)
    tokens = tokens.sentences(first, last)
    parts = [tokens.sentences(w.start - first, w.stop - first) for w in mine]
    batches = [plan_batches(part.lengths.tolist(), batch_tokens, max_batch) for part in parts]
    staging = Staging(device, _largest_batch(parts, batches, granularity, layers, dim),
                      torch.float16 if granularity == "tokens" and store == np.float16 else torch.float32)
    work = Workspace(torch.device(device))
    max_abs, rounding = np.zeros(layers), np.zeros(layers)

    with atomic_path(out_path) as tmp, h5py.File(tmp, "w", rdcc_nbytes=64 << 20) as h5, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-writer") as writer:
        vectors = _create_vectors(h5, granularity, layers, int(tokens.offsets[-1]), len(tokens), dim, store,
                                  compression)
        _write_fields(h5, tokens, granularity)
        bar = tqdm(total=sum(map(len, batches)), file=progress, mininterval=10,
                   desc=f"encode {Path(out_path).name}", disable=progress is None)
        writing: Future | None = None
        written = spare = None
        for window, part, planned in zip(mine, parts, batches):
            filled, peak, error = run_window(loaded, part, planned, device, granularity, store, staging, work, bar,
                                             spare)
            max_abs = np.maximum(max_abs, peak.cpu().double().numpy())
            rounding = np.maximum(rounding, error.cpu().double().numpy())
            if granularity == "tokens" and store == np.float16 and (max_abs > FLOAT16_MAX).any():
                raise OverflowError(f"{out_path}: hidden states reach {max_abs.max():.4g}, beyond "
                                    f"float16; set encode.dtype: float32")
            if writing is not None:
                writing.result()  # one window is written while the next one is filled: two in memory
            spare = written.memory if written is not None else None
            written = filled
            args = (vectors, filled, int(tokens.offsets[window.start - first]), window.start - first)
            writing = writer.submit(_write_window, *args) if writer_thread else _write_window(*args)
        if writing is not None:
            writing.result()
        bar.close()
        summary = {"n_input": report.n_input, "n_empty": report.n_empty, "n_truncated": report.n_truncated,
                   "n_sentences": len(tokens), "n_tokens": int(tokens.offsets[-1]), "max_length": limit,
                   "max_abs_value": float(max_abs.max()), "float16_max_abs_error": float(rounding.max())}
        for key, value in {**(attrs or {}), **summary, "granularity": granularity, "dtype": dtype,
                           "shard": f"{shard}/{n_shards}",
                           "batch_tokens": batch_tokens, "max_batch": max_batch, "model": loaded.name,
                           "model_location": loaded.location, "model_revision": loaded.revision,
                           "weight_hash": loaded.weight_hash,
                           "tokenizer": type(loaded.tokenizer).__name__}.items():
            h5.attrs[key] = value
        h5.attrs["max_abs_per_layer"] = max_abs
        h5.attrs["complete"] = True
    log.info("encoded %s: %s", out_path, summary)
    return summary


def _largest_batch(parts: list[Tokenised], batches: list[list[list[int]]], granularity: str, layers: int,
                   dim: int) -> tuple[int, ...]:
    """Shape of the largest reduced batch: what a staging buffer must hold."""
    if granularity == "tokens":
        most = max((int(part.lengths[rows].sum()) for part, planned in zip(parts, batches) for rows in planned),
                   default=0)
        return layers, most, dim
    return len(POOLED), layers, max((len(rows) for planned in batches for rows in planned), default=0), dim


def _create_vectors(h5: h5py.File, granularity: str, layers: int, n_tokens: int, n_sentences: int,
                    dim: int, store: np.dtype, compression: str | None) -> list[h5py.Dataset]:
    if granularity == "tokens":
        rows = min(n_tokens, chunk_rows(dim, store.itemsize))
        return [h5.create_dataset("hidden", (layers, n_tokens, dim), dtype=store,
                                  chunks=(1, rows, dim) if rows else None, compression=compression if rows else None)]
    rows = min(n_sentences, 1024)
    return [h5.create_dataset(name, (layers, n_sentences, dim), dtype=POOLED_DTYPE, chunks=(1, rows, dim) if rows
                              else None, compression=compression if rows else None) for name in POOLED]


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
        vectors[0][:, token_start:token_start + window.vectors.shape[1]] = window.vectors
        return
    for dataset, pooled in zip(vectors, window.vectors):
        dataset[:, sentence_start:sentence_start + pooled.shape[1]] = pooled
