"""Tokenise sentences for encoding, keeping the link from each subword to its whitespace word.

Tasks name words by whitespace index (WiC's `index1`, self-similarity's word types), so
every token records which whitespace-delimited word of the raw text it starts in, taken
from the fast tokenizer's character offsets. The raw text is tokenised as is (no
`is_split_into_words`), so RoBERTa-style tokenizers see exactly what a user would feed.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the data env has no transformers; only encoding needs it
    from transformers import PreTrainedTokenizerBase

log = logging.getLogger(__name__)
WORD = re.compile(r"\S+")


@dataclass
class Tokenised:
    """One sentence ready for the model."""
    source_index: int
    text: str
    input_ids: np.ndarray     # int32
    special: np.ndarray       # bool
    word_index: np.ndarray    # int32, -1 for special tokens
    truncated: bool


@dataclass
class TokenisationReport:
    n_input: int
    n_empty: int
    n_truncated: int


def normalise(text: str) -> str:
    """Collapse runs of whitespace (incl. newlines) so that one sentence is one line."""
    return " ".join(text.split())


def word_indices(text: str, offsets: list[tuple[int, int]], special: list[int]) -> np.ndarray:
    """Whitespace-word index of each token (-1 for special tokens)."""
    starts = [m.start() for m in WORD.finditer(text)]
    out = np.full(len(offsets), -1, dtype=np.int32)
    for i, ((begin, end), is_special) in enumerate(zip(offsets, special)):
        if is_special or end <= begin:
            continue
        while begin < end and text[begin].isspace():
            begin += 1
        out[i] = bisect.bisect_right(starts, begin) - 1
    return out


def tokenise(tokenizer: "PreTrainedTokenizerBase", texts: list[str], max_length: int,
             batch_size: int = 1024) -> tuple[list[Tokenised], TokenisationReport]:
    """Tokenise; skip empty sentences and truncate over-long ones, counting both.

    Empty means nothing but special tokens after normalisation. Over-long sentences keep
    their first `max_length` tokens (special tokens included), as the paper's encoders would.
    """
    kept: list[Tokenised] = []
    n_empty = n_truncated = 0
    for start in range(0, len(texts), batch_size):
        chunk = [normalise(t) for t in texts[start:start + batch_size]]
        batch = tokenizer(chunk, truncation=True, max_length=max_length,
                          return_overflowing_tokens=True, return_offsets_mapping=True,
                          return_special_tokens_mask=True)
        mapping = batch["overflow_to_sample_mapping"]
        pieces = Counter(mapping)
        seen: set[int] = set()
        for row, sample in enumerate(mapping):
            if sample in seen:
                continue
            seen.add(sample)
            special = batch["special_tokens_mask"][row]
            text = chunk[sample]
            truncated = pieces[sample] > 1
            if all(special) or not text:
                n_empty += 1
                log.warning("skipping empty sentence %d", start + sample)
                continue
            if truncated:
                n_truncated += 1
                log.warning("truncating sentence %d to %d tokens", start + sample, max_length)
            kept.append(Tokenised(
                source_index=start + sample, text=text,
                input_ids=np.asarray(batch["input_ids"][row], dtype=np.int32),
                special=np.asarray(special, dtype=bool),
                word_index=word_indices(text, batch["offset_mapping"][row], special),
                truncated=truncated))
    report = TokenisationReport(n_input=len(texts), n_empty=n_empty, n_truncated=n_truncated)
    log.info("tokenised %d sentences: %d kept, %d empty skipped, %d truncated to %d tokens",
             report.n_input, len(kept), n_empty, n_truncated, max_length)
    return kept, report
