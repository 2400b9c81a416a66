"""SST as SentEval loads it (`senteval/sst.py`, `SSTEval.loadFile`), files `sentiment-*`.

Binary (SST2, from PrincetonML/SIF): `sentence \\tlabel`, no header; SentEval strips the
line, splits on the tab and takes the sentence's whitespace tokens. Fine-grained (SST5,
AcademiaSinicaNLPLab `stsa.fine.*`): `<label> <sentence>`, label 0-4; SentEval strips
the line and splits at the first space. Tokens are joined back with single spaces.
"""

from __future__ import annotations

import os

import pandas as pd

from posart.corpora._lines import fields, integer, nonempty, read_lines


def read_senteval_sst(path: str | os.PathLike, fine: bool) -> pd.DataFrame:
    """[sentence, label:int]; labels 0/1 (binary) or 0-4 (fine=True)."""
    sentences, labels = [], []
    for number, line in enumerate(read_lines(path), start=1):
        if fine:
            label, sentence = fields(path, number, line.strip(), 2, sep=" ", rest=True)
        else:
            sentence, label = fields(path, number, line.strip(), 2)
        labels.append(integer(path, number, label, range(5 if fine else 2)))
        sentences.append(" ".join(nonempty(path, number, sentence, "sentence").split()))
    return pd.DataFrame({"sentence": sentences, "label": pd.Series(labels, dtype="int64")})
