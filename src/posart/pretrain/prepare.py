"""Prepare a pretraining corpus once for both backends: text split, tokenizer, token streams.

Layout of the output directory: `train.txt`, `valid.txt` (posart.pretrain.corpus),
`tokenizer/` (posart.pretrain.bpe), `train.npz`, `valid.npz` (posart.pretrain.blocks), and
`corpus.json` with the counts. Both models of a pair, and both backends, read the same one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from transformers import AutoTokenizer, PreTrainedTokenizerFast

from posart.atomic import write_text
from posart.pretrain import blocks, bpe, corpus


def prepare(
    files: Sequence[str | Path],
    out_dir: str | Path,
    vocab_size: int,
    tokens_per_sample: int,
    valid_fraction: float,
    seed: int,
    max_documents: int | None = None,
) -> dict:
    out_dir = Path(out_dir)
    summary = corpus.prepare_text(files, out_dir, valid_fraction, seed, max_documents)
    tokenizer = bpe.train(out_dir / "train.txt", vocab_size, out_dir / "tokenizer", tokens_per_sample)
    for split in corpus.SPLITS:
        ids, lengths = blocks.encode_lines(tokenizer, corpus.read_split(out_dir, split))
        blocks.save_stream(out_dir / f"{split}.npz", ids, lengths)
        summary[f"{split}_tokens"] = int(len(ids))
    summary.update(vocab_size=len(tokenizer), tokens_per_sample=tokens_per_sample)
    write_text(out_dir / "corpus.json", json.dumps(summary, indent=2) + "\n")
    return summary


def load_tokenizer(prep_dir: str | Path) -> PreTrainedTokenizerFast:
    return AutoTokenizer.from_pretrained(Path(prep_dir) / "tokenizer")


def split_blocks(prep_dir: str | Path, split: str, tokens_per_sample: int, bos: int):
    ids, _ = blocks.load_stream(Path(prep_dir) / f"{split}.npz")
    return blocks.make_blocks(ids, tokens_per_sample, bos)
