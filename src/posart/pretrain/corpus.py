"""Pretraining text: WikiExtractor articles -> seeded train/valid split -> one line per paragraph.

Unit of text: WikiExtractor's paragraph line, not a sentence. Both backends pack the token
stream into contiguous blocks (fairseq's `--sample-break-mode none`, Hugging Face's
`group_texts`), with `</s>` after every line, so sentence boundaries would only move a
few separator tokens; a sentence splitter would add a dependency (or hand-written rules)
for no change in what the model sees. (The paper counts 158.4M training *sentences*; its
exact preprocessing is not published.)
Filtering: lines that consist only of markup tags left by WikiExtractor (`</dl>`,
`<onlyinclude></onlyinclude>`) are dropped and counted; every other line is kept verbatim.
Split: by *document*, so no article contributes to both sides; which documents go to
validation is a seeded random draw, reproducible from (seed, document ids).
"""

from __future__ import annotations

import glob
import logging
import re
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from posart.atomic import write_text
from posart.corpora import read_wikiextractor

log = logging.getLogger(__name__)

MARKUP_ONLY = re.compile(r"^\s*(</?[A-Za-z][^<>]*>\s*)+$")
SPLITS = ("train", "valid")


def expand(patterns: Sequence[str]) -> list[Path]:
    """Files matching the glob patterns, sorted; a pattern matching nothing is an error."""
    files: list[Path] = []
    for pattern in patterns:
        matched = sorted(glob.glob(str(pattern)))
        if not matched:
            raise FileNotFoundError(f"pretraining corpus: no file matches {pattern!r}")
        files.extend(Path(path) for path in matched)
    return files


def read_documents(files: Sequence[str | Path], max_documents: int | None = None) -> pd.DataFrame:
    """Body lines of the first `max_documents` articles (all when None), markup-only lines dropped."""
    frame = read_wikiextractor(files)
    if max_documents is not None:
        keep = pd.unique(frame.doc_id)[:max_documents]
        frame = frame[frame.doc_id.isin(keep)]
    markup = frame.text.str.match(MARKUP_ONLY)
    log.info(
        "pretraining corpus: %d lines of %d documents; %d markup-only lines dropped",
        len(frame),
        frame.doc_id.nunique(),
        int(markup.sum()),
    )
    return frame[~markup].reset_index(drop=True)


def split_documents(doc_ids: Sequence[str], valid_fraction: float, seed: int) -> set[str]:
    """The validation documents: a seeded draw of round(fraction x n) documents, at least 1, not all."""
    unique = sorted(set(doc_ids))
    if len(unique) < 2:
        raise ValueError(f"pretraining corpus: {len(unique)} document(s); a train/valid split needs at least 2")
    if not 0 < valid_fraction < 1:
        raise ValueError(f"pretraining corpus: valid_fraction must lie in (0, 1), not {valid_fraction}")
    n_valid = min(max(1, round(valid_fraction * len(unique))), len(unique) - 1)
    chosen = np.random.default_rng(seed).choice(len(unique), size=n_valid, replace=False)
    return {unique[i] for i in chosen}


def prepare_text(
    files: Sequence[str | Path], out_dir: str | Path, valid_fraction: float, seed: int, max_documents: int | None = None
) -> dict:
    """Write `train.txt` and `valid.txt` (one paragraph per line) under `out_dir`; return counts."""
    frame = read_documents(files, max_documents)
    valid = frame.doc_id.isin(split_documents(frame.doc_id, valid_fraction, seed))
    out_dir = Path(out_dir)
    summary = {
        "files": [str(path) for path in files],
        "valid_fraction": valid_fraction,
        "seed": seed,
        "max_documents": max_documents,
    }
    for split, rows in (("train", frame[~valid]), ("valid", frame[valid])):
        write_text(out_dir / f"{split}.txt", "".join(line + "\n" for line in rows.text))
        summary[f"{split}_documents"] = int(rows.doc_id.nunique())
        summary[f"{split}_lines"] = len(rows)
        summary[f"{split}_words"] = int(rows.text.str.split().str.len().sum())
    return summary


def read_split(out_dir: str | Path, split: str) -> list[str]:
    """The lines of a prepared split."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    return (Path(out_dir) / f"{split}.txt").read_text(encoding="utf-8").splitlines()
