"""WiC, the Word-in-Context dataset (Pilehvar & Camacho-Collados, NAACL 2019).

`<split>.data.txt`: `word <tab> PoS <tab> index1-index2 <tab> sentence1 <tab> sentence2`,
sentences tokenised, indices counting whitespace tokens from 0. `<split>.gold.txt`: one
`T`/`F` per line, aligned with the data file. Indices are checked against the sentences'
whitespace tokens (`str.split()`, which is how the encoder counts words).
"""

from __future__ import annotations

import os

import pandas as pd

from posart.corpora._lines import fields, integer, malformed, nonempty, read_lines

POS_TAGS = ("N", "V")
GOLD = {"T": True, "F": False}
COLUMNS = ["word", "pos", "index1", "index2", "sentence1", "sentence2", "label"]


def _row(path: str | os.PathLike, number: int, line: str) -> tuple:
    word, pos, indices, sentence1, sentence2 = fields(path, number, line, 5)
    if pos not in POS_TAGS:
        raise malformed(path, number, f"PoS {pos!r} is not one of {POS_TAGS}")
    index_fields = fields(path, number, indices, 2, sep="-")
    nonempty(path, number, word, "target word")
    sentences = [nonempty(path, number, s, f"sentence{k}") for k, s in enumerate((sentence1, sentence2), 1)]
    index1, index2 = (
        integer(path, number, text, range(len(sentence.split())), what=f"index{k}")
        for k, (text, sentence) in enumerate(zip(index_fields, sentences), 1)
    )
    return word, pos, index1, index2, sentence1, sentence2


def read_wic(data_path: str | os.PathLike, gold_path: str | os.PathLike) -> pd.DataFrame:
    """[word, pos, index1:int, index2:int, sentence1, sentence2, label:bool]."""
    data = read_lines(data_path)
    gold = read_lines(gold_path)
    if len(data) != len(gold):
        raise ValueError(f"{data_path} has {len(data)} lines but {gold_path} has {len(gold)}")
    rows = []
    for number, (line, label) in enumerate(zip(data, gold), start=1):
        if label not in GOLD:
            raise malformed(gold_path, number, f"gold label {label!r} is not T or F")
        rows.append(_row(data_path, number, line) + (GOLD[label],))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"index1": "int64", "index2": "int64", "label": "bool"})
