"""The HDF5 activation cache: one file per (model, dataset), written once, streamed by every reader.

Layout (see design.md):
- token caches: `hidden` (layers, tokens, d), layer-major and chunked so that one layer
  streams from disk; per token `input_ids`, `position`, `word_index` (-1 for special
  tokens), `special`; per sentence `offsets` (sentence i owns tokens offsets[i]:offsets[i+1]),
  `text`, `source_index` (row of the sentence in the input dataset), `truncated`.
- sentence caches (for long documents, e.g. IMDB): `pooled` and `pooled_nospecial`
  (layers, sentences, d): the mean over all attended tokens, and over non-special tokens.
- attributes: model name, revision, weight hash, tokenizer settings, max length, dtype,
  package versions, config hash, and `complete`, set last: a file without it is unfinished.
Sharded encodings are joined by an HDF5 virtual dataset over the shard files (`join`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

import h5py
import numpy as np

from posart.atomic import atomic_path

TOKEN_FIELDS = ("input_ids", "position", "word_index", "special")
SENTENCE_FIELDS = ("text", "source_index", "truncated", "n_tokens")
POOLED = ("pooled", "pooled_nospecial")
STRING = h5py.string_dtype(encoding="utf-8")
# HDF5's chunk cache for reading compressed vectors, shared out among a joined cache's shards
# (HDF5 gives each shard its own). A chunk read again soon (where a block ends inside it; the
# probe's blocks of all layers) is then not decompressed again; a task reading a whole layer
# twice gains only when the layer fits. Uncompressed vectors are read without a cache: HDF5
# then reads straight into the caller's array, whereas a cache only filled up with chunks read
# once (+60 MiB for a statistics job). A file opened twice in one process keeps its first cache.
COMPRESSED_CHUNK_CACHE_BYTES = 64 << 20


class CacheError(RuntimeError):
    """An activation cache that is missing, unfinished or corrupt; says which file."""


def chunk_rows(dim: int, itemsize: int, target_bytes: int = 1 << 20) -> int:
    """Rows per HDF5 chunk so that one chunk of one layer is about `target_bytes`."""
    return max(1, target_bytes // (dim * itemsize))


class ActivationCache:
    """Read-only, streaming view of a finished activation cache."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise CacheError(f"activation cache {self.path} does not exist")
        try:
            self.file = h5py.File(self.path, "r", rdcc_nbytes=0)
        except OSError as error:
            raise CacheError(
                f"activation cache {self.path} is truncated or corrupt ({error}); "
                f"delete it and rerun the workflow to rebuild it"
            ) from error
        if not self.file.attrs.get("complete", False):
            self.file.close()
            raise CacheError(f"activation cache {self.path} is unfinished (no 'complete' flag); delete it and rerun")
        self._check_shards()
        self.granularity = str(self.file.attrs["granularity"])
        compressed = self._compressed_files()
        if compressed:
            self.file.close()
            self.file = h5py.File(self.path, "r", rdcc_nbytes=COMPRESSED_CHUNK_CACHE_BYTES // compressed)
        self.offsets = self.file["offsets"][:] if "offsets" in self.file else None

    def _check_shards(self) -> None:
        """A joined cache whose shard file is gone would read as zeros, and one whose shard is
        truncated or corrupt fails only at the first read, with an HDF5 message naming no
        file: refuse both here, naming the shard."""
        for name in ("hidden",) + POOLED:
            dataset = self.file.get(name)
            if dataset is None or not dataset.is_virtual:
                continue
            for shard, source in self._sources(dataset):
                problem = _shard_problem(shard, source)
                if problem:
                    self.file.close()
                    raise CacheError(f"activation cache {self.path} reads from shard {shard}, which {problem}")

    def _sources(self, dataset: h5py.Dataset) -> list[tuple[Path, str]]:
        """(shard file, dataset name) of each part of a joined cache's virtual dataset, in order."""
        return list(dict.fromkeys((self.path.parent / s.file_name, s.dset_name) for s in dataset.virtual_sources()))

    def _compressed_files(self) -> int:
        """How many files hold the vectors compressed: this one, or shards of a joined cache."""
        vectors = self._vectors
        if not vectors.is_virtual:
            return int(vectors.compression is not None)
        count = 0
        for shard, source in self._sources(vectors):
            with h5py.File(shard, "r") as opened:
                count += opened[source].compression is not None
        return count

    def __enter__(self) -> "ActivationCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.file.close()

    @property
    def attrs(self) -> dict:
        return {key: _plain(value) for key, value in self.file.attrs.items()}

    @property
    def _vectors(self) -> h5py.Dataset:
        return self.file["hidden" if self.granularity == "tokens" else "pooled"]

    @property
    def n_layers(self) -> int:
        return self._vectors.shape[0]

    @property
    def dim(self) -> int:
        return self._vectors.shape[2]

    @property
    def n_sentences(self) -> int:
        return len(self.file["text"])

    @property
    def n_tokens(self) -> int:
        return self.file["hidden"].shape[1] if self.granularity == "tokens" else 0

    def texts(self) -> list[str]:
        return [t.decode() if isinstance(t, bytes) else t for t in self.file["text"][:]]

    def rows_of(self, texts) -> np.ndarray:
        """Cache row of each text (-1 where the cache lacks it, e.g. an empty sentence skipped)."""
        index = {text: row for row, text in enumerate(self.texts())}
        return np.array([index.get(text, -1) for text in texts], dtype=np.int64)

    def field(self, name: str) -> np.ndarray:
        """A per-token or per-sentence field (e.g. `special`, `word_index`, `source_index`)."""
        return self.file[name][:]

    def _require_tokens(self) -> None:
        if self.granularity != "tokens":
            raise CacheError(
                f"{self.path} holds sentence vectors only; this step needs token vectors "
                f"(set the dataset's `granularity: tokens`)"
            )

    def sentence_chunks(self, layer: int, max_tokens: int = 1 << 14) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
        """Yield (sentence slice, float32 token block, block-relative offsets) aligned to sentence ends.

        Every block is read into the same two buffers (stored dtype, float32), so the next
        block overwrites it: use it before advancing. Fresh blocks of varying sizes
        fragmented the heap, and the peak memory of a pass grew with the cache.
        """
        self._require_tokens()
        hidden = self.file["hidden"]
        bounds = [0]
        while bounds[-1] < self.n_sentences:
            first = bounds[-1]
            last = int(np.searchsorted(self.offsets, self.offsets[first] + max_tokens, side="right")) - 1
            bounds.append(min(max(last, first + 1), self.n_sentences))
        largest = int(np.diff(self.offsets[bounds]).max(initial=0))
        stored = np.empty((largest, self.dim), hidden.dtype)
        wide = stored if hidden.dtype == np.float32 else np.empty((largest, self.dim), np.float32)
        for first, last in zip(bounds, bounds[1:]):
            lo, hi = int(self.offsets[first]), int(self.offsets[last])
            hidden.read_direct(stored, np.s_[layer, lo:hi], np.s_[: hi - lo])
            if wide is not stored:  # a float32 cache is read straight into the float32 buffer
                np.copyto(wide[: hi - lo], stored[: hi - lo])
            yield slice(first, last), wide[: hi - lo], self.offsets[first : last + 1] - lo

    def tokens(self, layer: int, index: np.ndarray) -> np.ndarray:
        """Gather token vectors of one layer by global token index (any order, repeats allowed)."""
        self._require_tokens()
        index = np.asarray(index, dtype=np.int64)
        unique, inverse = np.unique(index, return_inverse=True)
        return self.file["hidden"][layer, unique].astype(np.float32)[inverse]

    def token_range(self, lo: int, hi: int) -> np.ndarray:
        """Every layer's vectors of tokens lo:hi, (layers, hi - lo, d), in the stored dtype (no copy up)."""
        self._require_tokens()
        return self.file["hidden"][:, lo:hi]

    def group_means(self, layer: int, groups: list[np.ndarray]) -> np.ndarray:
        """Mean vector of each group of token indices (e.g. a word's subwords) in one layer."""
        flat = np.concatenate(groups)
        starts = np.concatenate([[0], np.cumsum([len(g) for g in groups])])
        return segment_means(self.tokens(layer, flat), starts, np.ones(len(flat), bool))

    def sentence_means(self, layer: int, special_tokens: bool = True) -> np.ndarray:
        """Mean-pooled sentence vectors of one layer, with or without special tokens."""
        if self.granularity == "sentences":
            return self.file[POOLED[0] if special_tokens else POOLED[1]][layer].astype(np.float32, copy=False)
        special = None if special_tokens else self.file["special"][:]
        out = np.empty((self.n_sentences, self.dim), dtype=np.float32)
        scratch = Scratch()
        for sentences, block, offsets in self.sentence_chunks(layer):
            keep = (
                np.ones(len(block), bool)
                if special is None
                else ~special[self.offsets[sentences.start] : self.offsets[sentences.stop]]
            )
            out[sentences] = segment_means(block, offsets, keep, scratch)
        return out


def _shard_problem(shard: Path, source: str) -> str | None:
    if not shard.is_file():
        return "is missing; rerun the workflow to rebuild it"
    try:
        with h5py.File(shard, "r") as opened:
            if source not in opened:
                return f"holds no {source!r}; delete it and rerun the workflow to rebuild it"
    except OSError as error:
        return f"is truncated or corrupt ({error}); delete it and rerun the workflow to rebuild it"
    return None


class Scratch:
    """One buffer of `dtype` lent to every block of a streaming pass, grown to the largest block."""

    def __init__(self, dtype: np.dtype | type = np.float64):
        self.buffer = np.empty(0, dtype)

    def _view(self, shape: tuple[int, ...]) -> np.ndarray:
        size = int(np.prod(shape))
        if self.buffer.size < size:
            self.buffer = np.empty(size, self.buffer.dtype)
        return self.buffer[:size].reshape(shape)

    def copy_of(self, block: np.ndarray) -> np.ndarray:
        """`block` converted to the buffer's dtype, in the buffer (the next call overwrites it)."""
        out = self._view(block.shape)
        np.copyto(out, block)
        return out

    def rows(self, block: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """`block[keep]` (same dtype) in the buffer (the next call overwrites it)."""
        return np.compress(keep, block, axis=0, out=self._view((int(keep.sum()), *block.shape[1:])))


def segment_means(
    block: np.ndarray, offsets: np.ndarray, keep: np.ndarray, scratch: Scratch | None = None
) -> np.ndarray:
    """Mean of the kept rows of each segment offsets[i]:offsets[i+1] (empty keep -> error).

    Sums in float64; `scratch` lends the float64 copy of the block (a streaming pass reuses one).
    """
    wide = (scratch or Scratch()).copy_of(block)
    wide[~keep] = 0.0
    sums = np.add.reduceat(wide, offsets[:-1], axis=0)
    counts = np.add.reduceat(keep.astype(np.int64), offsets[:-1])
    if (counts == 0).any() or (np.diff(offsets) == 0).any():
        raise CacheError("a sentence has no token to pool")
    return (sums / counts[:, None]).astype(np.float32)


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def join(shards: list[str | Path], out: str | Path, attrs: dict) -> None:
    """Join shard caches into one cache: vectors through a virtual dataset, no copy.

    Shards hold consecutive sentence ranges. Per-token and per-sentence fields are small
    and are concatenated; `offsets` are rebased. Source file names are stored relative to
    the joined file, so the results folder can be moved as a whole.
    """
    out = Path(out)
    opened = [ActivationCache(path) for path in shards]
    try:
        first = opened[0]
        vector_names = ("hidden",) if first.granularity == "tokens" else POOLED
        with atomic_path(out) as tmp, h5py.File(tmp, "w") as joined:
            for name in vector_names:
                parts = [cache.file[name] for cache in opened]
                rows = sum(part.shape[1] for part in parts)
                layout = h5py.VirtualLayout(shape=(first.n_layers, rows, first.dim), dtype=parts[0].dtype)
                start = 0
                for path, part in zip(shards, parts):
                    if not part.shape[1]:
                        continue  # an empty shard (more shards than encoding windows) maps nothing
                    source = h5py.VirtualSource(_relative(Path(path), out.parent), name, shape=part.shape)
                    layout[:, start : start + part.shape[1]] = source
                    start += part.shape[1]
                joined.create_virtual_dataset(name, layout)
            fields = (TOKEN_FIELDS if first.granularity == "tokens" else ()) + SENTENCE_FIELDS
            for name in fields:
                joined.create_dataset(name, data=np.concatenate([c.file[name][:] for c in opened]))
            if first.granularity == "tokens":
                bases = np.cumsum([0] + [c.n_tokens for c in opened[:-1]])
                offsets = [c.offsets[:-1] + base for c, base in zip(opened, bases)]
                joined.create_dataset("offsets", data=np.concatenate(offsets + [[sum(c.n_tokens for c in opened)]]))
            for key, value in first.file.attrs.items():
                if key not in ("complete", "shard"):
                    joined.attrs[key] = value
            for key, value in attrs.items():
                joined.attrs[key] = value
            # Every shard tokenises the whole dataset, so whole-dataset counts come from any
            # one shard; the shard's own sizes add up, its extremes take the maximum.
            for key in ("n_sentences", "n_tokens"):
                joined.attrs[key] = int(sum(c.file.attrs[key] for c in opened))
            for key in ("max_abs_value", "float16_max_abs_error"):
                joined.attrs[key] = float(max(c.file.attrs[key] for c in opened))
            joined.attrs["max_abs_per_layer"] = np.max([c.file.attrs["max_abs_per_layer"] for c in opened], axis=0)
            joined.attrs["shards"] = json.dumps([_relative(Path(p), out.parent) for p in shards])
            joined.attrs["complete"] = True
    finally:
        for cache in opened:
            cache.close()


def _relative(path: Path, start: Path) -> str:
    return os.path.relpath(path.resolve(), start.resolve())
