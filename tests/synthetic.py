"""Build activation caches from given arrays, to test readers and statistics without a model."""

from __future__ import annotations

import h5py
import numpy as np

from posart.cache import STRING


def write_cache(path, hidden: np.ndarray, lengths: list[int], special_first_last: bool = True) -> None:
    """A finished token cache holding `hidden` (layers, tokens, d) for sentences of `lengths`."""
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    special = np.zeros(offsets[-1], bool)
    word_index = np.concatenate([np.arange(n, dtype=np.int32) - 1 for n in lengths])
    if special_first_last:
        special[offsets[:-1]] = True
        special[offsets[1:] - 1] = True
        word_index[special] = -1
    with h5py.File(path, "w") as h5:
        h5.create_dataset("hidden", data=hidden, chunks=(1, min(64, hidden.shape[1]), hidden.shape[2]))
        h5.create_dataset("offsets", data=offsets)
        h5.create_dataset("special", data=special)
        h5.create_dataset("word_index", data=word_index)
        h5.create_dataset("position", data=np.concatenate([np.arange(n) for n in lengths]))
        h5.create_dataset("input_ids", data=np.zeros(offsets[-1], np.int32))
        h5.create_dataset("text", data=[f"sentence {i}" for i in range(len(lengths))], dtype=STRING)
        h5.attrs["granularity"] = "tokens"
        h5.attrs["complete"] = True
