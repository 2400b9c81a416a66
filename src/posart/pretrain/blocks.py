"""Token streams and training blocks, laid out exactly as fairseq's masked_lm task does.

Each line is encoded without special tokens and followed by `</s>` (fairseq-preprocess's
`append_eos`); the lines are concatenated and cut into consecutive blocks of
`tokens_per_sample - 1` tokens, and `<s>` is prepended to each (TokenBlockDataset with
`--sample-break-mode none`, then PrependTokenDataset). The last block may be shorter. The
transformers backend trains on these blocks, the fairseq backend binarises the same ids, and
validation perplexity is computed on the same validation blocks for both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from transformers import PreTrainedTokenizerFast

from posart.atomic import atomic_path


def encode_lines(tokenizer: PreTrainedTokenizerFast, lines: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, lengths): the stream of every line's ids plus `</s>`, and each line's length in it."""
    encodings = tokenizer.backend_tokenizer.encode_batch(list(lines), add_special_tokens=False)
    eos = tokenizer.eos_token_id
    pieces = [np.append(np.asarray(e.ids, dtype=np.int32), eos) for e in encodings]
    if not pieces:
        raise ValueError("no line to encode")
    return np.concatenate(pieces), np.array([len(p) for p in pieces], dtype=np.int64)


def save_stream(path: str | Path, ids: np.ndarray, lengths: np.ndarray) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, ids=ids, lengths=lengths)


def load_stream(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as data:
        return data["ids"], data["lengths"]


def make_blocks(ids: np.ndarray, tokens_per_sample: int, bos: int) -> list[np.ndarray]:
    """`<s>` + consecutive runs of `tokens_per_sample - 1` ids; the last run may be shorter."""
    if tokens_per_sample < 2:
        raise ValueError(f"tokens_per_sample must be at least 2, not {tokens_per_sample}")
    step = tokens_per_sample - 1
    return [np.concatenate([[bos], ids[start : start + step]]).astype(np.int64) for start in range(0, len(ids), step)]
